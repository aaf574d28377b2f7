"""HTTP side of the Vobiz simulator: the threaded server, the request handler, fault delivery, and Simulator."""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import io
import json
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from .api import answer_api, parse_api_path
from .control import CONTROL_PREFIX, answer_control
from .faults import Fault
from .jitter import Jitter, for_handover
from .replies import JSON_TYPE, Reply, envelope_reply, html_page, json_reply, new_api_id, new_request_id, reason_phrase
from .state import SimulatorState

MAX_HANG_SECONDS = 600
HUGE_BLOCK = 64 * 1024
MALFORMED_JSON = b'{"call_status": "in-progr'
DEFAULT_WRONG_SHAPE = [{"call_status": "in-progress"}]
# errors meaning the client went away while we were answering: nothing to report
CLIENT_GONE = (ConnectionError, TimeoutError, ssl.SSLError)


# SO_TIMESTAMPNS (Linux): the kernel stamps each received segment with the wall-clock time it arrived.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_TIMESPEC = struct.Struct("qq")


class ArrivalStampedReader(io.RawIOBase):
    """The raw reader of a plain connection: reads like the socket's own file, and keeps when the last bytes it read
    arrived, as the kernel stamped them (time.monotonic()).

    On a busy machine the handler thread may read a request a good while after it arrived (0.13 s was seen with both
    cores kept busy); a request's recorded `time` is its arrival, so that the gap between two recorded requests is the
    gap the client kept, however late the simulator got to them.
    """

    def __init__(self, connection: socket.socket):
        super().__init__()
        self._connection = connection
        self.arrived: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count, ancillary, _flags, _address = self._connection.recvmsg_into([buffer], socket.CMSG_SPACE(_TIMESPEC.size))
        for level, kind, data in ancillary:
            if (level, kind) == (socket.SOL_SOCKET, SO_TIMESTAMPNS) and len(data) >= _TIMESPEC.size:
                seconds, nanoseconds = _TIMESPEC.unpack(data[:_TIMESPEC.size])
                self.arrived = seconds + nanoseconds / 1e9 - wall_clock_offset()
        return count


