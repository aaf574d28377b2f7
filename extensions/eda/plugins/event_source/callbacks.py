# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""vobiz.telephony.callbacks: an ansible-rulebook event source that receives Vobiz's signed callbacks."""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import runpy
import ssl

if not __package__:  # run by path, as ansible-rulebook runs a source: make the collection importable
    runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_on_path.py"))

# pylint: disable=wrong-import-position
from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._answer_xml import xml_error
from ansible_collections.vobiz.telephony.plugins.module_utils._arguments import ArgumentError, source_arguments
from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._receiver import MAX_BODY, METHODS, REPLAY_WINDOW, Receiver, public_url_error
from ansible_collections.vobiz.telephony.plugins.module_utils._options import CONNECTION_OPTIONS, Option, non_empty_error, option_errors, options_table, single

DOCUMENTATION = r"""
---
short_description: Events from the callbacks Vobiz sends (ringing, answered, input, ended), signed.
description:
  - An ansible-rulebook event source plugin that runs an HTTP server (aiohttp, which ansible-rulebook brings) and puts
    one event on the queue for each callback Vobiz sends to it and that it accepts. Give Vobiz its URLs as the
    C(ring_url), C(answer_url), C(hangup_url), C(machine_detection_url) of a call (the C(vobiz.telephony.call)
    module's options) or of an application. Unlike the C(vobiz.telephony.call_events) event source, it makes no API
    request at all, and it sees what happens inside a call, such as the digits a person pressed.
  - Every event is a dictionary with one key, C(vobiz), holding C(type); C(call_uuid), C(request_uuid),
    C(call_status), C(direction), C(from), C(to), C(digits), C(speech) and C(hangup_cause) (strings, or C(null) when the
    callback has no such field); C(duration) and C(bill_duration) (integers or C(null)); C(machine) (a boolean or
    C(null)); C(params), every field of the callback as sent; C(path), the path the callback was sent to (without its
    query); C(received_at), when it arrived, in ISO 8601 UTC; and C(signature), which signature verified it
    (C(v3), C(v2), C(ma-v3), C(ma-v2)), or C(none) (unsigned, with O(signatures=optional)).
  - C(type) comes from the callback's C(Event) field. C(Ring) gives C(call.ringing), C(StartApp) C(call.answered),
    C(Hangup) C(call.ended), C(MachineDetection) C(call.machine_detected), C(Redirect) C(call.redirected); a Gather's
    input (C(Digits) or C(Speech), no C(Event)) gives C(call.input); anything else C(call.callback). C(call.answered)
    and C(call.ended) mean what they mean in C(vobiz.telephony.call_events), so that a rulebook can
    switch sources.
  - "Replies: an answer request (C(StartApp)) gets the answer XML (see O(answer_xml)), a Gather's input the input XML
    (O(input_xml)), both as C(application/xml); every other callback gets HTTP 200 with an empty body. Every reply is
    sent at once, whatever the rules are doing: Vobiz gives up after a few seconds."
  - "Refusals, each logged (method, path, peer and why; never the token nor the signature), with no event, and the
    source goes on: a missing, invalid or replayed signature gets HTTP 403; a body over 64 KiB HTTP 413; a body that is
    neither form-encoded nor JSON HTTP 415; a method other than GET and POST HTTP 405; a form, query or JSON body that
    cannot be read HTTP 400."
  - "Signatures: Vobiz signs the URL it calls (without its query) and a nonce, not the body:
    V3 = base64(HMAC-SHA256(auth token, URL + \".\" + nonce)), V2 the same without the dot, and on a sub-account's
    callbacks MA-V3 and MA-V2 keyed with the main account's token. The source checks V3, V2, MA-V3 and MA-V2 in that
    order and takes the first that verifies, comparing in constant time. Vobiz's documentation disagrees on the port of
    a URL on its scheme's default port, so both forms (with and without C(:443)) are accepted. The URL checked is
    O(public_url) plus the request's path, or, without it, the URL the request arrived at (the scheme this listener
    serves and the request's C(Host) header). Forwarding headers (C(X-Forwarded-*)) are never trusted."
  - The source stops at start, with a message naming the argument, on bad arguments, among them a port it cannot bind,
    a certificate it cannot load, an XML document that is not well-formed, and no token while signatures are required.
  - Vobiz wants HTTPS callback URLs on a public name; serve TLS directly (O(certfile), O(keyfile)), or run behind a
    TLS-terminating proxy and give O(public_url).
  - Memory is bounded; the nonces of the last O(replay_window) seconds are kept, at most 100,000 (the oldest go first).
  - The auth tokens are in no event and no log line.
  - Needs the Python library C(aiohttp) (which ansible-rulebook installs), not ansible-core nor C(requests).
options:
  host:
    description:
      - The address to listen on. V(0.0.0.0) listens on every IPv4 address.
    type: str
    default: 0.0.0.0
  port:
    description:
      - The TCP port to listen on.
    type: int
    default: 5000
  certfile:
    description:
      - A PEM file with the listener's certificate (and its chain) to serve HTTPS directly.
      - Without it the listener serves plain HTTP, for a TLS-terminating proxy in front of it.
    type: path
  keyfile:
    description:
      - The PEM file of the certificate's private key, if it is not in O(certfile).
    type: path
  public_url:
    description:
      - The base URL Vobiz reaches this listener by, such as V(https://eda.example.com/hooks), or a list of them (a
        signature that verifies against any of them is accepted). The URL Vobiz signed is that base plus the request's
        path, so that a proxy may take off a path prefix (V(https://eda.example.com/hooks/answer) reaching the listener
        as V(/answer)).
      - Without it, the URL is the one the request arrived at. Set it whenever a proxy is in front of the listener.
      - A Gather built from the answer URL sends its input to the first base URL plus V(/input).
    type: list
    elements: str
  auth_token:
    description:
      - The Vobiz account's Auth Token, the key of the V3 and V2 signatures. It is never logged nor put in an event.
      - If not set, the value of the E(VOBIZ_AUTH_TOKEN) environment variable is used; prefer it, or a vaulted variable.
        One of the two is required when O(signatures=required).
    type: str
  main_auth_token:
    description:
      - The main (parent) account's Auth Token, the key of the MA-V3 and MA-V2 signatures of a sub-account's callbacks.
        It is never logged nor put in an event.
    type: str
  signatures:
    description:
      - V(required) refuses (HTTP 403) a request without a valid V3, V2, MA-V3 or MA-V2 signature.
      - V(optional) still refuses a signed request whose signature does not verify, and accepts an unsigned one, whose
        event has C(signature=none). Starting in this mode logs a warning. Vobiz sends signatures only for callback
        URLs that have credentials configured.
    type: str
    choices: [required, optional]
    default: required
  replay_window:
    description:
      - Seconds during which a nonce once accepted is refused again (HTTP 403), so that a callback captured on the way
        cannot be sent twice.
    type: float
    default: 300
  answer_xml:
    description:
      - The Vobiz XML document (one C(<Response>)) that answers an answer request (C(StartApp)).
      - Without it, the document is built from the answer URL's own query string. C(say) is the text to speak, with
        C(voice), C(language) and C(loop) as in C(<Speak>). C(digits) (1 to 32 of C(0-9), C(*), C(#)), when set, puts
        the speech inside a C(<Gather numDigits=...>) of as many digits, whose C(action) is this listener's C(/input),
        so that the person's keys come back as a C(call.input) event.
        With neither C(say) nor C(digits), the answer is a document that hangs up. Text is always XML-escaped.
      - For example, the answer URL V(https://eda.example.com/hooks/answer?say=Disk%20full%20on%20db1&digits=1).
    type: str
  input_xml:
    description:
      - The Vobiz XML document that answers a Gather's input.
      - Without it, a short spoken thanks, then C(<Hangup/>).
    type: str
"""

