#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: live_call
short_description: Hang up live Vobiz calls and cancel queued ones
version_added: 0.2.0
description:
  - Ends calls. For each call it first looks where the call is, as M(vobiz.telephony.live_call_info) does,
    then hangs up a live call (ringing, early media, in progress), cancels a queued call, and leaves alone a call
    that has ended or that Vobiz does not know.
  - Idempotent. A second run right after the first finds nothing to end and reports RV(ignore:changed=false).
  - A call that ends by itself between the look and the hang-up is not counted as hung up.
    A hang-up that is retried after a connection error or a server error and then finds the call gone is counted as
    hung up, as the first attempt may have done it.
  - With O(wait), the module then looks until every call has ended and returns each call's finalized record.
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  call_uuid:
    description:
      - The uuid of the call to end. Letters, digits, V(-) and V(_) only, 1 to 128 characters.
      - Give exactly one of O(call_uuid) and O(call_uuids).
    type: str
  call_uuids:
    description:
      - The uuids of the calls to end, each checked like O(call_uuid). Duplicates are ended once.
      - An empty list is allowed; there is then nothing to do and nothing is sent.
      - Give exactly one of O(call_uuid) and O(call_uuids).
    type: list
    elements: str
  state:
    description:
      - V(absent) hangs up or cancels the calls.
    type: str
    choices: [absent]
    default: absent
  wait:
    description:
      - After hanging up, look until each call reads V(ended) (or V(not_found)) and return its finalized record in RV(results[].cdr).
      - If a call has not ended within O(wait_timeout), the module fails, with the last look at each call in RV(results).
      - Check mode does not wait, as it changes nothing.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for the calls to end, with O(wait).
    type: float
    default: 30
  wait_sleep:
    description:
      - Seconds between two looks at the calls still live, with O(wait).
    type: float
    default: 1
  concurrency:
    description:
      - How many calls are handled at a time, over one kept-alive session (1 to 64).
      - A server that answers HTTP 429 slows the whole pool down.
    type: int
    default: 8
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.acts_on_calls
notes:
  - Vobiz hangs up a live call with C(DELETE /Account/{auth_id}/Call/{call_uuid}/) and cancels a queued one with
    C(DELETE /Account/{auth_id}/Request/{request_uuid}/), the C(request_uuid) of the queued call's record.
    The finalized record of a call hung up this way shows C(hangup_source) C(API).
  - Hang-ups are retried like every other request (see O(retries)); each retry draws a warning.
seealso:
  - module: vobiz.telephony.live_call_info
"""

EXAMPLES = r"""
- name: Hang up a call
  vobiz.telephony.live_call:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91

- name: End the calls fraud detection flagged, without waiting for their records
  vobiz.telephony.live_call:
    call_uuids: "{{ flagged_calls }}"
    wait: false

- name: Hang up every call still live after a drain
  block:
    - name: Wait up to two minutes for the live calls to end by themselves
      vobiz.telephony.live_call_info:
        details: false
        wait_for: [ended]
        wait_timeout: 120
      register: drain
      failed_when: false

    - name: Hang up what is left and keep the finalized records
      vobiz.telephony.live_call:
        call_uuids: "{{ drain.call_uuids }}"
        concurrency: 16
      register: ended

    - name: Show how each call ended
      ansible.builtin.debug:
        msg: "{{ item.call_uuid }}: {{ item.action }}, {{ item.cdr.hangup_source | default('?') }}"
      loop: "{{ ended.results }}"

- name: What would be hung up (check mode sends no hang-up)
  vobiz.telephony.live_call:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
  check_mode: true
  register: would
"""

RETURN = r"""
hung_up:
  description:
    - The uuids of the calls hung up or cancelled (in check mode, that would be), in the order given.
  returned: always
  type: list
  elements: str
  sample: ["2ded13fe-4f9b-4958-9bfb-093ea2f29f91"]
