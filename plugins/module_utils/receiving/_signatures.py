# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Vobiz's callback signatures, checked on receipt: V3, V2, and their MA- forms keyed with the main account's token;
and the memory of the nonces already seen (replays).

    V2 = base64(HMAC-SHA256(key=auth token, msg=base URL + nonce))
    V3 = base64(HMAC-SHA256(key=auth token, msg=base URL + "." + nonce))

The base URL is the callback URL without its query and fragment, its path as given. Vobiz's own examples disagree on
the port of a URL on its scheme's default port (Python's `netloc` and Go's `url.Host` keep it as written, Ruby's
`uri.host` drops it, Node's `URL.host` drops a default one), so both forms are accepted: with and without `:443`
(`:80` for http), and with and without any user and password. The body is never signed.

Standard library only, and no Ansible import: the callbacks event source runs where ansible-core may be absent.
"""

from __future__ import annotations

import base64
import collections
import functools
import hashlib
import hmac
from urllib.parse import urlsplit, urlunsplit

# The header of each signature, the header of its nonce, whether it is keyed with the main account's token, and
# whether the nonce follows a "." (V3) or nothing (V2); in the order they are tried.
SCHEMES = (
    ("v3", "X-Vobiz-Signature-V3", "X-Vobiz-Signature-V3-Nonce", False, "."),
    ("v2", "X-Vobiz-Signature-V2", "X-Vobiz-Signature-V2-Nonce", False, ""),
    ("ma-v3", "X-Vobiz-Signature-MA-V3", "X-Vobiz-Signature-V3-Nonce", True, "."),
    ("ma-v2", "X-Vobiz-Signature-MA-V2", "X-Vobiz-Signature-V2-Nonce", True, ""),
)
SIGNATURE_NAMES = tuple(scheme[0] for scheme in SCHEMES)
NONCE_HEADERS = tuple(dict.fromkeys(scheme[2] for scheme in SCHEMES))
DEFAULT_PORTS = {"http": 80, "https": 443}
# The longest header value looked at (a signature is 44 characters; the Go SDK allows a comma-separated few).
LONGEST_HEADER = 1024


def signature(token: str, base_url: str, nonce: str, separator: str) -> str:
    """base64(HMAC-SHA256(token, base_url + separator + nonce)): V3 with ".", V2 with ""."""
    digest = hmac.new(token.encode("utf-8"), (base_url + separator + nonce).encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@functools.lru_cache(maxsize=256)
def base_urls(url: str) -> tuple:
    """Every form of `url`'s base URL that a sender may have signed: without query and fragment, the path as given;
    on the scheme's default port with and without it written; with and without a user and password."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.netloc.rsplit("@", maxsplit=1)[-1]
    hosts = [host]
    try:
        port = parts.port
    except ValueError:
        port = None
    default = DEFAULT_PORTS.get(scheme)
    if default is not None and port == default:
        hosts.append(host[:-len(":%d" % default)])
    elif default is not None and port is None and parts.hostname:
        hosts.append("%s:%d" % (host, default))
    netlocs = [parts.netloc] if "@" in parts.netloc else []
    if netlocs:
        userinfo = parts.netloc.rsplit("@", maxsplit=1)[0]
        netlocs += ["%s@%s" % (userinfo, other) for other in hosts[1:]]
    netlocs += hosts
    return tuple(dict.fromkeys(urlunsplit((parts.scheme, netloc, parts.path, "", "")) for netloc in netlocs))


def _header(headers, name: str) -> str | None:
    value = headers.get(name)
    if value is None or len(value) > LONGEST_HEADER:
        return None
    return value


def _matches(expected: str, received: str) -> bool:
    """Constant time per candidate; `received` may be a comma-separated list of signatures (as the Go SDK accepts)."""
    expected_bytes = expected.encode("ascii")
    found = False
    for candidate in received.split(","):
        found |= hmac.compare_digest(expected_bytes, candidate.strip().encode("utf-8", "replace"))
    return found


class Verdict:
    """How one callback's signatures checked out: `signature` is the first that verified (v3, v2, ma-v3, ma-v2), or
    `none` when the request carries no signature header; `problem` says why it is refused (None when it is not);
    `nonces` are the nonces the request carries."""

    def __init__(self, signature_name: str, problem: str | None, nonces: tuple = ()):
        self.signature = signature_name
        self.problem = problem
        self.nonces = nonces

    @property
    def signed(self) -> bool:
        return self.signature != "none" or self.problem is not None


def verify(headers, urls: list, auth_token: str | None, main_auth_token: str | None = None) -> Verdict:
    """Check the signature headers of one callback (`headers`: a case-insensitive mapping) against every base URL of
    each of `urls` (the URLs the sender may have called). The first of V3, V2 (auth_token), MA-V3, MA-V2
    (main_auth_token) that verifies wins; a signature present but wrong is not an error if another verifies."""
    nonces = tuple(dict.fromkeys(nonce for nonce in (_header(headers, name) for name in NONCE_HEADERS) if nonce))
    bases = [base for url in urls for base in base_urls(url)]
    present = False
    for name, header, nonce_header, main, separator in SCHEMES:
        if headers.get(header) is None:
            continue
        present = True  # even when too long to be looked at: a signed request, which must verify
        received = _header(headers, header)
        token = main_auth_token if main else auth_token
        nonce = _header(headers, nonce_header)
        if not token or not nonce or received is None:
            continue
        if any(_matches(signature(token, base, nonce, separator), received) for base in bases):
            return Verdict(name, None, nonces)
    if not present:
        return Verdict("none", None, nonces)
    return Verdict("none", "a signature that does not verify", nonces)


class ReplayCache:
    """The nonces accepted in the last `window` seconds, at most `capacity` of them (the oldest go first when full).

    `seen_or_add(nonces, now)` says whether any of them was accepted within the window, and remembers them if none
    was. `now` is any monotonic clock in seconds."""

    def __init__(self, window: float, capacity: int):
        self.window = window
        self.capacity = capacity
        self._seen: collections.OrderedDict = collections.OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def _forget_before(self, moment: float) -> None:
        while self._seen:
            oldest = next(iter(self._seen.values()))
            if oldest > moment:
                break
            self._seen.popitem(last=False)

    def seen_or_add(self, nonces, now: float) -> bool:
        self._forget_before(now - self.window)
        if any(nonce in self._seen for nonce in nonces):
            return True
        for nonce in nonces:
            self._seen[nonce] = now
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
        return False