EXAMPLES = r"""
- name: Page by voice until someone presses 1
  hosts: localhost
  sources:
    - vobiz.telephony.callbacks:
        port: 5000
        public_url: https://eda.example.com/hooks
  rules:
    - name: Someone pressed 1
      condition: event.vobiz.type == "call.input" and event.vobiz.digits == "1"
      action:
        run_playbook:
          name: examples/acknowledge.yml
    - name: A call ended
      condition: event.vobiz.type == "call.ended"
      action:
        debug:
          msg: "{{ event.vobiz.call_uuid }} ended: {{ event.vobiz.hangup_cause }} after {{ event.vobiz.duration }} s"
"""

# Each type of event, with an example of a whole event (rendered in docs/callbacks_event_source.md).
EVENTS = r"""
call.ringing:
  description: The call is ringing (C(Event=Ring), sent to the C(ring_url)).
  sample:
    vobiz:
      type: call.ringing
      call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      request_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      call_status: ringing
      direction: outbound
      from: "919262171438"
      to: "919148227303"
      digits: null
      speech: null
      hangup_cause: null
      duration: null
      bill_duration: null
      machine: null
      params: {From: "919262171438", To: "919148227303", RequestUUID: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91,
               CallUUID: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91, Direction: outbound, Event: Ring, CallStatus: ringing,
               SessionStart: "2026-06-11 16:03:28.586839"}
      path: /ring
      received_at: "2026-06-11T16:03:28.702Z"
      signature: v3
call.answered:
  description: The call was answered (C(Event=StartApp), sent to the C(answer_url)); the reply was the answer XML.
  sample:
    vobiz:
      type: call.answered
      call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      request_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      call_status: in-progress
      direction: outbound
      from: "919262171438"
      to: "919148227303"
      digits: null
      speech: null
      hangup_cause: null
      duration: null
      bill_duration: null
      machine: null
      params: {From: "919262171438", To: "919148227303", CallUUID: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91,
               RequestUUID: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91, Direction: outbound, Event: StartApp, CallStatus: in-progress}
      path: /answer
      received_at: "2026-06-11T16:03:33.114Z"
      signature: v3
call.input:
  description: A Gather's input (C(Digits) or C(Speech), no C(Event)); the reply was the input XML.
  sample:
    vobiz:
      type: call.input
      call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      request_uuid: null
      call_status: in-progress
      direction: outbound
      from: "919262171438"
      to: "919148227303"
      digits: "1"
      speech: ""
      hangup_cause: null
      duration: null
      bill_duration: null
      machine: null
      params: {From: "919262171438", To: "919148227303", CallUUID: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91, Direction: outbound,
               CallStatus: in-progress, InputType: dtmf, Digits: "1", Speech: ""}
      path: /input
      received_at: "2026-06-11T16:03:39.530Z"
      signature: v3
call.ended:
  description: The call ended (C(Event=Hangup), sent to the C(hangup_url)).
  sample:
    vobiz:
      type: call.ended
      call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      request_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      call_status: completed
      direction: outbound
      from: "919262171438"
      to: "919148227303"
      digits: null
      speech: null
      hangup_cause: NORMAL_CLEARING
      duration: 44
      bill_duration: 40
      machine: null
      params: {From: "919262171438", To: "919148227303", CallUUID: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91, Event: Hangup,
               RequestUUID: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91, Direction: outbound, CallStatus: completed,
               HangupCause: NORMAL_CLEARING, Duration: "44", BillDuration: "40", StartTime: "2026-06-11 21:33:28",
               AnswerTime: "2026-06-11 21:33:33", EndTime: "2026-06-11 21:34:12"}
      path: /hangup
      received_at: "2026-06-11T16:04:12.220Z"
      signature: v3
call.machine_detected:
  description: Machine detection's result (C(Event=MachineDetection)); C(machine) is C(true) for a machine.
  sample:
    vobiz:
      type: call.machine_detected
      call_uuid: 9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60
      request_uuid: 9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60
      call_status: in-progress
      direction: outbound
      from: "919262171438"
      to: "919820012345"
      digits: null
      speech: null
      hangup_cause: null
      duration: null
      bill_duration: null
      machine: true
      params: {From: "919262171438", To: "919820012345", CallUUID: 9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60, Machine: "true",
               RequestUUID: 9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60, IfMachine: continue, Direction: outbound,
               Event: MachineDetection, CallStatus: in-progress}
      path: /machine
      received_at: "2026-06-11T16:03:36.010Z"
      signature: v2
call.redirected:
  description: A C(<Redirect>) of the call's XML requested its URL (C(Event=Redirect)).
  sample:
    vobiz:
      type: call.redirected
      call_uuid: 9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60
      request_uuid: null
      call_status: in-progress
      direction: outbound
      from: "919262171438"
      to: "919820012345"
      digits: null
      speech: null
      hangup_cause: null
      duration: null
      bill_duration: null
      machine: null
      params: {From: "919262171438", To: "919820012345", CallUUID: 9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60, Event: Redirect,
               Direction: outbound, CallStatus: in-progress}
      path: /redirect
      received_at: "2026-06-11T16:03:40.415Z"
      signature: v3
call.callback:
  description: Any other callback (another C(Event), such as C(Transfer), or none); C(params) holds what it carried.
  sample:
    vobiz:
      type: call.callback
      call_uuid: 9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60
      request_uuid: null
      call_status: null
      direction: null
      from: null
      to: null
      digits: null
      speech: null
      hangup_cause: null
      duration: null
      bill_duration: null
      machine: null
      params: {CallUUID: 9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60, Event: ConferenceExit}
      path: /events
      received_at: "2026-06-11T16:05:02.877Z"
      signature: ma-v3
"""

