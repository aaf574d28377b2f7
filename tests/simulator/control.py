"""The control API under /_sim/: tests drive the simulator with it (no auth, no latency, not recorded)."""

from __future__ import annotations

import time
from urllib.parse import unquote

from .inbound import ring
from .placing import parse_dial_rules
from .replies import Reply, json_reply
from .scenario import wall_time
from .state import SimulatorState

CONTROL_PREFIX = "/_sim/"


def _change_status(state: SimulatorState, call_uuid: str, body: dict) -> Reply:
    if not isinstance(body.get("status"), str) or not body["status"]:
        return json_reply(400, {"error": "'status' (a string) is required"})
    with state.lock:
        call = state.calls.get(call_uuid)
        if call is None:
            return json_reply(404, {"error": "unknown call", "call_uuid": call_uuid})
        now = time.monotonic()
        call.set_status(body["status"], now, body.get("cdr"), bool(body.get("keep_future", False)))
    return json_reply(200, {"call_uuid": call_uuid, "status": body["status"], "monotonic": now, "wall": wall_time(now)})


def _calls(state: SimulatorState, method: str, body: dict) -> Reply:
    if method == "GET":
        now = time.monotonic()
        with state.lock:
            return json_reply(200, {"calls": [call.describe(now) for call in state.calls.values()]})
    if method == "DELETE":
        with state.lock:
            deleted = len(state.calls)
            state.calls.clear()
            state.held_calls.clear()
        return json_reply(200, {"deleted": deleted})
    now = time.monotonic()
    uuids = state.generate_calls(body["generate"] or {}, now) if "generate" in body else state.add_calls(body.get("calls", []), now)
    return json_reply(200, {"call_uuids": uuids, "created_at_monotonic": now})


def _faults(state: SimulatorState, method: str, body: dict) -> Reply:
    if method == "GET":
        with state.lock:
            return json_reply(200, {"faults": [fault.describe() for fault in state.faults]})
    if method == "DELETE":
        with state.lock:
            deleted = len(state.faults)
            state.faults.clear()
        return json_reply(200, {"deleted": deleted})
    fault = state.add_fault(body)
    return json_reply(200, {"id": fault.fault_id})


def _requests(state: SimulatorState, method: str) -> Reply:
    with state.lock:
        if method == "DELETE":
            cleared = [dict(entry) for entry in state.requests]  # what was cleared, so that a playbook reads and clears in one request
            state.requests.clear()
            return json_reply(200, {"deleted": len(cleared), "requests": cleared})
        return json_reply(200, [dict(entry) for entry in state.requests])


def _latency(state: SimulatorState, body: dict) -> Reply:
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        return json_reply(400, {"error": "'seconds' must be a non-negative number"})
    with state.lock:
        state.latency = float(seconds)
    return json_reply(200, {"seconds": state.latency})


def _dial_rules(state: SimulatorState, method: str, body: dict) -> Reply:
    if method == "POST":
        rules = parse_dial_rules(body.get("rules"))
        with state.lock:
            state.dial_rules = rules
    with state.lock:
        return json_reply(200, {"rules": [rule.describe() for rule in state.dial_rules]})


def _callbacks(state: SimulatorState, method: str, call_uuid: str | None) -> Reply:
    if method == "DELETE":
        return json_reply(200, {"deleted": state.callback_log.clear()})
    return json_reply(200, state.callback_log.snapshot(call_uuid))


def _config(state: SimulatorState, method: str, name: str, body: dict) -> Reply:
    """GET: every application (with its account and default_number_app), owned number or inventory number; POST: adds
    some (scenario form); numbers also take `number_paging` ({auth_id: "page" or "offset"})."""
    with state.lock:
        if method == "POST":
            adders = {"applications": state.config.add_applications, "numbers": state.config.add_numbers, "inventory": state.config.add_inventory}
            added = adders[name](body.get(name, []))
            if name == "numbers" and body.get("number_paging"):
                state.config.set_paging(body["number_paging"])
            return json_reply(200, {"added": added})
        return json_reply(200, {name: state.config.describe()[name]})


def _recordings(state: SimulatorState, method: str, body: dict) -> Reply:
    """GET: every recording still there (with its account, media format and size); POST: adds some (scenario form:
    `recordings`, a list, or `generate`)."""
    with state.lock:
        if method == "POST":
            added = state.recordings.generate(body["generate"]) if "generate" in body else state.recordings.add_raws(body.get("recordings", []))
            return json_reply(200, {"recording_ids": added})
        return json_reply(200, {"recordings": state.recordings.describe()})


def _reset(state: SimulatorState) -> Reply:
    state.reset()
    return json_reply(200, {"ok": True})


def _route(state: SimulatorState, method: str, name: str, body: dict) -> Reply | None:
    """The reply for a known (method, path), else None."""
    simple = {
        ("GET", "health"): lambda: json_reply(200, {"ok": True}),
        ("GET", "stats"): lambda: json_reply(200, state.stats()),
        ("POST", "reset"): lambda: _reset(state),
        ("POST", "accounts"): lambda: json_reply(200, {"auth_id": state.add_account(body).auth_id}),
        ("POST", "latency"): lambda: _latency(state, body),
        ("POST", "inbound"): lambda: ring(state, body),
    }
    if (method, name) in simple:
        return simple[(method, name)]()
    if name == "calls" and method in ("GET", "POST", "DELETE"):
        return _calls(state, method, body)
    if name == "faults" and method in ("GET", "POST", "DELETE"):
        return _faults(state, method, body)
    if name == "dial_rules" and method in ("GET", "POST"):
        return _dial_rules(state, method, body)
    if name in ("applications", "numbers", "inventory") and method in ("GET", "POST"):
        return _config(state, method, name, body)
    if name == "recordings" and method in ("GET", "POST"):
        return _recordings(state, method, body)
    if name == "requests" and method in ("GET", "DELETE"):
        return _requests(state, method)
    parts = name.split("/")
    if parts[0] == "callbacks" and len(parts) <= 2 and method in ("GET", "DELETE"):
        return _callbacks(state, method, unquote(parts[1]) if len(parts) == 2 and method == "GET" else None)
    if len(parts) == 3 and parts[0] == "calls" and parts[2] == "actions" and method == "GET":
        with state.lock:
            actions = [dict(entry) for entry in state.call_actions.get(unquote(parts[1]), [])]
        return json_reply(200, {"call_uuid": unquote(parts[1]), "actions": actions})
    if len(parts) == 3 and parts[0] == "calls" and parts[2] == "status" and method == "POST":
        return _change_status(state, unquote(parts[1]), body)
    return None


def answer_control(state: SimulatorState, method: str, path: str, body) -> Reply:
    name = path[len(CONTROL_PREFIX):].strip("/")
    if not isinstance(body, dict):
        return json_reply(400, {"error": "the body must be a JSON object"})
    try:
        reply = _route(state, method, name, body)
    except (ValueError, TypeError) as error:  # a bad definition from the test: say why
        return json_reply(400, {"error": str(error)})
    return reply if reply is not None else json_reply(404, {"error": f"no control endpoint {method} {path}"})
