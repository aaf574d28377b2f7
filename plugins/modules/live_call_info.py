#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: live_call_info
short_description: What a Vobiz call is doing right now, or which calls are live or queued
version_added: 0.1.0
description:
  - With O(call_uuid), returns the call's current record from Vobiz's live (or queued) call endpoint.
    A call that has ended or that Vobiz does not know is not a failure; RV(call_status) says V(ended) or V(not_found),
    so that C(failed_when), C(until) and C(when) can gate on it.
  - With O(call_uuids), looks at each of those calls exactly as O(call_uuid) looks at one, O(concurrency) at a time,
    and returns one entry per call in RV(results).
  - Without O(call_uuid) or O(call_uuids), lists the uuids of every live (or queued) call of the account and, with O(details),
    each call's record (list mode).
  - With O(wait_for), looks again and again until the call reaches one of the given states, with O(call_uuids) until every one of the calls
    has, or, in list mode, until no call is left (a drain).
  - The module only reads. It never changes a call, and it reads in check mode too.
  - Vobiz has published two forms of the live and queued answers, and the module reads both. The flat record has
    C(call_status). The older Plivo-style form wraps the record in an object with C(api_id) and a C(calls) list, and the
    record says C(call_state) instead, which RV(call_status) gives in the flat form's words, so that O(wait_for), C(until) and
    C(when) mean the same on both. V(ACTIVE) is V(in-progress), V(RINGING) is V(ringing), V(EARLY_MEDIA) and V(EARLY)
    are V(early-media), V(QUEUED) is V(queued) (in any letter case), and any other value is lower-cased with V(_) turned
    into V(-) (V(ON_HOLD) is V(on-hold)). A record with a C(call_status) keeps it as it is.
  - In the wrapped form, the entry of C(calls) whose C(call_uuid) is O(call_uuid) (in any letter case) is the call's
    record, or the only entry when there is one; an empty C(calls) means that the call is not in that state, like an
    HTTP 404. The task fails, naming what was expected, when an entry has no C(call_uuid) or the record no status, or when
    several entries all name other calls. The live and queued lists may list uuids or records with a C(call_uuid);
    RV(calls) holds each call's record as RV(call) does.
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  call_uuid:
    description:
      - The uuid of the call to look at. Letters, digits, V(-) and V(_) only, 1 to 128 characters.
      - Omit it (and O(call_uuids)) to list the account's calls (list mode).
      - Mutually exclusive with O(call_uuids).
    type: str
  call_uuids:
    description:
      - The uuids of several calls to look at in one task, each checked as O(call_uuid) is. A uuid given twice is looked at once,
        where it first appears.
      - Each call is looked at as O(call_uuid) would look at it (the same requests, in the same order), O(concurrency) at a time,
        and reported in RV(results), in the order given.
      - An empty list is allowed; it sends no request and returns empty RV(results). It never means list mode.
      - Mutually exclusive with O(call_uuid).
    type: list
    elements: str
    version_added: 0.2.0
  status:
    description:
      - Which of Vobiz's real-time endpoints to ask, V(live) (ringing, early media, in progress) or V(queued).
      - A call asked for as V(live) that is still queued reports RV(found=false) and RV(call_status=queued), and the other way round.
    type: str
    choices: [live, queued]
    default: live
  details:
    description:
      - In list mode, also fetch each call's record and return them in RV(calls).
    type: bool
    default: true
  concurrency:
    description:
      - In list mode with O(details), how many records are fetched at a time, over one kept-alive session;
        with O(call_uuids), how many calls are looked at at a time.
      - A server that answers HTTP 429 slows the whole pool down.
    type: int
    default: 8
  wait_for:
    description:
      - Look again until RV(call_status) is one of these values (any value Vobiz uses, such as V(ringing) or V(in-progress),
        and V(ended) or V(not_found)).
      - With O(call_uuids), waits until every call's RV(results[].call_status) is one of these values; each round looks only
        at the calls not there yet, asking first where each was seen last.
      - In list mode only V([ended]) is accepted, and waits until no call is in the O(status) state.
      - A call that Vobiz does not show yet (just placed) is looked at again until it appears or O(wait_timeout) passes.
      - Without it the module looks once.
    type: list
    elements: str
  wait_timeout:
    description:
      - How many seconds to wait for O(wait_for) before failing. The failed result still carries the last look
        (with O(call_uuids), the last RV(results), and its message names every call not there yet).
    type: float
    default: 120
  wait_sleep:
    description:
      - Seconds between two looks while waiting.
    type: float
    default: 2
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.info_module
"""

EXAMPLES = r"""
- name: Gather the facts of a call
  vobiz.telephony.live_call_info:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
  register: call