logger = logging.getLogger("vobiz.telephony.callbacks")

SOURCE_NAME = "vobiz.telephony.callbacks"
SIGNATURE_MODES = ("required", "optional")
# The source's arguments (DOCUMENTATION documents each, a unit test checks it).
OPTIONS = options_table(
    Option("host", "str", "0.0.0.0"),
    Option("port", "int", 5000, at_least=1, at_most=65535),
    Option("certfile", "path"),
    Option("keyfile", "path"),
    Option("public_url", "list", elements="str", check=lambda _name, urls: [error for error in map(public_url_error, urls) if error]),
    CONNECTION_OPTIONS["auth_token"],
    Option("main_auth_token", "str", no_log=True, check=single(non_empty_error)),
    Option("signatures", "str", "required", choices=list(SIGNATURE_MODES)),
    Option("replay_window", "float", REPLAY_WINDOW, above=0),
    Option("answer_xml", "str", check=lambda name, document: ["%s %s" % (name, xml_error(document))] if xml_error(document) else []),
    Option("input_xml", "str", check=lambda name, document: ["%s %s" % (name, xml_error(document))] if xml_error(document) else []),
)
DEFAULTS = {name: option.default for name, option in OPTIONS.items() if name not in ("auth_token", "main_auth_token")}


def _errors(options: dict) -> list:
    errors = option_errors(OPTIONS, options)
    if options["auth_token"] is None and options["signatures"] == "required":
        errors.append("auth_token is required while signatures are required: set it, or the VOBIZ_AUTH_TOKEN environment variable")
    if options["keyfile"] and not options["certfile"]:
        errors.append("keyfile needs certfile")
    return errors