results:
  description:
    - One entry per call, in the order given (duplicates removed).
    - When the module fails on one call of a list, the entries of the calls handled until then.
  returned: always
  type: list
  elements: dict
  contains:
    call_uuid:
      description: The call's uuid.
      type: str
      sample: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    before:
      description:
        - The call's C(call_status) when first seen, such as V(queued), V(ringing) or V(in-progress),
          or V(ended) or V(not_found) as M(vobiz.telephony.live_call_info) reports them.
      type: str
      sample: in-progress
    action:
      description:
        - V(hung_up) for a live call hung up, V(cancelled) for a queued call cancelled (in check mode, that would be).
        - V(none) for a call that had ended, that Vobiz does not know, or that ended by itself before the hang-up.
      type: str
      sample: hung_up
    call_status:
      description:
        - The call's status last seen. V(ended) once a look confirmed it (with O(wait)).
        - Without O(wait), a call hung up or cancelled keeps the status seen before, as nothing has looked at it since.
      type: str
      sample: ended
    cdr:
      description:
        - The call's finalized record, as Vobiz sent it, with O(wait). Empty without O(wait), or when Vobiz has none.
      type: dict
      sample:
        call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
        call_status: completed
        call_duration: 42
        hangup_cause_name: NORMAL_CLEARING
        hangup_source: API
  sample:
    - call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      before: in-progress
      action: hung_up
      call_status: ended
      cdr:
        call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
        call_status: completed
        hangup_cause_name: NORMAL_CLEARING
        hangup_source: API
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

from ansible_collections.vobiz.telephony.plugins.module_utils.calls._ending import EndCallsError, confirm_ended, end_calls
from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import ENDED, CallApi, has_ended
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import unique_in_order
from ansible_collections.vobiz.telephony.plugins.module_utils._module import client_from_module, fail_from_error, module_argument_spec, module_for
from ansible_collections.vobiz.telephony.plugins.module_utils.common._wait_loop import timed_out
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CALL_UUID_EXCLUSIVE,
    CALL_UUID_OPTIONS,
    CALL_UUID_REQUIRED,
    CONCURRENCY,
    Option,
    options_table,
    wait_options,
)

SHOWN_IN_MESSAGES = 10

OPTIONS = options_table(
    *CALL_UUID_OPTIONS,
    Option("state", "str", "absent", choices=["absent"]),
    Option("wait", "bool", True),
    *wait_options(timeout=30.0, sleep=1.0),
    CONCURRENCY,
    groups=(CALL_UUID_EXCLUSIVE, CALL_UUID_REQUIRED),
)


def argument_spec() -> dict:
    return module_argument_spec(OPTIONS)


def requested_calls(params: dict) -> list:
    if params["call_uuid"] is not None:
        return [params["call_uuid"]]
    return unique_in_order(params["call_uuids"])


def outcome(endings: list, with_cdr: bool) -> dict:
    """The result's keys for what was done to these calls (`hung_up` lists the calls cancelled too)."""
    ended = [ending.call_uuid for ending in endings if ending.acted]
    return dict(changed=bool(ended), hung_up=ended, results=[ending.as_result(with_cdr) for ending in endings])


def diff(endings: list) -> dict:
    acted = [ending for ending in endings if ending.acted]
    return {"before": {ending.call_uuid: ending.first.call_status for ending in acted},
            "after": {ending.call_uuid: ENDED for ending in acted}}


def timed_out_message(endings: list, waited: float) -> str:
    live = ["%s (%s)" % (ending.call_uuid, ending.last.call_status) for ending in endings if not has_ended(ending.last)]
    shown = ", ".join(live[:SHOWN_IN_MESSAGES]) + (", ..." if len(live) > SHOWN_IN_MESSAGES else "")
    return timed_out(waited, "the calls to end; %d not ended yet: %s" % (len(live), shown))


def main():
    module = module_for(OPTIONS)
    params = module.params
    client = client_from_module(module, OPTIONS)
    waiting = params["wait"] and not module.check_mode
    endings, waited = [], None
    try:
        with client:
            api = CallApi(client)
            endings = end_calls(api, requested_calls(params), module.check_mode, params["concurrency"])
            if waiting:
                waited = confirm_ended(api, endings, params["concurrency"], params["wait_timeout"], params["wait_sleep"])
    except EndCallsError as failure:
        fail_from_error(module, client, failure.error, msg="call %s: %s" % (failure.call_uuid, failure.error.message),
                        **outcome(failure.endings, params["wait"]))
    except VobizError as error:  # while waiting: every call has been handled
        fail_from_error(module, client, error, **outcome(endings, params["wait"]))
    result = outcome(endings, params["wait"])
    if module._diff:
        result["diff"] = diff(endings)
    if waited is not None and not waited.reached:
        module.fail_json(msg=timed_out_message(endings, waited.waited), http_retries=client.http_retries, **result)
    module.exit_json(http_retries=client.http_retries, **result)


if __name__ == "__main__":
    main()
