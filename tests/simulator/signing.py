"""Vobiz's callback signatures (reference §4, [VC]): what the simulator sends, and what a receiver checks.

    V2 = base64(HMAC-SHA256(key=auth token, msg=base URL + nonce))
    V3 = base64(HMAC-SHA256(key=auth token, msg=base URL + "." + nonce))

The base URL is the callback URL without its query and fragment: scheme, host with its port, and path as given (no
trailing slash added or removed). The docs' own examples disagree on the port (Python `netloc` and Go `url.Host` keep
it, Ruby `uri.host` drops it); this follows Python and Go: the port stays. The body is never signed, so V3 takes no
method and no parameters (the Go SDK's Plivo-style V3, which appends sorted parameters, is not Vobiz's documented one).

The nonce is a random 20-digit string, one per request (a retry of a callback gets a new one). Standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit, urlunsplit

V2_HEADER = "X-Vobiz-Signature-V2"
V2_NONCE_HEADER = "X-Vobiz-Signature-V2-Nonce"
V3_HEADER = "X-Vobiz-Signature-V3"
V3_NONCE_HEADER = "X-Vobiz-Signature-V3-Nonce"
MA_V2_HEADER = "X-Vobiz-Signature-MA-V2"  # the same formulas keyed with the main account's token (sub-accounts)
MA_V3_HEADER = "X-Vobiz-Signature-MA-V3"
NONCE_DIGITS = 20


def base_url(url: str) -> str:
    """The signed part of a callback URL: scheme://host[:port]/path, without query or fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def new_nonce() -> str:
    """A random 20-digit nonce (leading zeros kept)."""
    return f"{secrets.randbelow(10 ** NONCE_DIGITS):0{NONCE_DIGITS}d}"


def _sign(token: str, message: str) -> str:
    digest = hmac.new(token.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def v2_signature(url: str, nonce: str, token: str) -> str:
    """base64(HMAC-SHA256(token, base_url(url) + nonce))."""
    return _sign(token, base_url(url) + nonce)


def v3_signature(url: str, nonce: str, token: str) -> str:
    """base64(HMAC-SHA256(token, base_url(url) + "." + nonce))."""
    return _sign(token, base_url(url) + "." + nonce)


def signed_headers(url: str, token: str, nonce: str | None = None, main_token: str | None = None) -> dict:
    """The signature headers of one callback to `url`: V2 and V3 with one nonce (new unless given) in both nonce
    headers; with `main_token` (a sub-account's callback) also MA-V2 and MA-V3, keyed with the main account's token."""
    nonce = new_nonce() if nonce is None else nonce
    headers = {
        V2_HEADER: v2_signature(url, nonce, token),
        V2_NONCE_HEADER: nonce,
        V3_HEADER: v3_signature(url, nonce, token),
        V3_NONCE_HEADER: nonce,
    }
    if main_token is not None:
        headers[MA_V2_HEADER] = v2_signature(url, nonce, main_token)
        headers[MA_V3_HEADER] = v3_signature(url, nonce, main_token)
    return headers


def _header(headers, name: str) -> str | None:
    """A header's value whatever its case (a dict, or an email.message.Message such as http.server's headers)."""
    if hasattr(headers, "get_all") or not isinstance(headers, dict):
        return headers.get(name)
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), None)


def _matches(expected: str, received: str) -> bool:
    """Constant-time comparison; `received` may be a comma-separated list of signatures (as the Go SDK accepts)."""
    return any(hmac.compare_digest(expected.encode(), candidate.strip().encode()) for candidate in received.split(","))


def verify(headers, url: str, token: str) -> str:
    """How a callback's signature checks out against `url` (the public URL the sender was given) and `token`:
    "v3" or "v2" (the first that verifies, V3 first), "invalid" (a signature that does not verify) or "unsigned"
    (neither V3 nor V2 with its nonce)."""
    seen = False
    formulas = ((V3_HEADER, V3_NONCE_HEADER, v3_signature, "v3"), (V2_HEADER, V2_NONCE_HEADER, v2_signature, "v2"))
    for header, nonce_header, formula, name in formulas:
        signature, nonce = _header(headers, header), _header(headers, nonce_header)
        if signature is None or nonce is None:
            continue
        seen = True
        if _matches(formula(url, nonce, token), signature):
            return name
    return "invalid" if seen else "unsigned"
