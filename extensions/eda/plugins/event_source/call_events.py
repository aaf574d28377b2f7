# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""vobiz.telephony.call_events: an ansible-rulebook event source that turns Vobiz call state changes into events."""

from __future__ import annotations

import asyncio
import logging
import os
import runpy
import threading

if not __package__:  # run by path, as ansible-rulebook runs a source: make the collection importable
    runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_on_path.py"))

# pylint: disable=wrong-import-position
from ansible_collections.vobiz.telephony.plugins.module_utils._arguments import source_arguments
from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import LISTS, CallApi
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import HAS_REQUESTS
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._tracking import (
    REMEMBER_ENDED_ROUNDS,
    REMEMBER_ENDED_MIN_SECONDS,
    CallTracker,
    AccountRound,
    RoundResult,
    next_round_in,
)
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CONCURRENCY,
    CONNECTION_OPTIONS,
    Option,
    clear_text_warning,
    connection_errors,
    option_errors,
    options_table,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import client_from_options
from ansible_collections.vobiz.telephony.plugins.module_utils.common._wait_loop import wait_until

DOCUMENTATION = r"""
---
short_description: Events when Vobiz calls are queued, start, are answered, change status and end.
description:
  - An ansible-rulebook event source plugin that looks at the Vobiz account's live and queued calls every O(interval)
    seconds and puts one event on the queue per change it sees.
  - Every event is a dictionary with one key, C(vobiz), holding C(type), C(call_uuid), C(call_status), C(previous_status),
    C(call), C(cdr), C(account) and C(observed_at). C(type) is one of C(call.queued) (first seen queued),
    C(call.started) (first seen live, or moved from queued to live), C(call.answered) (its status became
    C(in-progress)), C(call.status_changed) (any other change of status), C(call.ended) (it left the lists) and
    C(call.observed) (already there at start, with O(emit_existing)).
  - C(call_status) is the call's status now; for C(call.ended) it is how it ended from its finalized record (such as
    C(completed), C(busy), C(no-answer)), or C(ended) when there is none or O(cdr=false).
    C(previous_status) is the status before the change (C(null) for a call seen for the first time).
    C(call) is the call's record as Vobiz sent it (for C(call.ended), the last one seen); C(cdr) is the finalized
    record of an ended call (C({}) otherwise); C(account) is the O(auth_id); C(observed_at) is when the look that
    saw the change was made, in ISO 8601 UTC.
  - A call first seen already answered gives C(call.started) then C(call.answered), so that a rule on C(call.answered)
    fires for every call answered. Without O(track_status), C(call_status) is C(live) or C(queued) (the list the call is
    in), C(call) is C({}), and no C(call.answered) nor C(call.status_changed) is emitted.
  - One look costs one list request per watched status; with O(track_status), one request per live call and one per newly
    queued call; with O(cdr), one per call that ended. With 100 live calls and the defaults that is 102 requests per
    O(interval). Choose O(interval) so that the rate stays well under the account's API rate limit (for example 5 s
    for 100 calls is about 20 requests a second).
  - A look that fails for a transient reason (HTTP 429, 500, 502, 503 or 504, a time-out, a dropped connection, an
    answer of the wrong shape) logs a warning, keeps what is known of every call, and the next look comes after a
    back-off, the one the modules' retries use (see O(retries)), from O(interval) (about O(interval), then twice that
    and so on per failure in a row), or as long as the server asks with C(Retry-After), up to O(retry_max_wait), never
    sooner than O(interval). No C(call.ended) is ever emitted because a list could not be read. Refused credentials
    (HTTP 401 or 403), any other HTTP error status, a TLS failure and bad arguments stop the source with a message.
  - Memory is bounded by the number of calls live at once, plus the uuids of the calls that ended in the last 10 looks
    (at least the last minute), so that a list lagging behind cannot announce an ended call again.
  - The auth token is in no event and no log line.
  - Needs the Python library C(requests) (2.25 or newer), not ansible-core.
options:
  auth_id:
    description:
      - The Vobiz account's Auth ID, such as V(MA_XXXXXXXX). Letters, digits, V(-) and V(_) only.
      - If not set, the value of the E(VOBIZ_AUTH_ID) environment variable is used. One of the two is required.
    type: str
  auth_token:
    description:
      - The Vobiz account's Auth Token. It is never logged nor put in an event.
      - If not set, the value of the E(VOBIZ_AUTH_TOKEN) environment variable is used; prefer it, or a vaulted variable.
        One of the two is required.
    type: str
  api_url:
    description:
      - Base URL of the Vobiz API, an absolute V(http://) or V(https://) URL without user, password, query or fragment.
      - If not set, the value of the E(VOBIZ_API_URL) environment variable is used, else V(https://api.vobiz.ai/api/v1).
    type: str
    default: https://api.vobiz.ai/api/v1
  timeout:
    description:
      - Seconds one HTTP attempt may take, from connecting to the last byte of the answer.
    type: float
    default: 30
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to verify the API's certificate with.
    type: path
  retries:
    description:
      - How many times one request is retried, within a look, after a connection error, a time-out, or HTTP 429, 500,
        502, 503 or 504, with exponential backoff and jitter (about 1, 2, 4 seconds ...), or as long as the server asks
        with C(Retry-After), up to O(retry_max_wait). V(0) disables retries.
    type: int
    default: 3
  retry_max_wait:
    description:
      - The longest wait, in seconds, before one retry of a request, and before the next look after failed ones (unless
        O(interval) is longer), whatever the server asks.
    type: float
    default: 60
  interval:
    description:
      - Seconds from the start of one look to the start of the next.
    type: float
    default: 5
  statuses:
    description:
      - Which of Vobiz's call lists to watch.
    type: list
    elements: str
    choices: [live, queued]
    default: [live, queued]
  track_status:
    description:
      - Also read each live call's record every look, so that changes of status (such as C(ringing) to C(in-progress))
        are seen and the events carry the record.
      - V(false) makes one list request per status per look, and emits only C(call.queued), C(call.started) and C(call.ended).
    type: bool
    default: true
  cdr:
    description:
      - Fetch the finalized record of each call that ended, for the C(cdr) and C(call_status) of its C(call.ended) event.
    type: bool
    default: true
  emit_existing:
    description:
      - Emit one C(call.observed) event per call already in the watched lists at the first look.
      - V(false) takes them in silently; their later changes are emitted either way.
    type: bool
    default: false
  concurrency:
    description:
      - How many records are fetched at a time, over one kept-alive connection pool (1 to 64).
    type: int
    default: 8
"""

