"""The callbacks event source through the real ansible-rulebook: the simulator's callbacks of a call it places, and signed
callbacks sent from this test (signed by tests/simulator/signing.py), to the listener the source opens on 127.0.0.1;
each accepted one printed by a rule (print_event), each refused one answered 403, 413, 415, 405 or 400 and printed by
none. The paging runbook and the inbound line of examples/ run end to end.

One rulebook run (plain HTTP) serves most tests, each with call uuids of its own; a second one serves TLS with a
certificate made here and public_url behind a path prefix. A refused callback is shown to fire no rule by sending a
good one after it and reading, once that one's event is out, every event printed (the source's queue keeps the
order). The waits have generous deadlines and nothing about speed is asserted (docs/benchmarks.md has the figures).
"""

from __future__ import annotations

import ast
import datetime
import http.client
import json
import socket
import ssl
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import yaml
from callback_receiver import logged_tries
from conftest import AUTH_ID, REPO_ROOT, SECRETS, TOKEN, WRONG_TOKEN, Sim

from tests.loopback import accepts_connections, free_port
from tests.rulebook_process import RulebookProcess
from tests.simulator.signing import signed_headers

SOURCE_NAME = "vobiz.telephony.callbacks"
EXAMPLES = REPO_ROOT / "examples"
MAIN_TOKEN = "tok-SECRET-e2e-main-2a71"  # the main account's, for MA- signatures
FORM = "application/x-www-form-urlencoded"


class Listener(RulebookProcess):
    """One ansible-rulebook process whose one rule prints every event of the callbacks source."""

    def __init__(self, ansible, workdir: Path, scheme: str = "http", cafile: str | None = None, port: int | None = None,
                 rulebook: list | None = None, env: dict | None = None, **source_args):
        """The rulebook whose rule prints every event, or `rulebook` (its callbacks source's arguments updated);
        VOBIZ_AUTH_TOKEN and `env` in its environment."""
        self.port = port or free_port()
        self.scheme, self.cafile = scheme, cafile
        source_args = dict({"host": "127.0.0.1", "port": self.port, "main_auth_token": MAIN_TOKEN}, **source_args)
        if rulebook is None:
            rulebook = [{"name": "Vobiz callbacks", "hosts": "localhost", "sources": [{SOURCE_NAME: {}}],
                         "rules": [{"name": "Every callback", "condition": "event.vobiz is defined", "action": {"print_event": {}}}]}]
        rulebook[0]["sources"][0][SOURCE_NAME].update(source_args)
        super().__init__(rulebook, dict(ansible.base_env, **dict(env or {}, VOBIZ_AUTH_TOKEN=TOKEN)), workdir)

    def wait_until_listening(self) -> None:
        self.wait_for("the listener on port %d" % self.port, lambda: accepts_connections(self.port))

    def events(self) -> list:
        """The `vobiz` part of every event printed, in order."""
        found = []
        for line in self.output.splitlines():
            if line.startswith("{") and "'vobiz'" in line:
                found.append(ast.literal_eval(line)["vobiz"])
        return found

    def events_of(self, call_uuid: str) -> list:
        return [event for event in self.events() if event["call_uuid"] == call_uuid]

    def send(self, path: str, params: dict, headers: dict | None = None, method: str = "POST", body: bytes | None = None,
             content_type: str | None = FORM) -> tuple:
        """(status, content type, body) of one request to the listener."""
        if self.scheme == "https":
            connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=60,
                                                     context=ssl.create_default_context(cafile=self.cafile))
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        all_headers = dict(headers or {})
        if content_type:
            all_headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=urlencode(params).encode() if body is None else body, headers=all_headers)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type"), response.read()
        finally:
            connection.close()

    def url(self, path: str) -> str:
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.port, path)

    def signed(self, path: str, params: dict, token: str = TOKEN, keep=None, url: str | None = None, **kwargs) -> tuple:
        """Send a callback signed as Vobiz signs it for `url` (this listener's own by default), with only the
        signature headers named in `keep` (all by default)."""
        headers = signed_headers(url or self.url(path), token, **kwargs)
        if keep is not None:
            headers = {name: value for name, value in headers.items() if name in keep}
        return self.send(path, params, headers)

    def flushed(self, marker: str) -> list:
        """Send a good callback, wait until its event is printed, and return every event printed by then."""
        assert self.signed("/hangup", {"Event": "Hangup", "CallUUID": marker})[0] == 200
        self.wait_for("the event of %s" % marker, lambda: self.events_of(marker))
        return self.events()

    def assert_clean(self) -> None:
        for secret in SECRETS + (MAIN_TOKEN,):
            assert secret not in self.output, "token %r leaked into the output of ansible-rulebook" % secret
        assert "Traceback (most recent call last)" not in self.output, self.explain()


