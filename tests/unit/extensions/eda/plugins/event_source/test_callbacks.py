# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The callbacks event source: its arguments, what stops it at start, its documentation, and one real listener on
127.0.0.1 taking signed callbacks (tests/e2e/test_callbacks.py runs it under ansible-rulebook)."""

from __future__ import annotations

import asyncio
import logging
import socket
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
import yaml

from ansible_collections.vobiz.telephony.extensions.eda.plugins.event_source import callbacks
from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._callback_events import EVENT_TYPES, callback_event
from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._signatures import signature

aiohttp = pytest.importorskip("aiohttp")

TOKEN = "tok-Unit-callbacks-SECRET"
BASE = {"auth_token": TOKEN, "host": "127.0.0.1"}


def refusal(args: dict, environ=None) -> str:
    with pytest.raises(callbacks.ArgumentError) as raised:
        callbacks.source_options(args, {} if environ is None else environ)
    message = str(raised.value)
    assert message.startswith("vobiz.telephony.callbacks: ")
    assert TOKEN not in message
    return message[len("vobiz.telephony.callbacks: "):]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_defaults_are_those_documented():
    documented = yaml.safe_load(callbacks.DOCUMENTATION)["options"]
    assert set(documented) == set(callbacks.OPTIONS)
    assert {name: option.get("default") for name, option in documented.items() if name in callbacks.DEFAULTS} == callbacks.DEFAULTS
    assert {name: option["type"] for name, option in documented.items()} == {name: option.type for name, option in callbacks.OPTIONS.items()}
    assert documented["signatures"]["choices"] == list(callbacks.SIGNATURE_MODES)
    options = callbacks.source_options({}, {"VOBIZ_AUTH_TOKEN": "from-env"})
    assert {name: options[name] for name in callbacks.DEFAULTS} == callbacks.DEFAULTS
    assert options["auth_token"] == "from-env"


def test_every_type_of_event_is_documented_with_a_whole_event():
    events = yaml.safe_load(callbacks.EVENTS)
    assert sorted(events) == sorted(EVENT_TYPES)
    built = callback_event({}, "/", "v3", 0.0)["vobiz"]
    for kind, documented in events.items():
        event = documented["sample"]["vobiz"]
        assert list(documented["sample"]) == ["vobiz"]
        assert event["type"] == kind
        assert list(event) == list(built)
        assert event["signature"] in ("v3", "v2", "ma-v3", "ma-v2", "none")
        assert all(isinstance(event[key], int) or event[key] is None for key in ("duration", "bill_duration"))


@pytest.mark.parametrize("args, expected", [
    ({"auth_token": None}, "auth_token is required while signatures are required: set it, or the VOBIZ_AUTH_TOKEN environment variable"),
    ({"auth_token": ""}, "auth_token must not be empty"),
    ({"main_auth_token": ""}, "main_auth_token must not be empty"),
    ({"signatures": "sometimes"}, "signatures must be one of required, optional, got 'sometimes'"),
    ({"port": 0}, "port must be between 1 and 65535, got 0"),
    ({"port": "http"}, "port must be a whole number, got 'http'"),
    ({"replay_window": 0}, "replay_window must be greater than 0 seconds, got 0.0"),
    ({"public_url": "eda.example.com"}, "public_url 'eda.example.com' must be an absolute http:// or https:// URL without query or fragment"),
    ({"public_url": [1]}, "public_url must be a string or a list of strings, got [1]"),
    ({"answer_xml": "<Response>"}, "answer_xml is not well-formed XML"),
    ({"input_xml": "<Speak/>"}, "input_xml must have <Response> as its root element, not <Speak>"),
    ({"keyfile": "/tmp/key.pem"}, "keyfile needs certfile"),
    ({"prot": 5000}, "unknown argument prot; the arguments are answer_xml, auth_token, certfile, host, input_xml, keyfile, main_auth_token, "
                     "port, public_url, replay_window, signatures"),
])
def test_a_bad_argument_is_named(args, expected):
    assert refusal(dict(BASE, **args)).startswith(expected)


def test_replay_window_reaches_the_listener():
    """The window the user set, not the default 300 s: a replay is refused within it and accepted after it."""
    rules = callbacks.receiver_for(callbacks.source_options(dict(BASE, replay_window=2.5), {}))
    now = [1000.0]
    rules.clock = lambda: now[0]
    url = "http://127.0.0.1:5000/hangup"
    headers = {"X-Vobiz-Signature-V3": signature(TOKEN, url, "77", "."), "X-Vobiz-Signature-V3-Nonce": "77"}

    def status() -> int:
        return rules.handle("POST", "http", "127.0.0.1:5000", "/hangup", headers, "application/x-www-form-urlencoded",
                            b"Event=Hangup", "127.0.0.9").status

    assert status() == 200
    now[0] += 2.4
    assert status() == 403  # a replay within the 2.5 s
    now[0] += 2.6
    assert status() == 200  # the nonce was forgotten 2.5 s after it was accepted (300 s would still refuse it)


def test_optional_signatures_need_no_token_and_a_url_may_be_one_string():
    options = callbacks.source_options({"signatures": "optional", "public_url": "https://eda.example.com/hooks", "port": "8080"}, {})
    assert (options["auth_token"], options["public_url"], options["port"]) == (None, ["https://eda.example.com/hooks"], 8080)


def test_an_unreadable_certificate_stops_the_source_naming_it(tmp_path, caplog):
    bad = tmp_path / "cert.pem"
    bad.write_text("not a certificate", encoding="utf-8")
    with pytest.raises(callbacks.ArgumentError) as raised:
        asyncio.run(callbacks.main(asyncio.Queue(), dict(BASE, port=free_port(), certfile=str(bad))))
    assert str(raised.value).startswith("vobiz.telephony.callbacks: certfile %s (keyfile in certfile) cannot be loaded: " % bad)
    assert ("vobiz.telephony.callbacks", logging.ERROR, str(raised.value)) in caplog.record_tuples


def test_a_port_it_cannot_bind_stops_the_source_naming_it():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(callbacks.ArgumentError) as raised:
            asyncio.run(callbacks.main(asyncio.Queue(), dict(BASE, port=port)))
    assert str(raised.value).startswith("vobiz.telephony.callbacks: port %d cannot be bound on host 127.0.0.1: " % port)


def send(port: int, path: str, params: dict, nonce: str, method: str = "POST", token: str = TOKEN) -> tuple:
    url = "http://127.0.0.1:%d%s" % (port, path)
    headers = {"X-Vobiz-Signature-V3": signature(token, url.split("?", maxsplit=1)[0], nonce, "."), "X-Vobiz-Signature-V3-Nonce": nonce,
               "Content-Type": "application/x-www-form-urlencoded"}
    request = urllib.request.Request(url, data=urlencode(params).encode(), headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - a loopback URL of this test
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_listener_answers_at_once_and_feeds_events_in_order(caplog):
    """ansible-rulebook's queue takes one event at a time: the replies do not wait for it, the events keep their order."""
    port = free_port()

    async def scenario():
        queue = asyncio.Queue(1)  # as ansible-rulebook's, and nobody takes from it until every reply has come
        source = asyncio.ensure_future(callbacks.main(queue, dict(BASE, port=port)))
        while True:  # until the port accepts a connection
            try:
                await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        replies = []
        for index, params in enumerate([{"Event": "Ring"}, {"Event": "StartApp"}, {"Digits": "1"}, {"Event": "Hangup", "Duration": "3"}]):
            path = "/answer?say=Hello%20%3Cthere%3E&digits=1" if params.get("Event") == "StartApp" else "/cb"
            replies.append(await asyncio.to_thread(send, port, path, dict(params, CallUUID="c1"), "n%d" % index))
        replies.append(await asyncio.to_thread(send, port, "/cb", {"Event": "Hangup"}, "n0"))  # replayed
        replies.append(await asyncio.to_thread(send, port, "/cb", {"Event": "Hangup"}, "n9", "PUT"))
        events = [(await asyncio.wait_for(queue.get(), 30))["vobiz"] for index in range(4)]
        source.cancel()
        return replies, events, queue.qsize()

    replies, events, left = asyncio.run(scenario())
    assert [status for status, body in replies] == [200, 200, 200, 200, 403, 405]
    assert b"<Speak>Hello &lt;there&gt;</Speak>" in replies[1][1] and b'action="http://127.0.0.1:%d/input"' % port in replies[1][1]
    assert replies[2][1].endswith(b"<Hangup/></Response>")
    assert [(event["type"], event["signature"]) for event in events] == [
        ("call.ringing", "v3"), ("call.answered", "v3"), ("call.input", "v3"), ("call.ended", "v3")]
    assert events[3]["duration"] == 3 and left == 0
    warnings = [message for name, level, message in caplog.record_tuples if level == logging.WARNING]
    assert warnings == ["vobiz.telephony.callbacks: refused POST /cb from 127.0.0.1: a nonce already seen (a replay) (HTTP 403)",
                        "vobiz.telephony.callbacks: refused PUT /cb from 127.0.0.1: method not allowed, only GET and POST (HTTP 405)"]
    assert TOKEN not in caplog.text
