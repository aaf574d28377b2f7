# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The gateway of Vobiz's Call resource: every method and path of it (read a call on a list, its cdr, a list; place a
call; hang up a live call; cancel a queued one; start and stop a live call's actions), both answer forms Vobiz has published, and one look at a call.

No Ansible here (the event source uses it too), and no HTTP rule: requests, retries and errors are http's.
Words as docs/architecture.md defines them: a look, the list a call is on, where it was seen, its cdr.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import ApiResponse, VobizNotFoundError, json_object, unexpected_answer

# The lists a call is on, and where else a look finds it.
LIVE = "live"
QUEUED = "queued"
ENDED = "ended"
NOT_FOUND = "not_found"
LISTS = (LIVE, QUEUED)
# The live-call actions: each one's path under the call (a transfer is a POST on the call itself), and which of them
# can be stopped (a DELETE on the same path).
ACTION_SEGMENTS = {"speak": ("Speak",), "play": ("Play",), "dtmf": ("DTMF",), "transfer": (), "record": ("Record",)}
STOPPABLE = ("speak", "play", "record")
# The call_status of an answered call, in progress.
IN_PROGRESS = "in-progress"

# A call moves queued -> live -> ended. A call missed everywhere may have moved on from where it was read last.
NEXT = {QUEUED: LIVE, LIVE: ENDED}

# The older, Plivo-style records say `call_state` instead of `call_status`: the call_status each one means, so that a
# gate on in-progress works on both forms. Any other call_state is lower-cased with "_" turned into "-".
_CALL_STATE_STATUS = {"ACTIVE": IN_PROGRESS, "RINGING": "ringing", "EARLY_MEDIA": "early-media", "EARLY": "early-media", "QUEUED": "queued"}


@dataclass
class Look:
    """One look at a call: the facts live_call_info returns, and where the call was seen (`seen_in`: a list, ENDED, or
    None when nowhere)."""

    found: bool
    call: dict
    call_status: str
    cdr: dict
    seen_in: str | None = None

    def as_result(self) -> dict:
        return {"found": self.found, "call": self.call, "call_status": self.call_status, "cdr": self.cdr}


def has_ended(look: Look) -> bool:
    """Whether the call is over for good: ended, or unknown to Vobiz."""
    return look.call_status in (ENDED, NOT_FOUND)