EXAMPLES = r"""
- name: React when a call is answered and when it ends
  hosts: localhost
  sources:
    - vobiz.telephony.call_events:
        interval: 5
  rules:
    - name: A call was answered
      condition: event.vobiz.type == "call.answered"
      action:
        run_playbook:
          name: playbooks/on_answered.yml
    - name: A call ended
      condition: event.vobiz.type == "call.ended"
      action:
        debug:
          msg: "{{ event.vobiz.call_uuid }} ended: {{ event.vobiz.call_status }}"
"""

# Each type of event, with an example of a whole event (rendered in docs/call_events_event_source.md).
EVENTS = r"""
call.queued:
  description: A call was seen for the first time, in the queued list.
  sample:
    vobiz:
      type: call.queued
      call_uuid: c3a8e5f1-6d2b-4e79-a0c4-7b9d1e2f3a45
      call_status: queued
      previous_status: null
      call: {call_uuid: c3a8e5f1-6d2b-4e79-a0c4-7b9d1e2f3a45, call_status: queued, direction: outbound,
             from: "919262171438", to: "919148227304", request_uuid: c3a8e5f1-6d2b-4e79-a0c4-7b9d1e2f3a45}
      cdr: {}
      account: MA_XXXXXXXX
      observed_at: "2026-06-11T16:03:20.101Z"
call.started:
  description: A call was seen live for the first time, new or out of the queue (then C(previous_status) is C(queued)).
  sample:
    vobiz:
      type: call.started
      call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      call_status: ringing
      previous_status: null
      call: {api_id: c9cab827-d7e6-4ab8-b521-f29e593a1c26, call_status: ringing, call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91,
             caller_name: "", direction: outbound, from: "919262171438", request_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91,
             session_start: "2026-06-11 16:03:28.586839", stir_attestation: Not Applicable, stir_verification: Not Applicable,
             to: "919148227303"}
      cdr: {}
      account: MA_XXXXXXXX
      observed_at: "2026-06-11T16:03:30.412Z"
call.answered:
  description: A call's status became C(in-progress) (after C(call.started) when it was first seen already answered).
  sample:
    vobiz:
      type: call.answered
      call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      call_status: in-progress
      previous_status: ringing
      call: {api_id: 0b6f1d2e-3c4a-4e5f-8a9b-1c2d3e4f5a6b, call_status: in-progress, call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91,
             caller_name: "", direction: outbound, from: "919262171438", request_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91,
             session_start: "2026-06-11 16:03:28.586839", stir_attestation: Not Applicable, stir_verification: Not Applicable,
             to: "919148227303"}
      cdr: {}
      account: MA_XXXXXXXX
      observed_at: "2026-06-11T16:03:35.409Z"
call.status_changed:
  description: A live call's status changed to anything but C(in-progress) (such as C(ringing) to C(early-media)).
  sample:
    vobiz:
      type: call.status_changed
      call_uuid: 9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60
      call_status: early-media
      previous_status: ringing
      call: {call_uuid: 9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60, call_status: early-media, direction: outbound,
             from: "919262171438", to: "919820012345"}
      cdr: {}
      account: MA_XXXXXXXX
      observed_at: "2026-06-11T16:03:40.415Z"
call.ended:
  description: A call left the lists; C(call_status) is how it ended, C(call) the last record seen, C(cdr) its finalized record.
  sample:
    vobiz:
      type: call.ended
      call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      call_status: completed
      previous_status: in-progress
      call: {call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91, call_status: in-progress, direction: outbound,
             from: "919262171438", to: "919148227303"}
      cdr: {answer_time: "2026-06-11 16:03:33+00:00", bill_duration: 40, billed_duration: 60, call_direction: outbound,
            call_duration: 44, call_status: completed, call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91,
            end_time: "2026-06-11 16:04:12+00:00", from_number: "919262171438", hangup_cause_code: 4000,
            hangup_cause_name: Normal Hangup, hangup_source: Callee, initiation_time: "2026-06-11 16:03:28+00:00",
            parent_call_uuid: null, to_number: "919148227303", total_amount: "0.45000", total_rate: "0.45000"}
      account: MA_XXXXXXXX
      observed_at: "2026-06-11T16:04:15.402Z"
call.observed:
  description: With O(emit_existing), a call already in the watched lists at the first look.
  sample:
    vobiz:
      type: call.observed
      call_uuid: 5b7f0c3e-8a21-4d6b-9c4e-2f1a7d9e6b30
      call_status: in-progress
      previous_status: null
      call: {call_uuid: 5b7f0c3e-8a21-4d6b-9c4e-2f1a7d9e6b30, call_status: in-progress, direction: inbound,
             from: "918041234567", to: "917738012345", caller_name: Asha Rao}
      cdr: {}
      account: MA_XXXXXXXX
      observed_at: "2026-06-11T16:03:20.098Z"
"""

