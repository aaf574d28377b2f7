# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client's transport as a user meets it: the URL a message shows for a query, a body whose connection drops, the
exact body limit, the thread an abandoned exchange runs on, and the connections it opens and keeps (a local server)."""

from __future__ import annotations

import datetime
import ipaddress
import socketserver
import ssl
import threading

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizConnectionError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, API_URL, AUTH_ID, AUTH_TOKEN, DroppedBody, StalledBody

EXPORT_URL = ACCOUNT_URL + "/cdr/export"
SEGMENTS = ("Account", AUTH_ID, "cdr", "export")


def client(api_url: str = API_URL, **options) -> VobizClient:
    return VobizClient(api_url, AUTH_ID, AUTH_TOKEN, **options)


# --- what a message shows -----------------------------------------------------------------------------------------


def test_query_names_and_values_are_percent_quoted_in_the_url_shown(mocked):
    mocked.add(responses.GET, EXPORT_URL, json={})
    with client(retries=0) as vobiz:
        response = vobiz.get(SEGMENTS, params={"a/b c": "d/e&f=g?h#%", "n": 3}, trailing_slash=False)
    shown = EXPORT_URL + "?a%2Fb%20c=d%2Fe%26f%3Dg%3Fh%23%25&n=3"
    assert (response.url, response.label) == (shown, "GET " + shown)


def test_a_connection_dropped_while_the_body_is_read_names_the_url_and_the_cause_and_is_retried(mocked):
    mocked.add(responses.GET, EXPORT_URL, body=DroppedBody(), auto_calculate_content_length=False)
    mocked.add(responses.GET, EXPORT_URL, json={"ok": True})
    notes = []
    with client(retries=1, on_retry=notes.append) as vobiz:
        assert vobiz.get(SEGMENTS, params={"n": 1}, trailing_slash=False).data == {"ok": True}
    assert notes == ["HTTP retry 1 (attempt 2 of 2 for GET %s?n=1): the server closed the connection without a complete answer; "
                     "waiting 1 s" % EXPORT_URL]


def test_a_connection_dropped_while_the_body_is_read_fails_with_that_message(mocked):
    mocked.add(responses.GET, EXPORT_URL, body=DroppedBody(), auto_calculate_content_length=False)
    with client(retries=0) as vobiz, pytest.raises(VobizConnectionError) as error:
        vobiz.get(SEGMENTS, params={"n": 1}, trailing_slash=False)
    shown = EXPORT_URL + "?n=1"
    assert error.value.message == "GET %s failed while reading the answer: the server closed the connection without a complete answer" % shown
    assert (error.value.url, error.value.transient, error.value.sent) == (shown, True, True)


def test_a_body_that_stops_coming_fails_as_no_answer_within_the_timeout(mocked):
    mocked.add(responses.GET, EXPORT_URL, body=StalledBody(), auto_calculate_content_length=False)
    with client(retries=0, timeout=2.5) as vobiz, pytest.raises(VobizConnectionError) as error:
        vobiz.get(SEGMENTS, trailing_slash=False)
    assert error.value.message == "GET %s failed while reading the answer: no answer within 2.5 s" % EXPORT_URL


def test_a_body_of_many_chunks_is_read_whole(mocked):
    data = {"rows": ["%06d" % number for number in range(40000)]}  # about 400 KB: several reads of the connection
    mocked.add(responses.GET, EXPORT_URL, json=data)
    with client(retries=0) as vobiz:
        assert vobiz.get(SEGMENTS, trailing_slash=False).data == data


def test_a_declared_length_of_exactly_the_limit_is_read(mocked):
    body = b'{"pad": "' + b"x" * 100 + b'"}'
    mocked.add(responses.GET, EXPORT_URL, body=body, headers={"Content-Length": str(len(body))}, auto_calculate_content_length=False)
    with client(retries=0, max_body_bytes=len(body)) as vobiz:
        assert vobiz.get(SEGMENTS, trailing_slash=False).data == {"pad": "x" * 100}


def test_an_api_url_keeps_the_last_letter_of_its_path_and_drops_only_slashes(mocked):
    mocked.add(responses.GET, "https://api.vobiz.ai/BOX/Account/%s/" % AUTH_ID, json={})
    with client("https://api.vobiz.ai/BOX//", retries=0) as vobiz:
        assert vobiz.get(("Account", AUTH_ID)).url == "https://api.vobiz.ai/BOX/Account/%s/" % AUTH_ID


# --- the thread of an exchange ------------------------------------------------------------------------------------


def test_an_exchange_cut_at_the_timeout_is_left_on_a_daemon_thread(mocked):
    # A daemon thread does not keep the process (the module) alive at exit while the server still sends.
    entered, release, threads = threading.Event(), threading.Event(), []

    def hold(_request):
        threads.append(threading.current_thread())
        entered.set()
        release.wait(10)
        return 200, {}, "{}"

    mocked.add_callback(responses.GET, EXPORT_URL, callback=hold)
    try:
        with client(retries=0, timeout=0.05) as vobiz, pytest.raises(VobizConnectionError) as error:
            vobiz.get(SEGMENTS, trailing_slash=False)
        assert entered.wait(10)
    finally:
        release.set()
    assert (error.value.message, error.value.url) == ("GET %s failed: no complete answer within 0.05 s" % EXPORT_URL, EXPORT_URL)
    assert threads[0].daemon is True


# --- connections (a local server) ---------------------------------------------------------------------------------


class _Server(socketserver.ThreadingTCPServer):
    """An HTTP/1.1 server on 127.0.0.1 that counts the connections opened to it. `drop_first`: the first connection
    is closed once its request is read, without an answer; `together`: each answer waits until that many requests are
    in (a round of concurrent requests), so that they hold their connections at the same time."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, drop_first=False, together=1, tls=None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.scheme = "http"
        if tls is not None:  # (certfile, keyfile): HTTPS
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.socket = context.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        self.drop_first = drop_first
        self.together = together
        self.connections = 0
        self.requests = 0
        self.lock = threading.Lock()
        self.round = threading.Condition(self.lock)
        threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True).start()  # shut down within 0.02 s

    @property
    def url(self) -> str:
        return "%s://127.0.0.1:%d/api/v1" % (self.scheme, self.server_address[1])

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
        self.server_close()


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        with server.lock:
            server.connections += 1
            number = server.connections
        while True:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline()
                if not line:
                    return
                head += line
            if server.drop_first and number == 1:
                return
            with server.round:
                server.requests += 1
                server.round.notify_all()
                server.round.wait_for(lambda: server.requests % server.together == 0, 5)
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            self.wfile.flush()