def started(ansible_runner, tmp_path_factory, name: str, **kwargs):
    """A listening Listener; stopped if it does not listen (the fixture's teardown would not run)."""
    listener = Listener(ansible_runner, tmp_path_factory.mktemp(name), **kwargs)
    try:
        listener.wait_until_listening()
    except BaseException:
        listener.stop()
        raise
    return listener


@pytest.fixture(scope="module")
def listener(ansible_runner, tmp_path_factory):
    """The shared plain HTTP listener."""
    running = started(ansible_runner, tmp_path_factory, "callbacks-http")
    yield running
    running.stop()
    running.assert_clean()


def certificate(directory: Path) -> tuple:
    """A self-signed certificate for 127.0.0.1, made now: (certfile, keyfile)."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel
    import ipaddress  # pylint: disable=import-outside-toplevel

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


@pytest.fixture(scope="module")
def tls_listener(ansible_runner, tmp_path_factory):
    """A listener serving TLS with a certificate made here, reached both directly and as https://eda.example.com/hooks
    (a proxy that takes the prefix off)."""
    pytest.importorskip("cryptography")
    certfile, keyfile = certificate(tmp_path_factory.mktemp("certificate"))
    port = free_port()
    running = started(ansible_runner, tmp_path_factory, "callbacks-tls", scheme="https", cafile=certfile, certfile=certfile, keyfile=keyfile,
                      public_url=["https://127.0.0.1:%d" % port, "https://eda.example.com/hooks"], port=port)
    yield running
    running.stop()
    running.assert_clean()


def test_a_call_reaches_the_rules_once_in_order_with_its_fields(listener: Listener):
    uuid = "e2e-cb-call-01"
    common = {"CallUUID": uuid, "RequestUUID": "req-01", "From": "919262171438", "To": "919148227303", "Direction": "outbound"}
    say = 'Disk <full> on "db1" & more'
    replies = [
        listener.signed("/ring", dict(common, Event="Ring", CallStatus="ringing")),
        listener.signed("/answer?" + urlencode({"say": say, "digits": "1"}), dict(common, Event="StartApp", CallStatus="in-progress")),
        listener.signed("/input", dict(common, CallStatus="in-progress", InputType="dtmf", Digits="1", Speech="")),
        listener.signed("/hangup", dict(common, Event="Hangup", CallStatus="completed", HangupCause="NORMAL_CLEARING", Duration="44",
                                        BillDuration="60")),
    ]
    assert [status for status, kind, body in replies] == [200] * 4
    assert (replies[1][1], replies[2][1]) == ("application/xml", "application/xml")
    answer = replies[1][2].decode()
    assert '<Gather action="%s" method="POST" inputType="dtmf" numDigits="1"><Speak>Disk &lt;full&gt; on "db1" &amp; more</Speak></Gather>' \
        % listener.url("/input") in answer, answer
    assert replies[2][2].decode().endswith("<Hangup/></Response>")
    assert (replies[0][2], replies[3][2]) == (b"", b"")

    events = listener.wait_for("the four events", lambda: len(listener.events_of(uuid)) == 4 and listener.events_of(uuid))
    assert [event["type"] for event in events] == ["call.ringing", "call.answered", "call.input", "call.ended"], listener.explain()
    ring, answered, pressed, ended = events
    assert {key: ring[key] for key in ("call_uuid", "request_uuid", "call_status", "direction", "from", "to", "path", "signature")} == {
        "call_uuid": uuid, "request_uuid": "req-01", "call_status": "ringing", "direction": "outbound", "from": "919262171438",
        "to": "919148227303", "path": "/ring", "signature": "v3"}
    assert (answered["call_status"], answered["path"], answered["params"]["Event"]) == ("in-progress", "/answer", "StartApp")
    assert (pressed["digits"], pressed["speech"], pressed["path"]) == ("1", "", "/input")
    assert (ended["hangup_cause"], ended["duration"], ended["bill_duration"], ended["machine"]) == ("NORMAL_CLEARING", 44, 60, None)
    assert ended["params"] == dict(common, Event="Hangup", CallStatus="completed", HangupCause="NORMAL_CLEARING", Duration="44", BillDuration="60")
    for event in events:
        assert datetime.datetime.strptime(event["received_at"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert len(listener.flushed("e2e-cb-call-01-end")) == len(listener.events())  # nothing more came


def test_forged_unsigned_replayed_and_wrong_token_callbacks_get_403_and_fire_no_rule(listener: Listener):
    uuid = "e2e-cb-refused-02"
    params = {"Event": "Hangup", "CallUUID": uuid}
    good = signed_headers(listener.url("/hangup"), TOKEN, nonce="55555555555555555555")
    forged = dict(good, **{"X-Vobiz-Signature-V3": good["X-Vobiz-Signature-V2"], "X-Vobiz-Signature-V2": good["X-Vobiz-Signature-V3"]})
    statuses = [
        listener.send("/hangup", params, forged)[0],
        listener.send("/hangup", params, {})[0],
        listener.signed("/hangup", params, token=WRONG_TOKEN)[0],
        listener.signed("/hangup", params, url=listener.url("/other"))[0],  # signed for another URL
        listener.signed("/hangup", params, token=MAIN_TOKEN)[0],  # the main token in the sub-account's headers
    ]
    accepted = listener.send("/hangup", dict(params, CallUUID=uuid + "-first"), good)[0]
    replayed = listener.send("/hangup", params, good)[0]
    assert (statuses, accepted, replayed) == ([403] * 5, 200, 403)
    events = listener.flushed("e2e-cb-refused-02-end")
    assert [event for event in events if event["call_uuid"] == uuid] == [], listener.explain()
    assert len([event for event in events if event["call_uuid"] == uuid + "-first"]) == 1
    refusals = [line for line in listener.output.splitlines() if "refused POST /hangup" in line]
    assert len(refusals) >= 6
    for header in ("X-Vobiz-Signature-V3", "X-Vobiz-Signature-V2"):
        assert good[header] not in listener.output and forged[header] not in listener.output


def test_v2_alone_and_ma_v3_with_the_main_token_are_accepted(listener: Listener):
    uuid = "e2e-cb-forms-03"
    statuses = [
        listener.signed("/hangup", {"Event": "Hangup", "CallUUID": uuid + "-v2"},
                        keep={"X-Vobiz-Signature-V2", "X-Vobiz-Signature-V2-Nonce"})[0],
        listener.signed("/hangup", {"Event": "Hangup", "CallUUID": uuid + "-ma"}, token=WRONG_TOKEN, main_token=MAIN_TOKEN,
                        keep={"X-Vobiz-Signature-MA-V3", "X-Vobiz-Signature-V3-Nonce"})[0],
    ]
    assert statuses == [200, 200]
    listener.flushed(uuid + "-end")
    assert [event["signature"] for event in listener.events_of(uuid + "-v2")] == ["v2"]
    assert [event["signature"] for event in listener.events_of(uuid + "-ma")] == ["ma-v3"]


@pytest.mark.parametrize("method, content_type, body, status", [
    ("POST", FORM, b"Event=Hangup&CallUUID=e2e-cb-big-04&" + b"x" * (64 * 1024), 413),
    ("POST", "text/plain", b"Event=Hangup&CallUUID=e2e-cb-text-04", 415),
    ("PUT", FORM, b"Event=Hangup&CallUUID=e2e-cb-put-04", 405),
    ("POST", FORM, b"Event=Hangup&CallUUID", 400),
])
def test_bad_requests_are_refused_with_their_status_and_the_source_goes_on(listener: Listener, method, content_type, body, status):
    headers = signed_headers(listener.url("/hangup"), TOKEN)
    assert listener.send("/hangup", {}, headers, method=method, body=body, content_type=content_type)[0] == status
    events = listener.flushed("e2e-cb-bad-04-%d" % status)
    assert not [event for event in events if event["call_uuid"] and event["call_uuid"].startswith(("e2e-cb-big", "e2e-cb-text", "e2e-cb-put"))]
    assert "refused %s /hangup from 127.0.0.1: " % method in listener.output
    assert listener.process.poll() is None


def test_tls_with_a_certificate_made_here(tls_listener: Listener):
    uuid = "e2e-cb-tls-05"
    status, kind, body = tls_listener.signed("/answer?say=hello&digits=1", {"Event": "StartApp", "CallUUID": uuid})
    assert (status, kind) == (200, "application/xml")
    assert '<Gather action="https://127.0.0.1:%d/input"' % tls_listener.port in body.decode()  # the first public_url
    tls_listener.wait_for("the event of %s" % uuid, lambda: tls_listener.events_of(uuid))
    with pytest.raises(ssl.SSLError):  # plain HTTP gets nothing
        ssl.create_default_context().wrap_socket(socket.create_connection(("127.0.0.1", tls_listener.port), timeout=30),
                                                 server_hostname="127.0.0.1")


def test_public_url_behind_a_path_prefix(tls_listener: Listener):
    """Vobiz calls https://eda.example.com/hooks/hangup; the proxy takes /hooks off and the listener sees /hangup."""
    uuid = "e2e-cb-prefix-06"
    assert tls_listener.signed("/hangup", {"Event": "Hangup", "CallUUID": uuid}, url="https://eda.example.com/hooks/hangup")[0] == 200
    assert tls_listener.signed("/hangup", {"Event": "Hangup", "CallUUID": uuid + "-port"}, url="https://eda.example.com:443/hooks/hangup")[0] == 200
    # what the listener sees is not what Vobiz signed, and forwarding headers change nothing
    assert tls_listener.signed("/hangup", {"Event": "Hangup", "CallUUID": uuid + "-no"}, url="https://eda.example.com/hangup")[0] == 403
    headers = dict(signed_headers("https://forwarded.example.com/hangup", TOKEN), **{"X-Forwarded-Host": "forwarded.example.com",
                                                                                     "X-Forwarded-Proto": "https"})
    assert tls_listener.send("/hangup", {"Event": "Hangup", "CallUUID": uuid + "-no"}, headers)[0] == 403
    events = tls_listener.flushed(uuid + "-end")
    assert [event["path"] for event in events if event["call_uuid"] in (uuid, uuid + "-port")] == ["/hangup", "/hangup"]
    assert not [event for event in events if event["call_uuid"] == uuid + "-no"]


