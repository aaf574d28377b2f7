# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ports of 127.0.0.1 for the listeners the tests, the benchmarks and the demo start. Standard library only."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port nobody listens on now (bound, then closed): for a listener to take, or for a client to be refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def accepts_connections(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a TCP connection to host:port opens now (a condition for wait_for: a listener has started)."""
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError:
        return False
    return True
