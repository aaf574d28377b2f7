"""Sending one callback (reference §3, §4): form-encoded, signed with the account's token, retried when it gets no 200,
and recorded, every try with its answer, in the log that GET /_sim/callbacks shows.

Only loopback hosts are called (127.0.0.1, ::1, localhost): the simulator never reaches out of the machine. A callback
to any other host is not sent, and not recorded.
"""

from __future__ import annotations

import collections
import http.client
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from .jitter import for_handover
from .signing import signed_headers

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
TIMEOUT = 5.0  # seconds for one try: between the 3 s of [CC] and the 10 s of [APP]
RETRY_DELAYS = (0.25, 0.5, 1.0)  # up to 3 retries after the first try, each after a doubled delay
MAX_READ_BYTES = 100 * 1024 + 1  # enough to tell a reply over the XML limit
LOGGED_REPLY_CHARACTERS = 2000
FORM_TYPE = "application/x-www-form-urlencoded"


def may_call(url: str | None) -> bool:
    """Whether the simulator sends callbacks to this URL: http(s) on a loopback host."""
    if not url:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and (parts.hostname or "") in LOOPBACK_HOSTS


@dataclass
class Answer:
    """The last try's answer: its status (None when there was none), content type, body and the error met."""

    status: int | None
    content_type: str | None = None
    body: bytes = b""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


def _try_once(method: str, url: str, params: dict, headers: dict) -> Answer:
    parts = urlsplit(url)
    target = parts.path or "/"
    query = parts.query
    payload = None
    headers = dict(headers)
    if method == "GET":
        query = "&".join(piece for piece in (query, urlencode(params)) if piece)
    else:
        payload = urlencode(params).encode()
        headers["Content-Type"] = FORM_TYPE
    if query:
        target += "?" + query
    if parts.scheme == "https":
        context = ssl._create_unverified_context()  # noqa: S323  # a loopback receiver's own certificate
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=TIMEOUT, context=context)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        connection.request(method, target, body=payload, headers=headers)
        response = connection.getresponse()
        body = response.read(MAX_READ_BYTES)
        return Answer(response.status, response.getheader("Content-Type"), body)
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, error=f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
    finally:
        connection.close()


class CallbackLog:
    """Every callback try and every step of the calls' XML, in order (the newest 100,000 of each)."""

    def __init__(self, size: int = 100_000):
        self.lock = threading.Lock()
        self.callbacks = collections.deque(maxlen=size)
        self.steps = collections.deque(maxlen=size)

    def add_callback(self, entry: dict) -> dict:
        with self.lock:
            self.callbacks.append(entry)
        return entry

    def add_step(self, entry: dict) -> None:
        with self.lock:
            self.steps.append(entry)

    def clear(self) -> int:
        with self.lock:
            count = len(self.callbacks) + len(self.steps)
            self.callbacks.clear()
            self.steps.clear()
        return count

    def snapshot(self, call_uuid: str | None = None) -> dict:
        with self.lock:
            callbacks = [dict(entry) for entry in self.callbacks if call_uuid in (None, entry["call_uuid"])]
            steps = [dict(entry) for entry in self.steps if call_uuid in (None, entry["call_uuid"])]
        return {"callbacks": callbacks, "steps": steps}


def send(log: CallbackLog, stop: threading.Event, kind: str, call_uuid: str, url: str, method: str, params: dict,
         token: str) -> Answer:
    """One callback: the first try, then up to len(RETRY_DELAYS) more while it gets no 200 (stopped early by `stop`).
    Each try has its own nonce and signatures and its own log entry. With VOBIZ_TEST_JITTER, a random pause before each
    try and before its answer is logged (the log then shows a try without its answer a while after the receiver replied)."""
    send_jitter = for_handover("callback-send")
    log_jitter = for_handover("callback-log")
    answer = Answer(None, error="not sent")
    for attempt in range(1 + len(RETRY_DELAYS)):
        if attempt and stop.wait(RETRY_DELAYS[attempt - 1]):
            break
        if send_jitter is not None and stop.wait(send_jitter.delay()):
            break
        headers = signed_headers(url, token)
        entry = log.add_callback({
            "call_uuid": call_uuid, "kind": kind, "attempt": attempt + 1, "method": method, "url": url,
            "params": dict(params), "headers": headers, "time": time.monotonic(), "ended": None,
            "status": None, "content_type": None, "reply": None, "error": None,
        })
        answer = _try_once(method, url, params, headers)
        if log_jitter is not None:
            stop.wait(log_jitter.delay())  # logged even when stopped meanwhile: the try was made
        with log.lock:
            entry.update({"ended": time.monotonic(), "status": answer.status, "content_type": answer.content_type,
                          "reply": answer.body[:LOGGED_REPLY_CHARACTERS].decode("utf-8", errors="replace"),
                          "error": answer.error})
        if answer.ok:
            break
    return answer
