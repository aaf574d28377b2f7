"""The simulated CDR API (/Account/{auth_id}/cdr): records of ended calls, filters, pages, the summary, CSV export."""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
from urllib.parse import unquote

from . import scenario
from .replies import Reply, envelope_reply, json_reply
from .scenario import ANSWERED_STATUS, RATE_PER_MINUTE, TERMINAL_STATUSES, Call, TimelineEntry, wall_time

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
# The 43 fields of Vobiz's record, in the documentation's order (also the CSV's columns).
FIELDS = (
    "id", "uuid", "account_id", "call_direction", "caller_id_name", "caller_id_number", "destination_number", "duration",
    "billsec", "ring_time", "answer_time", "start_time", "end_time", "progress_time", "created_at", "updated_at", "cost",
    "total_cost", "streaming_cost", "currency", "hangup_cause", "hangup_cause_code", "hangup_cause_name", "hangup_disposition",
    "hangup_source", "failure_code", "failure_reason", "bridge_uuid", "sip_call_id", "sip_user_agent", "codec", "mos", "jitter",
    "packet_loss", "network_addr", "carrier_ip", "context", "region", "origination_region", "campaign_id", "customer_endpoint",
    "trunk_id", "terminated_to",
)
# Per terminal status: (hangup_cause, hangup_cause_code, hangup_cause_name, hangup_disposition, hangup_source).
CAUSES = {
    "completed": ("NORMAL_CLEARING", 4000, "Normal Hangup", "send_bye", "Callee"),
    "busy": ("USER_BUSY", 3010, "Busy Line", "send_refuse", "Callee"),
    "no-answer": ("NO_ANSWER", 3020, "No Answer", "send_refuse", "Callee"),
    "failed": ("NORMAL_TEMPORARY_FAILURE", 2000, "Service Failure", "send_refuse", "Error"),
    "canceled": ("ORIGINATOR_CANCEL", 1010, "Cancelled", "recv_cancel", "Caller"),
    "cancel": ("ORIGINATOR_CANCEL", 1010, "Cancelled", "recv_cancel", "Caller"),
    "timeout": ("RECOVERY_ON_TIMER_EXPIRE", 3110, "Ring Timeout Reached", "send_cancel", "Vobiz"),
}
# Filters matched exactly; from_number and to_number are substrings, search is free text, the dates a range.
EXACT_FILTERS = ("call_direction", "sip_call_id", "bridge_uuid", "hangup_cause", "hangup_disposition", "context", "campaign_id")
_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")


