# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The transport of the Vobiz API: one kept-alive requests session, every attempt bounded in time, retried as the retry
policy says (_retry), failing with the errors of _errors, never with credentials in a message.

Nothing here knows of calls nor of Ansible. A request that is not idempotent (a POST that places a call) is retried
only after a failure that proves the server did not act on it (proves_not_received). See docs/architecture.md.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Callable, TypeVar
from urllib.parse import quote, urljoin, urlsplit

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
except ImportError as exc:  # pragma: no cover - exercised by the modules' missing_required_lib path
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.vobiz.telephony.plugins.module_utils._collection import user_agent
from ansible_collections.vobiz.telephony.plugins.module_utils._options import CONCURRENCY, CONNECTION_OPTIONS
from ansible_collections.vobiz.telephony.plugins.module_utils.common._text import redact_url
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import (
    ApiResponse,
    VobizConnectionError,
    VobizError,
    VobizHTTPError,
    VobizResponseError,
    body_preview,
    error_details,
    http_error,
    parse_json,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.http._retry import (
    backoff_delay,
    is_transient,
    may_have_taken_effect,
    parse_retry_after,
    proves_not_received,
)

HAS_REQUESTS = REQUESTS_IMPORT_ERROR is None

MAX_BODY_BYTES = 10 * 1024 * 1024
NO_CONTENT = 204
NOT_FOUND = 404
_CHUNK_BYTES = 64 * 1024
# Media: the redirects followed (each hop checked for credentials again), and the Vobiz hosts that get the credentials.
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
MAX_REDIRECTS = 5
VOBIZ_DOMAIN = "vobiz.ai"
_CREDENTIAL_HEADERS = ("X-Auth-ID", "X-Auth-Token")
Consumed = TypeVar("Consumed")


def _may_be_empty(method: str, status: int) -> bool:
    """Whether a 2xx answer may come without a body: any to a DELETE, a 204 to a POST (Vobiz's trunk assign); a GET's
    never."""
    return method == "DELETE" or (method == "POST" and status == NO_CONTENT)


class _Request:
    """One request as the client sends it, and as messages show it (`label`: the method and the redacted URL).
    `idempotent`: whether sending it twice does no more than sending it once (see VobizClient.request)."""

    def __init__(self, method: str, url: str, params: dict | None, body: dict | None = None, idempotent: bool = True,
                 accept: str | None = None):
        self.method = method
        self.url = url
        self.params = params
        self.body = body
        self.idempotent = idempotent
        self.accept = accept  # a text answer of this media type instead of JSON (get_text)
        query = "&".join("%s=%s" % (quote(str(k), safe=""), quote(str(v), safe="")) for k, v in (params or {}).items())
        self.shown = redact_url(url) + ("?" + query if query else "")
        self.label = "%s %s" % (method, self.shown)


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())


def sends_credentials(url: str, api_url: str) -> bool:
    """Whether a media URL gets the account's credentials: an https URL on Vobiz's own hosts (vobiz.ai, *.vobiz.ai), or
    a URL of the configured api_url's origin (scheme, host and port). Any other host gets none."""
    scheme, host, _port = _origin(url)
    if scheme == "https" and (host == VOBIZ_DOMAIN or host.endswith("." + VOBIZ_DOMAIN)):
        return True
    return _origin(url) == _origin(api_url)


class MediaAnswer:
    """The head of a media answer (its final URL, Content-Length and content type) and its body, read as chunks."""

    def __init__(self, response, request: _Request, timeout: float):
        self._response = response
        self._request = request
        self._timeout = timeout
        declared = response.headers.get("Content-Length", "")
        self.length = int(declared) if declared.isdigit() else None
        self.content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def chunks(self):
        """The body, chunk by chunk; a connection lost or stalled while reading raises a (transient) VobizConnectionError."""
        try:
            yield from self._response.iter_content(_CHUNK_BYTES)
        except requests.exceptions.RequestException as exc:
            raise VobizConnectionError("%s failed while reading the media: %s" % (self._request.label, describe_exception(exc, self._timeout)),
                                       url=self._request.shown) from None


