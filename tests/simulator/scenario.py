"""Scenario model of the Vobiz simulator: accounts, and calls whose status follows a timeline."""

from __future__ import annotations

import datetime
import itertools
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

DEMO_SCENARIO = Path(__file__).with_name("scenarios") / "demo.yml"

# Statuses after which a call has a finalized CDR; every other known status but "queued" is live.
TERMINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled", "cancel", "timeout"})
QUEUED_STATUS = "queued"
ANSWERED_STATUS = "in-progress"

# Plivo-style hangup causes per terminal status: (code, name, source for an outbound call).
HANGUP_CAUSES = {
    "completed": (4000, "Normal Hangup", "Callee"),
    "busy": (3010, "Busy Line", "Callee"),
    "no-answer": (3020, "No Answer", "Callee"),
    "failed": (2000, "Service Failure", "Error"),
    "canceled": (1010, "Cancelled", "Caller"),
    "cancel": (1010, "Cancelled", "Caller"),
    "timeout": (3110, "Ring Timeout Reached", "Plivo"),
}
RATE_PER_MINUTE = 0.45

# How an account's live and queued lookups and lists answer: Vobiz's flat record, or the older Plivo-style
# {"api_id", "calls": [record]} whose records say call_state (the statuses below, any other upper-cased, "-" -> "_").
RESPONSE_STYLES = ("flat", "wrapped")
CALL_STATES = {"in-progress": "ACTIVE", "ringing": "RINGING", "early-media": "EARLY_MEDIA", "queued": "QUEUED"}
SOURCE_IP = "192.0.2.10"  # where the simulated calls come from (a documentation address)
CALL_KEYS = frozenset({
    "call_uuid", "account", "from", "to", "direction", "caller_name", "request_uuid", "session_start",
    "stir_attestation", "stir_verification", "extra", "cdr", "timeline", "timeline_starts", "cdr_delay",
})
# When a call's timeline starts counting: when the call is added, or at the first API request of its account after
# that, so that a test's timeline does not depend on how long Ansible and the module take to start.
TIMELINE_STARTS = ("created", "first_request")
ENTRY_KEYS = frozenset({"at", "status", "cdr"})

# time.monotonic() drives timelines; this offset turns a monotonic instant into wall-clock time for the answers.
_WALL_OFFSET = time.time() - time.monotonic()


class ScenarioError(ValueError):
    """A scenario, call or account definition that cannot be used."""


def wall_time(monotonic_instant: float) -> float:
    """Epoch seconds of a time.monotonic() instant."""
    return _WALL_OFFSET + monotonic_instant


