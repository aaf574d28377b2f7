# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""What the callbacks event source answers to one HTTP request, whatever serves it: the receiving side's HTTP rules
(methods, body size, media types, forms, signatures, replays, and the reply with its XML), as http holds the
sending side's. The source's aiohttp handler reads the request, asks `Receiver.handle`, sends the `Reply` at once,
and puts its event, if any, on the queue.

Refusals carry a message for the log that names the method, path (without query) and peer, never the token nor a
signature. No Ansible import, no aiohttp: standard library only.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, unquote_plus, urlsplit

from ansible_collections.vobiz.telephony.plugins.module_utils.common._urls import http_url_parts
from ansible_collections.vobiz.telephony.plugins.module_utils.common._vobiz import CALLBACK_METHODS
from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._answer_xml import DEFAULT_INPUT_XML, INPUT_PATH, answer_document
from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._callback_events import callback_event, is_answer, is_input
from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._signatures import ReplayCache, verify

MAX_BODY = 64 * 1024  # bytes
METHODS = CALLBACK_METHODS  # a request in another method is not a callback
# How long a nonce is remembered to refuse a replay, unless told otherwise (the callbacks source's replay_window).
REPLAY_WINDOW = 300.0  # seconds
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
XML = "application/xml"
MAX_FIELDS = 1000
# How many nonces the replay cache keeps at most: about 20 MB, and 300 s of callbacks at 300 a second.
REPLAY_CAPACITY = 100_000


class Reply:
    """The answer to one request: `status`, `body` (bytes) and its `content_type`; `event` to put on the queue (or
    None); `refusal`, why the request was refused (for the log), or None."""

    def __init__(self, status: int, body: bytes = b"", content_type: str | None = None, event: dict | None = None,
                 refusal: str | None = None):
        self.status, self.body, self.content_type, self.event, self.refusal = status, body, content_type, event, refusal


def _refused(status: int, why: str, method: str, path: str, peer: str) -> Reply:
    return Reply(status, refusal="refused %s %s from %s: %s (HTTP %d)" % (method, path, peer or "?", why, status))


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", maxsplit=1)[0].strip().lower()


def form_fields(text: str) -> dict:
    """The fields of a form (or a query string), the first value of each; ValueError (or UnicodeDecodeError) when
    it cannot be read: a field without "=", an empty one, more than MAX_FIELDS, or an escape that is not UTF-8.
    (urllib.parse.parse_qsl with strict_parsing reads the same, at twice the cost.)"""
    fields = {}
    if not text:
        return fields
    pieces = text.split("&")
    if len(pieces) > MAX_FIELDS:
        raise ValueError("more than %d fields" % MAX_FIELDS)
    for piece in pieces:
        name, equals, value = piece.partition("=")
        if not equals:
            raise ValueError("a field without '='")
        if "%" in piece or "+" in piece:
            name, value = unquote_plus(name, errors="strict"), unquote_plus(value, errors="strict")
        fields.setdefault(name, value)
    return fields


def body_fields(body: bytes, content_type: str | None) -> tuple:
    """(fields, None), or (None, (status, why)) when the body is not a form nor a JSON object."""
    if not body:
        return {}, None
    kind = media_type(content_type)
    if kind not in (FORM, JSON):
        return None, (415, "a body of type %s, neither %s nor %s" % (kind or "(none)", FORM, JSON))
    try:
        if kind == JSON:
            fields = json.loads(body.decode("utf-8"))
            if not isinstance(fields, dict):
                return None, (400, "a JSON body that is not an object")
            return fields, None
        return form_fields(body.decode("utf-8")), None
    except ValueError as exc:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
        return None, (400, "a body that cannot be read as %s (%s)" % (kind, type(exc).__name__))


def public_url_error(url: str) -> str | None:
    """Why `url` cannot be a public base URL of the listener, or None."""
    try:
        parts = http_url_parts(url)
    except ValueError as exc:
        return "public_url %r is not a valid URL: %s" % (url, exc)
    if parts is None or parts.query or parts.fragment or "?" in url or "#" in url:
        return "public_url %r must be an absolute http:// or https:// URL without query or fragment, such as https://eda.example.com/hooks" % url
    return None


def signed_url(base: str, path: str) -> str:
    """A public base URL (https://eda.example.com/hooks) plus the request's path (/answer)."""
    return base.rstrip("/") + path


class Receiver:
    """The rules of one listener. `public_urls`: the base URLs Vobiz calls it by (empty: the URL each request
    arrived at, scheme and Host header); `answer_xml` / `input_xml`: the documents of the user, or None."""

    def __init__(self, auth_token: str | None, main_auth_token: str | None = None, required: bool = True, replay_window: float = REPLAY_WINDOW,
                 public_urls: list | None = None, answer_xml: str | None = None, input_xml: str | None = None,
                 clock=time.monotonic, wall_clock=time.time, replay_capacity: int = REPLAY_CAPACITY):
        self.auth_token, self.main_auth_token, self.required = auth_token, main_auth_token, required
        self.public_urls = list(public_urls or [])
        self.answer_xml = answer_xml
        self.input_xml = DEFAULT_INPUT_XML if input_xml is None else input_xml
        self.replays = ReplayCache(replay_window, replay_capacity)
        self.clock, self.wall_clock = clock, wall_clock

    def bases(self, scheme: str, host: str) -> list:
        """The base URLs Vobiz reaches this listener by: public_url, else the one the request arrived at."""
        return self.public_urls or ["%s://%s" % (scheme, host)]

    def urls(self, scheme: str, host: str, path: str) -> list:
        """The URLs the sender may have signed for a request to `path`."""
        return [signed_url(base, path) for base in self.bases(scheme, host)]

    def input_url(self, scheme: str, host: str) -> str:
        """Where a built Gather sends its input: this listener's /input, as Vobiz reaches it."""
        return signed_url(self.bases(scheme, host)[0], INPUT_PATH)

    def handle(self, method: str, scheme: str, host: str, raw_path: str, headers, content_type: str | None, body: bytes | None,
               peer: str = "") -> Reply:
        """The reply to one request. `raw_path` is the path with its query as received; `headers` a case-insensitive
        mapping; `body` None when it was over MAX_BODY."""
        target = urlsplit(raw_path)
        path = target.path
        if method not in METHODS:
            return _refused(405, "method not allowed, only %s" % " and ".join(METHODS), method, path, peer)
        if body is None:
            return _refused(413, "a body over %d bytes" % MAX_BODY, method, path, peer)
        if method == "GET":
            try:
                params, problem = form_fields(target.query), None
            except ValueError as exc:
                params, problem = None, (400, "a query string that cannot be read (%s)" % type(exc).__name__)
        else:
            params, problem = body_fields(body, content_type)
        if problem:
            return _refused(problem[0], problem[1], method, path, peer)
        verdict = verify(headers, self.urls(scheme, host, path), self.auth_token, self.main_auth_token)
        if verdict.problem:
            return _refused(403, verdict.problem, method, path, peer)
        if not verdict.signed and self.required:
            return _refused(403, "no signature", method, path, peer)
        if verdict.signed and self.replays.seen_or_add(verdict.nonces, self.clock()):
            return _refused(403, "a nonce already seen (a replay)", method, path, peer)
        event = callback_event(params, path, verdict.signature, self.wall_clock())
        if is_answer(params):
            document = self.answer_xml
            if document is None:
                document = answer_document(parse_qs(target.query), self.input_url(scheme, host))
            return Reply(200, document.encode("utf-8"), XML, event)
        if is_input(params):
            return Reply(200, self.input_xml.encode("utf-8"), XML, event)
        return Reply(200, event=event)
