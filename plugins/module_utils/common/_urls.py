# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Rules about URLs that both sides share: what an absolute http(s) URL is (http_url_parts, the one rule of the three
URL checks: api_url, a call's callback URLs, the callbacks source's public_url, each with its own message), and plain
http to a host that is not loopback. Standard library only."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

# Spaces and control characters: never part of a URL that is sent or signed as given.
SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def http_url_parts(value: str, read_port: bool = True) -> SplitResult | None:
    """The parts of `value` when it is an absolute http:// or https:// URL with a host, else None. ValueError when it
    cannot be read at all (with `read_port`, a port that is not a number between 0 and 65535 counts)."""
    parts = urlsplit(value)
    if read_port:
        parts.port  # noqa: B018 - parsing the port raises ValueError on a bad one
    return parts if parts.scheme in ("http", "https") and parts.hostname else None


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