class CallApi:
    """The call endpoints of one account."""

    def __init__(self, client: VobizClient):
        self.client = client

    def fetch_call(self, call_uuid: str, list_name: str) -> dict | None:
        """The call's record from the live or queued endpoint, as Vobiz sent it, or None when it is not on that list.

        Both published forms are read: the flat record, and the Plivo-style {"api_id", "calls": [record]} (the inner
        record is returned). Read its status with call_status_of(), never from record["call_status"]."""
        try:
            response = self.client.get(self.client.account_segments("Call", call_uuid), params={"status": list_name})
        except VobizNotFoundError:
            return None
        return _call_record(response, call_uuid)

    def fetch_ended_call(self, call_uuid: str) -> dict | None:
        """The cdr of an ended call, or None when Vobiz has none."""
        try:
            response = self.client.get(self.client.account_segments("Call", call_uuid))
        except VobizNotFoundError:
            return None
        return json_object(response, "a finalized call record (a JSON object)")

    def list_call_uuids(self, list_name: str) -> list:
        """The uuids of the account's calls on the live or queued list, in the API's order."""
        response = self.client.get(self.client.account_segments("Call"), params={"status": list_name})
        uuids = json_object(response, 'a JSON object with a "calls" list').get("calls")
        # A list without "calls" is not an empty list: taking it for one would end a drain on a proxy's "{}".
        if not isinstance(uuids, list):
            raise unexpected_answer(response, _CALL_LIST)
        # Vobiz documents uuid strings; other Plivo-style APIs list records with a call_uuid. One form per list.
        if all(isinstance(uuid, str) for uuid in uuids):
            return uuids
        if all(isinstance(record, dict) and _is_text(record.get("call_uuid")) for record in uuids):
            return [record["call_uuid"] for record in uuids]
        raise unexpected_answer(response, _CALL_LIST)

    def place(self, body: dict) -> ApiResponse:
        """POST one call's request: not idempotent, so never sent again once it may have reached Vobiz."""
        return self.client.post(self.client.account_segments("Call"), body)

    def hang_up(self, call_uuid: str) -> ApiResponse:
        """DELETE a live call; VobizNotFoundError when it is not live (any more)."""
        return self.client.delete(self.client.account_segments("Call", call_uuid))

    def cancel(self, request_uuid: str) -> ApiResponse:
        """DELETE a queued call by its request uuid; VobizNotFoundError when nothing is queued under it (any more)."""
        return self.client.delete(self.client.account_segments("Request", request_uuid))

    def start_action(self, call_uuid: str, action: str, body: dict) -> ApiResponse:
        """POST one live-call action (speak, play, dtmf, transfer, record; ACTION_SEGMENTS): not idempotent (a second
        request would say it twice), so never sent again once it may have reached Vobiz. VobizNotFoundError when the
        call is not in progress."""
        return self.client.post(self.client.account_segments("Call", call_uuid, *ACTION_SEGMENTS[action]), body)

    def stop_action(self, call_uuid: str, action: str) -> ApiResponse:
        """DELETE what a speak, play or record started (a record's stops every recording of the call): idempotent,
        retried like a hang-up; Vobiz answers 204 whether or not anything was under way."""
        return self.client.delete(self.client.account_segments("Call", call_uuid, *ACTION_SEGMENTS[action]))

    def fetch_calls(self, call_uuids: list, list_name: str, concurrency: int) -> list:
        """The records of these calls, in the same order, fetched over `concurrency` connections.
        A call that left the list since it was listed is left out."""
        records = map_concurrently(lambda uuid: self.fetch_call(uuid, list_name), call_uuids, concurrency)
        return [record for record in records if record is not None]

    def look(self, call_uuid: str, list_name: str, seen_in: str | None = None) -> Look:
        """Where the call is now. The requested list is read first (or `seen_in`, where it was seen last),
        then the cdr (an ended call costs two requests), then the other list."""
        order = [list_name, ENDED, QUEUED if list_name == LIVE else LIVE]
        if seen_in in order:
            order.remove(seen_in)
            order.insert(0, seen_in)
        after_last = NEXT.get(order[-1])
        for where in order + ([after_last] if after_last else []):
            record = self.fetch_ended_call(call_uuid) if where == ENDED else self.fetch_call(call_uuid, where)
            if record is not None:
                return _look(where, record, list_name)
        return Look(False, {}, NOT_FOUND, {})

    def look_many(self, call_uuids: list, list_name: str, concurrency: int, seen_in: dict | None = None) -> list:
        """look() at each call, in the same order, `concurrency` at a time; `seen_in` maps a uuid to where it was seen last."""
        seen_in = seen_in or {}
        return map_concurrently(lambda uuid: self.look(uuid, list_name, seen_in=seen_in.get(uuid)), call_uuids, concurrency)


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


def _look(where: str, record: dict, list_name: str) -> Look:
    if where == ENDED:
        return Look(False, {}, ENDED, record, seen_in=ENDED)
    return Look(where == list_name, record, call_status_of(record), {}, seen_in=where)


_CALL_RECORD = 'a call record (a JSON object with a "call_status" or "call_state" string, or a "calls" list holding one)'
_WRAPPED_CALLS = 'a call record (a "calls" list of JSON objects, each with a "call_uuid" string)'
_CALL_LIST = 'a "calls" list of call uuids (strings, or JSON objects with a "call_uuid" string)'


def _call_record(response: ApiResponse, call_uuid: str) -> dict | None:
    """The record of `call_uuid` in a live or queued answer; None when a wrapped answer lists no call."""
    record = json_object(response, _CALL_RECORD)
    if _is_wrapped(record):
        record = _wrapped_record(response, record["calls"], call_uuid)
        if record is None:
            return None
    if call_status_of(record) is None:
        raise unexpected_answer(response, _CALL_RECORD)
    return record


def _is_wrapped(data: dict) -> bool:
    """The Plivo-style form {"api_id", "calls": [...]}: a "calls" key and no status of its own."""
    return "calls" in data and "call_status" not in data and "call_state" not in data


def _wrapped_record(response: ApiResponse, records, call_uuid: str) -> dict | None:
    """The entry of a wrapped answer's "calls" that is the call asked for.

    An empty list is "not on this list", like a 404. The entry named `call_uuid` wins (uuids compare case-insensitively);
    a single entry is the answer about the call asked for even under another uuid; several entries, none of them
    the call asked for, are refused rather than guessed between."""
    if not isinstance(records, list) or not all(isinstance(entry, dict) and _is_text(entry.get("call_uuid")) for entry in records):
        raise unexpected_answer(response, _WRAPPED_CALLS)
    if not records:
        return None
    wanted = call_uuid.lower()
    named = [entry for entry in records if entry["call_uuid"].lower() == wanted]
    if named:
        return named[0]
    if len(records) == 1:
        return records[0]
    raise unexpected_answer(response, 'a call record of call %s (the "calls" list names only other calls)' % call_uuid)


def _is_text(value) -> bool:
    return isinstance(value, str) and value != ""