logger = logging.getLogger("vobiz.telephony.call_events")

SOURCE_NAME = "vobiz.telephony.call_events"
# The source's arguments: the connection options, then its own (DOCUMENTATION documents each, a unit test checks it).
OPTIONS = options_table(
    *CONNECTION_OPTIONS.values(),
    Option("interval", "float", 5.0, above=0),
    Option("statuses", "list", list(LISTS), elements="str", choices=list(LISTS)),
    Option("track_status", "bool", True),
    Option("cdr", "bool", True),
    Option("emit_existing", "bool", False),
    CONCURRENCY,
)
# The source's own options: connection_errors() checks the others.
OWN_OPTIONS = {name: option for name, option in OPTIONS.items() if name not in CONNECTION_OPTIONS}
# The defaults of every argument that has one or may be left out (all but the credentials).
DEFAULTS = {name: option.default for name, option in OPTIONS.items() if name not in ("auth_id", "auth_token")}
STATUS_CHOICES = tuple(OPTIONS["statuses"].choices)


def source_options(args: dict, environ=None) -> dict:
    """The checked arguments with their defaults and environment fallbacks; ArgumentError names every wrong one."""

    def checks(options: dict) -> list:
        return connection_errors(options) + option_errors(OWN_OPTIONS, options)

    return source_arguments(SOURCE_NAME, OPTIONS, args, os.environ if environ is None else environ, checks)


