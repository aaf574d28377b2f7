# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""vobiz.telephony.call_events: an ansible-rulebook event source that turns Vobiz call state changes into events."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
from pathlib import Path

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
  - A look that fails for a transient reason (HTTP 5xx or 429, a time-out, a dropped connection, an answer of the wrong
    shape) logs a warning, keeps what is known of every call, and the next look comes after a back-off (the interval,
    doubled per failure in a row up to 60 s, or longer when the server asks with C(Retry-After)). No C(call.ended) is
    ever emitted because a list could not be read. Refused credentials (HTTP 401 or 403), another HTTP 4xx, a TLS
    failure and bad arguments stop the source with a message.
  - Memory is bounded by the number of calls live at once, plus the uuids of the calls that ended in the last 10 looks
    (at least the last minute), so that a list lagging behind cannot announce an ended call again.
  - The auth token is in no event and no log line.
  - Needs the Python library C(requests) (2.25 or newer), not ansible-core.
options:
  auth_id:
    description:
      - The Vobiz account's Auth ID, such as V(MA_XXXXXXXX). Letters, digits, V(-) and V(_) only.
      - If not set, the value of the E(VOBIZ_AUTH_ID) environment variable is used.
    type: str
    required: true
  auth_token:
    description:
      - The Vobiz account's Auth Token. It is never logged nor put in an event.
      - If not set, the value of the E(VOBIZ_AUTH_TOKEN) environment variable is used; prefer it, or a vaulted variable.
    type: str
    required: true
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
        502, 503 or 504, with backoff (honouring C(Retry-After) up to 60 s). V(0) disables retries.
    type: int
    default: 3
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


def _make_collection_importable() -> None:
    """ansible-rulebook runs this file by path: put the directory holding its ansible_collections/ on sys.path,
    so that the collection's module_utils import (.../ansible_collections/vobiz/telephony/extensions/eda/plugins/event_source/)."""
    parents = Path(os.path.abspath(__file__)).parents
    if len(parents) > 7 and parents[6].name == "ansible_collections" and str(parents[7]) not in sys.path:
        sys.path.insert(0, str(parents[7]))


_make_collection_importable()

# pylint: disable=wrong-import-position
from ansible_collections.vobiz.telephony.plugins.module_utils._calls import LIVE, QUEUED, CallsApi
from ansible_collections.vobiz.telephony.plugins.module_utils._client import HAS_REQUESTS, VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._events import (
    REMEMBER_ENDED_LOOKS,
    REMEMBER_ENDED_MIN_SECONDS,
    CallTracker,
    CallWatcher,
    backoff_delay,
)
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CONNECTION_DEFAULTS,
    ENV_FALLBACKS,
    clear_text_warning,
    client_from_options,
    concurrency_error,
    connection_errors,
)

SOURCE_NAME = "vobiz.telephony.call_events"
STATUS_CHOICES = (LIVE, QUEUED)
DEFAULTS = {
    "api_url": CONNECTION_DEFAULTS["api_url"],
    "timeout": CONNECTION_DEFAULTS["timeout"],
    "validate_certs": CONNECTION_DEFAULTS["validate_certs"],
    "ca_path": None,
    "retries": CONNECTION_DEFAULTS["retries"],
    "interval": 5.0,
    "statuses": [LIVE, QUEUED],
    "track_status": True,
    "cdr": True,
    "emit_existing": False,
    "concurrency": 8,
}
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


class ArgumentError(ValueError):
    """The source's arguments are wrong; the message names each wrong one."""