def iso_time(monotonic_instant: float | None) -> str | None:
    """Vobiz's CDR time format: '2026-05-11T06:59:31Z'."""
    if monotonic_instant is None:
        return None
    moment = datetime.datetime.fromtimestamp(round(wall_time(monotonic_instant)), datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def cdr_of(call: Call, end: TimelineEntry, record_id: int, auth_id: str) -> dict:
    """The call's record in the CDR API's 43-field form, from its timeline up to the terminal entry `end`; then the call's
    `cdr`, then the terminal entry's `cdr` override fields of the same name."""
    started = call.timeline[0].at
    ringing = next((entry.at for entry in call.timeline if entry.status in ("ringing", "early-media") and entry.at <= end.at), None)
    answered = next((entry.at for entry in call.timeline if entry.status == ANSWERED_STATUS and entry.at <= end.at), None)
    duration = max(0, round(end.at - started))
    billsec = max(0, round(end.at - answered)) if answered is not None else 0
    cause, code, name, disposition, source = CAUSES.get(end.status, CAUSES["completed"])
    if source == "Callee" and call.direction == "inbound" and end.status == "completed":
        source = "Caller"
    cost = round(math.ceil(billsec / 60) * RATE_PER_MINUTE, 4)
    record = {
        "id": record_id, "uuid": call.call_uuid, "account_id": auth_id, "call_direction": call.direction,
        "caller_id_name": call.caller_name, "caller_id_number": call.from_number, "destination_number": call.to_number,
        "duration": duration, "billsec": billsec,
        "ring_time": max(0, round((answered if answered is not None else end.at) - (ringing if ringing is not None else started))),
        "answer_time": iso_time(answered), "start_time": iso_time(started), "end_time": iso_time(end.at),
        "progress_time": iso_time(ringing), "created_at": iso_time(end.at), "updated_at": iso_time(end.at),
        "cost": cost, "total_cost": cost, "streaming_cost": 0, "currency": "INR",
        "hangup_cause": cause, "hangup_cause_code": code, "hangup_cause_name": name, "hangup_disposition": disposition,
        "hangup_source": source, "failure_code": None if answered is not None else str(code),
        "failure_reason": None if answered is not None else name, "bridge_uuid": None, "sip_call_id": f"{call.call_uuid}@sim.vobiz",
        "sip_user_agent": "Vobiz-Simulator", "codec": "PCMU", "mos": 4.3 if answered is not None else 0, "jitter": 2,
        "packet_loss": 0, "network_addr": "192.0.2.10", "carrier_ip": "198.51.100.20", "context": "voice-api",
        "region": "ap-south-1", "origination_region": "mumbai", "campaign_id": None, "customer_endpoint": None, "trunk_id": None,
        "terminated_to": call.to_number,
    }
    record.update(call.cdr)
    record.update(end.cdr)
    return record


def records_at(calls: list[Call], auth_id: str, now: float) -> list[dict]:
    """The records of the account's calls that ended at least their cdr_delay before `now`, newest first (by end time)."""
    return _records_until(calls, auth_id, now)[0]


def _records_until(calls: list[Call], auth_id: str, now: float) -> tuple[list[dict], float]:
    """records_at()'s records, and the first instant after `now` at which time alone may change them: the next timeline
    entry of a running timeline, or the end of a record's cdr_delay (math.inf: none)."""
    ended = []
    changes = math.inf
    for number, call in enumerate(calls, start=1):
        if call.held_since is None:  # a held timeline moves only when it starts, which is a change of the call
            changes = min(changes, next((entry.at for entry in call.timeline if entry.at > now), math.inf))
        end = call.entry_at(now)
        if end is None or end.status not in TERMINAL_STATUSES:
            continue
        if end.at + call.cdr_delay > now:
            changes = min(changes, end.at + call.cdr_delay)
            continue
        key = (end.at, end.status, number)
        if call.cdr_cache is None or call.cdr_cache[0] != key:
            call.cdr_cache = (key, cdr_of(call, end, number, auth_id))
        ended.append((end.at, number, call.cdr_cache[1]))
    ended.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [record for _at, _number, record in ended], changes


# (auth_id, filters) -> (the calls' identities and scenario.calls_version, valid before this instant, records, summary)
_SELECTIONS: dict = {}
_SELECTIONS_KEPT = 32


def _selection(calls: list[Call], auth_id: str, query: dict, now: float) -> tuple[list[dict], dict | None]:
    """The records matching the query's filters and their summary (None until asked), computed once per state of the
    calls: a search of 10,000 records reads 100 pages, and each page would otherwise go over the whole set again."""
    key = (auth_id, tuple(sorted((name, str(value)) for name, value in query.items() if name not in ("page", "per_page"))))
    signature = (tuple(map(id, calls)), scenario.calls_version)
    cached = _SELECTIONS.get(key)
    if cached is not None and cached[0] == signature and now < cached[1]:
        return cached[2], cached[3]
    matches = matcher(query)
    records, changes = _records_until(calls, auth_id, now)
    selected = records if matches is None else [record for record in records if matches(record)]
    if len(_SELECTIONS) >= _SELECTIONS_KEPT:
        _SELECTIONS.clear()
    _SELECTIONS[key] = (signature, changes, selected, summary_of(selected))
    return selected, _SELECTIONS[key][3]


class BadQuery(ValueError):
    """A query the CDR API refuses with 400 INVALID_PARAMETER."""


def _positive(query: dict, name: str, default: int, at_most: int | None = None) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise BadQuery(f"{name} must be an integer") from error
    if value < 1 or (at_most is not None and value > at_most):
        raise BadQuery(f"{name} must be from 1 to {at_most}" if at_most else f"{name} must be 1 or more")
    return value


def matcher(query: dict):
    """A predicate for the query's filters (combined with AND), None when the query has none, or BadQuery."""
    dates = [query.get("start_date"), query.get("end_date")]
    if (dates[0] is None) != (dates[1] is None):
        raise BadQuery("start_date and end_date must be sent together")
    for value in dates:
        if value is not None and not _DATE.match(value):
            raise BadQuery("start_date and end_date must be YYYY-MM-DD")
    if query.get("call_direction") not in (None, "inbound", "outbound"):
        raise BadQuery("call_direction must be inbound or outbound")
    min_duration = query.get("min_duration")
    if min_duration is not None:
        try:
            min_duration = int(min_duration)
        except ValueError as error:
            raise BadQuery("min_duration must be an integer") from error
    exact = {name: query[name] for name in EXACT_FILTERS if query.get(name) is not None}
    from_number, to_number, text = query.get("from_number"), query.get("to_number"), (query.get("search") or "").lower()
    if not (from_number or to_number or dates[0] is not None or min_duration is not None or exact or text):
        return None

    def matches(record: dict) -> bool:
        if from_number and from_number not in str(record.get("caller_id_number") or ""):
            return False
        if to_number and to_number not in str(record.get("destination_number") or ""):
            return False
        if dates[0] is not None and not dates[0] <= str(record.get("start_time") or "")[:10] <= dates[1]:
            return False
        if min_duration is not None and (record.get("duration") or 0) < min_duration:
            return False
        if any(str(record.get(name)) != value for name, value in exact.items()):
            return False
        return not text or any(text in str(value).lower() for value in record.values() if value is not None)

    return matches


def summary_of(records: list[dict]) -> dict:
    """Vobiz's summary of the filtered set, in one pass (a benchmark's scenario holds 10,000 records, read per page)."""
    total = len(records)
    answered = durations = billable = 0
    cost = 0.0
    last_call_at = None
    for record in records:
        if record.get("answer_time"):
            answered += 1
        durations += int(record.get("duration") or 0)
        billable += int(record.get("billsec") or 0)
        cost += float(record.get("total_cost") or 0)
        start = record.get("start_time")
        if start and (last_call_at is None or start > last_call_at):
            last_call_at = start
    return {
        "totalCalls": total,
        "answeredCalls": answered,
        "answerRate": round(100.0 * answered / total, 2) if total else 0,
        "avgCallDuration": f"{round(durations / total) if total else 0}s",
        "total_duration_seconds": durations,
        "total_billable_seconds": billable,
        "total_cost": round(cost, 4),
        "last_call_at": last_call_at,
    }


def list_reply(records: list[dict], auth_id: str, query: dict, summary: dict | None = None) -> Reply:
    page = _positive(query, "page", 1)
    per_page = _positive(query, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    data = records[(page - 1) * per_page: page * per_page]
    pages = math.ceil(len(records) / per_page)
    return json_reply(200, {
        "account_id": auth_id, "count": len(data), "data": data,
        "pagination": {"page": page, "per_page": per_page, "total": len(records), "pages": pages,
                       "has_next": page < pages, "has_prev": page > 1},
        "summary": summary if summary is not None else summary_of(records), "success": True,
    })


def csv_reply(records: list[dict]) -> Reply:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow({name: "" if record.get(name) is None else record.get(name) for name in FIELDS})
    return Reply(status=200, body=out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")


def parse_cdr_path(path: str, prefix: str) -> tuple[str, str | None] | None:
    """(auth_id, rest) for {prefix}/Account/{auth_id}/cdr[/{call_id} | /export][/]: rest None for the list."""
    if not path.startswith(prefix + "/"):
        return None
    segments = [unquote(segment) for segment in path[len(prefix) + 1:].split("/")]
    if segments and segments[-1] == "":
        segments.pop()
    if len(segments) not in (3, 4) or segments[0] != "Account" or segments[2] != "cdr" or not segments[1]:
        return None
    return segments[1], (segments[3] if len(segments) == 4 else None)


def answer_cdr(calls: list[Call], auth_id: str, rest: str | None, query: dict, now: float, request_id: str) -> Reply:
    """GET .../cdr (list), .../cdr/export (CSV) or .../cdr/{call_id} (one record) for the caller's account."""
    if rest is not None and rest != "export":
        records = records_at(calls, auth_id, now)
        record = next((record for record in records if record["uuid"] == rest or str(record["id"]) == rest), None)
        if record is None:
            return envelope_reply(404, request_id, "NOT_FOUND", f"No call record for {rest}")
        return json_reply(200, {"success": True, "data": record})
    try:
        selected, summary = _selection(calls, auth_id, query, now)
        return csv_reply(selected) if rest == "export" else list_reply(selected, auth_id, query, summary)
    except BadQuery as error:
        return envelope_reply(400, request_id, "INVALID_PARAMETER", str(error))