def account_round_for(options: dict) -> tuple:
    """(the client, the account_round) for checked options."""
    client = client_from_options(options, pool_size=options["concurrency"], on_retry=logger.warning, user_agent_suffix=SOURCE_NAME)
    remember = max(REMEMBER_ENDED_MIN_SECONDS, REMEMBER_ENDED_ROUNDS * options["interval"])
    tracker = CallTracker(options["statuses"], emit_existing=options["emit_existing"], remember_ended_for=remember)
    account_round = AccountRound(CallApi(client), tracker, options["auth_id"], options["concurrency"], track_status=options["track_status"],
                                 cdr=options["cdr"])
    return client, account_round


async def run_rounds(queue, account_round: AccountRound, interval: float, retry_max_wait: float) -> None:
    """Take a round every `interval` seconds (backing off after failures) and put each event on the queue, until cancelled.

    The rounds run on the collection's one waiting loop (wait_until), in a thread of their own: the client blocks, and
    the engine's event loop must not. Cancelling this coroutine ends the loop at its next pause."""
    loop = asyncio.get_running_loop()
    stop = threading.Event()
    failures = 0

    def take_round() -> RoundResult:
        result = account_round.take()
        for event in result.events:
            asyncio.run_coroutine_threadsafe(queue.put(event), loop).result()
        return result

    def next_round_in_seconds(result: RoundResult) -> float:
        nonlocal failures
        failures = failures + 1 if result.errors else 0
        delay = next_round_in(interval, failures, retry_max_wait, result.retry_after)
        if result.errors:
            logger.warning("%s: a look failed: %s; the state of %d known calls is kept; next look in %g s",
                           SOURCE_NAME, "; ".join(error.message for error in result.errors), result.call_count, round(delay, 3))
        return delay

    try:
        await asyncio.to_thread(wait_until, take_round, lambda _result: False, None, interval, pause=stop.wait, pause_after=next_round_in_seconds)
    finally:
        stop.set()


async def main(queue: asyncio.Queue, args: dict) -> None:
    """Follow the account's calls and put one event per change on the queue, until cancelled or an error that stops the source."""
    options = source_options(args)
    if not HAS_REQUESTS:
        raise RuntimeError("%s needs the Python library requests (2.25 or newer): pip install 'requests>=2.25.0'" % SOURCE_NAME)
    warning = clear_text_warning(options["api_url"])
    if warning:
        logger.warning("%s: %s", SOURCE_NAME, warning)
    client, account_round = account_round_for(options)
    try:
        await run_rounds(queue, account_round, options["interval"], options["retry_max_wait"])
    except VobizError as error:
        logger.error("%s: %s", SOURCE_NAME, error.message)
        raise
    finally:
        client.close()


if __name__ == "__main__":
    # Without ansible-rulebook: print the events (connection from VOBIZ_AUTH_ID, VOBIZ_AUTH_TOKEN, VOBIZ_API_URL).

    class MockQueue:
        """Prints each event."""

        async def put(self, event: dict) -> None:
            print(event)  # noqa: T201

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(MockQueue(), {"emit_existing": True}))
