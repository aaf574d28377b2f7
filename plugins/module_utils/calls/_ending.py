# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Acting on calls: ending a call (hanging up a live one, cancelling a queued one), and confirming that it ended.

No Ansible here, and no HTTP: the gateway of calls sends the requests, and the client says what failed.
"""

from __future__ import annotations

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import ENDED, LIVE, NEXT, QUEUED, CallApi, Look, has_ended
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._waiting import CallsOutcome, wait_for_calls
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError, VobizNotFoundError

# What ending a call does, by where it was seen: hang up a live call, cancel a queued one; nothing otherwise.
HUNG_UP = "hung_up"
CANCELLED = "cancelled"
NO_ACTION = "none"
_ACTIONS = {LIVE: HUNG_UP, QUEUED: CANCELLED}


def hang_up(api: CallApi, call_uuid: str) -> bool:
    """Hang up a live call; False when Vobiz answers that it is not live (any more)."""
    return _acted(api.hang_up, call_uuid)


def cancel(api: CallApi, request_uuid: str) -> bool:
    """Cancel a queued call by its request uuid; False when nothing is queued under it (any more)."""
    return _acted(api.cancel, request_uuid)


def _acted(delete, uuid: str) -> bool:
    try:
        delete(uuid)
    except VobizNotFoundError as error:
        # After an attempt lost to a connection error or a server error, "not found" may be that attempt's own doing.
        return error.uncertain_attempts > 0
    return True


class Ending:
    """What ending one call did: the first look, the action taken (or that would be, in check mode), the last look."""

    def __init__(self, call_uuid: str, first: Look, action: str, last: Look):
        self.call_uuid, self.action = call_uuid, action
        self.first, self.last = first, last

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


def end_call(api: CallApi, call_uuid: str, check_mode: bool) -> Ending:
    """Look where the call is, then hang it up (live) or cancel it (queued); nothing for an ended or unknown call.

    "Not found" in answer to the hang-up or cancel means the call moved on by itself since the look
    (queued -> live -> ended): look again and act on where it is now. A call that ended by itself is not counted as
    ended by us. Check mode looks and sends nothing.
    """
    first = look = api.look(call_uuid, LIVE)
    for _step in range(len(_ACTIONS) + 1):  # each "not found" is one step forward, and there are only so many steps
        action = _ACTIONS.get(look.seen_in, NO_ACTION)
        if action == NO_ACTION or check_mode or _act(api, action, call_uuid, look):
            return Ending(call_uuid, first, action, look)
        look = api.look(call_uuid, LIVE, seen_in=NEXT[look.seen_in])
    return Ending(call_uuid, first, NO_ACTION, look)


def _act(api: CallApi, action: str, call_uuid: str, look: Look) -> bool:
    if action == HUNG_UP:
        return hang_up(api, call_uuid)
    # A queued call is cancelled by the request that placed it; Vobiz's records name it, else it is the call's uuid.
    return cancel(api, look.call.get("request_uuid") or call_uuid)


def end_calls(api: CallApi, call_uuids: list, check_mode: bool, concurrency: int) -> list:
    """end_call() for each call, in the same order, `concurrency` at a time.

    Raises EndCallsError for the first call that fails, carrying the endings of every call handled, so that what was
    done is not lost.
    """
    endings = {}

    def end_one(call_uuid: str) -> Ending:
        try:
            endings[call_uuid] = end_call(api, call_uuid, check_mode)
        except VobizError as error:
            raise EndCallsError(call_uuid, error) from None
        return endings[call_uuid]

    try:
        return map_concurrently(end_one, call_uuids, concurrency)
    except EndCallsError as failure:  # the pool has let the calls under way finish: they count too
        failure.endings = [endings[uuid] for uuid in call_uuids if uuid in endings]
        raise


def confirm_ended(api: CallApi, endings: list, concurrency: int, timeout: float, every: float, **wait) -> CallsOutcome | None:
    """Look again at every call not seen over until each is (has_ended), updating each ending's `last`.
    None when there was nothing to wait for. `wait` goes to wait_for_calls (its clock and pause)."""
    pending = [ending for ending in endings if not has_ended(ending.last)]
    if not pending:
        return None
    call_uuids = [ending.call_uuid for ending in pending]
    # a call just hung up or cancelled has most likely ended: its cdr is asked for first
    outcome = wait_for_calls(api, call_uuids, LIVE, has_ended, concurrency, timeout, every, seen_in=dict.fromkeys(call_uuids, ENDED), **wait)
    for ending, look in zip(pending, outcome.last):
        ending.last = look
    return outcome