- name: Show where it is
  ansible.builtin.debug:
    msg: "{{ call.call_status }} from {{ call.call['from'] | default('?') }}"

- name: Fail when the call is not live
  vobiz.telephony.live_call_info:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
  register: call
  failed_when: not call.found

- name: Wait until the customer has answered, then until the call has ended
  vobiz.telephony.live_call_info:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    wait_for: [in-progress]
    wait_timeout: 60

- name: The same with until, for one look per retry
  vobiz.telephony.live_call_info:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
  register: call
  until: call.call_status == 'ended'
  retries: 30
  delay: 2

- name: Facts of the calls a ticket lists, in one task
  vobiz.telephony.live_call_info:
    call_uuids:
      - 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      - 5b7f0c3e-8a21-4d6b-9c4e-2f1a7d9e6b30
  register: ticket

- name: Show how each of them is
  ansible.builtin.debug:
    msg: "{{ ticket.results | map(attribute='call_status') | list }}"

- name: Wait until every test call placed has ended
  vobiz.telephony.live_call_info:
    call_uuids: "{{ test_call_uuids }}"
    wait_for: [ended]
    wait_timeout: 300
    wait_sleep: 5

- name: Facts of every live call, in one task
  vobiz.telephony.live_call_info:
  register: live

- name: Hold a trunk change until every live call has ended
  vobiz.telephony.live_call_info:
    details: false
    wait_for: [ended]
    wait_timeout: 1800
    wait_sleep: 10

- name: Set the credentials once for every vobiz.telephony task
  module_defaults:
    group/vobiz.telephony.all:
      auth_id: "{{ vobiz_auth_id }}"
      auth_token: "{{ vobiz_auth_token }}"
  block:
    - name: Queued calls
      vobiz.telephony.live_call_info:
        status: queued
      register: queued
"""

RETURN = r"""
found:
  description: Whether the call is in the requested O(status) (live, or queued).
  returned: when O(call_uuid) is set
  type: bool
  sample: true