def format_session_time(monotonic_instant: float) -> str:
    """Vobiz's session_start format: '2026-06-11 16:03:28.586839' (UTC)."""
    moment = datetime.datetime.fromtimestamp(wall_time(monotonic_instant), datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def format_cdr_time(monotonic_instant: float | None) -> str | None:
    """Plivo's CDR time format: '2026-06-11 16:03:28+00:00'."""
    if monotonic_instant is None:
        return None
    moment = datetime.datetime.fromtimestamp(round(wall_time(monotonic_instant)), datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S+00:00")


@dataclass
class Account:
    auth_id: str
    auth_token: str
    inactive: bool = False
    response_style: str = "flat"
    no_balance: bool = False  # POST .../Call/ answers 402
    calls_per_second: int | None = None  # POST .../Call/ answers 429 past this many in one second


@dataclass
class TimelineEntry:
    at: float  # a time.monotonic() instant
    status: str
    cdr: dict = field(default_factory=dict)


# Bumped after every change to a call (created, status set, held timeline started): the CDR API's cache of a whole
# filtered set (cdr.py) is valid only while this has not moved. next() on a count is atomic; each value is new.
_CALL_CHANGES = itertools.count(1)
calls_version = 0


def _call_changed() -> None:
    global calls_version  # pylint: disable=global-statement
    calls_version = next(_CALL_CHANGES)


@dataclass
class Call:
    call_uuid: str
    account: str
    from_number: str = ""
    to_number: str = ""
    direction: str = "outbound"
    caller_name: str = ""
    request_uuid: str = ""
    session_start: str | None = None
    stir_attestation: str = "Not Applicable"
    stir_verification: str = "Not Applicable"
    extra: dict = field(default_factory=dict)
    cdr: dict = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    held_since: float | None = None  # timeline_starts: first_request, not started yet: the timeline stays at this instant
    cdr_delay: float = 0.0  # seconds after its end before the call's record is in the CDR API
    cdr_cache: tuple | None = field(default=None, repr=False, compare=False)  # (end key, record) of the CDR API

    def __post_init__(self) -> None:
        _call_changed()

    def start_timeline(self, now: float) -> None:
        """Start a held timeline now: every entry moves by the time it was held."""
        if self.held_since is None:
            return
        shift = now - self.held_since
        for entry in self.timeline:
            entry.at += shift
        self.held_since = None
        _call_changed()

    def entry_at(self, now: float) -> TimelineEntry | None:
        """The timeline entry in force at `now`; None before the call exists."""
        if self.held_since is not None:
            now = self.held_since
        current = None
        for entry in self.timeline:
            if entry.at > now:
                break
            current = entry
        return current

    def status_at(self, now: float) -> str | None:
        entry = self.entry_at(now)
        return entry.status if entry else None

    def set_status(self, status: str, now: float, cdr: dict | None = None, keep_future: bool = False) -> None:
        """Switch to `status` at `now`; later scripted entries are dropped unless keep_future."""
        if not keep_future:
            self.timeline = [entry for entry in self.timeline if entry.at <= now]
        self.timeline.append(TimelineEntry(at=now, status=status, cdr=dict(cdr or {})))
        self.timeline.sort(key=lambda entry: entry.at)
        _call_changed()

    def describe(self, now: float) -> dict:
        """Control-API view of the call."""
        return {
            "call_uuid": self.call_uuid,
            "account": self.account,
            "status": self.status_at(now),
            "to": self.to_number,
            "timeline": [{"at": entry.at, "status": entry.status} for entry in self.timeline],
        }

    def _session_start(self) -> str:
        if self.session_start is not None:
            return self.session_start
        return format_session_time(self.timeline[0].at)

    def live_record(self, status: str, api_id: str) -> dict:
        record = {
            "api_id": api_id,
            "call_status": status,
            "call_uuid": self.call_uuid,
            "caller_name": self.caller_name,
            "direction": self.direction,
            "from": self.from_number,
            "request_uuid": self.request_uuid or self.call_uuid,
            "session_start": self._session_start(),
            "stir_attestation": self.stir_attestation,
            "stir_verification": self.stir_verification,
            "to": self.to_number,
        }
        record.update(self.extra)
        return record

    def queued_record(self, api_id: str) -> dict:
        record = {
            "api_id": api_id,
            "call_status": QUEUED_STATUS,
            "call_uuid": self.call_uuid,
            "request_uuid": self.request_uuid or self.call_uuid,
            "caller_name": self.caller_name,
            "direction": self.direction,
            "from": self.from_number,
            "to": self.to_number,
        }
        record.update(self.extra)
        return record

    def wrapped_record(self, status: str, now: float) -> dict:
        """The call in the older Plivo-style form, one entry of a "calls" list: call_state instead of call_status,
        Plivo's field names, no api_id (the wrapper has it); then the call's `extra`."""
        started = self.timeline[0].at
        answered = next((entry.at for entry in self.timeline if entry.status == ANSWERED_STATUS and entry.at <= now), None)
        record = {
            "answer_time": format_cdr_time(answered),
            "bill_duration": None,
            "billed_duration": None,
            "call_direction": self.direction,
            "call_duration": max(0, int(now - started)),
            "call_state": CALL_STATES.get(status, status.upper().replace("-", "_")),
            "call_uuid": self.call_uuid,
            "conference_uuid": None,
            "end_time": None,
            "from_number": self.from_number,
            "initiation_time": format_cdr_time(started),
            "parent_call_uuid": None,
            "hangup_cause_code": None,
            "hangup_cause_name": None,
            "hangup_source": None,
            "to_number": self.to_number,
            "total_amount": None,
            "total_rate": None,
            "stir_verification": self.stir_verification,
            "stir_attestation": self.stir_attestation,
            "source_ip": SOURCE_IP,
        }
        record.update(self.extra)
        return record

    def cdr_record(self, end: TimelineEntry) -> dict:
        """The finalized CDR, computed from the timeline up to the terminal entry `end`."""
        started = self.timeline[0].at
        answered = next((entry.at for entry in self.timeline if entry.status == ANSWERED_STATUS and entry.at <= end.at), None)
        call_seconds = max(0, round(end.at - started))
        bill_seconds = max(0, round(end.at - answered)) if answered is not None else 0
        billed_seconds = math.ceil(bill_seconds / 60) * 60
        code, name, source = HANGUP_CAUSES.get(end.status, (4000, "Normal Hangup", "Callee"))
        if source == "Callee" and self.direction == "inbound" and end.status == "completed":
            source = "Caller"
        record = {
            "answer_time": format_cdr_time(answered),
            "bill_duration": bill_seconds,
            "billed_duration": billed_seconds,
            "call_direction": self.direction,
            "call_duration": call_seconds,
            "call_status": end.status,
            "call_uuid": self.call_uuid,
            "end_time": format_cdr_time(end.at),
            "from_number": self.from_number,
            "hangup_cause_code": code,
            "hangup_cause_name": name,
            "hangup_source": source,
            "initiation_time": format_cdr_time(started),
            "parent_call_uuid": None,
            "to_number": self.to_number,
            "total_amount": f"{billed_seconds / 60 * RATE_PER_MINUTE:.5f}",
            "total_rate": f"{RATE_PER_MINUTE:.5f}",
        }
        record.update(self.cdr)
        record.update(end.cdr)
        return record


def parse_account(raw: dict) -> Account:
    if not isinstance(raw, dict) or not raw.get("auth_id") or not raw.get("auth_token"):
        raise ScenarioError(f"an account needs auth_id and auth_token: {raw!r}")
    unknown = set(raw) - {"auth_id", "auth_token", "inactive", "response_style", "no_balance", "calls_per_second"}
    if unknown:
        raise ScenarioError(f"unknown account keys {sorted(unknown)} in {raw['auth_id']}")
    style = raw.get("response_style", "flat")
    if style not in RESPONSE_STYLES:
        raise ScenarioError(f"account {raw['auth_id']}: response_style must be one of {', '.join(RESPONSE_STYLES)}, got {style!r}")
    rate = raw.get("calls_per_second")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int) or rate < 1):
        raise ScenarioError(f"account {raw['auth_id']}: calls_per_second must be a positive integer, got {rate!r}")
    return Account(auth_id=str(raw["auth_id"]), auth_token=str(raw["auth_token"]), inactive=bool(raw.get("inactive", False)),
                   response_style=style, no_balance=bool(raw.get("no_balance", False)), calls_per_second=rate)


