# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Waiting on calls: looking at a set of calls, round after round on wait_until, until each one is done.

No Ansible here, and no HTTP: the gateway of calls looks, the loop paces.
"""

from __future__ import annotations

from typing import Callable

from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import CallApi, Look
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import unique_in_order
from ansible_collections.vobiz.telephony.plugins.module_utils.common._wait_loop import WaitOutcome, wait_until


class CallsOutcome(WaitOutcome):
    """How a wait on calls ended: `last` holds each call's last look, in the order of `call_uuids`;
    `pending` the uuids whose last look is not done yet; `rounds` the rounds of looks."""

    def __init__(self, call_uuids: list, last: list, reached: bool, waited: float, rounds: int, pending: list):
        super().__init__(last, reached, waited, rounds)
        self.call_uuids = call_uuids
        self.pending = pending


def wait_for_calls(api: CallApi, call_uuids: list, list_name: str, is_done: Callable[[Look], bool], concurrency: int,
                   timeout: float, every: float, clock: Callable[[], float] | None = None, pause: Callable[[float], object] | None = None,
                   seen_in: dict | None = None) -> CallsOutcome:
    """Look at these calls (each distinct uuid once, in order) until is_done(look) holds for every one of them,
    or `timeout` seconds have passed. Every `every` seconds a round looks, `concurrency` at a time, only at the calls
    not done yet, each asked first where it was seen last (in the first round, where `seen_in` says, if it names the
    call); the others keep their last look.
    No call at all: nothing is sent, and the wait is reached at once after zero rounds."""
    call_uuids = unique_in_order(call_uuids)
    if not call_uuids:
        return CallsOutcome([], [], True, 0.0, 0, [])
    latest = {}

    def pending() -> list:
        return [uuid for uuid in call_uuids if uuid not in latest or not is_done(latest[uuid])]

    def look_at_pending() -> list:
        waiting = pending()
        where = {uuid: latest[uuid].seen_in if uuid in latest else (seen_in or {}).get(uuid) for uuid in waiting}
        latest.update(zip(waiting, api.look_many(waiting, list_name, concurrency, seen_in=where)))
        return [latest[uuid] for uuid in call_uuids]

    outcome = wait_until(look_at_pending, lambda looks: all(is_done(look) for look in looks),
                         timeout=timeout, every=every, clock=clock, pause=pause)
    return CallsOutcome(call_uuids, outcome.last, outcome.reached, outcome.waited, outcome.rounds, pending())
