# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the callbacks event source answers to each request (module_utils/_callback_receiver.py), the events it builds
(_callback_events.py) and the XML it answers with (_answer_xml.py), without a server."""

from __future__ import annotations

import json
from xml.etree import ElementTree
from urllib.parse import urlencode

import pytest

from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._answer_xml import DEFAULT_INPUT_XML, HANG_UP, answer_document, xml_error
from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._callback_events import EVENT_TYPES, callback_event, event_type
from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._receiver import (
    MAX_BODY,
    MAX_FIELDS,
    Receiver,
    form_fields,
    media_type,
    public_url_error,
    signed_url,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._signatures import signature

TOKEN = "tok-Unit-callbacks-SECRET"
MAIN_TOKEN = "tok-Unit-main-SECRET"
HOST = "127.0.0.1:5000"
FORM = "application/x-www-form-urlencoded"


class Headers(dict):
    """A case-insensitive mapping of headers, as aiohttp's."""

    def __init__(self, values=None):
        super().__init__((key.lower(), value) for key, value in (values or {}).items())

    def get(self, key, default=None):
        return super().get(key.lower(), default)


def signed(url: str, nonce: str = "12345678901234567890", token: str = TOKEN, v2: bool = False) -> Headers:
    base = url.split("?", maxsplit=1)[0]
    if v2:
        return Headers({"X-Vobiz-Signature-V2": signature(token, base, nonce, ""), "X-Vobiz-Signature-V2-Nonce": nonce})
    return Headers({"X-Vobiz-Signature-V3": signature(token, base, nonce, "."), "X-Vobiz-Signature-V3-Nonce": nonce})


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def replay_clock() -> Clock:
    return Clock()


def receiver(clock, **kwargs) -> Receiver:
    kwargs.setdefault("auth_token", TOKEN)
    return Receiver(clock=clock, wall_clock=lambda: 1781193808.702, **kwargs)


def post(rules: Receiver, raw_path: str, params: dict, headers=None, content_type: str = FORM, method: str = "POST", body=b"?"):
    if headers is None:
        headers = signed("http://%s%s" % (HOST, raw_path))
    if body == b"?":  # the form of params
        body = urlencode(params).encode()
    return rules.handle(method, "http", HOST, raw_path, headers, content_type, body, "127.0.0.9")


@pytest.mark.parametrize("params, expected", [
    ({"Event": "Ring"}, "call.ringing"),
    ({"Event": "StartApp"}, "call.answered"),
    ({"Event": "Hangup"}, "call.ended"),
    ({"Event": "MachineDetection"}, "call.machine_detected"),
    ({"Event": "Redirect"}, "call.redirected"),
    ({"Digits": "1", "InputType": "dtmf"}, "call.input"),
    ({"Speech": "yes", "Digits": ""}, "call.input"),
    ({"Event": "", "Digits": "12"}, "call.input"),
    ({"Event": "Hangup", "Digits": "1"}, "call.ended"),
    ({"Event": "Transfer"}, "call.callback"),
    ({"CallUUID": "x"}, "call.callback"),
])
def test_the_type_comes_from_the_event_field(params, expected):
    assert event_type(params) == expected
    assert expected in EVENT_TYPES


def test_an_event_carries_every_field_with_its_type():
    params = {"Event": "Hangup", "CallUUID": "c1", "RequestUUID": "r1", "CallStatus": "completed", "Direction": "outbound",
              "From": "919262171438", "To": "919148227303", "HangupCause": "NORMAL_CLEARING", "Duration": "45",
              "BillDuration": "60", "Machine": "false", "Extra": "kept"}
    event = callback_event(params, "/hangup", "v3", 1781193808.702)
    assert event == {"vobiz": {
        "type": "call.ended", "call_uuid": "c1", "request_uuid": "r1", "call_status": "completed", "direction": "outbound",
        "from": "919262171438", "to": "919148227303", "digits": None, "speech": None, "hangup_cause": "NORMAL_CLEARING",
        "duration": 45, "bill_duration": 60, "machine": False, "params": params, "path": "/hangup",
        "received_at": "2026-06-11T16:03:28.702Z", "signature": "v3"}}


