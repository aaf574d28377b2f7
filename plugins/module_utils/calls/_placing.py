# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Placing calls: one request per destination, never sent twice, and waiting until the calls are answered or ended.

The request bodies, the checks of what goes in them, the placing itself and the wait. No Ansible here, and no HTTP:
the gateway of calls sends each POST as a request that is not idempotent, so that it is never retried once it may
have reached Vobiz (see http._retry.may_have_taken_effect). Words as docs/architecture.md defines them.
"""

from __future__ import annotations

import re
import threading

from ansible_collections.vobiz.telephony.plugins.module_utils._options import E164, e164_error, each, length_at_most, single, url_error
from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import ENDED, IN_PROGRESS, LIVE, QUEUED, CallApi, Look
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._waiting import CallsOutcome, wait_for_calls
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently
from ansible_collections.vobiz.telephony.plugins.module_utils.common._text import shown
from ansible_collections.vobiz.telephony.plugins.module_utils.common._urls import clear_text_to_remote_host
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError, json_object, unexpected_answer
from ansible_collections.vobiz.telephony.plugins.module_utils.http._retry import may_have_taken_effect

MAX_DESTINATIONS = 1000
MAX_CALLER_NAME = 50
SIP_URI = re.compile(r"\Asip:[^\s<>@]+@[^\s<>@]+\Z")

# What an entry's call_status says before any look: not sent (check mode, or a task that stopped first), sent and
# accepted (Vobiz queues a call it accepted), or sent with an outcome nobody knows.
NOT_PLACED = "not_placed"
PLACED = QUEUED
UNKNOWN = "unknown"

# What to wait for after placing.
WAIT_NONE, WAIT_ANSWERED, WAIT_ENDED = "none", "answered", "ended"

# Option name -> the API's parameter, for the options sent as they are (the API's own names) when set.
SENT_AS_GIVEN = ("from", "answer_url", "answer_method", "ring_url", "ring_method", "hangup_url", "hangup_method",
                 "fallback_url", "fallback_method", "caller_name", "time_limit", "hangup_on_ring", "ring_timeout",
                 "send_digits", "send_on_preanswer", "machine_detection_time", "machine_detection_url", "machine_detection_method")
URL_OPTIONS = ("answer_url", "ring_url", "hangup_url", "fallback_url", "machine_detection_url")
# machine_detection: the option's value -> what the API takes
MACHINE_DETECTION = {"detect": "true", "hangup": "hangup"}
# every parameter an option sets: extra_params may not repeat one
OPTION_PARAMETERS = frozenset(SENT_AS_GIVEN + ("to", "machine_detection"))


def destination_error(option: str, value) -> str | None:
    """Why `value` is neither an E.164 number nor a sip: URI, or None."""
    if isinstance(value, str) and (E164.match(value) or SIP_URI.match(value)):
        return None
    return "%s %s is neither an E.164 number (digits, with or without a leading '+') nor a sip: URI (sip:user@host)" % (option, shown(str(value)))


def destinations_errors(option: str, values: list) -> list:
    """The check of `to`: one destination at least, MAX_DESTINATIONS at most, each an E.164 number or a sip: URI."""
    errors = []
    if not values:
        errors.append("%s must name at least one destination" % option)
    if len(values) > MAX_DESTINATIONS:
        errors.append("%s names %d destinations; at most %d are placed in one task" % (option, len(values), MAX_DESTINATIONS))
    else:
        errors += each(destination_error)(option, values)
    return errors


# The check of each option of placing calls that has one (the call module's table declares them).
CHECKS = dict({"to": destinations_errors, "from": single(e164_error), "caller_name": length_at_most(MAX_CALLER_NAME)},
              **{name: single(url_error) for name in URL_OPTIONS})


def placing_errors(params: dict) -> list:
    """The problems of placing calls across options (each option's own check is in CHECKS): extra_params repeating
    what an option sets. Nothing is sent when one is found."""
    clashes = sorted(OPTION_PARAMETERS.intersection(params["extra_params"] or {}))
    return ["extra_params must not repeat what an option sets: %s" % ", ".join(clashes)] if clashes else []


def placing_warnings(params: dict) -> list:
    """A warning for each plain http:// callback URL to a host that is not loopback (Vobiz wants HTTPS)."""
    return ["%s %s is plain http to a host that is not loopback: Vobiz wants https:// callback URLs" % (option, shown(params[option]))
            for option in URL_OPTIONS if params[option] and clear_text_to_remote_host(params[option])]


def request_bodies(params: dict) -> list:
    """The body of each destination's request, in the order of `to`: each option under the API's name when it is set
    (answer_method always), machine_detection as the API takes it, then extra_params as given."""
    common = {name: params[name] for name in SENT_AS_GIVEN if params[name] is not None}
    if params["machine_detection"] is not None:
        common["machine_detection"] = MACHINE_DETECTION[params["machine_detection"]]
    common.update(params["extra_params"] or {})
    return [dict(common, to=destination) for destination in params["to"]]


class Placement:
    """One destination's call: the body sent (`request`), what Vobiz answered, and what looks saw since."""

    def __init__(self, request: dict):
        self.request = request
        self.request_uuid: str | None = None
        self.api_id: str | None = None
        self.message: str | None = None
        self.call_status = NOT_PLACED
        self.answered: bool | None = None
        self.outcome: str | None = None
        self.cdr: dict = {}

    @property
    def placed(self) -> bool:
        return self.request_uuid is not None

    def update(self, look: Look) -> None:
        """What a look saw: the call's status, whether it was answered, and how it ended."""
        if look.call_status == ENDED:
            self.call_status = ENDED
            self.cdr = look.cdr
            self.outcome = look.cdr.get("call_status") if isinstance(look.cdr.get("call_status"), str) else None
            self.answered = bool(self.answered or look.cdr.get("answer_time") or _positive(look.cdr.get("bill_duration")))
        elif look.found or look.seen_in in (LIVE, QUEUED):
            self.call_status = look.call_status
            if look.call_status == IN_PROGRESS:
                self.answered = True

    def as_result(self, with_cdr: bool) -> dict:
        return {"to": self.request["to"], "request_uuid": self.request_uuid, "call_uuid": self.request_uuid, "api_id": self.api_id,
                "message": self.message, "request": self.request, "call_status": self.call_status, "answered": self.answered,
                "outcome": self.outcome, "cdr": self.cdr if with_cdr else {}}


class PlacingError(Exception):
    """A request to place a call failed: which destination, why (`error`), and whether the call may have been placed
    anyway (`unknown`: the request may have reached Vobiz and was not sent again)."""

    def __init__(self, placement: Placement, error: VobizError):
        super().__init__(error.message)
        self.placement = placement
        self.error = error
        self.unknown = may_have_taken_effect(error)


def place_call(api: CallApi, placement: Placement) -> Placement:
    """Send one destination's request, once (the client retries it only where Vobiz cannot have acted on it)."""
    try:
        response = api.place(placement.request)
        # a 2xx whose body is not an object is an answer that could not be read: the call may have been placed
        answer = json_object(response, 'a JSON object with a "request_uuid"')
    except VobizError as error:
        if may_have_taken_effect(error):
            placement.call_status = UNKNOWN
        raise PlacingError(placement, error) from None
    request_uuid = answer.get("request_uuid")
    if isinstance(request_uuid, list) and len(request_uuid) == 1:
        request_uuid = request_uuid[0]
    if not isinstance(request_uuid, str) or not request_uuid:
        placement.call_status = UNKNOWN  # Vobiz accepted it (2xx) but its answer does not say which call
        raise PlacingError(placement, unexpected_answer(response, 'a JSON object with a "request_uuid" string'))
    placement.request_uuid = request_uuid
    placement.api_id = answer.get("api_id") if isinstance(answer.get("api_id"), str) else None
    placement.message = answer.get("message") if isinstance(answer.get("message"), str) else None
    placement.call_status = PLACED
    return placement


def place_calls(api: CallApi, placements: list, concurrency: int) -> list:
    """place_call() for each placement, `concurrency` at a time. On the first failure no further request is started,
    the requests under way finish, and PlacingError is raised; every placement keeps what happened to it."""
    stop = threading.Event()

    def place_one(placement: Placement) -> Placement:
        if stop.is_set():
            return placement
        try:
            return place_call(api, placement)
        except PlacingError:
            stop.set()
            raise

    return map_concurrently(place_one, placements, concurrency)


def is_answered_or_over(look: Look) -> bool:
    return look.call_status in (IN_PROGRESS, ENDED)


def has_cdr(look: Look) -> bool:
    return look.call_status == ENDED


def wait_for_placed(api: CallApi, placements: list, until: str, concurrency: int, timeout: float, every: float, **wait) -> CallsOutcome | None:
    """Look at the placed calls until each is answered or has ended (WAIT_ANSWERED), or each has ended (WAIT_ENDED),
    updating each placement. A call Vobiz does not know yet is looked at again, not taken as over.
    None when there was nothing to wait for. `wait` goes to wait_for_calls (its clock and pause)."""
    placed = [placement for placement in placements if placement.placed]
    if until == WAIT_NONE or not placed:
        return None
    is_done = has_cdr if until == WAIT_ENDED else is_answered_or_over
    by_uuid = {placement.request_uuid: placement for placement in placed}

    def look_and_note(uuid_looks: CallsOutcome) -> None:
        for uuid, look in zip(uuid_looks.call_uuids, uuid_looks.last):
            by_uuid[uuid].update(look)

    outcome = wait_for_calls(api, list(by_uuid), LIVE, is_done, concurrency, timeout, every,
                             seen_in=dict.fromkeys(by_uuid, QUEUED), **wait)
    look_and_note(outcome)
    return outcome


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
