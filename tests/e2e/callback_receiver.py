"""A tiny HTTP server on 127.0.0.1 that receives the simulator's callbacks in tests: it records each request (method,
path, query, form fields, headers) and answers what the test queued for that path (default: 200 "ok" text/plain)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.simulator.jitter import Jitter, for_handover  # the repository root is on sys.path: conftest.py puts it there
from tests.waiting import WAIT, wait_for

XML = "application/xml"


@dataclass
class Received:
    method: str
    path: str
    query: dict
    form: dict
    headers: dict
    content_type: str | None

    @property
    def params(self) -> dict:
        """The callback's parameters, wherever they travelled (a POST's form, a GET's query)."""
        return self.form if self.method == "POST" else self.query


@dataclass
class Reply:
    status: int = 200
    body: str = "ok"
    content_type: str = "text/plain"
    hold: threading.Event | None = None  # answer only once it is set (or after 30 s)


@dataclass
class _Book:
    received: list = field(default_factory=list)
    replies: dict = field(default_factory=dict)  # path -> [Reply, ...]; the last one stays


def _fields(text: str) -> dict:
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        parts = urlsplit(self.path)
        content_type = self.headers.get("Content-Type")
        form = _fields(body) if (content_type or "").startswith("application/x-www-form-urlencoded") else {}
        entry = Received(self.command, parts.path, _fields(parts.query), form, dict(self.headers.items()), content_type)
        reply = self.server.receiver.take_reply(parts.path, entry)
        if reply.hold is not None:
            reply.hold.wait(30)
        if self.server.jitter is not None:  # VOBIZ_TEST_JITTER: recorded at once, answered a while later
            time.sleep(self.server.jitter.delay())
        payload = reply.body.encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _handle  # noqa: N815

    def log_message(self, format, *args):  # noqa: A002  # pylint: disable=redefined-builtin
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: CallbackReceiver
    jitter: Jitter | None = None


class CallbackReceiver:
    """with CallbackReceiver() as receiver: receiver.reply("/answer", body="<Response/>", content_type=XML) ..."""

    def __init__(self):
        self._book = _Book()
        self._changed = threading.Condition()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self._server.jitter = for_handover("receiver-reply")
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True)  # shutdown() noticed within 0.1 s

    def __enter__(self) -> CallbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def clear(self) -> None:
        with self._changed:
            self._book = _Book()

    def reply(self, path: str, *replies: Reply, **one) -> None:
        """What `path` answers next, in order (the last one then stays): Reply objects, or one Reply's fields."""
        with self._changed:
            self._book.replies[path] = list(replies) or [Reply(**one)]

    def take_reply(self, path: str, entry: Received) -> Reply:
        with self._changed:
            self._book.received.append(entry)
            self._changed.notify_all()
            queued = self._book.replies.get(path) or [Reply()]
            return queued.pop(0) if len(queued) > 1 else queued[0]

    def received(self, path: str | None = None) -> list[Received]:
        with self._changed:
            return [entry for entry in self._book.received if path in (None, entry.path)]

    def wait_for(self, path: str, count: int = 1, within: float = WAIT) -> list[Received]:
        """The requests to `path` once there are `count` of them; AssertionError after `within` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: len([e for e in self._book.received if e.path == path]) >= count, within):
                raise AssertionError(f"{count} request(s) to {path} expected within {within} s, got {self.summary()}")
            return [entry for entry in self._book.received if entry.path == path]

    def summary(self) -> list:
        return [(entry.method, entry.path, entry.params.get("Event")) for entry in self._book.received]


def logged_tries(sim, call_uuid: str, kind: str, count: int, within: float = WAIT) -> list[dict]:
    """The simulator's log entries of one call's `kind` callback once `count` tries are logged, each with its answer
    (or error): the log notes a try's answer just after the receiver has sent it."""
    def answered(entries: list) -> bool:
        return len(entries) >= count and all(entry["status"] is not None or entry["error"] is not None for entry in entries)

    return wait_for(lambda: [entry for entry in sim.control("GET", f"callbacks/{call_uuid}")["callbacks"] if entry["kind"] == kind], within,
                    what=f"{count} {kind} tries, each answered, in the log of {call_uuid}", done=answered)