@pytest.mark.parametrize("params, expected", [
    ({"Duration": "45.0", "BillDuration": 60, "Machine": True}, (45, 60, True)),
    ({"Duration": "", "BillDuration": "soon", "Machine": "maybe"}, (None, None, None)),
    ({"Duration": "nan", "Machine": "TRUE", "HangupCauseName": "Normal Hangup"}, (None, None, True)),
])
def test_numbers_and_booleans_as_sent(params, expected):
    event = callback_event(params, "/x", "none", 0)["vobiz"]
    assert (event["duration"], event["bill_duration"], event["machine"]) == expected
    if "HangupCauseName" in params:
        assert event["hangup_cause"] == "Normal Hangup"


def parsed(document: str):
    assert xml_error(document) is None, document
    return ElementTree.fromstring(document.encode())


def test_the_answer_built_from_the_query_speaks_inside_a_gather():
    document = answer_document({"say": ["Disk <full> & \"hot\""], "digits": ["1"], "voice": ["MAN"], "language": ["en-GB"],
                                "loop": ["2"]}, "https://eda.example.com/hooks/input")
    root = parsed(document)
    gather = root.find("Gather")
    assert gather.attrib == {"action": "https://eda.example.com/hooks/input", "method": "POST", "inputType": "dtmf", "numDigits": "1"}
    speak = gather.find("Speak")
    assert speak.text == "Disk <full> & \"hot\""
    assert speak.attrib == {"voice": "MAN", "language": "en-GB", "loop": "2"}
    assert "&lt;full&gt; &amp;" in document


@pytest.mark.parametrize("query, expected", [
    ({}, HANG_UP),
    ({"voice": ["MAN"]}, HANG_UP),
    ({"digits": ["1x"]}, HANG_UP),  # not keys of a phone: left out
    ({"say": [""]}, HANG_UP),
])
def test_without_say_nor_digits_the_answer_hangs_up(query, expected):
    assert answer_document(query, "http://h/input") == expected
    assert parsed(expected).find("Hangup") is not None


def test_speech_alone_and_digits_alone():
    root = parsed(answer_document({"say": ["hi\x00\x07 there"], "voice": ["x\" onload=\""], "loop": ["-1"]}, "http://h/input"))
    assert [child.tag for child in root] == ["Speak"]
    assert root.find("Speak").text == "hi there" and root.find("Speak").attrib == {}  # bad attributes are left out
    root = parsed(answer_document({"digits": ["1234#"]}, "http://h/input?a=1&b=2"))
    assert root.find("Gather").attrib["numDigits"] == "5" and root.find("Gather").attrib["action"] == "http://h/input?a=1&b=2"


@pytest.mark.parametrize("document, expected", [
    ("<Response><Hangup/></Response>", None),
    ("<Response><Speak>x</Response>", "is not well-formed XML"),
    ("<Speak>x</Speak>", "must have <Response> as its root element, not <Speak>"),
])
def test_xml_documents_are_checked(document, expected):
    error = xml_error(document)
    assert error == expected if expected is None else error.startswith(expected)


def test_an_answer_gets_the_xml_built_from_its_url_and_an_event(replay_clock):
    reply = post(receiver(replay_clock), "/answer?say=Disk%20full&digits=1", {"Event": "StartApp", "CallUUID": "c1"})
    assert (reply.status, reply.content_type, reply.refusal) == (200, "application/xml", None)
    assert parsed(reply.body.decode()).find("Gather").attrib["action"] == "http://%s/input" % HOST
    assert reply.event["vobiz"]["type"] == "call.answered" and reply.event["vobiz"]["path"] == "/answer"
    assert reply.event["vobiz"]["params"] == {"Event": "StartApp", "CallUUID": "c1"}  # the query is not a field of the callback


def test_the_users_documents_answer_as_given(replay_clock):
    rules = receiver(replay_clock, answer_xml="<Response><Speak>mine</Speak></Response>", input_xml="<Response><Hangup/></Response>")
    assert post(rules, "/answer?say=ignored", {"Event": "StartApp"}).body == b"<Response><Speak>mine</Speak></Response>"
    reply = post(rules, "/input", {"Digits": "1"}, headers=signed("http://%s/input" % HOST, nonce="2"))
    assert (reply.body, reply.event["vobiz"]["digits"]) == (b"<Response><Hangup/></Response>", "1")