call:
  description:
    - The call's current record from the live or queued endpoint, as Vobiz sent it (keys not listed here too).
    - In the flat form (the sample), the record as answered, with C(api_id) and C(call_status).
    - In the older Plivo-style wrapped form, the entry of C(calls) that is this call, as sent (no C(api_id), which is the
      wrapper's), with Plivo's names such as C(call_state) (V(ACTIVE), V(RINGING), V(EARLY_MEDIA), V(QUEUED), ...),
      C(call_direction), C(from_number), C(to_number), C(call_duration), C(answer_time), C(initiation_time),
      C(stir_attestation), C(stir_verification) and C(source_ip). Read the status from RV(call_status), which is the
      same on both forms.
    - Empty when the call is neither live nor queued.
  returned: when O(call_uuid) is set
  type: dict
  sample:
    api_id: c9cab827-d7e6-4ab8-b521-f29e593a1c26
    call_status: in-progress
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    caller_name: ""
    direction: outbound
    from: "919262171438"
    request_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    session_start: "2026-06-11 16:03:28.586839"
    stir_attestation: Not Applicable
    stir_verification: Not Applicable
    to: "919148227303"
call_status:
  description:
    - The call's C(call_status) when it is live or queued (such as V(queued), V(ringing), V(early-media), V(in-progress)).
    - From a record in the wrapped form, its C(call_state) in those words, V(ACTIVE) as V(in-progress) and so on (see the description).
    - V(ended) when Vobiz only has its finalized record (see RV(cdr)).
    - V(not_found) when Vobiz knows nothing of it.
  returned: when O(call_uuid) is set
  type: str
  sample: in-progress
cdr:
  description: The finalized record of an ended call, as Vobiz sent it; empty unless RV(call_status) is V(ended).
  returned: when O(call_uuid) is set
  type: dict
  sample:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    call_status: completed
    call_duration: 42
    hangup_cause_name: NORMAL_CLEARING
call_uuids:
  description: The uuids of the account's calls in the requested O(status), in the order Vobiz listed them.
  returned: when O(call_uuid) is not set
  type: list
  elements: str
  sample: ["2ded13fe-4f9b-4958-9bfb-093ea2f29f91"]
calls:
  description:
    - The records of those calls, in the same order. A call that left the list before its record was fetched is left out.
  returned: when O(call_uuid) is not set and O(details) is true
  type: list
  elements: dict
  sample:
    - call_status: in-progress
      call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      direction: outbound
      from: "919262171438"
      to: "919148227303"
results:
  description:
    - One entry per call of O(call_uuids), in the order given (a uuid given twice appears once), each what O(call_uuid) returns for it.
    - With O(wait_for), each call's last look; a call that had reached O(wait_for) was not looked at again.
  returned: when O(call_uuids) is set, a O(wait_for) that timed out included
  type: list
  elements: dict
  sample:
    - call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      found: true
      call_status: in-progress
      call:
        call_status: in-progress
        call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
        direction: outbound
        from: "919262171438"
        to: "919148227303"
      cdr: {}
    - call_uuid: 1f6b9d2e-7c3a-4b85-9e0d-5a4c3b2f1e07
      found: false
      call_status: ended
      call: {}
      cdr:
        call_status: completed
        call_uuid: 1f6b9d2e-7c3a-4b85-9e0d-5a4c3b2f1e07
        hangup_cause_name: NORMAL_CLEARING
  contains:
    call_uuid:
      description: The call's uuid, as given.
      type: str
      returned: always
      sample: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    found:
      description: Whether the call is in the requested O(status), as RV(found) for one call.
      type: bool
      returned: always
      sample: true
    call_status:
      description: Where the call is, as RV(call_status) for one call (V(ended), V(not_found), or the call's own C(call_status)).
      type: str
      returned: always
      sample: in-progress
    call:
      description: The call's record from the live or queued endpoint, as RV(call) for one call; empty when it is neither.
      type: dict
      returned: always
      sample:
        call_status: in-progress
        call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    cdr:
      description: The finalized record of an ended call, as RV(cdr) for one call; empty unless the call has ended.
      type: dict
      returned: always
      sample:
        call_status: completed
        hangup_cause_name: NORMAL_CLEARING
waited:
  description: Seconds from the start of the first look to the end of the last one, waits between them included.
  returned: success, and when O(wait_for) timed out
  type: float
  sample: 4.02
polls:
  description:
    - How many looks (rounds) were made.
    - With O(call_uuids), how many rounds, each looking at every call not yet in O(wait_for); V(0) for an empty list.
  returned: success, and when O(wait_for) timed out
  type: int
  sample: 3
http_retries:
  description: How many HTTP requests were retried (each one also draws a warning).
  returned: always
  type: int
  sample: 0
status_code:
  description: The HTTP status of the answer that made the task fail.
  returned: on failure, when the server answered
  type: int
  sample: 401
error_code:
  description: Vobiz's error code from the failed answer's body.
  returned: on failure, when the body carried one
  type: str
  sample: INVALID_CREDENTIALS
request_id:
  description: The request id of the failed answer.
  returned: on failure, when the answer carried one
  type: str
  sample: req_8f14e45fceea167a
"""

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import ENDED, LISTS, CallApi
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._module import client_from_module, fail_from_error, module_argument_spec, module_for
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CALL_UUID_EXCLUSIVE,
    CALL_UUID_OPTIONS,
    CONCURRENCY,
    Option,
    options_table,
    wait_options,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._waiting import wait_for_calls
from ansible_collections.vobiz.telephony.plugins.module_utils.common._wait_loop import timed_out, wait_until

OPTIONS = options_table(
    *CALL_UUID_OPTIONS,
    Option("status", "str", LISTS[0], choices=list(LISTS)),
    Option("details", "bool", True),
    CONCURRENCY,
    Option("wait_for", "list", elements="str"),
    *wait_options(timeout=120.0, sleep=2.0),
    groups=(CALL_UUID_EXCLUSIVE,),
)


def argument_spec() -> dict:
    return module_argument_spec(OPTIONS)


def option_errors(params: dict) -> list:
    """Problems across this module's own options (their table checks each one), each naming its option."""
    errors = []
    wait_for = params["wait_for"]
    if wait_for is not None:
        if not wait_for or not all(isinstance(state, str) and state.strip() for state in wait_for):
            errors.append("wait_for must be a list of one or more call_status values, got %r" % (wait_for,))
        elif params["call_uuid"] is None and params["call_uuids"] is None and set(wait_for) != {ENDED}:
            errors.append("wait_for without call_uuid (list mode) accepts only [ended], which waits until no call is %s; got %r"
                          % (params["status"], wait_for))
    return errors


def wait_for_set(api: CallApi, params: dict, call_uuids: list):
    """Look at these calls, concurrently; with wait_for, until every one of them has reached one of its values."""
    wait_for = params["wait_for"]
    return wait_for_calls(api, call_uuids, params["status"], lambda look: not wait_for or look.call_status in wait_for,
                          concurrency=params["concurrency"], timeout=params["wait_timeout"] if wait_for else 0, every=params["wait_sleep"])


def look_at_call(api: CallApi, params: dict) -> dict:
    """Look at one call, waiting for one of wait_for when asked."""
    outcome = wait_for_set(api, params, [params["call_uuid"]])
    last = outcome.last[0]
    result = dict(last.as_result(), waited=round(outcome.waited, 3), polls=outcome.rounds)
    if not outcome.reached:
        result["msg"] = timed_out(outcome.waited, "call %s to reach %s; its last call_status was %s (%d observations)"
                                  % (params["call_uuid"], " or ".join(params["wait_for"]), last.call_status, outcome.rounds))
    return result


def look_at_set(api: CallApi, params: dict) -> dict:
    """Look at each of call_uuids, concurrently; with wait_for, until every one of them has reached one of its values."""
    outcome = wait_for_set(api, params, params["call_uuids"])
    results = [dict(call_uuid=uuid, **look.as_result()) for uuid, look in zip(outcome.call_uuids, outcome.last)]
    result = dict(results=results, waited=round(outcome.waited, 3), polls=outcome.rounds)
    if not outcome.reached:
        pending = set(outcome.pending)
        # every call still waited for is named, with where it was last: the caller chose them, so the list is theirs
        still = ", ".join("%s (%s)" % (entry["call_uuid"], entry["call_status"]) for entry in results if entry["call_uuid"] in pending)
        result["msg"] = timed_out(outcome.waited, "every call to reach %s; %d of %d not there yet: %s"
                                  % (" or ".join(params["wait_for"]), len(outcome.pending), len(results), still))
    return result


def look_at_list(api: CallApi, params: dict) -> dict:
    """List the calls on the requested list, with their records, draining when asked."""
    draining = bool(params["wait_for"])
    outcome = wait_until(lambda: api.list_call_uuids(params["status"]), lambda uuids: not draining or not uuids,
                         timeout=params["wait_timeout"] if draining else 0, every=params["wait_sleep"])
    result = dict(call_uuids=outcome.last, waited=round(outcome.waited, 3), polls=outcome.rounds)
    if params["details"]:
        result["calls"] = api.fetch_calls(outcome.last, params["status"], params["concurrency"])
    if not outcome.reached:
        result["msg"] = timed_out(outcome.waited, "every %s call to end; %d still %s: %s"
                                  % (params["status"], len(outcome.last), params["status"], ", ".join(outcome.last[:10])
                                     + (", ..." if len(outcome.last) > 10 else "")))
    return result


def choose_look(params: dict):
    """One call (call_uuid), the calls given (call_uuids, even an empty list), or the account's list."""
    if params["call_uuids"] is not None:
        return look_at_set
    return look_at_list if params["call_uuid"] is None else look_at_call


def main():
    module = module_for(OPTIONS)
    client = client_from_module(module, OPTIONS, option_errors(module.params))
    look = choose_look(module.params)
    try:
        with client:
            result = look(CallApi(client), module.params)
    except VobizError as error:
        fail_from_error(module, client, error)
    result["http_retries"] = client.http_retries
    if "msg" in result:
        module.fail_json(changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