# Readable causes for the errors requests wraps; the first pattern found in the exception chain wins.
_CAUSES = (
    (re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate verify failed", re.I), "TLS certificate verification failed"),
    (re.compile(r"SSL|TLS", re.I), "TLS handshake failed"),
    (re.compile(r"Name or service not known|nodename nor servname|getaddrinfo failed|"
                r"Temporary failure in name resolution|No address associated", re.I), "the host name could not be resolved"),
    (re.compile(r"Connection refused", re.I), "connection refused"),
    (re.compile(r"RemoteDisconnected|Connection aborted|closed connection without response|"
                r"Connection reset|BadStatusLine|IncompleteRead|ProtocolError", re.I), "the server closed the connection without a complete answer"),
    (re.compile(r"Network is unreachable|No route to host", re.I), "the network is unreachable"),
)


def describe_exception(exc: BaseException, timeout: float) -> str:
    """A short cause for a transport failure, without URLs or headers."""
    if HAS_REQUESTS and isinstance(exc, requests.exceptions.ConnectTimeout):
        return "could not connect within %s s" % _seconds(timeout)
    if HAS_REQUESTS and isinstance(exc, (requests.exceptions.ReadTimeout, TimeoutError)):
        return "no answer within %s s" % _seconds(timeout)
    text = _exception_chain_text(exc)
    if re.search(r"timed out", text, re.I):
        return "no answer within %s s" % _seconds(timeout)
    for pattern, cause in _CAUSES:
        if pattern.search(text):
            if cause.startswith("TLS"):
                detail = re.search(r"\[SSL[^\]]*\][^'\")]*", text)
                return "%s (%s)" % (cause, detail.group(0).strip()) if detail else cause
            return cause
    return "%s" % type(exc).__name__


def _exception_chain_text(exc: BaseException) -> str:
    seen, parts, current = set(), [], exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append("%s: %s" % (type(current).__name__, current))
        current = current.__cause__ or current.__context__
    return " | ".join(parts)


def _seconds(value: float) -> str:
    return ("%.3f" % value).rstrip("0").rstrip(".")


class VobizClient:
    """The Vobiz API over one kept-alive requests.Session.

    An idempotent request (GET, DELETE) is retried on connection errors, time-outs, 429 and 5xx gateway statuses, honouring
    Retry-After (or Vobiz's error.details.retryAfter) up to retry_max_wait. A request that is not idempotent (POST, which
    places a call) is retried only when the failure proves it was not acted on (proves_not_received: 429, or a connection
    that could not be opened); never after a time-out, a connection lost once it was sent, or a 5xx. A 429 seen by one
    thread holds back every thread of the client, so a concurrent pool slows down instead of failing.
    """

    def __init__(self, api_url: str, auth_id: str, auth_token: str, timeout: float = CONNECTION_OPTIONS["timeout"].default, verify=True,
                 retries: int = CONNECTION_OPTIONS["retries"].default, retry_max_wait: float = CONNECTION_OPTIONS["retry_max_wait"].default,
                 pool_size: int = CONCURRENCY.default, on_retry=None,
                 user_agent_suffix: str | None = None, max_body_bytes: int = MAX_BODY_BYTES,
                 backoff_base: float = 1.0):
        self.base_url = api_url.rstrip("/")
        self.auth_id = auth_id
        self.timeout = float(timeout)
        self.verify = verify
        self.retries = int(retries)
        self.retry_max_wait = float(retry_max_wait)
        self.max_body_bytes = max_body_bytes
        self.backoff_base = backoff_base
        self.on_retry = on_retry
        self.http_retries = 0
        self._lock = threading.Lock()
        self._not_before = 0.0
        self.session = self._new_session(auth_id, auth_token, pool_size, user_agent_suffix)

    @staticmethod
    def _new_session(auth_id: str, auth_token: str, pool_size: int, user_agent_suffix: str | None):
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, pool_size), max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers.update({
            "User-Agent": user_agent("python-requests/%s" % requests.__version__, user_agent_suffix),
            "Accept": "application/json",
            "X-Auth-ID": auth_id,
            "X-Auth-Token": auth_token,
        })
        return session

    def close(self) -> None:
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def url_for(self, segments, trailing_slash: bool = True) -> str:
        """The URL of a path under the base, each segment percent-quoted so that no value can change the path."""
        path = "/".join(quote(str(segment), safe="") for segment in segments)
        return "%s/%s%s" % (self.base_url, path, "/" if trailing_slash else "")

    def account_segments(self, *segments) -> tuple:
        return ("Account", self.auth_id) + tuple(segments)

    def get(self, segments, params: dict | None = None, trailing_slash: bool = True) -> ApiResponse:
        """GET a JSON document; raises a VobizError subclass for anything but a 2xx JSON answer."""
        return self.request("GET", segments, params, trailing_slash=trailing_slash)

    def get_text(self, segments, params: dict | None = None, accept: str = "text/csv", trailing_slash: bool = True) -> ApiResponse:
        """GET a text document (such as CSV) asking for `accept` instead of JSON; `data` is the body as text (UTF-8).
        Retried and raising like get(); only a 2xx answer is read as text."""
        return self.request("GET", segments, params, trailing_slash=trailing_slash, accept=accept)

    def delete(self, segments, trailing_slash: bool = True) -> ApiResponse:
        """DELETE a resource; a 2xx without a body (Vobiz answers 204) is a success. Raises like get()."""
        return self.request("DELETE", segments, trailing_slash=trailing_slash)

    def post(self, segments, body: dict, idempotent: bool = False, trailing_slash: bool = True) -> ApiResponse:
        """POST a JSON body. By default it is not idempotent (it creates something each time): retried only when the
        failure proves that the server did not act on it. Raises like get(); may_have_taken_effect(error) says whether it
        may have. `idempotent` True: a POST that sets a resource to a whole state given in full (an application's
        update carrying every field), which may be sent twice to the same effect: retried like a GET."""
        return self.request("POST", segments, body=body, idempotent=idempotent, trailing_slash=trailing_slash)

    def request(self, method: str, segments, params: dict | None = None, body: dict | None = None,
                idempotent: bool = True, trailing_slash: bool = True, accept: str | None = None) -> ApiResponse:
        """Send one request, retried as the class says; every attempt is bounded by `timeout`.
        `body` is sent as JSON; `idempotent` False: retried only after failures that prove it was not acted on;
        `accept`: a text answer of this media type instead of JSON."""
        request = _Request(method, self.url_for(segments, trailing_slash), params, body, idempotent, accept)
        return self._with_retries(request, lambda: self._attempt(request), throttles_pool=True)

    def _with_retries(self, request: _Request, attempt_once: Callable[[], Consumed], throttles_pool: bool) -> Consumed:
        """attempt_once() until it succeeds or its failure is final (_retry_delay), each retry counted, warned of and
        waited for. throttles_pool: a 429 holds back every request of the client (the API's), not this one alone (a
        media host's). A final failure carries how many attempts before it may have been acted on."""
        attempt = uncertain = 0
        while True:
            try:
                return attempt_once()
            except (VobizConnectionError, VobizHTTPError) as exc:
                delay = self._retry_delay(exc, attempt, request)
                if delay is None:
                    exc.uncertain_attempts = uncertain
                    raise
                if may_have_taken_effect(exc):
                    uncertain += 1
                attempt += 1
                self._note_retry(exc, attempt, delay, request)
                self._hold_back(delay, pool_wide=throttles_pool and isinstance(exc, VobizHTTPError) and exc.status_code == 429)

    def media_length(self, url: str) -> int | None:
        """The media's length as the server reports it (HEAD, redirects followed), without its body; None when the server
        tells none (no Content-Length, or a refused HEAD: some storage signs its URLs for GET alone). Retried like a
        GET; VobizNotFoundError when the media is gone."""
        def length(answer: MediaAnswer) -> int | None:
            return answer.length
        return self._media("HEAD", url, length)

    def download(self, url: str, consume: Callable[[MediaAnswer], Consumed]) -> Consumed:
        """GET a media URL (a recording's), streamed: consume(answer) reads as much of the body as it wants (all of it, or
        none once its head says enough) and its value is returned. Idempotent: after a transient failure, while
        connecting or while reading, consume is called again on a new answer. The credentials go only where
        sends_credentials allows, and never past a redirect to another origin. `timeout` bounds each connect and each
        read, not the whole body."""
        return self._media("GET", url, consume)

    def _media(self, method: str, url: str, consume: Callable[[MediaAnswer], Consumed]) -> Consumed:
        request = _Request(method, url, None)
        return self._with_retries(request, lambda: self._media_attempt(request, consume), throttles_pool=False)

    def _media_attempt(self, request: _Request, consume: Callable[[MediaAnswer], Consumed]) -> Consumed:
        url, first, hop = request.url, request.url, request
        for _redirect in range(MAX_REDIRECTS + 1):
            trusted = sends_credentials(url, self.base_url) and _origin(url) == _origin(first)
            headers = {"Accept": "*/*"} if trusted else dict({"Accept": "*/*"}, **{name: None for name in _CREDENTIAL_HEADERS})
            try:
                response = self.session.request(hop.method, url, timeout=self.timeout, verify=self.verify, stream=True,
                                                allow_redirects=False, headers=headers)
            except requests.exceptions.RequestException as exc:
                raise VobizConnectionError("%s failed: %s" % (hop.label, describe_exception(exc, self.timeout)), url=hop.shown,
                                           transient=not isinstance(exc, requests.exceptions.SSLError), sent=_may_have_sent(exc)) from None
            try:
                status = response.status_code
                if status in REDIRECT_STATUSES and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    try:
                        _origin(url)
                    except ValueError:  # a port out of range or not a number: urlsplit refuses it
                        raise VobizResponseError("%s answered HTTP %d with a Location that is not a valid URL" % (hop.label, status),
                                                 url=hop.shown, status_code=status) from None
                    hop = _Request(request.method, url, None)
                    continue
                if 200 <= status < 300:
                    return consume(MediaAnswer(response, hop, self.timeout))
                if request.method == "HEAD" and status != NOT_FOUND and status < 500 and status != 429:
                    return None
                body = self._read_body(response, hop) if request.method != "HEAD" else b""
                data, is_json = parse_json(body)
                code, message, request_id, retry_after = error_details(data)
                if retry_after is None:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                raise http_error(status, response.reason, hop, body, is_json, (code, message, request_id, retry_after),
                                 self.auth_id if trusted else None)
            finally:
                response.close()
        raise VobizResponseError("%s: more than %d redirects" % (request.label, MAX_REDIRECTS), url=request.shown)

    def _attempt(self, request: _Request) -> ApiResponse:
        """One attempt, given at most `timeout` seconds from connecting to the last byte.

        Socket time-outs alone cannot bound a server that sends a byte now and then, so the exchange runs in a
        daemon thread that is abandoned (and dies with the process) when the time is up.
        """
        self._wait_for_pool_gate()
        outcome = {}
        finished = threading.Event()

        def exchange():
            try:
                outcome["response"] = self._exchange(request)
            except BaseException as exc:  # pylint: disable=broad-exception-caught
                # handed over to the calling thread, which raises it
                outcome["error"] = exc
            finally:
                finished.set()

        threading.Thread(target=exchange, name="%s/http" % threading.current_thread().name, daemon=True).start()
        if not finished.wait(self.timeout):
            raise VobizConnectionError("%s failed: no complete answer within %s s" % (request.label, _seconds(self.timeout)), url=request.shown,
                                       transient=request.idempotent)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]

    def _exchange(self, request: _Request) -> ApiResponse:
        try:
            response = self.session.request(request.method, request.url, params=request.params, json=request.body, timeout=self.timeout,
                                            verify=self.verify, stream=True, allow_redirects=False,
                                            headers={"Accept": request.accept} if request.accept else None)
        except requests.exceptions.RequestException as exc:
            # A certificate that fails verification fails the same way next time: no point in retrying it.
            raise VobizConnectionError("%s failed: %s" % (request.label, describe_exception(exc, self.timeout)), url=request.shown,
                                       transient=not isinstance(exc, requests.exceptions.SSLError), sent=_may_have_sent(exc)) from None
        try:
            body = self._read_body(response, request)
        finally:
            response.close()
        return self._decode(response, body, request)

    def _read_body(self, response, request: _Request) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large(response.status_code, request)
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(_CHUNK_BYTES):
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise self._too_large(response.status_code, request)
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            raise VobizConnectionError("%s failed while reading the answer: %s"
                                       % (request.label, describe_exception(exc, self.timeout)), url=request.shown) from None
        return b"".join(chunks)

    def _too_large(self, status_code: int, request: _Request) -> VobizResponseError:
        return VobizResponseError("%s answered HTTP %d with a body larger than %d bytes; refused to read it"
                                  % (request.label, status_code, self.max_body_bytes), url=request.shown, status_code=status_code)

    def _decode(self, response, body: bytes, request: _Request) -> ApiResponse:
        status = response.status_code
        data, is_json = parse_json(body)
        code, message, request_id, retry_after = error_details(data)
        request_id = request_id or response.headers.get("X-Request-Id") or None
        if 200 <= status < 300:
            if request.accept:
                return ApiResponse(status, body.decode("utf-8", "replace"), request.shown, request.label)
            if not is_json and not (_may_be_empty(request.method, status) and not body.strip()):
                raise VobizResponseError("%s answered HTTP %d but the body is not JSON: %r"
                                         % (request.label, status, body_preview(body)), url=request.shown, status_code=status)
            return ApiResponse(status, data, request.shown, request.label)
        if retry_after is None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise http_error(status, response.reason, request, body, is_json, (code, message, request_id, retry_after), self.auth_id)

    def _retry_delay(self, exc: VobizError, attempt: int, request: _Request) -> float | None:
        """Seconds to wait before the next attempt, or None when this error is final."""
        if attempt >= self.retries or not is_transient(exc):
            return None
        if not request.idempotent and not proves_not_received(exc):
            return None
        return backoff_delay(attempt, self.backoff_base, self.retry_max_wait, getattr(exc, "retry_after", None))

    def _note_retry(self, exc: VobizError, attempt: int, delay: float, request: _Request) -> None:
        with self._lock:
            self.http_retries += 1
            number = self.http_retries
        if self.on_retry is not None:
            self.on_retry("HTTP retry %d (attempt %d of %d for %s): %s; waiting %s s"
                          % (number, attempt + 1, self.retries + 1, request.label, _retry_reason(exc), _seconds(round(delay, 3))))

    def _hold_back(self, delay: float, pool_wide: bool) -> None:
        if pool_wide:
            with self._lock:
                self._not_before = max(self._not_before, time.monotonic() + delay)
            self._wait_for_pool_gate()
        else:
            time.sleep(delay)

    def _wait_for_pool_gate(self) -> None:
        while True:
            with self._lock:
                pause = self._not_before - time.monotonic()
            if pause <= 0:
                return
            time.sleep(pause)