def test_an_input_gets_the_default_input_xml_and_others_an_empty_200(replay_clock):
    rules = receiver(replay_clock)
    reply = post(rules, "/input", {"Digits": "1", "CallUUID": "c1"})
    assert (reply.status, reply.body, reply.content_type) == (200, DEFAULT_INPUT_XML.encode(), "application/xml")
    reply = post(rules, "/hangup", {"Event": "Hangup", "CallUUID": "c1"}, headers=signed("http://%s/hangup" % HOST, nonce="2"))
    assert (reply.status, reply.body, reply.content_type, reply.event["vobiz"]["type"]) == (200, b"", None, "call.ended")


def test_get_callbacks_carry_their_fields_in_the_query(replay_clock):
    raw_path = "/ring?" + urlencode({"Event": "Ring", "CallUUID": "c1"})
    reply = post(receiver(replay_clock), raw_path, {}, method="GET", body=b"", content_type=None)
    assert reply.event["vobiz"]["type"] == "call.ringing" and reply.event["vobiz"]["call_uuid"] == "c1"


def test_form_fields_are_decoded_and_the_first_of_each_counts(replay_clock):
    body = b"Speech=press+one%21&Digits=&Digits=2&To=%2B919148227303&Empty="
    reply = post(receiver(replay_clock), "/input", {}, body=body)
    assert reply.event["vobiz"]["params"] == {"Speech": "press one!", "Digits": "", "To": "+919148227303", "Empty": ""}


def test_a_json_body_is_taken_as_sent(replay_clock):
    body = json.dumps({"Event": "MachineDetection", "Machine": True, "CallUUID": "c1"}).encode()
    reply = post(receiver(replay_clock), "/machine", {}, content_type="application/json; charset=utf-8", body=body)
    assert (reply.status, reply.event["vobiz"]["machine"], reply.event["vobiz"]["params"]["Machine"]) == (200, True, True)


@pytest.mark.parametrize("method, content_type, body, status, why", [
    ("PUT", FORM, b"a=1", 405, "method not allowed, only GET and POST"),
    ("DELETE", None, b"", 405, "method not allowed"),
    ("POST", FORM, None, 413, "a body over %d bytes" % MAX_BODY),
    ("POST", "text/plain", b"a=1", 415, "a body of type text/plain, neither application/x-www-form-urlencoded nor application/json"),
    ("POST", None, b"a=1", 415, "a body of type (none)"),
    ("POST", FORM, b"a&b=1", 400, "a body that cannot be read as application/x-www-form-urlencoded (ValueError)"),
    ("POST", FORM, b"a=%ff", 400, "a body that cannot be read as application/x-www-form-urlencoded (UnicodeDecodeError)"),
    ("POST", FORM, b"a=\xff", 400, "a body that cannot be read"),
    ("POST", FORM, b"a=1&&b=2", 400, "a body that cannot be read as application/x-www-form-urlencoded (ValueError)"),
    ("POST", FORM, b"&".join(b"f%d=1" % index for index in range(1001)), 400, "a body that cannot be read"),
    ("POST", "application/json", b"[1]", 400, "a JSON body that is not an object"),
    ("POST", "application/json", b"{", 400, "a body that cannot be read as application/json (JSONDecodeError)"),
])
def test_refusals(replay_clock, method, content_type, body, status, why):
    reply = post(receiver(replay_clock), "/hangup?x=1", {}, content_type=content_type, method=method, body=body)
    assert (reply.status, reply.event) == (status, None)
    assert reply.refusal.startswith("refused %s /hangup from 127.0.0.9: %s" % (method, why)), reply.refusal
    assert reply.refusal.endswith("(HTTP %d)" % status)


def signature_refusal(reply) -> str:
    assert (reply.status, reply.event) == (403, None)
    assert TOKEN not in reply.refusal and "X-Vobiz" not in reply.refusal
    return reply.refusal.split(": ", maxsplit=1)[1]


