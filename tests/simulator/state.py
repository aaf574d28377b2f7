"""Everything the simulator remembers, behind one lock: accounts, calls, faults, recorded requests."""

from __future__ import annotations

import collections
import threading
import time

from .callbacks import CallbackLog
from .config_api import ConfigStore
from .faults import Fault, parse_fault
from .placing import DialRule, parse_dial_rules
from .recordings import RecordingStore
from .scenario import QUEUED_STATUS, Account, Call, ScenarioError, parse_account, parse_call, read_scenario

MAX_GENERATED_CALLS = 200_000
MAX_RECORDED_REQUESTS = 100_000  # the oldest go first, so long benchmarks do not grow without bound


class SimulatorState:
    def __init__(self, scenario=None, latency: float = 0.0):
        self.lock = threading.RLock()
        self.scenario = read_scenario(scenario)
        self.initial_latency = float(latency)
        self.latency = self.initial_latency
        self.accounts: dict[str, Account] = {}
        self.calls: dict[str, Call] = {}
        self.faults: list[Fault] = []
        self.held_calls: dict[str, list[Call]] = {}  # auth_id -> calls whose timeline waits for that account's first request
        self.requests: collections.deque[dict] = collections.deque(maxlen=MAX_RECORDED_REQUESTS)
        self.dial_rules: list[DialRule] = []  # what placed calls do, by destination (placing.py)
        self.placed_at: dict[str, list[float]] = {}  # auth_id -> when each POST .../Call/ placed calls (the per-second limit)
        self.callback_log = CallbackLog()  # every callback sent and every XML step of placed calls (callbacks.py)
        self.flows_stop = threading.Event()  # set on reset and stop: the placed calls' flows end (call_flow.py)
        self.connections_accepted = 0
        self.api_connections = 0
        self.open_connections = 0
        self._fault_counter = 0
        self.origin = "http://127.0.0.1:0"  # the served origin (Simulator.start), for the recordings' media URLs
        self.reset()

    def reset(self) -> None:
        """Back to the loaded scenario, its timelines restarting now; no faults, no recorded requests."""
        with self.lock:
            now = time.monotonic()
            self.latency = self.initial_latency
            self.accounts = {}
            for raw in self.scenario.get("accounts") or []:
                account = parse_account(raw)
                self.accounts[account.auth_id] = account
            self.calls = {}
            self.held_calls = {}
            self.add_calls(self.scenario.get("calls") or [], now)
            self.faults = []
            self.requests.clear()
            self.dial_rules = parse_dial_rules(self.scenario.get("dial_rules") or [])
            self.placed_at = {}
            self.stop_flows()
            self.flows_stop = threading.Event()
            self.flows: dict = {}  # call_uuid -> the flow following the call's XML (call_flow.py); a transfer hands it the new URL
            self.callback_log.clear()
            self.call_actions: dict[str, list[dict]] = {}  # call_uuid -> every live-call action it got, in order (actions.py)
            try:  # the applications and numbers of the scenario (config_api.py), its recordings (recordings.py)
                self.config = ConfigStore(self.scenario, list(self.accounts))
                self.recordings = RecordingStore(self.scenario.get("recordings") or [], list(self.accounts), lambda: self.origin)
            except ValueError as error:
                raise ScenarioError(str(error)) from None

    def stop_flows(self) -> None:
        """The placed calls' flows send nothing more and end (their threads wake at once)."""
        self.flows_stop.set()

    # accounts and calls

    def add_account(self, raw: dict) -> Account:
        account = parse_account(raw)
        with self.lock:
            self.accounts[account.auth_id] = account
        return account

    def _default_account(self) -> str | None:
        return next(iter(self.accounts), None)

    def add_calls(self, raws: list, base: float) -> list[str]:
        """Parse every call first, so that one bad call adds none."""
        if not isinstance(raws, list):
            raise ScenarioError("'calls' must be a list")
        with self.lock:
            calls = [parse_call(raw, base, self._default_account()) for raw in raws]
            for call in calls:
                if call.account not in self.accounts:
                    raise ScenarioError(f"call {call.call_uuid}: unknown account {call.account}")
            for call in calls:
                # a reused uuid replaces the old call and moves to the end of the creation order
                self.calls.pop(call.call_uuid, None)
                self.calls[call.call_uuid] = call
                if call.held_since is not None:
                    self.held_calls.setdefault(call.account, []).append(call)
            return [call.call_uuid for call in calls]

    def generate_calls(self, spec: dict, base: float) -> list[str]:
        count = spec.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_GENERATED_CALLS:
            raise ScenarioError(f"'count' must be an integer from 0 to {MAX_GENERATED_CALLS}")
        prefix = str(spec.get("prefix", "gen-"))
        start = int(spec.get("start", 0))
        template = {"status": str(spec.get("status", "in-progress")), "direction": str(spec.get("direction", "outbound"))}
        cdr = dict(spec.get("cdr") or {})
        raws = []
        for index in range(start, start + count):
            raw = {
                "call_uuid": f"{prefix}{index:06d}",
                "from": f"9180{index % 100_000_000:08d}",
                "to": f"9199{index % 100_000_000:08d}",
                "direction": template["direction"],
                "timeline": [{"at": 0, "status": template["status"]}],
            }
            if cdr:
                raw["cdr"] = cdr
            if spec.get("account"):
                raw["account"] = spec["account"]
            raws.append(raw)
        return self.add_calls(raws, base)

    def start_held_timelines(self, auth_id: str, now: float) -> None:
        """An API request of this account arrived: the timelines that waited for it start now."""
        with self.lock:
            for call in self.held_calls.pop(auth_id, []):
                call.start_timeline(now)

    def find_call(self, auth_id: str, call_uuid: str) -> Call | None:
        """A call of that account (calls of other accounts stay invisible)."""
        with self.lock:
            call = self.calls.get(call_uuid)
        return call if call is not None and call.account == auth_id else None

    def find_queued_request(self, auth_id: str, request_uuid: str, now: float) -> Call | None:
        """The call of that account queued at `now` under this request uuid (a call's own uuid when it has none)."""
        with self.lock:
            for call in self.calls.values():
                if call.account == auth_id and (call.request_uuid or call.call_uuid) == request_uuid and call.status_at(now) == QUEUED_STATUS:
                    return call
        return None

    def response_style(self, auth_id: str) -> str:
        """How this account's live and queued answers look: flat or wrapped."""
        with self.lock:
            account = self.accounts.get(auth_id)
        return account.response_style if account else "flat"

    def account_calls(self, auth_id: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls.values() if call.account == auth_id]

    # faults

    def add_fault(self, spec: dict) -> Fault:
        with self.lock:
            self._fault_counter += 1
            fault = parse_fault(spec, f"f{self._fault_counter}")
            self.faults.append(fault)
        return fault

    def take_fault(self, path: str, call_uuid: str | None, status_query: str, method: str = "GET") -> Fault | None:
        """The first fault matching the request, consumed atomically so `times` is exact under concurrency."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(path, call_uuid, status_query, method):
                    fault.consume()
                    if fault.expired:
                        self.faults.remove(fault)
                    return fault
        return None

    # recording and statistics

    def record(self, entry: dict) -> dict:
        with self.lock:
            self.requests.append(entry)
        return entry

    def count_connection(self) -> None:
        with self.lock:
            self.connections_accepted += 1
            self.open_connections += 1

    def count_closed_connection(self) -> None:
        with self.lock:
            self.open_connections -= 1

    def count_api_connection(self) -> None:
        with self.lock:
            self.api_connections += 1

    def stats(self) -> dict:
        with self.lock:
            return {
                "connections_accepted": self.connections_accepted,
                "api_connections": self.api_connections,
                "open_connections": self.open_connections,
                "recorded_requests": len(self.requests),
                "calls": len(self.calls),
                "faults": len(self.faults),
                "latency": self.latency,
            }