def source_options(args: dict, environ=None) -> dict:
    """The checked arguments with their defaults and environment fallbacks; ArgumentError names every wrong one."""
    return source_arguments(SOURCE_NAME, OPTIONS, args, os.environ if environ is None else environ, _errors)


def tls_context(options: dict) -> ssl.SSLContext | None:
    """The server's TLS context with certfile (and keyfile), None without; ArgumentError when they cannot be loaded."""
    if not options["certfile"]:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(options["certfile"], options["keyfile"])
    except (OSError, ssl.SSLError) as exc:
        raise ArgumentError("%s: certfile %s (keyfile %s) cannot be loaded: %s"
                            % (SOURCE_NAME, options["certfile"], options["keyfile"] or "in certfile", exc)) from None
    return context


def receiver_for(options: dict) -> Receiver:
    return Receiver(options["auth_token"], options["main_auth_token"], required=options["signatures"] == "required",
                    replay_window=options["replay_window"], public_urls=options["public_url"], answer_xml=options["answer_xml"],
                    input_xml=options["input_xml"])


class EventFeeder:
    """Puts events on the queue in the order received, without holding up the replies: ansible-rulebook's queue takes
    one event at a time, so the ones it cannot take yet wait here, in order."""

    def __init__(self, queue):
        self.queue = queue
        self.waiting: collections.deque = collections.deque()
        self.task = None

    def put(self, event: dict) -> None:
        if not self.waiting and (self.task is None or self.task.done()) and hasattr(self.queue, "put_nowait"):
            try:
                self.queue.put_nowait(event)  # nothing waits before it: the queue has room now, or it waits here
                return
            except asyncio.QueueFull:
                pass
        self.waiting.append(event)
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._feed())

    async def _feed(self) -> None:
        while self.waiting:
            await self.queue.put(self.waiting.popleft())


def handler_for(receiver: Receiver, feeder: EventFeeder):
    """The aiohttp handler of every path and method."""
    from aiohttp import web  # pylint: disable=import-outside-toplevel

    async def handle(request):
        body = b""
        if request.method in METHODS:
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                body = None
        reply = receiver.handle(request.method, request.scheme, request.host, request.raw_path, request.headers,
                                request.headers.get("Content-Type"), body, request.remote or "")
        if reply.refusal:
            logger.warning("%s: %s", SOURCE_NAME, reply.refusal)
        if reply.event is not None:
            feeder.put(reply.event)
        return web.Response(status=reply.status, body=reply.body, content_type=reply.content_type)

    return handle


async def serve(queue, options: dict):
    """Start listening; the aiohttp runner, to clean up. ArgumentError when the port cannot be bound."""
    from aiohttp import web  # pylint: disable=import-outside-toplevel

    context = tls_context(options)
    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_route("*", "/{path:.*}", handler_for(receiver_for(options), EventFeeder(queue)))
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, options["host"], options["port"], ssl_context=context).start()
    except OSError as exc:
        await runner.cleanup()
        raise ArgumentError("%s: port %d cannot be bound on host %s: %s" % (SOURCE_NAME, options["port"], options["host"], exc)) from None
    logger.info("%s: listening on %s://%s:%d", SOURCE_NAME, "https" if context else "http", options["host"], options["port"])
    return runner


async def main(queue: asyncio.Queue, args: dict) -> None:
    """Receive callbacks and put one event per accepted callback on the queue, until cancelled."""
    try:
        options = source_options(args)
        runner = await serve(queue, options)
    except ArgumentError as error:
        logger.error("%s", error)
        raise
    if options["signatures"] == "optional":
        logger.warning("%s: signatures: optional: unsigned callbacks are accepted (their events have signature none)", SOURCE_NAME)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    # Without ansible-rulebook: print the events (token from VOBIZ_AUTH_TOKEN), on port 5000.

    class MockQueue:
        """Prints each event."""

        async def put(self, event: dict) -> None:
            print(event)  # noqa: T201

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(MockQueue(), {}))