def wall_clock_offset() -> float:
    """time.time() - time.monotonic(), read between two monotonic readings at most 1 ms apart when possible (a thread
    paused between the two clocks would shift the offset by its pause), else the tightest of ten tries."""
    best = None
    for _try in range(10):
        before = time.monotonic()
        wall = time.time()
        after = time.monotonic()
        if best is None or after - before < best[0]:
            best = (after - before, wall - (before + after) / 2)
        if after - before <= 0.001:
            break
    return best[1]


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # the default backlog of 5 stalls bursts of concurrent clients by a SYN retry (~1 s)

    def __init__(self, address, state: SimulatorState, verbose: bool = False, jitter: Jitter | None = None):
        self.state = state
        self.verbose = verbose
        self.jitter = jitter  # VOBIZ_TEST_JITTER: a random pause before answering each API request (tests/simulator/jitter.py)
        self.stop_event = threading.Event()
        self._open = set()
        self._open_lock = threading.Lock()
        super().__init__(address, SimulatorHandler)
        # Accepted connections inherit the option: a request that arrives before its handler thread has started is
        # stamped too (the kernel stamps segments only while some socket asks for it).
        with contextlib.suppress(OSError):
            self.socket.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)

    def track(self, connection, is_open: bool) -> None:
        with self._open_lock:
            if is_open:
                self._open.add(connection)
            else:
                self._open.discard(connection)

    def close_open_connections(self) -> None:
        """Kept-alive connections would otherwise go on being served by their threads after stop()."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


class SimulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length or is chunked
    disable_nagle_algorithm = True  # else each kept-alive answer waits ~40 ms for a delayed ACK
    server_version = "VobizSimulator/1.0"
    server: SimulatorHTTPServer

    # connection life

    def setup(self):
        super().setup()
        self.tls_failed = False
        self.counted_api = False
        self.server.track(self.connection, True)
        self.server.state.count_connection()
        if isinstance(self.connection, ssl.SSLSocket):
            # the handshake runs here, in the connection's thread, so a slow client cannot stall accept()
            try:
                self.connection.settimeout(10)
                self.connection.do_handshake()
                self.connection.settimeout(None)
            except (OSError, ssl.SSLError):
                self.tls_failed = True
        else:
            self._stamp_arrivals()

    def _stamp_arrivals(self):
        """Read plain connections through an ArrivalStampedReader (TLS sockets take no ancillary data: stamped on reading)."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        except OSError:
            return
        self.rfile.close()
        self.rfile = io.BufferedReader(ArrivalStampedReader(self.connection))

    def arrival_time(self) -> float:
        """When the request being answered arrived: the kernel's stamp of its last bytes, or now when there is none."""
        reader = getattr(self.rfile, "raw", None)
        arrived = reader.arrived if isinstance(reader, ArrivalStampedReader) else None
        return time.monotonic() if arrived is None else arrived

    def handle(self):
        if not self.tls_failed:
            super().handle()

    def finish(self):
        try:
            super().finish()
        except CLIENT_GONE:
            pass
        finally:
            self.server.track(self.connection, False)
            self.server.state.count_closed_connection()

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002  # pylint: disable=redefined-builtin
        if self.server.verbose:
            super().log_message(format, *args)

    # dispatch

    def do_GET(self):  # pylint: disable=invalid-name  # the name http.server looks up
        self.dispatch()

    # every method goes through dispatch(): the API answers 405 to anything but GET
    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def dispatch(self):
        try:
            body = self._read_body()
            path, _sep, query = self.path.partition("?")
            if path.startswith(CONTROL_PREFIX):
                self._answer_control(path, body)
            else:
                self._answer_api(path, query, body)
        except CLIENT_GONE:
            self.close_connection = True

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _answer_control(self, path: str, raw_body: bytes):
        try:
            body = json.loads(raw_body) if raw_body.strip() else {}
        except ValueError:
            self.send_reply(json_reply(400, {"error": "the body is not JSON"}))
            return
        self.send_reply(answer_control(self.server.state, self.command, path, body))

    def _answer_api(self, path: str, query: str, body: bytes = b""):
        state = self.server.state
        if not self.counted_api:
            self.counted_api = True
            state.count_api_connection()
        request_id = new_request_id()
        params = parse_qs(query, keep_blank_values=True)
        status_query = params["status"][0] if params.get("status") else None
        route = parse_api_path(path)
        fault = state.take_fault(path, route.call_uuid if route else None, "none" if status_query is None else status_query, self.command)
        record = state.record({
            "method": self.command,
            "path": path,
            "query": {key: values[0] if len(values) == 1 else values for key, values in params.items()},
            "headers": {key: "<redacted>" if key.lower() == "x-auth-token" else value for key, value in self.headers.items()},
            "time": self.arrival_time(),
            "body": _recorded_body(body) if self.command == "POST" or body else None,
            "fault": fault.fault_id if fault else None,
            "request_id": request_id,
            "response_status": None,
            "ended": None,
        })
        self.server.stop_event.wait(state.latency)
        if self.server.jitter is not None:  # a late handler thread: the state the answer reads may change meanwhile
            self.server.stop_event.wait(self.server.jitter.delay())

        def normal_reply() -> Reply:
            return answer_api(state, self.command, path, status_query, self.headers, request_id,
                              {key: values[0] for key, values in params.items()}, body)

        if fault and fault.takes_effect:
            normal_reply()  # carried out, and its answer lost to the fault
        self._answering = record
        try:
            sent = self._deliver_fault(fault, request_id, normal_reply) if fault else self.send_reply(normal_reply(), request_id)
            with state.lock:
                record["response_status"] = sent
        finally:
            self._answering = None
            with state.lock:  # answered, dropped, or given up on by the client: how long the client was held
                record["ended"] = time.monotonic()

    # writing answers

    def _head(self, status: int, content_type: str, request_id: str | None, headers: dict, length: int | None) -> bytes:
        lines = [f"{self.protocol_version} {status} {reason_phrase(status)}", f"Server: {self.version_string()}", f"Date: {self.date_time_string()}"]
        if status != 204:  # No Content: no body, so no type and no length either
            lines.append(f"Content-Type: {content_type}")
            if length is not None:
                lines.append(f"Content-Length: {length}")
        if request_id:
            lines.append(f"X-Request-Id: {request_id}")
        lines.extend(f"{key}: {value}" for key, value in headers.items())
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _reply_bytes(self, reply: Reply, request_id: str | None) -> bytes:
        head = self._head(reply.status, reply.content_type, request_id, reply.headers, len(reply.body))
        return head if self.command == "HEAD" else head + reply.body

    def send_reply(self, reply: Reply, request_id: str | None = None) -> int:
        """Send a whole answer in one write (one packet for small answers); returns the status sent."""
        data = self._reply_bytes(reply, request_id)
        # Logged before the write: a client that has its answer may read the request log at once.
        self._log_status(reply.status)
        try:
            self.wfile.write(data)
        except BaseException:
            self._log_status(None)
            raise
        self.log_message('"%s" %s %s', self.requestline, reply.status, len(reply.body))
        return reply.status

    def _log_status(self, status: int | None) -> None:
        record = getattr(self, "_answering", None)
        if record is not None:
            with self.server.state.lock:
                record["response_status"] = status

    # faults

    def _deliver_fault(self, fault: Fault, request_id: str, normal_reply) -> int | None:
        """Answer as the fault says; returns the HTTP status sent, None when nothing was."""
        spec = fault.spec
        kind = fault.kind
        if kind == "delay":
            self.server.stop_event.wait(float(spec.get("seconds", 1.0)))
            return self.send_reply(normal_reply(), request_id)
        if kind == "hang":
            self._hang()
            return None
        if kind == "drop":
            self.close_connection = True
            return None
        if kind == "huge":
            return self._send_huge(spec, request_id)
        if kind == "trickle":
            return self._trickle(normal_reply(), request_id, float(spec.get("interval", 1.0)), int(spec.get("chunk_bytes") or 8))
        return self.send_reply(fault_reply(fault, request_id), request_id)

    def _hang(self):
        """Never answer: hold the connection until the client closes it, the server stops, or 600 s pass."""
        self.close_connection = True
        deadline = time.monotonic() + MAX_HANG_SECONDS
        self.connection.settimeout(0.1)
        while time.monotonic() < deadline and not self.server.stop_event.is_set():
            try:
                if not self.connection.recv(4096):
                    return  # the client closed its end
            except TimeoutError:
                continue
            except (OSError, ValueError):
                return

    def _send_huge(self, spec: dict, request_id: str) -> int:
        """A valid JSON object of the asked size, streamed in blocks rather than built in memory."""
        size = int(float(spec.get("megabytes", 12)) * 1024 * 1024)
        prefix = ('{"api_id": "' + new_api_id() + '", "call_status": "in-progress", "padding": "').encode()
        suffix = b'"}'
        padding = max(0, size - len(prefix) - len(suffix))
        chunked = bool(spec.get("chunked"))
        if chunked:
            self.wfile.write(self._head(200, JSON_TYPE, request_id, {"Transfer-Encoding": "chunked"}, None))
        else:
            self.wfile.write(self._head(200, JSON_TYPE, request_id, {}, len(prefix) + padding + len(suffix)))

        def emit(data: bytes):
            self.wfile.write(b"%x\r\n%b\r\n" % (len(data), data) if chunked else data)

        emit(prefix)
        block = b"x" * HUGE_BLOCK
        while padding > 0:
            piece = block if padding >= HUGE_BLOCK else block[:padding]
            emit(piece)
            padding -= len(piece)
        emit(suffix)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        return 200

    def _trickle(self, reply: Reply, request_id: str, interval: float, chunk_bytes: int) -> int | None:
        """The whole answer, status line included, a few bytes at a time: per-read timeouts never fire."""
        data = self._reply_bytes(reply, request_id)
        for start in range(0, len(data), chunk_bytes):
            if start and self.server.stop_event.wait(interval):
                self.close_connection = True
                return None
            self.wfile.write(data[start:start + chunk_bytes])
        return reply.status


