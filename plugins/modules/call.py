#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: call
short_description: Place outbound Vobiz calls, wait until they are answered or end, and never place one twice
version_added: 0.2.0
description:
  - Places one outbound call per destination in O(to), through C(POST /Account/{auth_id}/Call/) with a JSON body,
    O(concurrency) requests at a time. Each destination gets its own C(request_uuid), which is its call's uuid.
  - Each option is sent under the API's own name, and only when it is set; O(answer_method) is always sent, and
    O(machine_detection) is sent as the API takes it.
  - B(Never twice.) A request that places a call is retried only where Vobiz cannot have placed it, after HTTP 429
    (honouring C(Retry-After)) or a connection that could not be opened. It is never retried after a time-out, a
    connection dropped once the request was sent, or a 5xx. Then that destination's entry has
    RV(calls[].call_status=unknown), no further call is placed, and the task fails with a message saying that the call
    may have been placed and how to check. The calls already placed by the task are still returned in RV(calls).
  - A 400, 401, 402 or 404 fails the task with Vobiz's own code and message, and places nothing more.
  - Not idempotent, every run places new calls. Guard the task with C(when) (or run it as a handler) where a second run must not call again.
  - With O(wait), the module then looks at the calls, as M(vobiz.telephony.live_call_info) does, until each is answered
    or over (V(answered)), or until each has ended (V(ended)).
  - "A call that is not answered is not a failure; playbooks decide, for example with
    C(failed_when: not result.calls[0].answered)."
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  to:
    description:
      - The destinations, one call each, in this order. Each is an E.164 number (digits, with or without a leading V(+))
        or a C(sip:) URI (V(sip:user@host)).
      - At most 1000 destinations in one task. A destination given twice is called twice.
    type: list
    elements: str
    required: true
  from:
    description:
      - The caller ID, an E.164 number (digits, with or without a leading V(+)).
    type: str
    required: true
  answer_url:
    description:
      - The URL Vobiz fetches the call's XML from once the call is answered. An absolute V(http://) or V(https://) URL.
      - Vobiz wants HTTPS callback URLs; a plain V(http://) URL to a host that is not loopback draws a warning.
    type: str
    required: true
  answer_method:
    description:
      - The method of the request to O(answer_url). Always sent (the API lists it as required in places).
    type: str
    choices: [GET, POST]
    default: POST
  ring_url:
    description:
      - The URL Vobiz notifies when the call starts ringing. An absolute V(http://) or V(https://) URL.
    type: str
  ring_method:
    description:
      - The method of the request to O(ring_url). Vobiz's default is V(POST).
    type: str
    choices: [GET, POST]
  hangup_url:
    description:
      - The URL Vobiz notifies when the call ends. An absolute V(http://) or V(https://) URL.
    type: str
  hangup_method:
    description:
      - The method of the request to O(hangup_url). Vobiz's default is V(POST).
    type: str
    choices: [GET, POST]
  fallback_url:
    description:
      - The URL Vobiz fetches the XML from when O(answer_url) fails. An absolute V(http://) or V(https://) URL.
    type: str
  fallback_method:
    description:
      - The method of the request to O(fallback_url). Vobiz's default is V(POST).
    type: str
    choices: [GET, POST]
  caller_name:
    description:
      - The caller's name shown to the callee, at most 50 characters.
    type: str
  time_limit:
    description:
      - The longest the call may last once answered, in seconds (1 to 86400). Vobiz's default is 14400.
    type: int
  hangup_on_ring:
    description:
      - Seconds after ringing starts at which the call is hung up (1 or more).
    type: int
  ring_timeout:
    description:
      - Seconds the call may ring before it is given up (1 or more).
    type: int
  send_digits:
    description:
      - DTMF digits sent once the call is connected; V(w) waits 0.5 s and V(W) 1 s.
    type: str
  send_on_preanswer:
    description:
      - Send O(send_digits) during pre-answer.
    type: bool
  machine_detection:
    description:
      - Answering machine detection. V(detect) (sent as V(true)) detects and goes on; V(hangup) hangs up on a machine.
    type: str
    choices: [detect, hangup]
  machine_detection_time:
    description:
      - How long machine detection may take, in milliseconds (2000 to 10000). Vobiz's default is 5000.
    type: int
  machine_detection_url:
    description:
      - An absolute V(http://) or V(https://) URL that Vobiz notifies, asynchronously, whether a machine answered.
    type: str
  machine_detection_method:
    choices: [GET, POST]
    description: How Vobiz requests O(machine_detection_url); V(POST) unless set.
    type: str
  extra_params:
    description:
      - Further parameters Vobiz documents for this request (such as C(machine_detection_maximum_words)), sent as given.
      - A key that an option above sets (C(to), C(from), C(answer_url), C(machine_detection) ...) is refused.
    type: dict
  wait:
    description:
      - V(none) returns once every call is placed.
      - V(answered) then looks until every call is in progress, or has ended without being answered. It never waits out
        O(wait_timeout) for a call that is already over.
      - V(ended) then looks until every call has ended, and returns its finalized record in RV(calls[].cdr).
      - If the calls are not there within O(wait_timeout), the module fails, with what it saw last in RV(calls).
      - Check mode does not wait, as it places nothing.
    type: str
    choices: [none, answered, ended]
    default: none
  wait_timeout:
    description:
      - How many seconds to wait, with O(wait).
    type: float
    default: 120
  wait_sleep:
    description:
      - Seconds between two looks at the calls still waited for, with O(wait).
    type: float
    default: 1
  concurrency:
    description:
      - How many requests are under way at a time, over one kept-alive session (1 to 64).
      - A server that answers HTTP 429 slows the whole pool down.
    type: int
    default: 8
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.places_calls
notes:
  - Bad input is refused before any request, naming the option and the value.
  - The O(retries) option applies to the looks of O(wait), and to the requests that place calls only where they were
    refused with HTTP 429 or could not be sent at all.
  - To check whether a call whose outcome is V(unknown) was placed, list the account's calls with
    M(vobiz.telephony.live_call_info) without a call uuid, once with C(status=live) and once with C(status=queued),
    and look for the destination.
seealso:
  - module: vobiz.telephony.live_call_info
  - module: vobiz.telephony.live_call
"""

EXAMPLES = r"""
- name: Page the on-call engineer and wait until the call is answered
  vobiz.telephony.call:
    to: ["+919148227303"]
    from: "+919262171438"
    answer_url: https://example.com/xml/incident.xml
    wait: answered
    wait_timeout: 90
  register: page
  failed_when: not page.calls[0].answered

- name: Place test calls to two numbers and a SIP endpoint, and keep how each ended
  vobiz.telephony.call:
    to:
      - "919148227303"
      - "919148227304"
      - sip:smoke@sip.example.com
    from: "919262171438"
    answer_url: https://example.com/xml/test-call.xml
    hangup_url: https://example.com/hooks/hangup
    time_limit: 60
    machine_detection: hangup
    extra_params:
      machine_detection_maximum_words: 3
    wait: ended
  register: test_calls

- name: Show the request that would be sent, without placing anything
  vobiz.telephony.call:
    to: ["+919148227303"]
    from: "+919262171438"
    answer_url: https://example.com/xml/incident.xml
  check_mode: true
  register: would
"""

RETURN = r"""
calls:
  description:
    - One entry per destination, in the order of O(to), also when the task fails.
  returned: always
  type: list
  elements: dict
  contains:
    to:
      description: The destination.
      type: str
      sample: "+919148227303"
    request_uuid:
      description: The request uuid Vobiz answered with, which is the call's uuid. Null when the call was not placed or its outcome is unknown.
      type: str
      sample: 7a1c6b52-3f04-4d1e-9b8a-2c5d6e7f8091
    call_uuid:
      description: The call's uuid, the same as RV(calls[].request_uuid).
      type: str
      sample: 7a1c6b52-3f04-4d1e-9b8a-2c5d6e7f8091
    api_id:
      description: The C(api_id) of Vobiz's answer to the request. Null when there was none.
      type: str
      sample: 0f6f8d52-1c1e-4a6b-8c9f-5f6e7d8c9b0a
    message:
      description: The C(message) of Vobiz's answer to the request. Null when there was none.
      type: str
      sample: Call fired
    request:
      description: The body sent (in check mode, that would be sent), without credentials.
      type: dict
      sample:
        to: "+919148227303"
        from: "+919262171438"
        answer_url: https://example.com/xml/incident.xml
        answer_method: POST
    call_status:
      description:
        - The call's status last seen, such as V(queued) (placed, and not looked at since), V(ringing), V(in-progress) or V(ended).
        - V(not_placed) in check mode, and for destinations not sent because the task failed first.
        - V(unknown) when the request may have reached Vobiz but no answer said so; it was not sent again.
      type: str
      sample: in-progress
    answered:
      description: True once the call was seen in progress or its record shows an answer, false once it ended unanswered; null until known.
      type: bool
      sample: true
    outcome:
      description:
        - Once the call has ended, its finalized record's C(call_status), such as V(completed), V(no-answer), V(busy),
          V(failed), V(timeout) or V(canceled); else null.
      type: str
      sample: completed
    cdr:
      description: The call's finalized record, as Vobiz sent it, with O(wait=ended); else empty.
      type: dict
      sample:
        call_uuid: 7a1c6b52-3f04-4d1e-9b8a-2c5d6e7f8091
        call_status: completed
        answer_time: "2026-06-11 16:03:31+00:00"
        bill_duration: 42
        hangup_cause_name: Normal Hangup
  sample:
    - to: "+919148227303"
      request_uuid: 7a1c6b52-3f04-4d1e-9b8a-2c5d6e7f8091
      call_uuid: 7a1c6b52-3f04-4d1e-9b8a-2c5d6e7f8091
      api_id: 0f6f8d52-1c1e-4a6b-8c9f-5f6e7d8c9b0a
      message: Call fired
      request: {to: "+919148227303", from: "+919262171438", answer_url: https://example.com/xml/incident.xml, answer_method: POST}
      call_status: in-progress
      answered: true
      outcome: null
      cdr: {}
placed:
  description: The uuids of the calls placed, in the order of O(to). Empty in check mode.
  returned: always
  type: list
  elements: str
  sample: ["7a1c6b52-3f04-4d1e-9b8a-2c5d6e7f8091"]
polls:
  description: How many rounds of looks the wait took; 0 without O(wait).
  returned: always
  type: int
  sample: 3
waited:
  description: Seconds the wait took; 0 without O(wait).
  returned: always
  type: float
  sample: 4.2
http_retries:
  description: How many HTTP requests were retried (each one also draws a warning).
  returned: always
  type: int
  sample: 0
status_code:
  description: The HTTP status of the answer that made the task fail.
  returned: on failure, when the server answered
  type: int
  sample: 402
error_code:
  description: Vobiz's error code from the failed answer's body.
  returned: on failure, when the body carried one
  type: str
  sample: INSUFFICIENT_BALANCE
request_id:
  description: The request id of the failed answer.
  returned: on failure, when the answer carried one
  type: str
  sample: req_8f14e45fceea167a
"""

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import ENDED, CallApi
from ansible_collections.vobiz.telephony.plugins.module_utils.common._vobiz import CALLBACK_METHODS, DEFAULT_CALLBACK_METHOD
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._module import client_from_module, fail_from_error, module_argument_spec, module_for
from ansible_collections.vobiz.telephony.plugins.module_utils.common._wait_loop import timed_out
from ansible_collections.vobiz.telephony.plugins.module_utils._options import CONCURRENCY, Option, options_table, wait_options
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._placing import (
    WAIT_ANSWERED,
    WAIT_ENDED,
    WAIT_NONE,
    CHECKS,
    Placement,
    PlacingError,
    place_calls,
    placing_errors,
    placing_warnings,
    request_bodies,
    wait_for_placed,
)

SHOWN_IN_MESSAGES = 10
METHODS = list(CALLBACK_METHODS)

OPTIONS = options_table(
    Option("to", "list", elements="str", required=True, check=CHECKS["to"]),
    Option("from", "str", required=True, check=CHECKS["from"]),
    Option("answer_url", "str", required=True, check=CHECKS["answer_url"]),
    Option("answer_method", "str", DEFAULT_CALLBACK_METHOD, choices=METHODS),
    *(Option(name, "str", choices=METHODS if name.endswith("_method") else None, check=CHECKS.get(name))
      for name in ("ring_url", "ring_method", "hangup_url", "hangup_method", "fallback_url", "fallback_method")),
    Option("caller_name", "str", check=CHECKS["caller_name"]),
    Option("time_limit", "int", at_least=1, at_most=86400),
    Option("hangup_on_ring", "int", at_least=1),
    Option("ring_timeout", "int", at_least=1),
    Option("send_digits", "str"),
    Option("send_on_preanswer", "bool"),
    Option("machine_detection", "str", choices=["detect", "hangup"]),
    Option("machine_detection_time", "int", at_least=2000, at_most=10000),
    Option("machine_detection_url", "str", check=CHECKS["machine_detection_url"]),
    Option("machine_detection_method", "str", choices=METHODS),
    Option("extra_params", "dict"),
    Option("wait", "str", WAIT_NONE, choices=[WAIT_NONE, WAIT_ANSWERED, WAIT_ENDED]),
    *wait_options(timeout=120.0, sleep=1.0),
    CONCURRENCY,
)


def argument_spec() -> dict:
    return module_argument_spec(OPTIONS)


def outcome(placements: list, with_cdr: bool, waited=None) -> dict:
    """The result's keys for these placements."""
    placed = [placement.request_uuid for placement in placements if placement.placed]
    return dict(changed=bool(placed), placed=placed, calls=[placement.as_result(with_cdr) for placement in placements],
                polls=waited.rounds if waited else 0, waited=round(waited.waited, 3) if waited else 0.0)


def failure_message(failure: PlacingError, placements: list) -> str:
    head = "call to %s: %s" % (failure.placement.request["to"], failure.error.message)
    if failure.unknown:
        head += (". The call may have been placed: the request may have reached Vobiz, and it was not sent again so as not to place"
                 " it twice. Check with vobiz.telephony.live_call_info (list mode: status live, then queued) before placing it again")
    else:
        head += ". Vobiz refused it; nothing more was placed"
    placed = sum(1 for placement in placements if placement.placed)
    return head + ("; %d call(s) placed before are in calls" % placed if placed else "")


def timed_out_message(placements: list, until: str, waited: float) -> str:
    done = "answered" if until == WAIT_ANSWERED else "ended"
    late = ["%s (%s)" % (placement.request["to"], placement.call_status) for placement in placements
            if placement.placed and placement.call_status != ENDED and not (until == WAIT_ANSWERED and placement.answered)]
    shown = ", ".join(late[:SHOWN_IN_MESSAGES]) + (", ..." if len(late) > SHOWN_IN_MESSAGES else "")
    return timed_out(waited, "the calls to be %s; %d not yet: %s" % (done, len(late), shown))


def main():
    module = module_for(OPTIONS)
    params = module.params
    client = client_from_module(module, OPTIONS, placing_errors(params))
    for warning in placing_warnings(params):
        module.warn(warning)
    placements = [Placement(body) for body in request_bodies(params)]
    with_cdr = params["wait"] == WAIT_ENDED
    if module.check_mode:
        would = outcome(placements, with_cdr)
        would["changed"] = True  # every call would be placed
        module.exit_json(http_retries=0, **would)
    waited = None
    try:
        with client:
            api = CallApi(client)
            place_calls(api, placements, params["concurrency"])
            waited = wait_for_placed(api, placements, params["wait"], params["concurrency"], params["wait_timeout"], params["wait_sleep"])
    except PlacingError as failure:
        fail_from_error(module, client, failure.error, msg=failure_message(failure, placements), **outcome(placements, with_cdr))
    except VobizError as error:  # while waiting: every call has been placed
        fail_from_error(module, client, error, **outcome(placements, with_cdr))
    result = outcome(placements, with_cdr, waited)
    if waited is not None and not waited.reached:
        module.fail_json(msg=timed_out_message(placements, params["wait"], waited.waited), http_retries=client.http_retries, **result)
    module.exit_json(http_retries=client.http_retries, **result)


if __name__ == "__main__":
    main()
