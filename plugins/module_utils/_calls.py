# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""What Vobiz knows about calls: one call's state across its endpoints, the live and queued lists, waiting,
and ending calls (hanging up a live call, cancelling a queued one)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vobiz.telephony.plugins.module_utils._client import VobizError, VobizNotFoundError, VobizResponseError, body_preview

LIVE = "live"
QUEUED = "queued"
ENDED = "ended"
NOT_FOUND = "not_found"

# A call moves queued -> live -> ended. A call missed everywhere may have moved on from the state probed last.
_NEXT_STATE = {QUEUED: LIVE, LIVE: ENDED}

# What ending a call does, by where it was seen: hang up a live call, cancel a queued one; nothing otherwise.
HUNG_UP = "hung_up"
CANCELLED = "cancelled"
NO_ACTION = "none"
_ACTIONS = {LIVE: HUNG_UP, QUEUED: CANCELLED}

# The older, Plivo-style records say `call_state` instead of `call_status`: the call_status each one means, so that a
# gate on in-progress works on both forms. Any other call_state is lower-cased with "_" turned into "-".
_CALL_STATE_STATUS = {"ACTIVE": "in-progress", "RINGING": "ringing", "EARLY_MEDIA": "early-media", "EARLY": "early-media", "QUEUED": "queued"}


class CallObservation:
    """One look at a call: the facts live_call_info returns, and which endpoint answered (`source`)."""

    def __init__(self, found: bool, call: dict, call_status: str, cdr: dict, source: str | None = None):
        self.found = found
        self.call = call
        self.call_status = call_status
        self.cdr = cdr
        self.source = source

    def as_result(self) -> dict:
        return {"found": self.found, "call": self.call, "call_status": self.call_status, "cdr": self.cdr}


class WaitOutcome:
    """How a wait ended: the last observation, whether it was awaited, and what it cost."""

    def __init__(self, last, reached: bool, waited: float, polls: int):
        self.last = last
        self.reached = reached
        self.waited = waited
        self.polls = polls


class CallsApi:
    """The call endpoints of one account."""

    def __init__(self, client):
        self.client = client

    def fetch_call(self, call_uuid: str, status: str) -> dict | None:
        """The call's record from the live or queued endpoint, as Vobiz sent it, or None when it is not in that state.

        Both published forms are read: the flat record, and the Plivo-style {"api_id", "calls": [record]} (the inner
        record is returned). Read its status with call_status_of(), never from record["call_status"]."""
        try:
            response = self.client.get(self.client.account_segments("Call", call_uuid), params={"status": status})
        except VobizNotFoundError:
            return None
        return _call_record(response, call_uuid)

    def fetch_cdr(self, call_uuid: str) -> dict | None:
        """The finalized record of an ended call, or None when Vobiz has none."""
        try:
            response = self.client.get(self.client.account_segments("Call", call_uuid))
        except VobizNotFoundError:
            return None
        return _json_object(response, "a finalized call record (a JSON object)")

    def list_call_uuids(self, status: str) -> list:
        """The uuids of the account's live or queued calls, in the API's order."""
        response = self.client.get(self.client.account_segments("Call"), params={"status": status})
        data = _json_object(response, 'a JSON object with a "calls" list')
        calls = data.get("calls")
        # A list without "calls" is not an empty list: taking it for one would end a drain on a proxy's "{}".
        if not isinstance(calls, list):
            raise _unexpected(response, _CALL_LIST)
        # Vobiz documents uuid strings; other Plivo-style APIs list records with a call_uuid. One form per list.
        if all(isinstance(uuid, str) for uuid in calls):
            return calls
        if all(isinstance(record, dict) and _is_text(record.get("call_uuid")) for record in calls):
            return [record["call_uuid"] for record in calls]
        raise _unexpected(response, _CALL_LIST)

    def observe(self, call_uuid: str, status: str, hint: str | None = None) -> CallObservation:
        """Where the call is now. The requested state is probed first (or `hint`, the source seen last),
        then the finalized record (an ended call costs two requests), then the other live state."""
        order = [status, ENDED, QUEUED if status == LIVE else LIVE]
        if hint in order:
            order.remove(hint)
            order.insert(0, hint)
        next_state = _NEXT_STATE.get(order[-1])
        for state in order + ([next_state] if next_state else []):
            record = self._probe(call_uuid, state)
            if record is not None:
                return _observation(state, record, status)
        return CallObservation(False, {}, NOT_FOUND, {})

    def _probe(self, call_uuid: str, state: str) -> dict | None:
        return self.fetch_cdr(call_uuid) if state == ENDED else self.fetch_call(call_uuid, state)

    def fetch_calls(self, call_uuids: list, status: str, concurrency: int) -> list:
        """The records of these calls, in the same order, fetched over `concurrency` connections.
        A call that left the state since it was listed is left out."""
        records = map_concurrently(lambda uuid: self.fetch_call(uuid, status), call_uuids, concurrency)
        return [record for record in records if record is not None]

    def observe_many(self, call_uuids: list, status: str, concurrency: int, hints: dict | None = None) -> list:
        """observe() of each call, in the same order, `concurrency` at a time; `hints` maps a uuid to its last source."""
        hints = hints or {}
        return map_concurrently(lambda uuid: self.observe(uuid, status, hint=hints.get(uuid)), call_uuids, concurrency)

    def hang_up(self, call_uuid: str) -> bool:
        """Hang up a live call; False when Vobiz answers that it is not live (any more)."""
        return self._delete("Call", call_uuid)

    def cancel_request(self, request_uuid: str) -> bool:
        """Cancel a queued call by its request uuid; False when nothing is queued under it (any more)."""
        return self._delete("Request", request_uuid)

    def _delete(self, *segments) -> bool:
        try:
            self.client.delete(self.client.account_segments(*segments))
        except VobizNotFoundError as error:
            # After an attempt lost to a connection error or a 5xx, the 404 may be that attempt's own doing.
            return error.uncertain_attempts > 0
        return True