def _recorded_body(body: bytes):
    """A POST's body for the request log: its JSON, else its text (credentials travel in headers, never here)."""
    try:
        return json.loads(body) if body.strip() else None
    except ValueError:
        return body.decode("utf-8", errors="replace")


def _retry_after_value(value) -> str:
    """'http-date:+2' means an HTTP date 2 s from now; anything else is sent verbatim."""
    text = str(value)
    if text.startswith("http-date:"):
        return email.utils.formatdate(time.time() + float(text[len("http-date:"):]), usegmt=True)
    return text


def fault_reply(fault: Fault, request_id: str) -> Reply:
    """The canned answer of a fault whose answer is one ordinary response."""
    spec = fault.spec
    kind = fault.kind
    if kind == "status":
        status = spec["status"]
        if "body" in spec:
            body = spec["body"]
            return Reply(status=status, body=body.encode(), content_type=spec.get("content_type") or _guess_type(body))
        if spec.get("plivo"):
            return json_reply(status, {"api_id": new_api_id(), "error": spec.get("message") or reason_phrase(status).lower()})
        return envelope_reply(status, request_id, spec.get("code"), spec.get("message"))
    if kind == "rate_limit":
        headers = {"Retry-After": _retry_after_value(spec["retry_after"])} if spec.get("retry_after") is not None else {}
        details = {"retryAfter": spec["details_retry_after"]} if spec.get("details_retry_after") is not None else None
        message = spec.get("message") or "Rate limit exceeded, retry later"
        return envelope_reply(429, request_id, spec.get("code") or "RATE_LIMIT_EXCEEDED", message, details=details, headers=headers)
    if kind == "malformed_json":
        return Reply(status=200, body=MALFORMED_JSON)
    if kind == "html":
        return html_page(int(spec.get("status", 502)))
    if kind == "wrong_shape":
        return json_reply(200, spec.get("body", DEFAULT_WRONG_SHAPE))
    raise ValueError(f"fault kind {kind} has no canned answer")


