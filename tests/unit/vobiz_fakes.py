# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test doubles and helpers shared by the unit tests (the fixtures that use them are in conftest.py)."""

from __future__ import annotations

import io
import json
import math
import re
import threading
from urllib.parse import parse_qs, urlsplit

import responses
from responses import matchers

API_URL = "https://api.vobiz.ai/api/v1"
AUTH_ID = "MA_UNITTEST01"
AUTH_TOKEN = "tok-Unit-9f3b27c1d4e5-SECRET"
ACCOUNT_URL = "%s/Account/%s" % (API_URL, AUTH_ID)
LIST_URL = ACCOUNT_URL + "/Call/"
UUID = "2ded13fe-4f9b-4958-9bfb-093ea2f29f91"
OTHER_UUID = "97ceeb52-58b6-11e1-86da-77300b68f8bb"
PLIVO_NOT_FOUND = {"api_id": "p-404", "error": "not found"}  # Plivo-style error body


def call_url(call_uuid: str) -> str:
    return "%s/Call/%s/" % (ACCOUNT_URL, call_uuid)


def add_call(rsps, call_uuid: str, state: str, status: int = 200, **kwargs):
    """Register one answer for GET .../Call/{uuid}/ with ?status=state (live, queued) or without it (ended)."""
    params = {} if state == "ended" else {"status": state}
    return rsps.add(responses.GET, call_url(call_uuid), status=status, match=[matchers.query_param_matcher(params)], **kwargs)


def add_delete(rsps, resource: str, uuid: str, status: int = 204, **kwargs):
    """Register one answer for DELETE .../Call/{uuid}/ (resource "Call") or .../Request/{uuid}/ ("Request"); 204 without a body."""
    if status == 404 and not kwargs:
        kwargs["json"] = PLIVO_NOT_FOUND
    return rsps.add(responses.DELETE, "%s/%s/%s/" % (ACCOUNT_URL, resource, uuid), status=status, **kwargs)


def add_list(rsps, state: str, call_uuids=None, status: int = 200, **kwargs):
    """Register one answer for GET .../Call/?status=state."""
    if call_uuids is not None:
        kwargs["json"] = {"api_id": "list-%s" % state, "calls": list(call_uuids)}
    return rsps.add(responses.GET, LIST_URL, status=status, match=[matchers.query_param_matcher({"status": state})], **kwargs)


def request_of(state: str, call_uuid: str = UUID) -> tuple:
    """A request for one call as requested() shows it."""
    return ("Call/%s/" % call_uuid, None if state == "ended" else state)


probe = request_of  # glossary-pending: the old name, for test files another branch changes now (scripts/check-glossary.py)


def requested(rsps, with_method: bool = False) -> list:
    """The requests sent, as (path below the account, status parameter or None), the method first when asked."""
    seen = []
    for call in rsps.calls:
        parts = urlsplit(call.request.url)
        prefix = urlsplit(ACCOUNT_URL).path + "/"
        path = parts.path[len(prefix):] if parts.path.startswith(prefix) else parts.path
        status = parse_qs(parts.query).get("status")
        seen.append(((call.request.method,) if with_method else ()) + (path, status[0] if status else None))
    return seen


def live_record(call_uuid: str, call_status: str = "in-progress", **extra) -> dict:
    record = {
        "api_id": "c9cab827-d7e6-4ab8-b521-f29e593a1c26",
        "call_status": call_status,
        "call_uuid": call_uuid,
        "caller_name": "",
        "direction": "outbound",
        "from": "919262171438",
        "request_uuid": call_uuid,
        "session_start": "2026-06-11 16:03:28.586839",
        "stir_attestation": "Not Applicable",
        "stir_verification": "Not Applicable",
        "to": "919148227303",
    }
    record.update(extra)
    return record


def plivo_entry(call_uuid: str = UUID, call_state: str = "ACTIVE", **extra) -> dict:
    """One entry of the wrapped form, as in the other published version of Vobiz's page."""
    entry = {
        "answer_time": "2014-10-15 09:03:43", "bill_duration": None, "billed_duration": None, "call_direction": "outbound",
        "call_duration": 180, "call_state": call_state, "call_uuid": call_uuid, "conference_uuid": None, "end_time": None,
        "from_number": "+14156667777", "initiation_time": "2014-10-15 09:03:38", "parent_call_uuid": None,
        "hangup_cause_code": None, "hangup_cause_name": None, "hangup_source": None, "to_number": "+14156667778",
        "total_amount": None, "total_rate": None, "stir_verification": "verified", "stir_attestation": "A", "source_ip": "1.1.1.1",
    }
    entry.update(extra)
    return entry