def _parse_entry(raw: dict, base: float, call_uuid: str) -> TimelineEntry:
    if not isinstance(raw, dict) or "status" not in raw:
        raise ScenarioError(f"call {call_uuid}: a timeline entry needs a status: {raw!r}")
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise ScenarioError(f"call {call_uuid}: unknown timeline keys {sorted(unknown)}")
    try:
        offset = float(raw.get("at", 0))
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"call {call_uuid}: 'at' must be a number of seconds: {raw!r}") from error
    return TimelineEntry(at=base + offset, status=str(raw["status"]), cdr=dict(raw.get("cdr") or {}))


def _check_call_uuid(value) -> str:
    text = str(value or "")
    if not text or not all(char.isalnum() or char in "-_" for char in text):
        raise ScenarioError(f"call_uuid must be letters, digits, '-' or '_': {value!r}")
    return text


def parse_call(raw: dict, base: float, default_account: str | None) -> Call:
    """A Call from its scenario form; timeline 'at' offsets are seconds after `base` (a monotonic instant)."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"a call must be a mapping: {raw!r}")
    call_uuid = _check_call_uuid(raw.get("call_uuid"))
    unknown = set(raw) - CALL_KEYS
    if unknown:
        raise ScenarioError(f"call {call_uuid}: unknown keys {sorted(unknown)}")
    account = raw.get("account") or default_account
    if not account:
        raise ScenarioError(f"call {call_uuid}: no account (define one first)")
    timeline = [_parse_entry(entry, base, call_uuid) for entry in raw.get("timeline") or [{"at": 0, "status": "in-progress"}]]
    timeline.sort(key=lambda entry: entry.at)
    starts = raw.get("timeline_starts", "created")
    if starts not in TIMELINE_STARTS:
        raise ScenarioError(f"call {call_uuid}: 'timeline_starts' must be one of {list(TIMELINE_STARTS)}, got {starts!r}")
    return Call(
        call_uuid=call_uuid,
        account=str(account),
        from_number=str(raw.get("from", "")),
        to_number=str(raw.get("to", "")),
        direction=str(raw.get("direction", "outbound")),
        caller_name=str(raw.get("caller_name", "")),
        request_uuid=str(raw.get("request_uuid", "")),
        session_start=raw.get("session_start"),
        stir_attestation=str(raw.get("stir_attestation", "Not Applicable")),
        stir_verification=str(raw.get("stir_verification", "Not Applicable")),
        extra=dict(raw.get("extra") or {}),
        cdr=dict(raw.get("cdr") or {}),
        timeline=timeline,
        held_since=base if starts == "first_request" else None,
        cdr_delay=_cdr_delay(raw.get("cdr_delay", 0), call_uuid),
    )


def _cdr_delay(value, call_uuid: str) -> float:
    try:
        delay = float(value)
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"call {call_uuid}: 'cdr_delay' must be a number of seconds: {value!r}") from error
    if delay < 0:
        raise ScenarioError(f"call {call_uuid}: 'cdr_delay' must not be negative: {value!r}")
    return delay


def read_scenario(source) -> dict:
    """The raw scenario mapping from a dict, a JSON file or a YAML file (YAML needs PyYAML)."""
    if source is None:
        source = DEMO_SCENARIO
    if isinstance(source, dict):
        raw = source
    else:
        path = Path(source)
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in (".yml", ".yaml"):
            try:
                import yaml  # pylint: disable=import-outside-toplevel
            except ImportError as error:
                raise ScenarioError(f"{path}: YAML scenarios need PyYAML; use a .json scenario instead") from error
            raw = yaml.safe_load(text) or {}
        else:
            raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ScenarioError("a scenario must be a mapping with 'accounts' and 'calls'")
    unknown = set(raw) - {"accounts", "calls", "dial_rules", "applications", "numbers", "inventory", "number_paging", "recordings"}
    if unknown:
        raise ScenarioError(f"unknown scenario keys {sorted(unknown)}")
    return raw