def _may_have_sent(exc: BaseException) -> bool:
    """False when the exception chain shows that no connection was opened (refused, DNS, a connect time-out) or that the
    TLS handshake failed: no byte of the request left. True otherwise: it may have been sent."""
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return False
    pending, seen = [exc], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, ConnectTimeoutError)):
            return False
        # requests wraps urllib3's MaxRetryError as an argument; that one holds the cause in `reason`
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)] + list(current.args)
        pending.extend(item for item in linked if isinstance(item, BaseException))
    return True


def _retry_reason(exc: VobizError) -> str:
    if isinstance(exc, VobizHTTPError):
        reason = "HTTP %d" % exc.status_code
        if exc.error_code:
            reason += " %s" % exc.error_code
        if exc.retry_after is not None:
            reason += " (server asked to retry after %s s)" % _seconds(round(exc.retry_after, 3))
        return reason
    return exc.message.split(": ", 1)[-1]


def client_from_options(params: dict, pool_size: int, on_retry, user_agent_suffix: str) -> VobizClient:
    """The client for checked connection options (see _options.connection_errors)."""
    return VobizClient(
        params["api_url"], params["auth_id"], params["auth_token"],
        timeout=params["timeout"],
        verify=(params["ca_path"] or True) if params["validate_certs"] else False,
        retries=params["retries"],
        retry_max_wait=params["retry_max_wait"],
        pool_size=pool_size,
        on_retry=on_retry,
        user_agent_suffix=user_agent_suffix,
    )