def wrapped(*entries) -> dict:
    """The older, Plivo-style answer of the live and queued lookups: the records inside an api_id wrapper."""
    return {"api_id": "c8b427f6-58ce-11e1-86da-adf28403fe48", "calls": list(entries)}


def cdr_record(call_uuid: str) -> dict:
    return {"call_uuid": call_uuid, "call_status": "completed", "call_duration": 42, "hangup_cause_name": "NORMAL_CLEARING",
            "bill_duration": 60, "total_amount": "0.01200"}


class CallWorld:
    """A fake Vobiz whose calls change state with the fake clock: timeline maps a uuid to [(from_second, state, call_status)]."""

    def __init__(self, clock, timeline: dict, lists: list | None = None):
        self.clock = clock
        self.timeline = timeline
        self.lists = lists or []  # [(from_second, [uuids])] for GET .../Call/?status=live

    def _now(self, entries):
        current = None
        for entry in entries:
            if entry[0] <= self.clock.elapsed:
                current = entry
        return current

    def answer(self, request):
        parts = urlsplit(request.url)
        status = parse_qs(parts.query).get("status", [None])[0]
        uuid = parts.path.split("/Call/")[1].strip("/")
        if not uuid:
            return 200, {}, json.dumps({"api_id": "l", "calls": self._now(self.lists)[1]})
        entry = self._now(self.timeline.get(uuid, []))
        state, call_status = (entry[1], entry[2]) if entry else (None, None)
        if status is None and state == "ended":
            return 200, {}, json.dumps(cdr_record(uuid))
        if status is not None and state == status:
            return 200, {}, json.dumps(live_record(uuid, call_status))
        return 404, {}, json.dumps({"error": "call not found", "call_uuid": uuid})

    def install(self, mocked):
        mocked.add_callback(responses.GET, re.compile(re.escape(ACCOUNT_URL) + r"/Call/.*"), callback=self.answer)


class FakeClock:
    """Stands in for the time module: monotonic() and time() only move when sleep() is called.

    sleep() refuses what time.sleep refuses (negative or NaN), records each delay (and, in sleepers, which thread asked for it),
    and calls on_sleep(seconds) so that a test can move the world on while the code under test waits.
    """

    EPOCH = 1_800_000_000.0

    def __init__(self):
        self.elapsed = 0.0
        self.sleeps = []
        self.sleepers = []
        self.on_sleep = None
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return 1000.0 + self.elapsed

    def time(self) -> float:
        with self._lock:
            return self.EPOCH + self.elapsed

    def sleep(self, seconds: float) -> None:
        if math.isnan(seconds) or seconds < 0:
            raise ValueError("sleep length must be non-negative")
        with self._lock:
            self.sleeps.append(seconds)
            self.sleepers.append((threading.current_thread().name, seconds))
        if self.on_sleep is not None:
            self.on_sleep(seconds)
        with self._lock:
            self.elapsed += seconds

    def during_first_main_sleep(self, name: str, work) -> None:
        """The first sleep of the main thread runs `work` in a thread named `name` and waits for it (10 s at most):
        what another thread of the same client does while the main one holds back."""
        started = []

        def on_sleep(_seconds):
            if threading.current_thread().name == "MainThread" and not started:
                started.append(threading.Thread(target=work, name=name))
                started[0].start()
                started[0].join(10)

        self.on_sleep = on_sleep


class Jitter:
    """Stands in for the random module: uniform(a, b) is recorded and returns b (or a when low is set)."""

    def __init__(self):
        self.calls = []
        self.low = False

    def uniform(self, a: float, b: float) -> float:
        self.calls.append((a, b))
        return a if self.low else b


class ModuleRun:
    def __init__(self, result: dict, rc, stdout: str):
        self.result = result
        self.rc = rc
        self.stdout = stdout

    @property
    def failed(self) -> bool:
        return self.rc == 1 and self.result.get("failed") is True

    @property
    def warnings(self) -> list:
        """The warnings' texts (ansible-core 2.19 sends each one as a WarningSummary with an event)."""
        texts = []
        for warning in self.result.get("warnings", []):
            texts.append(warning if isinstance(warning, str) else warning["event"]["msg"])
        return texts


class DroppedBody(io.BufferedReader):
    """An answer's body (responses' `body`) whose connection is reset before its first byte arrives."""

    def __init__(self):
        super().__init__(io.BytesIO(b"{}"))

    def read(self, *args):
        raise ConnectionResetError(104, "Connection reset by peer")

    read1 = read
    readinto = read


class StalledBody(io.BufferedReader):
    """An answer's body (responses' `body`) that stops coming: its read times out."""

    def __init__(self):
        super().__init__(io.BytesIO(b"{}"))

    def read(self, *args):
        raise TimeoutError("timed out")

    read1 = read
    readinto = read
