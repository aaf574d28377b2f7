# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Call state changes as events, for the vobiz.telephony.call_events event source.

CallTracker is pure: it is given what one round saw (the lists, each call's status) and the time, and answers
with the changes since the round before. AccountRound takes the rounds through CallApi; next_round_in() paces them
(the event source runs them on common._wait_loop.wait_until). Neither imports Ansible: an Event-Driven Ansible environment may
not have ansible-core.
"""

from __future__ import annotations

import time

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import ENDED, IN_PROGRESS, LIVE, NOT_FOUND, QUEUED, CallApi, Look
from ansible_collections.vobiz.telephony.plugins.module_utils.common._event_types import (
    CALL_ANSWERED,
    CALL_ENDED,
    CALL_OBSERVED,
    CALL_QUEUED,
    CALL_STARTED,
    CALL_STATUS_CHANGED,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently, unique_in_order
from ansible_collections.vobiz.telephony.plugins.module_utils.common._text import iso_timestamp
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError, VobizResponseError
from ansible_collections.vobiz.telephony.plugins.module_utils.http._retry import backoff_delay, is_transient

# The types of events this source emits.
EVENT_TYPES = (CALL_QUEUED, CALL_STARTED, CALL_ANSWERED, CALL_STATUS_CHANGED, CALL_ENDED, CALL_OBSERVED)
# The lists are read in the order a call moves through them: a call that moves from queued to live between the two
# requests is then seen in both (and taken as live), never in neither (which would read as ended).
LIST_ORDER = (QUEUED, LIVE)

# A lagging list may show a call again after it ended; its uuid is remembered this many rounds (at least a minute).
REMEMBER_ENDED_ROUNDS = 10
REMEMBER_ENDED_MIN_SECONDS = 60.0


class ListEntry:
    """One call on one list in one round: the list and, when its record was read, its status, record and cdr.

    `call_status` is None when the record was not read (track_status off); ENDED when the call ended between the list
    and the record (then `cdr` holds its cdr when wanted); NOT_FOUND when Vobiz had it nowhere by then.
    """

    def __init__(self, call_uuid: str, list_name: str, call_status: str | None = None, call: dict | None = None, cdr: dict | None = None):
        self.call_uuid = call_uuid
        self.list_name = list_name
        self.call_status = call_status
        self.call = call or {}
        self.cdr = cdr


class Change:
    """One event to emit: what happened to which call, its status before and now, its record and cdr."""

    def __init__(self, kind: str, call_uuid: str, call_status: str, previous_status: str | None, call: dict, cdr: dict | None = None):
        self.kind = kind
        self.call_uuid = call_uuid
        self.call_status = call_status
        self.previous_status = previous_status
        self.call = call
        self.cdr = cdr or {}

    def as_event(self, account: str, at: float) -> dict:
        return {"vobiz": {
            "type": self.kind,
            "call_uuid": self.call_uuid,
            "call_status": self.call_status,
            "previous_status": self.previous_status,
            "call": self.call,
            "cdr": self.cdr,
            "account": account,
            "observed_at": iso_timestamp(at),
        }}

    def __repr__(self) -> str:
        return "Change(%s %s %s -> %s)" % (self.kind, self.call_uuid, self.previous_status, self.call_status)


class _Known:
    """What the tracker remembers of a call between rounds."""

    def __init__(self, status: str, call: dict):
        self.status = status
        self.call = call


class CallTracker:
    """The calls of the lists it follows and their statuses, from one round to the next.

    Memory: one entry per call in the lists, plus the uuids of calls that ended in the last few rounds.
    """

    def __init__(self, lists, emit_existing: bool = False, remember_ended_for: float = REMEMBER_ENDED_MIN_SECONDS):
        self.lists = tuple(list_name for list_name in LIST_ORDER if list_name in lists)
        self.emit_existing = emit_existing
        self.remember_ended_for = remember_ended_for
        self.known = {}  # call uuid -> _Known
        self.recently_ended = {}  # call uuid -> when it was seen to end
        self.started = False  # the first complete round has been taken in

    def ending(self, lists: dict) -> list:
        """The known calls this round would end: on no list, every list read. Their cdrs go to update()."""
        if not self.started or not self._complete(lists):
            return []
        listed = {entry.call_uuid for entry in self._entries(lists)}
        return [uuid for uuid in self.known if uuid not in listed]

    def update(self, lists: dict, at: float, cdrs: dict | None = None) -> list:
        """The changes since the last round, in order. `lists` maps each list followed to its ListEntries, or None when
        that list could not be read: its calls then keep their state, and no call ends in this look. `cdrs` maps the
        uuids ending() named to their cdrs ({} when none)."""
        self._forget_ended_before(at - self.remember_ended_for)
        if not self.started and not self._complete(lists):
            return []  # the calls already there are only known from a complete round
        first_round = not self.started
        self.started = True
        changes = []
        for entry in self._entries(lists):
            changes.extend(self._listed(entry, first_round, at))
        for uuid in self.ending(lists) if not first_round else ():
            changes.append(self._ended(uuid, (cdrs or {}).get(uuid), at))
        return changes

    def _complete(self, lists: dict) -> bool:
        return all(lists.get(list_name) is not None for list_name in self.lists)

    def _entries(self, lists: dict) -> list:
        """One entry per call, the later list winning (a call on both lists has just moved on to live)."""
        merged = {}
        for list_name in self.lists:
            for entry in lists.get(list_name) or ():
                merged.pop(entry.call_uuid, None)
                merged[entry.call_uuid] = entry
        return [entry for uuid, entry in merged.items() if uuid not in self.recently_ended]

    def _listed(self, entry: ListEntry, first_round: bool, at: float) -> list:
        uuid = entry.call_uuid
        known = self.known.get(uuid)
        if entry.call_status == ENDED:
            return [self._ended(uuid, entry.cdr, at)] if known else self._note_ended(uuid, at)
        status = self._status_of(entry, known)
        call = entry.call or (known.call if known else {})
        self.known[uuid] = _Known(status, call)
        if known is None:
            if first_round:
                return [Change(CALL_OBSERVED, uuid, status, None, call)] if self.emit_existing else []
            return self._appeared(uuid, status, call)
        return self._moved(uuid, known.status, status, call)

    @staticmethod
    def _status_of(entry: ListEntry, known: _Known | None) -> str:
        """The call's status: from its record; else what was known of it on that list; else the list's name."""
        if entry.call_status not in (None, NOT_FOUND):
            return entry.call_status
        if known is not None and list_of(known.status) == entry.list_name:
            return known.status
        return entry.list_name

    @staticmethod
    def _appeared(uuid: str, status: str, call: dict) -> list:
        if list_of(status) == QUEUED:
            return [Change(CALL_QUEUED, uuid, status, None, call)]
        changes = [Change(CALL_STARTED, uuid, status, None, call)]
        if status == IN_PROGRESS:  # answered before the first look at it: a rule on call.answered still fires
            changes.append(Change(CALL_ANSWERED, uuid, status, None, call))
        return changes

    @staticmethod
    def _moved(uuid: str, previous: str, status: str, call: dict) -> list:
        if status == previous:
            return []
        changes = []
        if list_of(previous) == QUEUED and list_of(status) == LIVE:
            changes.append(Change(CALL_STARTED, uuid, status, previous, call))
            if status == IN_PROGRESS:
                changes.append(Change(CALL_ANSWERED, uuid, status, previous, call))
        elif status == IN_PROGRESS:
            changes.append(Change(CALL_ANSWERED, uuid, status, previous, call))
        else:
            changes.append(Change(CALL_STATUS_CHANGED, uuid, status, previous, call))
        return changes

    def _ended(self, uuid: str, cdr: dict | None, at: float) -> Change:
        known = self.known.pop(uuid)
        self.recently_ended[uuid] = at
        return Change(CALL_ENDED, uuid, final_status(cdr), known.status, known.call, cdr)

    def _note_ended(self, uuid: str, at: float) -> list:
        """A call first seen already ended: no event (it was never seen live), but its uuid is remembered."""
        self.recently_ended[uuid] = at
        return []

    def _forget_ended_before(self, moment: float) -> None:
        for uuid in [uuid for uuid, when in self.recently_ended.items() if when < moment]:
            del self.recently_ended[uuid]


def list_of(status: str) -> str:
    """Which list a call with this status is on."""
    return QUEUED if status == QUEUED else LIVE


def final_status(cdr: dict | None) -> str:
    """How an ended call ended, from its cdr (such as completed or busy); `ended` without one."""
    status = (cdr or {}).get("call_status")
    return status if isinstance(status, str) and status else ENDED


def stops_the_source(error: VobizError) -> bool:
    """Whether an error stops the source: any error but a transient one (the client's rule, http._retry.is_transient) and
    an answer of the wrong shape (a proxy's page, a server half deployed: the next round may get a usable one)."""
    return not (is_transient(error) or isinstance(error, VobizResponseError))


def next_round_in(interval: float, failures: int, retry_max_wait: float, retry_after: float | None = None) -> float:
    """Seconds from the start of one round to the start of the next, after `failures` failed rounds in a row:
    the interval, or the client's back-off (backoff_delay, from the interval, up to retry_max_wait) when longer."""
    if failures == 0:
        return interval
    return max(interval, backoff_delay(failures - 1, interval, retry_max_wait, retry_after))


class RoundResult:
    """What one round gave: the events to emit, and the transient errors that cut it short (none when it did not)."""

    def __init__(self, events: list, errors: list, call_count: int, seconds: float):
        self.events, self.errors = events, errors
        self.call_count, self.seconds = call_count, seconds

    @property
    def retry_after(self) -> float | None:
        """The longest wait a server asked for in this round, if any did."""
        asked = [error.retry_after for error in self.errors if getattr(error, "retry_after", None) is not None]
        return max(asked) if asked else None


class AccountRound:
    """Looks at the account's calls through CallApi and tells the tracker what it saw.

    One round: one list request per list followed; with track_status, one record per live call and per newly queued
    call (concurrency at a time); with cdr, one cdr per call that ended. A transient failure of a list or a record
    leaves that list unread (its calls keep their state); one of a cdr leaves the whole round unread. Errors that stop the source
    (see stops_the_source) are raised.
    """

    def __init__(self, api: CallApi, tracker: CallTracker, account: str, concurrency: int, track_status: bool = True, cdr: bool = True,
                 clock=None):
        self.api, self.tracker, self.account = api, tracker, account
        self.concurrency, self.track_status, self.cdr = concurrency, track_status, cdr
        self.clock = clock or time.time

    def take(self) -> RoundResult:
        started = self.clock()
        errors = []
        lists = {name: self._guarded(lambda name=name: self._read_list(name), errors) for name in self.tracker.lists}
        ending = self.tracker.ending(lists)
        cdrs = self._guarded(lambda: self._cdrs(ending), errors) if ending else {}
        if cdrs is None:
            return RoundResult([], errors, len(self.tracker.known), self.clock() - started)
        at = self.clock()
        changes = self.tracker.update(lists, at, cdrs)
        events = [change.as_event(self.account, at) for change in changes]
        return RoundResult(events, errors, len(self.tracker.known), at - started)

    @staticmethod
    def _guarded(read, errors: list):
        """read(), or None after a transient error (kept in `errors`); one that stops the source is raised."""
        try:
            return read()
        except VobizError as error:
            if stops_the_source(error):
                raise
            errors.append(error)
            return None

    def _read_list(self, list_name: str) -> list:
        uuids = unique_in_order(self.api.list_call_uuids(list_name))
        if not self.track_status:
            return [ListEntry(uuid, list_name) for uuid in uuids]
        # A queued call's status is always queued: its record is read once, for its call.queued event.
        to_read = uuids if list_name == LIVE else [uuid for uuid in uuids if uuid not in self.tracker.known]
        looks = dict(zip(to_read, self.api.look_many(to_read, list_name, self.concurrency)))
        return [self._entry(uuid, list_name, looks.get(uuid)) for uuid in uuids]

    def _entry(self, call_uuid: str, list_name: str, look: Look | None) -> ListEntry:
        if look is None:
            return ListEntry(call_uuid, list_name)
        return ListEntry(call_uuid, list_name, look.call_status, look.call, look.cdr if self.cdr else None)

    def _cdrs(self, call_uuids: list) -> dict:
        if not self.cdr:
            return {}
        records = map_concurrently(self.api.fetch_ended_call, call_uuids, self.concurrency)
        return {uuid: record or {} for uuid, record in zip(call_uuids, records)}
