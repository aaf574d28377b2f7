# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""What Vobiz knows about calls: one call's state across its endpoints, the live and queued lists, waiting."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vobiz.telephony.plugins.module_utils._client import VobizNotFoundError, VobizResponseError, body_preview

LIVE = "live"
QUEUED = "queued"
ENDED = "ended"
NOT_FOUND = "not_found"

# A call moves queued -> live -> ended. A call missed everywhere may have moved on from the state probed last.
_NEXT_STATE = {QUEUED: LIVE, LIVE: ENDED}


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
        """The call's record from the live or queued endpoint, or None when it is not in that state."""
        try:
            response = self.client.get(self.client.account_segments("Call", call_uuid), params={"status": status})
        except VobizNotFoundError:
            return None
        return _call_record(response)

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
        if not isinstance(calls, list) or not all(isinstance(uuid, str) for uuid in calls):
            raise _unexpected(response, 'a "calls" list of call uuids (strings)')
        return calls

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


def _observation(state: str, record: dict, requested: str) -> CallObservation:
    if state == ENDED:
        return CallObservation(False, {}, ENDED, record, source=ENDED)
    return CallObservation(state == requested, record, record["call_status"], {}, source=state)


_CALL_RECORD = 'a call record (a JSON object with a "call_status" string)'


def _call_record(response) -> dict:
    record = _json_object(response, _CALL_RECORD)
    if not isinstance(record.get("call_status"), str) or not record["call_status"]:
        raise _unexpected(response, _CALL_RECORD)
    return record


def _json_object(response, expected: str) -> dict:
    if not isinstance(response.data, dict):
        raise _unexpected(response, expected)
    return response.data


def _unexpected(response, expected: str) -> VobizResponseError:
    shown = body_preview(json.dumps(response.data).encode("utf-8"))
    return VobizResponseError("GET %s answered HTTP %d with JSON that is not %s: %r" % (response.url, response.status_code, expected, shown),
                              url=response.url, status_code=response.status_code)
