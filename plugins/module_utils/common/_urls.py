# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Rules about URLs that both sides share: plain http to a host that is not loopback. Standard library only."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def clear_text_to_remote_host(url: str) -> bool:
    """Whether `url` is plain http to a host that is not loopback (a token or a callback would travel in clear text)."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True