def _guess_type(body: str) -> str:
    try:
        json.loads(body)
    except ValueError:
        return "text/plain; charset=utf-8"
    return JSON_TYPE


class Simulator:
    """The Vobiz API simulator, served from a daemon thread.

    sim = Simulator(scenario="demo.yml"); sim.start(); requests.get(sim.base_url + "/Account/..."); sim.stop()
    `scenario` is a path (.yml/.yaml/.json), a dict, or None for the bundled demo; `tls` is (certfile, keyfile).
    """

    def __init__(self, scenario=None, latency: float = 0.0, tls=None, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False):
        self.state = SimulatorState(scenario, latency)
        self.host = host
        self.requested_port = port
        self.tls = tuple(tls) if tls else None
        self.verbose = verbose
        self.jitter = for_handover("api-answer")  # None unless VOBIZ_TEST_JITTER is set; JitterError on a bad value
        self._server: SimulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Simulator:
        self.state.reset()  # scenario timelines count from now
        server = SimulatorHTTPServer((self.host, self.requested_port), self.state, self.verbose, self.jitter)
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls[0], self.tls[1])
            server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        self._server = server
        self.state.origin = self.origin  # the recordings' media URLs name it
        self._thread = threading.Thread(target=server.serve_forever, args=(0.1,), name="vobiz-simulator", daemon=True)  # stop() noticed within 0.1 s
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop_event.set()  # ends latency waits, delays, trickles and hangs
        self.state.stop_flows()  # and the placed calls' callbacks
        server.shutdown()
        server.close_open_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        scheme = "https" if self.tls else "http"
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.origin + "/api/v1"

    @property
    def control_url(self) -> str:
        return self.origin + "/_sim"

    def control(self, method: str, name: str, body=None):
        """Call the control API without any HTTP library: sim.control("POST", "faults", {"kind": "drop"})."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False  # our own server, whatever its certificate
            context.verify_mode = ssl.CERT_NONE
            connection = http.client.HTTPSConnection(host, self.port, timeout=10, context=context)
        else:
            connection = http.client.HTTPConnection(host, self.port, timeout=10)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            connection.request(method, f"/_sim/{name.strip('/')}", body=payload, headers={"Content-Type": JSON_TYPE})
            response = connection.getresponse()
            value = json.loads(response.read() or b"null")
        finally:
            connection.close()
        if response.status >= 400:
            raise RuntimeError(f"control {method} {name}: {response.status} {value}")
        return value