def source_options(args: dict, environ=None) -> dict:
    """The checked arguments with their defaults and environment fallbacks; ArgumentError names every wrong one."""
    environ = os.environ if environ is None else environ
    errors = []
    # ansible-rulebook adds arguments of its own (eda_feedback_queue ...): only other unknown names are typos.
    unknown = sorted(name for name in args if name not in DEFAULTS and name not in ENV_FALLBACKS and not name.startswith("eda_"))
    if unknown:
        errors.append("unknown argument%s %s; the arguments are %s"
                      % ("s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(sorted(set(DEFAULTS) | set(ENV_FALLBACKS)))))
    options = {}
    for name, variable in ENV_FALLBACKS.items():
        value = args.get(name)
        options[name] = value if value is not None else environ.get(variable, DEFAULTS.get(name))
    for name in ("auth_id", "auth_token"):
        if options[name] is None:
            errors.append("%s is required: set it, or the %s environment variable" % (name, ENV_FALLBACKS[name]))
            options[name] = ""
    for name in ("auth_id", "auth_token", "api_url"):
        if not isinstance(options[name], str):
            errors.append("%s must be a string, got a %s" % (name, type(options[name]).__name__))
            options[name] = "x"
    convert = {"timeout": _number, "retries": _integer, "interval": _number, "concurrency": _integer,
               "validate_certs": _boolean, "track_status": _boolean, "cdr": _boolean, "emit_existing": _boolean,
               "ca_path": _path, "statuses": _statuses}
    for name, converter in convert.items():
        value = args.get(name)
        try:
            options[name] = DEFAULTS[name] if value is None else converter(name, value)
        except ArgumentError as exc:
            errors.append(str(exc))
            options[name] = DEFAULTS[name]
    errors.extend(_range_errors(options))
    if errors:
        raise ArgumentError("%s: %s" % (SOURCE_NAME, "; ".join(errors)))
    return options


def _range_errors(options: dict) -> list:
    missing = [name for name in ("auth_id", "auth_token") if not options[name]]
    errors = [error for error in connection_errors(options) if not error.startswith(tuple(missing))]
    errors.append(concurrency_error(options["concurrency"]))
    if options["interval"] <= 0:
        errors.append("interval must be greater than 0 seconds, got %s" % options["interval"])
    return [error for error in errors if error]


def _number(name: str, value) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ArgumentError("%s must be a number of seconds, got %r" % (name, value))
    return float(value)


def _integer(name: str, value) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentError("%s must be a whole number, got %r" % (name, value))
    return value


def _boolean(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ArgumentError("%s must be true or false, got %r" % (name, value))


def _path(name: str, value) -> str:
    if not isinstance(value, str) or not value:
        raise ArgumentError("%s must be the path of a file, got %r" % (name, value))
    return os.path.expanduser(value)


def _statuses(name: str, value) -> list:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or any(item not in STATUS_CHOICES for item in values):
        raise ArgumentError("%s must be a list of one or both of %s, got %r" % (name, ", ".join(STATUS_CHOICES), value))
    return list(dict.fromkeys(values))


def watcher_for(options: dict) -> tuple:
    """(the client, the watcher) for checked options."""
    client = client_from_options(options, pool_size=options["concurrency"], on_retry=logger.warning, user_agent_suffix=SOURCE_NAME)
    remember = max(REMEMBER_ENDED_MIN_SECONDS, REMEMBER_ENDED_LOOKS * options["interval"])
    tracker = CallTracker(options["statuses"], emit_existing=options["emit_existing"], remember_ended_for=remember)
    watcher = CallWatcher(CallsApi(client), tracker, options["auth_id"], track_status=options["track_status"], cdr=options["cdr"],
                          concurrency=options["concurrency"])
    return client, watcher


async def watch(queue, watcher: CallWatcher, interval: float) -> None:
    """Look every `interval` seconds (backing off after failures) and put each event on the queue, forever."""
    loop = asyncio.get_running_loop()
    failures = 0
    while True:
        started = loop.time()
        result = await asyncio.to_thread(watcher.look)  # the client blocks: keep it off the event loop
        for event in result.events:
            await queue.put(event)
        if not result.errors:
            failures = 0
            delay = interval
        else:
            failures += 1
            delay = backoff_delay(interval, failures, result.retry_after)
            logger.warning("%s: a look failed: %s; the state of %d known calls is kept; next look in %g s",
                           SOURCE_NAME, "; ".join(error.message for error in result.errors), result.calls, round(delay, 3))
        await asyncio.sleep(max(0.0, started + delay - loop.time()))


async def main(queue: asyncio.Queue, args: dict) -> None:
    """Watch the account's calls and put one event per change on the queue, until cancelled or a fatal error."""
    options = source_options(args)
    if not HAS_REQUESTS:
        raise RuntimeError("%s needs the Python library requests (2.25 or newer): pip install 'requests>=2.25.0'" % SOURCE_NAME)
    warning = clear_text_warning(options["api_url"])
    if warning:
        logger.warning("%s: %s", SOURCE_NAME, warning)
    client, watcher = watcher_for(options)
    try:
        await watch(queue, watcher, options["interval"])
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
