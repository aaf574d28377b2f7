#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cdr_info
short_description: Finished Vobiz calls - one call's record, or a search over every page with Vobiz's summary
version_added: 0.2.0
description:
  - Reads Vobiz's call detail records (CDRs), the finalized records of ended calls, from C(GET /api/v1/Account/{auth_id}/cdr),
    C(.../cdr/{call_id}) and C(.../cdr/export).
  - With O(call_uuid), returns that call's record. A call without a record yet (the record appears some seconds after the call
    ends) gives RV(found=false), which is not a failure; with O(wait=true) the module looks until the record is there.
  - Without O(call_uuid), searches. Every filter that is set is sent under the API's name; the module reads every page,
    100 records a page, the first one alone and, once it has given the total, the others O(concurrency) at a time. The records
    come back newest first, as Vobiz orders them, at most O(limit) of them; no page beyond O(limit) is read.
  - With O(dest), writes the filtered set as CSV from C(.../cdr/export) into that file, and only then may report a change.
  - Bad input is refused before any request, naming the option.
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  call_uuid:
    description:
      - The uuid of the ended call whose record to read. Letters, digits, V(-) and V(_) only, 1 to 128 characters.
      - Omit it to search. Not allowed together with a search filter, O(dest) or a non-default O(limit).
    type: str
  wait:
    description:
      - With O(call_uuid), look until the call's record is there, at most O(wait_timeout) seconds, one look every O(wait_sleep)
        seconds. When the time is up without a record, the task fails (RV(found=false)).
      - Only with O(call_uuid).
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds O(wait) looks for the record before failing.
    type: float
    default: 60
  wait_sleep:
    description:
      - Seconds between two looks while waiting.
    type: float
    default: 2
  from_number:
    description:
      - Only calls from this number (a part of it, or the full E.164 number); Vobiz matches it against C(caller_id_number).
    type: str
  to_number:
    description:
      - Only calls to this number (a part of it, or the full E.164 number); Vobiz matches it against C(destination_number).
    type: str
  start_date:
    description:
      - Only calls from this date on. A date V(YYYY-MM-DD), or a datetime (such as V(2026-05-11T06:59:31Z)) of which only the
        date is sent, as written (no time zone conversion).
      - Given together with O(end_date), or neither. Not after O(end_date).
    type: str
  end_date:
    description:
      - Only calls up to this date. A date V(YYYY-MM-DD), or a datetime of which only the date is sent.
      - Given together with O(start_date), or neither.
    type: str
  call_direction:
    description:
      - Only calls in this direction.
    type: str
    choices: [inbound, outbound]
  min_duration:
    description:
      - Only calls that lasted at least this many seconds (ringing included).
    type: int
  hangup_cause:
    description:
      - Only calls that ended with this hangup cause, such as V(NORMAL_CLEARING).
    type: str
  hangup_disposition:
    description:
      - Only calls with this hangup disposition, such as V(send_bye) or V(send_refuse).
    type: str
  sip_call_id:
    description:
      - Only the call with this SIP Call-ID.
    type: str
  campaign_id:
    description:
      - Only calls of this campaign.
    type: str
  search:
    description:
      - Free text Vobiz searches for in the records.
    type: str
  limit:
    description:
      - The most records a search returns. No page beyond it is read; RV(truncated) says whether there were more.
      - Ignored by O(dest), which exports the whole filtered set.
    type: int
    default: 1000
  concurrency:
    description:
      - How many pages of a search are read at a time, once the first page has given the total, over one kept-alive session.
    type: int
    default: 8
  dest:
    description:
      - Write the filtered set as CSV (Vobiz's export, as sent) into this file instead of returning records.
      - The file is written atomically, and C(changed) is true only when its content (or its mode, owner and so on) changed.
        In check mode nothing is written and C(changed) says whether the file would change.
      - The directory must exist. Not allowed together with O(call_uuid).
    type: path
notes:
  - Vobiz's documentation does not say whether O(start_date) and O(end_date) are in UTC or in the account's time zone, nor
    whether O(end_date) is inclusive; the module sends the dates as given.
  - A record that Vobiz adds while the pages are read shifts the later pages by one, so a search across pages during traffic
    can return a record twice or miss one. Give O(end_date) in the past for an exact set.
seealso:
  - module: vobiz.telephony.live_call_info
    description: A call that is still live or queued, and the finalized record of one call.
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.exports_file
  - ansible.builtin.files
"""

EXAMPLES = r"""
- name: How did the test call end?
  vobiz.telephony.cdr_info:
    call_uuid: 1f6b9d2e-7c3a-4b85-9e0d-5a4c3b2f1e07
    wait: true
  register: test_call

- name: Show it
  ansible.builtin.debug:
    msg: "{{ test_call.record.hangup_cause }} after {{ test_call.record.billsec }} s"

- name: Yesterday's outbound calls of a campaign
  vobiz.telephony.cdr_info:
    start_date: "{{ '%Y-%m-%d' | strftime(ansible_date_time.epoch | int - 86400) }}"
    end_date: "{{ '%Y-%m-%d' | strftime(ansible_date_time.epoch | int - 86400) }}"
    call_direction: outbound
    campaign_id: spring-renewals
  register: campaign

- name: Gate a change on the answer rate
  ansible.builtin.assert:
    that: campaign.summary.answer_rate >= 40
    fail_msg: "answer rate {{ campaign.summary.answer_rate }} % of {{ campaign.total }} calls"

- name: Which calls failed with which cause since the trunk change
  vobiz.telephony.cdr_info:
    start_date: "2026-05-11"
    end_date: "2026-05-12"
    hangup_cause: RECOVERY_ON_TIMER_EXPIRE
    limit: 200
  register: failed_calls

- name: Export yesterday's records for the auditors
  vobiz.telephony.cdr_info:
    start_date: "2026-05-11"
    end_date: "2026-05-11"
    dest: /srv/audit/cdr-2026-05-11.csv
    mode: "0640"
"""

RETURN = r"""
found:
  description: Whether the call has a record. V(false) while Vobiz has none (HTTP 404), which is not a failure.
  returned: when O(call_uuid) is set
  type: bool
  sample: true
record:
  description: The call's record as Vobiz sent it (43 fields, such as those in the sample); empty when RV(found) is false.
  returned: when O(call_uuid) is set
  type: dict
  sample:
    id: 81234
    uuid: 1f6b9d2e-7c3a-4b85-9e0d-5a4c3b2f1e07
    call_direction: outbound
    caller_id_number: "919262171438"
    destination_number: "919148227303"
    duration: 42
    billsec: 36
    answer_time: "2026-05-11T06:59:37Z"
    start_time: "2026-05-11T06:59:31Z"
    end_time: "2026-05-11T07:00:13Z"
    hangup_cause: NORMAL_CLEARING
    hangup_cause_code: 4000
    hangup_disposition: send_bye
    campaign_id: spring-renewals
records:
  description:
    - With O(call_uuid), a list of the one record (empty when RV(found) is false).
    - For a search, the records found, newest first, at most O(limit), each as Vobiz sent it.
  returned: unless O(dest) is set
  type: list
  elements: dict
  sample:
    - uuid: 1f6b9d2e-7c3a-4b85-9e0d-5a4c3b2f1e07
      call_direction: outbound
      hangup_cause: NORMAL_CLEARING
      billsec: 36
count:
  description: How many records RV(records) holds.
  returned: unless O(dest) is set
  type: int
  sample: 1
total:
  description: How many records match the filters, as Vobiz's C(pagination.total) says; more than RV(count) when RV(truncated).
  returned: for a search without O(dest)
  type: int
  sample: 1250
truncated:
  description: Whether more records matched than O(limit) let the module return.
  returned: for a search without O(dest)
  type: bool
  sample: true
summary:
  description:
    - Vobiz's summary of the whole filtered set (not only the records returned), as sent, with its mixed key styles,
      plus RV(summary.answer_rate). Empty when Vobiz sent none.
  returned: for a search without O(dest)
  type: dict
  contains:
    answer_rate:
      description:
        - Vobiz's C(answerRate) (a percentage) as a number, or, when Vobiz sent none, C(answeredCalls) / C(totalCalls) x 100.
        - V(null) when neither can be read.
      type: float
      sample: 45.24
  sample:
    totalCalls: 1250
    answeredCalls: 565
    answerRate: 45.2
    avgCallDuration: 28s
    total_duration_seconds: 35000
    total_billable_seconds: 15820
    total_cost: 118.65
    last_call_at: "2026-05-11T23:58:02Z"
    answer_rate: 45.2
dest:
  description: The file the CSV was written to (or, in check mode, would be).
  returned: when O(dest) is set
  type: str
  sample: /srv/audit/cdr-2026-05-11.csv
size:
  description: The CSV's size in bytes.
  returned: when O(dest) is set
  type: int
  sample: 48213
waited:
  description: Seconds spent looking for the record, from the first look to the end of the last.
  returned: when O(call_uuid) is set
  type: float
  sample: 4.012
polls:
  description: How many looks were made for the record (1 without O(wait)).
  returned: when O(call_uuid) is set
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

from ansible_collections.vobiz.telephony.plugins.module_utils.api._cdrs import CdrApi
from ansible_collections.vobiz.telephony.plugins.module_utils.cdrs._search import (
    CALL_DIRECTIONS,
    SEARCH_FILTERS,
    DATE_OPTIONS,
    date_order_error,
    search_query,
    wait_for_cdr,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.cdrs._search import search as search_cdrs
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._module import (
    client_from_module,
    fail_from_error,
    module_argument_spec,
    module_for,
    write_if_different,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.common._wait_loop import timed_out
from ansible_collections.vobiz.telephony.plugins.module_utils._options import CONCURRENCY, Option, identifier_error, options_table, single, wait_options

LIMIT = Option("limit", "int", 1000, at_least=1)

OPTIONS = options_table(
    Option("call_uuid", "str", check=single(identifier_error)),
    Option("wait", "bool", False),
    *wait_options(timeout=60.0, sleep=2.0),
    Option("from_number", "str"),
    Option("to_number", "str"),
    *DATE_OPTIONS.values(),
    Option("call_direction", "str", choices=list(CALL_DIRECTIONS)),
    Option("min_duration", "int", at_least=0),
    Option("hangup_cause", "str"),
    Option("hangup_disposition", "str"),
    Option("sip_call_id", "str"),
    Option("campaign_id", "str"),
    Option("search", "str"),
    LIMIT,
    CONCURRENCY,
    Option("dest", "path"),
    groups=DATE_OPTIONS.groups,
)


def argument_spec() -> dict:
    return module_argument_spec(OPTIONS)


def option_errors(params: dict) -> list:
    """Problems across this module's own options (their table checks each one), each naming its option."""
    errors = [error for error in [date_order_error(params)] if error]
    if params["call_uuid"] is not None:
        given = [name for name in SEARCH_FILTERS if params[name] is not None]
        if given:
            errors.append("call_uuid reads one call's record and takes no search filter: drop %s, or call_uuid to search" % ", ".join(given))
        if params["dest"] is not None:
            errors.append("dest exports a search and takes no call_uuid")
        if params["limit"] != LIMIT.default:
            errors.append("limit applies to a search and takes no call_uuid")
    elif params["wait"]:
        errors.append("wait looks for one call's record: set call_uuid, or drop wait")
    return errors


def read_cdr(cdr_api: CdrApi, params: dict) -> dict:
    """One call's record, looking until it is there when asked."""
    outcome = wait_for_cdr(cdr_api, params["call_uuid"], timeout=params["wait_timeout"] if params["wait"] else 0, every=params["wait_sleep"])
    record = outcome.last or {}
    result = dict(found=outcome.last is not None, record=record, records=[record] if record else [], count=1 if record else 0,
                  waited=round(outcome.waited, 3), polls=outcome.rounds)
    if params["wait"] and not outcome.reached:
        result["msg"] = timed_out(outcome.waited, "the record of call %s (%d looks); Vobiz has none yet" % (params["call_uuid"], outcome.rounds))
    return result


def search(cdr_api: CdrApi, params: dict) -> dict:
    return search_cdrs(cdr_api, search_query(params), params["limit"], params["concurrency"]).as_result()


def main():
    module = module_for(OPTIONS, add_file_common_args=True)
    client = client_from_module(module, OPTIONS, option_errors(module.params))
    try:
        with client:
            cdr_api = CdrApi(client)
            if module.params["dest"] is not None:
                content = cdr_api.export(search_query(module.params)).encode("utf-8")
            elif module.params["call_uuid"] is not None:
                result = read_cdr(cdr_api, module.params)
            else:
                result = search(cdr_api, module.params)
    except VobizError as error:
        fail_from_error(module, client, error)
    if module.params["dest"] is not None:
        changed = write_if_different(module, module.params["dest"], content)
        module.exit_json(changed=changed, dest=module.params["dest"], size=len(content), http_retries=client.http_retries)
    result["http_retries"] = client.http_retries
    if "msg" in result:
        module.fail_json(changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