def test_a_connection_closed_without_an_answer_is_not_sent_again_by_the_transport():
    # The client alone decides what is retried (and notes each retry): the transport under it sends once.
    with _Server(drop_first=True) as server:
        notes = []
        with client(server.url, retries=0, timeout=5, on_retry=notes.append) as vobiz, pytest.raises(VobizConnectionError) as error:
            vobiz.get(("Account", AUTH_ID), trailing_slash=False)
        assert error.value.message.endswith("failed: the server closed the connection without a complete answer")
        assert (server.connections, notes) == (1, [])


def _rounds(server, pool_size: int, rounds: int, size: int, verify=True) -> None:
    with client(server.url, retries=0, timeout=5, pool_size=pool_size, verify=verify) as vobiz:
        def request(answers: list) -> None:
            answers.append(vobiz.get(("Account", AUTH_ID)).data)

        for _round in range(rounds):
            answers: list = []
            threads = [threading.Thread(target=request, args=(answers,)) for _thread in range(size)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(10)
            assert answers == [{}] * size


@pytest.mark.parametrize("pool_size, connections", [(1, 3), (2, 2), (0, 3)])
def test_the_client_keeps_as_many_connections_as_its_pool_size_at_least_one(pool_size, connections):
    # Two rounds of two requests at once: a pool of one keeps one connection of the first round and opens one more.
    with _Server(together=2) as server:
        _rounds(server, pool_size, rounds=2, size=2)
        assert server.connections == connections


def _certificate(directory) -> tuple:
    """A self-signed certificate for 127.0.0.1, made now: (certfile, keyfile)."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(certfile), str(keyfile)


def test_over_https_too_the_client_keeps_as_many_connections_as_its_pool_size(tmp_path):
    tls = _certificate(tmp_path)
    with _Server(together=2, tls=tls) as server:
        _rounds(server, 1, rounds=2, size=2, verify=tls[0])
        assert server.connections == 3


def test_a_client_checks_certificates_unless_told_not_to(tmp_path):
    with _Server(tls=_certificate(tmp_path)) as server:
        with client(server.url, retries=0, timeout=5) as vobiz, pytest.raises(VobizConnectionError) as error:
            vobiz.get(("Account", AUTH_ID))
    assert "failed: TLS certificate verification failed" in error.value.message


def test_delete_without_a_trailing_slash_sends_none(mocked):
    mocked.add(responses.DELETE, ACCOUNT_URL + "/Application/app-1", status=204)
    with client(retries=0) as vobiz:
        assert vobiz.delete(("Account", AUTH_ID, "Application", "app-1"), trailing_slash=False).url == ACCOUNT_URL + "/Application/app-1"