def test_signature_refusals(replay_clock):
    rules = receiver(replay_clock)
    url = "http://%s/hangup" % HOST
    params = {"Event": "Hangup"}
    forged = signed(url)
    forged["x-vobiz-signature-v3"] = forged["x-vobiz-signature-v3"][::-1]
    assert forged["x-vobiz-signature-v3"] not in signature_refusal(post(rules, "/hangup", params, headers=forged))
    assert signature_refusal(post(rules, "/hangup", params, headers=Headers())) == "no signature (HTTP 403)"
    assert signature_refusal(post(rules, "/hangup", params, headers=signed(url, token="other"))) == "a signature that does not verify (HTTP 403)"
    assert post(rules, "/hangup", params, headers=signed(url, nonce="7")).status == 200
    assert signature_refusal(post(rules, "/hangup", params, headers=signed(url, nonce="7"))) == "a nonce already seen (a replay) (HTTP 403)"
    assert signature_refusal(post(rules, "/other", params, headers=signed(url, nonce="8"))) == "a signature that does not verify (HTTP 403)"
    replay_clock.now += 301  # past the window, the nonce is accepted again
    assert post(rules, "/hangup", params, headers=signed(url, nonce="7")).status == 200


def test_refused_nonces_are_not_remembered(replay_clock):
    rules = receiver(replay_clock)
    url = "http://%s/hangup" % HOST
    assert post(rules, "/hangup", {}, headers=signed(url, nonce="9", token="other")).status == 403
    assert post(rules, "/hangup", {}, headers=signed(url, nonce="9")).status == 200


def test_optional_signatures_accept_unsigned_callbacks_only(replay_clock):
    rules = receiver(replay_clock, auth_token=None, required=False)
    reply = post(rules, "/hangup", {"Event": "Hangup"}, headers=Headers())
    assert (reply.status, reply.event["vobiz"]["signature"]) == (200, "none")
    assert post(rules, "/hangup", {"Event": "Hangup"}).status == 403  # signed, and no token to verify it with


def test_v2_and_ma_v3_are_accepted(replay_clock):
    rules = receiver(replay_clock, main_auth_token=MAIN_TOKEN)
    url = "http://%s/hangup" % HOST
    assert post(rules, "/hangup", {}, headers=signed(url, nonce="1", v2=True)).event["vobiz"]["signature"] == "v2"
    main = signed(url, nonce="2", token=MAIN_TOKEN)
    headers = Headers({"X-Vobiz-Signature-MA-V3": main.get("X-Vobiz-Signature-V3"), "X-Vobiz-Signature-V3-Nonce": "2"})
    assert post(rules, "/hangup", {}, headers=headers).event["vobiz"]["signature"] == "ma-v3"


def only_signature(scheme: str, url: str, nonce: str) -> Headers:
    """Headers carrying only the `scheme` signature (v3, v2, ma-v3, ma-v2) of `url`, and its nonce header."""
    main = scheme.startswith("ma-")
    v2 = scheme.endswith("v2")
    one = signed(url, nonce=nonce, token=MAIN_TOKEN if main else TOKEN, v2=v2)
    version = "V2" if v2 else "V3"
    return Headers({"X-Vobiz-Signature-%s%s" % ("MA-" if main else "", version): one.get("X-Vobiz-Signature-%s" % version),
                    "X-Vobiz-Signature-%s-Nonce" % version: nonce})


@pytest.mark.parametrize("scheme", ["v3", "v2", "ma-v3", "ma-v2"])
def test_a_replay_is_refused_whichever_signature_verified(replay_clock, scheme):
    rules = receiver(replay_clock, main_auth_token=MAIN_TOKEN)
    url = "http://%s/hangup" % HOST
    first = post(rules, "/hangup", {"Event": "Hangup"}, headers=only_signature(scheme, url, "31"))
    assert (first.status, first.event["vobiz"]["signature"]) == (200, scheme)
    replay_clock.now += 299  # still within the window
    again = post(rules, "/hangup", {"Event": "Hangup"}, headers=only_signature(scheme, url, "31"))
    assert signature_refusal(again) == "a nonce already seen (a replay) (HTTP 403)"


def test_public_urls_are_what_was_signed(replay_clock):
    rules = receiver(replay_clock, public_urls=["https://other.example.com", "https://eda.example.com/hooks/"])
    reply = post(rules, "/answer?say=hi&digits=1", {"Event": "StartApp"}, headers=signed("https://eda.example.com:443/hooks/answer"))
    assert reply.status == 200, reply.refusal
    assert parsed(reply.body.decode()).find("Gather").attrib["action"] == "https://other.example.com/input"
    # the URL the request arrived at is not accepted then, nor a forwarded one
    assert post(rules, "/answer", {"Event": "StartApp"}, headers=signed("http://%s/answer" % HOST, nonce="2")).status == 403