def map_concurrently(function, items: list, concurrency: int) -> list:
    """function(item) for every item, results in the items' order, at most `concurrency` at a time.
    The first error is raised, and what has not started yet is not started."""
    workers = max(1, min(concurrency, len(items)))
    if workers == 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(function, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:  # fail fast: do not send what is still queued
                future.cancel()
            raise


class CallEnding:
    """What ending one call did: the first look, the action taken (or that would be, in check mode), the last look."""

    def __init__(self, call_uuid: str, first: CallObservation, action: str, last: CallObservation):
        self.call_uuid = call_uuid
        self.first = first
        self.action = action
        self.last = last

    @property
    def acted(self) -> bool:
        return self.action != NO_ACTION

    def as_result(self, with_cdr: bool) -> dict:
        return {"call_uuid": self.call_uuid, "before": self.first.call_status, "action": self.action,
                "call_status": self.last.call_status, "cdr": self.last.cdr if with_cdr else {}}


class EndCallsError(Exception):
    """One call could not be ended: which, why (`error`, a VobizError), and the endings of the calls handled."""

    def __init__(self, call_uuid: str, error: VobizError, endings: list | None = None):
        super().__init__(error.message)
        self.call_uuid = call_uuid
        self.error = error
        self.endings = endings or []


def has_ended(observation: CallObservation) -> bool:
    """Whether the call is over for good: ended, or unknown to Vobiz."""
    return observation.call_status in (ENDED, NOT_FOUND)


def end_call(calls: CallsApi, call_uuid: str, check_mode: bool) -> CallEnding:
    """Look where the call is, then hang it up (live) or cancel it (queued); nothing for an ended or unknown call.

    A 404 to the DELETE means the call moved on by itself since the look (queued -> live -> ended): look again and act
    on where it is now. A call that ended by itself is not counted as ended by us. Check mode looks and sends nothing.
    """
    first = observation = calls.observe(call_uuid, LIVE)
    for _state in range(len(_ACTIONS) + 1):  # each 404 is one step forward, and there are only so many steps
        action = _ACTIONS.get(observation.source, NO_ACTION)
        if action == NO_ACTION or check_mode or _act(calls, action, call_uuid, observation):
            return CallEnding(call_uuid, first, action, observation)
        observation = calls.observe(call_uuid, LIVE, hint=_NEXT_STATE[observation.source])
    return CallEnding(call_uuid, first, NO_ACTION, observation)


def _act(calls: CallsApi, action: str, call_uuid: str, observation: CallObservation) -> bool:
    if action == HUNG_UP:
        return calls.hang_up(call_uuid)
    # A queued call is cancelled by the request that placed it; Vobiz's records name it, else it is the call's uuid.
    return calls.cancel_request(observation.call.get("request_uuid") or call_uuid)


def end_calls(calls: CallsApi, call_uuids: list, check_mode: bool, concurrency: int) -> list:
    """end_call() for each call, in the same order, `concurrency` at a time.

    Raises EndCallsError for the first call that fails, carrying the endings of every call handled, so that what was
    done is not lost.
    """
    endings = {}

    def end_one(call_uuid: str) -> CallEnding:
        try:
            endings[call_uuid] = end_call(calls, call_uuid, check_mode)
        except VobizError as error:
            raise EndCallsError(call_uuid, error) from None
        return endings[call_uuid]

    try:
        return map_concurrently(end_one, call_uuids, concurrency)
    except EndCallsError as failure:  # the pool has let the calls under way finish: they count too
        failure.endings = [endings[uuid] for uuid in call_uuids if uuid in endings]
        raise


def confirm_ended(calls: CallsApi, endings: list, concurrency: int, timeout: float, sleep: float) -> WaitOutcome | None:
    """Look again at every call not seen over until each is (has_ended), updating each ending's `last`.
    None when there was nothing to wait for."""
    pending = [ending for ending in endings if not has_ended(ending.last)]
    if not pending:
        return None
    call_uuids = [ending.call_uuid for ending in pending]
    # a call just hung up or cancelled is most likely ended: its finalized record is asked for first
    outcome = wait_for_all(calls, call_uuids, LIVE, has_ended, concurrency, timeout, sleep, hints=dict.fromkeys(call_uuids, ENDED))
    for ending, observation in zip(pending, outcome.last):
        ending.last = observation
    return outcome


def unique_in_order(values: list) -> list:
    """The values without repeats, each where it first appeared."""
    return list(dict.fromkeys(values))


def wait_until(observe, is_done, timeout: float, sleep: float, clock=None, pause=None) -> WaitOutcome:
    """Observe until is_done(observation) or `timeout` seconds have passed (at least one observation).

    Observations start every `sleep` seconds, however long each takes, so that a change is seen within one `sleep`.
    """
    clock = clock or time.monotonic
    pause = pause or time.sleep
    start = clock()
    polls = 0
    while True:
        poll_started = clock()
        last = observe()
        polls += 1
        now = clock()
        if is_done(last):
            return WaitOutcome(last, True, now - start, polls)
        remaining = timeout - (now - start)
        if remaining <= 0:
            return WaitOutcome(last, False, now - start, polls)
        pause(max(0.0, min(poll_started + sleep - now, remaining)))


class AllCallsOutcome(WaitOutcome):
    """How a wait on several calls ended: `last` holds each call's last observation, in the order of `call_uuids`;
    `pending` the uuids whose last observation is not done yet; `polls` the rounds of observations."""

    def __init__(self, call_uuids: list, last: list, reached: bool, waited: float, polls: int, pending: list):
        super().__init__(last, reached, waited, polls)
        self.call_uuids = call_uuids
        self.pending = pending


def wait_for_all(calls: CallsApi, call_uuids: list, status: str, is_done, concurrency: int, timeout: float, sleep: float,
                 clock=None, pause=None, hints: dict | None = None) -> AllCallsOutcome:
    """Observe these calls (each distinct uuid once, in order) until is_done(observation) holds for every one of them,
    or `timeout` seconds have passed. Every `sleep` seconds a round observes, `concurrency` at a time, only the calls
    not done yet, each asked first where it was seen last (in the first round, where `hints` says, if it names the
    call); the others keep their last observation.
    No call at all: nothing is sent, and the wait is reached at once after zero rounds."""
    call_uuids = unique_in_order(call_uuids)
    if not call_uuids:
        return AllCallsOutcome([], [], True, 0.0, 0, [])
    latest = {}

    def pending() -> list:
        return [uuid for uuid in call_uuids if uuid not in latest or not is_done(latest[uuid])]

    def observe_pending() -> list:
        waiting = pending()
        seen_last = {uuid: latest[uuid].source if uuid in latest else (hints or {}).get(uuid) for uuid in waiting}
        latest.update(zip(waiting, calls.observe_many(waiting, status, concurrency, hints=seen_last)))
        return [latest[uuid] for uuid in call_uuids]

    outcome = wait_until(observe_pending, lambda observations: all(is_done(observation) for observation in observations),
                         timeout=timeout, sleep=sleep, clock=clock, pause=pause)
    return AllCallsOutcome(call_uuids, outcome.last, outcome.reached, outcome.waited, outcome.polls, pending())


def call_status_of(record: dict) -> str | None:
    """The call_status of a live or queued call's record in either form: its "call_status", or else its "call_state"
    mapped (ACTIVE -> in-progress, RINGING -> ringing, EARLY_MEDIA or EARLY -> early-media, QUEUED -> queued, in any
    letter case; any other value lower-cased with "_" turned into "-"). None when the record says neither: it is not
    a call record."""
    status = record.get("call_status")
    if status is not None:  # a record that has a call_status must have a usable one: a null one counts as absent
        return status if _is_text(status) else None
    state = record.get("call_state")
    if not _is_text(state):
        return None
    # ASCII only: str.upper() would also turn a dotless "ı" into "I", making "actıve" in-progress.
    mapped = _CALL_STATE_STATUS.get(state.upper()) if state.isascii() else None
    return mapped or state.lower().replace("_", "-")


def _observation(state: str, record: dict, requested: str) -> CallObservation:
    if state == ENDED:
        return CallObservation(False, {}, ENDED, record, source=ENDED)
    return CallObservation(state == requested, record, call_status_of(record), {}, source=state)


_CALL_RECORD = 'a call record (a JSON object with a "call_status" or "call_state" string, or a "calls" list holding one)'
_WRAPPED_CALLS = 'a call record (a "calls" list of JSON objects, each with a "call_uuid" string)'
_CALL_LIST = 'a "calls" list of call uuids (strings, or JSON objects with a "call_uuid" string)'


def _call_record(response, call_uuid: str) -> dict | None:
    """The record of `call_uuid` in a live or queued answer; None when a wrapped answer lists no call."""
    record = _json_object(response, _CALL_RECORD)
    if _is_wrapped(record):
        record = _wrapped_record(response, record["calls"], call_uuid)
        if record is None:
            return None
    if call_status_of(record) is None:
        raise _unexpected(response, _CALL_RECORD)
    return record


def _is_wrapped(data: dict) -> bool:
    """The Plivo-style form {"api_id", "calls": [...]}: a "calls" key and no status of its own."""
    return "calls" in data and "call_status" not in data and "call_state" not in data


def _wrapped_record(response, calls, call_uuid: str) -> dict | None:
    """The entry of a wrapped answer's "calls" that is the call asked for.

    An empty list is "not in this state", like a 404. The entry named `call_uuid` wins (uuids compare case-insensitively);
    a single entry is the answer about the call asked for even under another uuid; several entries, none of them
    the call asked for, are refused rather than guessed between."""
    if not isinstance(calls, list) or not all(isinstance(entry, dict) and _is_text(entry.get("call_uuid")) for entry in calls):
        raise _unexpected(response, _WRAPPED_CALLS)
    if not calls:
        return None
    wanted = call_uuid.lower()
    named = [entry for entry in calls if entry["call_uuid"].lower() == wanted]
    if named:
        return named[0]
    if len(calls) == 1:
        return calls[0]
    raise _unexpected(response, 'a call record of call %s (the "calls" list names only other calls)' % call_uuid)


def _is_text(value) -> bool:
    return isinstance(value, str) and value != ""


def _json_object(response, expected: str) -> dict:
    if not isinstance(response.data, dict):
        raise _unexpected(response, expected)
    return response.data


def _unexpected(response, expected: str) -> VobizResponseError:
    shown = body_preview(json.dumps(response.data).encode("utf-8"))
    return VobizResponseError("GET %s answered HTTP %d with JSON that is not %s: %r" % (response.url, response.status_code, expected, shown),
                              url=response.url, status_code=response.status_code)