def test_bad_arguments_stop_the_source_at_start(ansible_runner, tmp_path):
    listener = Listener(ansible_runner, tmp_path, signatures="sometimes", public_url="eda.example.com/hooks")
    try:
        listener.wait_for_exit()
    finally:
        listener.stop()
    assert "vobiz.telephony.callbacks: signatures must be one of required, optional, got 'sometimes'; public_url 'eda.example.com/hooks' " \
           "must be an absolute http:// or https:// URL" in listener.output, listener.explain()
    assert listener.process.returncode != 0
    listener.assert_clean()


def place_call(sim: Sim, body: dict) -> str:
    """POST a call to the simulator's API as the call module would; its call uuid."""
    parts = urlsplit(sim.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", "%s/Account/%s/Call/" % (parts.path, AUTH_ID), body=json.dumps(body),
                           headers={"X-Auth-ID": AUTH_ID, "X-Auth-Token": TOKEN, "Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 200, answer
    return answer["request_uuid"]


def test_the_simulators_callbacks_of_a_call_reach_the_rules_once_in_order(listener: Listener, sim: Sim):
    """The simulator places a call that is answered and presses 1: ring, answer (whose XML it follows), the Gather's
    input and hangup come to the listener, signed with the account's token, and fire the rule once each, in order."""
    sim.control("POST", "dial_rules", {"rules": [{"outcome": "answered", "ring": 0.3, "talk": 600, "digits": "1", "digits_after": 0.5}]})
    say = "Disk <full> & hot"
    call_uuid = place_call(sim, {"from": "919262171438", "to": "919148227303", "answer_url": listener.url("/answer?" + urlencode({"say": say, "digits": "1"})),
                                 "answer_method": "POST", "ring_url": listener.url("/ring"), "hangup_url": listener.url("/hangup")})
    events = listener.wait_for("the four events of the call", lambda: len(listener.events_of(call_uuid)) >= 4 and listener.events_of(call_uuid))
    assert [event["type"] for event in events] == ["call.ringing", "call.answered", "call.input", "call.ended"], listener.explain()
    assert [event["path"] for event in events] == ["/ring", "/answer", "/input", "/hangup"]
    assert {event["signature"] for event in events} == {"v3"}
    assert {(event["from"], event["to"]) for event in events} == {("919262171438", "919148227303")}
    assert (events[0]["call_status"], events[1]["call_status"], events[2]["digits"]) == ("ringing", "in-progress", "1")
    assert isinstance(events[3]["duration"], int) and events[3]["hangup_cause"] is not None, events[3]
    answers = [entry for entry in sim.control("GET", "callbacks/%s" % call_uuid)["callbacks"] if entry["kind"] == "answer"]
    assert [(entry["status"], entry["content_type"]) for entry in answers] == [(200, "application/xml")]
    assert '<Gather action="%s" method="POST" inputType="dtmf" numDigits="1"><Speak>Disk &lt;full&gt; &amp; hot</Speak></Gather>' \
        % listener.url("/input") in answers[0]["reply"], answers[0]
    assert len(listener.flushed("e2e-cb-sim-07-end")) == len(listener.events())  # nothing more came


def test_the_paging_runbook_end_to_end(ansible, sim: Sim, tmp_path):
    """examples/paging_rulebook.yml under ansible-rulebook, examples/page_on_call.yml under ansible-playbook: the first
    number does not answer, the second presses 1 (acknowledge.yml records it), the third is never called."""
    sim.control("POST", "dial_rules", {"rules": [
        {"match": "01$", "outcome": "no-answer", "ring": 0.5},
        {"match": "02$", "outcome": "answered", "ring": 0.3, "talk": 600, "digits": "1", "digits_after": 0.5},
        {"outcome": "answered", "ring": 0.3, "talk": 5}]})
    paging_dir = tmp_path / "paging"
    rulebook = yaml.safe_load((EXAMPLES / "paging_rulebook.yml").read_text(encoding="utf-8"))
    for rule in rulebook[0]["rules"]:
        if "run_playbook" in rule["action"]:
            rule["action"]["run_playbook"]["name"] = str(EXAMPLES / "acknowledge.yml")
    workdir = tmp_path / "rulebook"
    workdir.mkdir()
    env = dict(ansible.connection_env(), VOBIZ_PAGING_DIR=str(paging_dir))
    paging = Listener(ansible, workdir, rulebook=rulebook, env=env, main_auth_token=None)
    try:
        paging.wait_until_listening()
        escalation = ["919100000001", "919100000002", "919100000003"]
        run = ansible.playbook(str(EXAMPLES / "page_on_call.yml"), env=env,
                               extra_vars={"escalation": escalation, "listener_url": paging.url(""), "incident": "Disk full on db1."})
        assert run.rc == 0 and run.recap["failed"] == 0, run.explain()
        placed = [entry["body"] for entry in sim.requests() if entry["method"] == "POST" and entry["path"].endswith("/Call/")]
        assert [body["to"] for body in placed] == escalation[:2], placed
        acknowledgements = sorted(paging_dir.glob("ack-*.json"))
        assert len(acknowledgements) == 1, paging.explain()
        acknowledgement = json.loads(acknowledgements[0].read_text(encoding="utf-8"))
        assert (acknowledgement["to"], acknowledgement["digits"]) == (escalation[1], "1")
        assert "vobiz-paging acknowledged by %s call=%s" % (escalation[1], acknowledgement["call_uuid"]) in run.stdout, run.explain()
        paging.wait_for("the ended lines", lambda: paging.output.count("vobiz-paging ended") == 2)
        # the line acknowledge.yml prints after writing the file page_on_call.yml waited for: the rulebook's output says it
        paging.wait_for("the acknowledgement's line", lambda: "vobiz-ack %s" % acknowledgement["call_uuid"] in paging.output)
        assert paging.output.count("vobiz-ack %s" % acknowledgement["call_uuid"]) == 1, paging.explain()
    finally:
        paging.stop()
    paging.assert_clean()


def test_the_inbound_line_end_to_end(ansible, sim: Sim, tmp_path):
    """examples/inbound_line.yml routes an owned number to an application answered by examples/inbound_rulebook.yml
    (under ansible-rulebook); the simulator rings the number: signed callbacks reach the source, whose answer XML it
    follows; the caller presses 1, the rule runs examples/record_caller.yml (the caller appended to the callers file),
    and the caller hears the confirmation (the source's input_xml). The call is live while up and has its cdr after."""
    line, caller = "+919410000001", "919812340001"
    sim.control("POST", "numbers", {"numbers": [{"e164": line, "account": AUTH_ID}]})
    # the caller presses 1 eight seconds after the line answers: the call is live (and waits in the Gather) until then
    sim.control("POST", "dial_rules", {"rules": [{"match": caller + "$", "outcome": "answered", "ring": 0.3, "talk": 600, "digits": "1",
                                                  "digits_after": 8}]})
    callers = tmp_path / "callers.txt"
    rulebook = yaml.safe_load((EXAMPLES / "inbound_rulebook.yml").read_text(encoding="utf-8"))
    confirmation = rulebook[0]["sources"][0][SOURCE_NAME]["input_xml"]
    for rule in rulebook[0]["rules"]:
        if "run_playbook" in rule["action"]:
            rule["action"]["run_playbook"]["name"] = str(EXAMPLES / "record_caller.yml")
    workdir = tmp_path / "rulebook"
    workdir.mkdir()
    line_rulebook = Listener(ansible, workdir, rulebook=rulebook, env=dict(ansible.connection_env(), VOBIZ_CALLERS_FILE=str(callers)),
                             main_auth_token=None)
    try:
        line_rulebook.wait_until_listening()
        run = ansible.playbook(str(EXAMPLES / "inbound_line.yml"), extra_vars={"line_number": line, "listener_url": line_rulebook.url("")})
        assert run.rc == 0 and (run.recap["changed"], run.recap["failed"]) == (2, 0), run.explain()
        [app] = [app for app in sim.control("GET", "applications")["applications"] if app["app_name"] == "inbound-line"]
        assert app["answer_url"].startswith(line_rulebook.url("/answer?say=")) and app["hangup_url"] == line_rulebook.url("/hangup")
        assert [number["app_id"] for number in sim.control("GET", "numbers")["numbers"] if number["e164"] == line] == [app["app_id"]]
        rung = sim.control("POST", "inbound", {"to": line, "from": caller})
        call_uuid = rung["call_uuid"]
        assert (rung["account"], rung["app_id"]) == (AUTH_ID, app["app_id"])
        [answer] = logged_tries(sim, call_uuid, "answer", 1)
        assert (answer["status"], answer["content_type"]) == (200, "application/xml"), answer  # a refused signature is a 403
        assert 'numDigits="1"><Speak>Thank you for calling. Press 1 and we will call you back.</Speak></Gather>' in answer["reply"]
        assert call_uuid in sim.api_get("/Account/%s/Call/?status=live" % AUTH_ID)[1]["calls"]
        line_rulebook.wait_for("the caller in the callers file", lambda: callers.is_file() and caller in callers.read_text(encoding="utf-8"))
        line_rulebook.wait_for("record_caller.yml's line", lambda: "vobiz-caller %s called %s call=%s" % (caller, line, call_uuid) in line_rulebook.output)
        [recorded] = callers.read_text(encoding="utf-8").splitlines()
        assert recorded.split()[1:] == [caller, call_uuid]
        logged_tries(sim, call_uuid, "hangup", 1)
        log = sim.control("GET", "callbacks/%s" % call_uuid)
        assert [(entry["kind"], entry["status"]) for entry in log["callbacks"]] == [("answer", 200), ("gather", 200), ("hangup", 200)]
        assert log["callbacks"][1]["params"]["Digits"] == "1" and log["callbacks"][1]["reply"] == confirmation
        assert [(step["step"], step.get("text")) for step in log["steps"]][1:] == [
            ("Speak", "Thank you. We will call you back shortly."), ("Hangup", ""), ("end", None)]
        line_rulebook.wait_for("the ended line", lambda: "vobiz-line ended %s from=%s" % (call_uuid, caller) in line_rulebook.output)
        events = line_rulebook.events_of(call_uuid)  # the rulebook prints no event: its rules' output says what fired
        assert events == [] and line_rulebook.output.count("vobiz-caller %s" % caller) == 1, line_rulebook.explain()
    finally:
        line_rulebook.stop()
    line_rulebook.assert_clean()
    record = ansible.adhoc("call_uuid=%s" % call_uuid, module="vobiz.telephony.cdr_info").result
    assert (record["found"], record["record"]["call_direction"], record["record"]["caller_id_number"]) == (True, "inbound", caller), record