@pytest.mark.parametrize("url, expected", [
    ("https://eda.example.com/hooks", None),
    ("http://127.0.0.1:8080", None),
    ("eda.example.com/hooks", "must be an absolute http:// or https:// URL"),
    ("https://eda.example.com/hooks?x=1", "must be an absolute"),
    ("https://eda.example.com/hooks#x", "must be an absolute"),
    ("https://eda.example.com:99999/", "is not a valid URL"),
])
def test_public_url_checks(url, expected):
    error = public_url_error(url)
    assert error is None if expected is None else expected in error


def test_a_form_is_read_field_by_field_and_refused_past_its_rules():
    assert form_fields("a=b=c&a=second&x+y=1%2B2&p+q=r+s") == {"a": "b=c", "x y": "1+2", "p q": "r s"}
    assert len(form_fields("&".join("f%d=1" % index for index in range(MAX_FIELDS)))) == MAX_FIELDS
    with pytest.raises(ValueError, match="^more than 1000 fields$"):
        form_fields("&".join("f%d=1" % index for index in range(MAX_FIELDS + 1)))
    with pytest.raises(ValueError, match="^a field without '='$"):
        form_fields("a=1&b")
    with pytest.raises(UnicodeDecodeError):
        form_fields("%ff=1")  # an escape that is not UTF-8, in a name as in a value
    with pytest.raises(UnicodeDecodeError):
        form_fields("a=%ff")


def test_the_media_type_is_what_comes_before_the_first_parameter():
    assert media_type("Application/X-WWW-Form-Urlencoded; charset=utf-8; boundary=x") == FORM
    assert media_type(None) == ""


NO_QUERY = "must be an absolute http:// or https:// URL without query or fragment, such as https://eda.example.com/hooks"


@pytest.mark.parametrize("url, error", [
    ("https://eda.example.com/hooks?", "public_url 'https://eda.example.com/hooks?' " + NO_QUERY),
    ("https://eda.example.com/hooks#", "public_url 'https://eda.example.com/hooks#' " + NO_QUERY),
    ("https://eda.example.com:99999/hooks", "public_url 'https://eda.example.com:99999/hooks' is not a valid URL: Port out of range 0-65535"),
], ids=["empty-query", "empty-fragment", "bad-port"])
def test_a_public_url_with_a_query_a_fragment_or_a_bad_port_is_refused(url, error):
    assert public_url_error(url) == error


def test_the_signed_url_is_the_base_without_its_trailing_slashes_and_the_path():
    assert signed_url("https://eda.example.com/X//", "/answer") == "https://eda.example.com/X/answer"


def test_a_refusal_names_an_unknown_peer_so(replay_clock):
    reply = receiver(replay_clock).handle("PUT", "http", HOST, "/hangup", Headers(), FORM, b"")
    assert reply.refusal == "refused PUT /hangup from ?: method not allowed, only GET and POST (HTTP 405)"


def test_a_query_that_cannot_be_read_is_refused_saying_why(replay_clock):
    reply = receiver(replay_clock).handle("GET", "http", HOST, "/hangup?a=1&b", Headers(), None, b"", "127.0.0.9")
    assert (reply.status, reply.refusal) == (400, "refused GET /hangup from 127.0.0.9: a query string that cannot be read (ValueError) (HTTP 400)")


def test_a_signature_refusal_names_the_method_the_path_and_the_peer(replay_clock):
    forged = Headers({"X-Vobiz-Signature-V3": "forged", "X-Vobiz-Signature-V3-Nonce": "12345678901234567890"})
    reply = post(receiver(replay_clock), "/hangup", {"Event": "Hangup"}, headers=forged)
    assert reply.refusal == "refused POST /hangup from 127.0.0.9: a signature that does not verify (HTTP 403)"
    unsigned = post(receiver(replay_clock), "/hangup", {"Event": "Hangup"}, headers=Headers())
    assert unsigned.refusal == "refused POST /hangup from 127.0.0.9: no signature (HTTP 403)"
