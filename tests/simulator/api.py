"""The simulated Vobiz call endpoints under /api/v1: routing, authentication, the call records, hanging up and cancelling,
and the live-call actions (actions.py)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import unquote

from .actions import ACTION_SEGMENTS, answer_action
from .placing import place
from .cdr import answer_cdr, parse_cdr_path
from .config_api import allowed_methods, parse_config_path
from .recordings import MEDIA_PREFIX
from .replies import Reply, envelope_reply, json_reply, new_api_id, plivo_not_found
from .scenario import QUEUED_STATUS, TERMINAL_STATUSES
from .state import SimulatorState

API_PREFIX = "/api/v1"
QUEUED_LIST_CAP = 20  # Vobiz documents at most 20 uuids and no paging for queued calls
# what the finalized record of a call hung up or cancelled through the API says about its end
ENDED_BY_API = {"hangup_source": "API", "hangup_cause_name": "NORMAL_CLEARING", "hangup_cause_code": 4000}
# the methods each kind of path answers; anything else is 405
ALLOWED_METHODS = {"list": ("GET", "POST"), "Call": ("GET", "DELETE", "POST"), "Request": ("DELETE",), "action": ("POST", "DELETE")}


@dataclass
class ApiRoute:
    auth_id: str
    call_uuid: str | None  # None: the list endpoint; for /Request/{request_uuid}/, the request uuid
    resource: str = "Call"  # or "Request" (cancelling a queued call)
    action: str | None = None  # a live-call action's segment after the call (Speak, Play, DTMF, Record)


def parse_api_path(path: str) -> ApiRoute | None:
    """Match /api/v1/Account/{auth_id}/Call[/{call_uuid}[/{action}]][/] and /api/v1/Account/{auth_id}/Request/{request_uuid}[/];
    segments are percent-decoded after splitting."""
    if not path.startswith(API_PREFIX + "/"):
        return None
    segments = path[len(API_PREFIX) + 1:].split("/")
    if segments and segments[-1] == "":
        segments.pop()  # the trailing slash is optional
    segments = [unquote(segment) for segment in segments]
    if len(segments) == 5 and segments[2] == "Call" and segments[4] in ACTION_SEGMENTS and segments[1] and segments[3]:
        return ApiRoute(auth_id=segments[1], call_uuid=segments[3], action=segments[4])
    if len(segments) not in (3, 4) or segments[0] != "Account" or segments[2] not in ("Call", "Request") or not segments[1]:
        return None
    if len(segments) == 3:
        return ApiRoute(auth_id=segments[1], call_uuid=None) if segments[2] == "Call" else None
    return ApiRoute(auth_id=segments[1], call_uuid=segments[3], resource=segments[2]) if segments[3] else None


def is_live(status: str | None) -> bool:
    return status is not None and status != QUEUED_STATUS and status not in TERMINAL_STATUSES


def _authenticate(state: SimulatorState, headers, request_id: str) -> tuple[str | None, Reply | None]:
    """The caller's auth_id, or the error reply to send instead."""
    auth_id = headers.get("X-Auth-ID")
    token = headers.get("X-Auth-Token")
    with state.lock:
        account = state.accounts.get(auth_id or "")
    if account is None or not token or token != account.auth_token:
        return None, envelope_reply(401, request_id, "INVALID_CREDENTIALS", "Invalid auth credentials")
    if account.inactive:
        return None, envelope_reply(403, request_id, "ACCOUNT_INACTIVE", "Account is inactive")
    return account.auth_id, None


def _wrapped(records: list) -> dict:
    """The older Plivo-style answer: the records inside an api_id wrapper."""
    return {"api_id": new_api_id(), "calls": records}


def _one_call(state: SimulatorState, route: ApiRoute, status_query: str | None) -> Reply:
    now = time.monotonic()
    call = state.find_call(route.auth_id, route.call_uuid)
    entry = call.entry_at(now) if call else None
    if status_query in ("live", "queued"):
        in_state = entry is not None and (is_live(entry.status) if status_query == "live" else entry.status == QUEUED_STATUS)
        if not in_state:
            return plivo_not_found()
        if state.response_style(route.auth_id) == "wrapped":
            return json_reply(200, _wrapped([call.wrapped_record(entry.status, now)]))
        if status_query == "live":
            return json_reply(200, call.live_record(entry.status, new_api_id()))
        return json_reply(200, call.queued_record(new_api_id()))
    if entry is None or entry.status not in TERMINAL_STATUSES:
        return json_reply(404, {"error": "call not found", "call_uuid": route.call_uuid})
    return json_reply(200, call.cdr_record(entry))


def _hang_up(state: SimulatorState, route: ApiRoute) -> Reply:
    """DELETE .../Call/{call_uuid}/: a live call is completed now, hung up by the API; 404 when it is not live."""
    with state.lock:
        now = time.monotonic()
        call = state.find_call(route.auth_id, route.call_uuid)
        if call is None or not is_live(call.status_at(now)):
            return plivo_not_found()
        call.set_status("completed", now, ENDED_BY_API)
    return Reply(status=204)


def _cancel_request(state: SimulatorState, route: ApiRoute) -> Reply:
    """DELETE .../Request/{request_uuid}/: the call queued under that request is canceled now; 404 when none is."""
    with state.lock:
        now = time.monotonic()
        call = state.find_queued_request(route.auth_id, route.call_uuid, now)
        if call is None:
            return plivo_not_found()
        call.set_status("canceled", now, ENDED_BY_API)
    return Reply(status=204)


def _call_list(state: SimulatorState, route: ApiRoute, status_query: str) -> Reply:
    now = time.monotonic()
    if status_query == "live":
        listed = [call for call in state.account_calls(route.auth_id) if is_live(call.status_at(now))]
    else:
        listed = [call for call in state.account_calls(route.auth_id) if call.status_at(now) == QUEUED_STATUS]
        listed = listed[:QUEUED_LIST_CAP]
    if state.response_style(route.auth_id) == "wrapped":  # records with a call_uuid, as other Plivo-style APIs list them
        return json_reply(200, _wrapped([call.wrapped_record(call.status_at(now), now) for call in listed]))
    return json_reply(200, {"api_id": new_api_id(), "calls": [call.call_uuid for call in listed]})


def _answer_cdr(state: SimulatorState, method: str, cdr_route: tuple, query: dict, headers, request_id: str) -> Reply:
    """GET .../cdr, .../cdr/export and .../cdr/{call_id} (see cdr.py)."""
    if method != "GET":
        return envelope_reply(405, request_id, "METHOD_NOT_ALLOWED", f"{method} is not allowed here", headers={"Allow": "GET"})
    caller, refusal = _authenticate(state, headers, request_id)
    if refusal is not None:
        return refusal
    now = time.monotonic()
    state.start_held_timelines(caller, now)
    auth_id, rest = cdr_route
    if auth_id != caller:
        return envelope_reply(403, request_id, "FORBIDDEN", "The auth_id in the path is not the caller's")
    with state.lock:
        return answer_cdr(state.account_calls(auth_id), auth_id, rest, query, now, request_id)


def _answer_config(state: SimulatorState, method: str, route, query: dict, headers, request_id: str, body: bytes) -> Reply:
    """The applications and the numbers (config_api.py)."""
    allowed = allowed_methods(route)
    if method not in allowed:
        return envelope_reply(405, request_id, "METHOD_NOT_ALLOWED", f"{method} is not allowed here", headers={"Allow": ", ".join(allowed)})
    caller, refusal = _authenticate(state, headers, request_id)
    if refusal is not None:
        return refusal
    if route.auth_id != caller:
        return envelope_reply(403, request_id, "FORBIDDEN", "The auth_id in the path is not the caller's")
    try:
        decoded = json.loads(body) if body.strip() else None
    except ValueError:
        decoded = body
    with state.lock:
        return state.config.answer(route, method, query, decoded)


def parse_recording_path(path: str) -> tuple[str, str | None] | None:
    """(auth_id, recording_id or None for the list) of /api/v1/Account/{auth_id}/Recording[/{recording_id}][/]."""
    segments = [unquote(segment) for segment in path[len(API_PREFIX) + 1:].rstrip("/").split("/")]
    if len(segments) in (3, 4) and segments[0] == "Account" and segments[1] and segments[2] == "Recording":
        return segments[1], (segments[3] or None) if len(segments) == 4 else None
    return None


def _answer_recordings(state: SimulatorState, method: str, route: tuple, query: dict, headers, request_id: str) -> Reply:
    """The recordings (recordings.py): GET the list, GET or DELETE one."""
    auth_id, recording_id = route
    allowed = ("GET",) if recording_id is None else ("GET", "DELETE")
    if method not in allowed:
        return envelope_reply(405, request_id, "METHOD_NOT_ALLOWED", f"{method} is not allowed here", headers={"Allow": ", ".join(allowed)})
    caller, refusal = _authenticate(state, headers, request_id)
    if refusal is not None:
        return refusal
    if auth_id != caller:
        return envelope_reply(403, request_id, "FORBIDDEN", "The auth_id in the path is not the caller's")
    with state.lock:
        return state.recordings.answer(auth_id, recording_id, method, query)


def answer_api(state: SimulatorState, method: str, path: str, status_query: str | None, headers, request_id: str,
               query: dict | None = None, body: bytes = b"") -> Reply:
    """Answer one API request; `status_query` is the status parameter's value, None when absent; `query` every
    parameter (its first value); `body` a POST's."""
    if path.startswith(MEDIA_PREFIX):
        with state.lock:
            return state.recordings.media(method, path)
    if not path.startswith(API_PREFIX + "/"):
        return envelope_reply(404, request_id, "NOT_FOUND", f"No such resource: {path}")
    recording_route = parse_recording_path(path)
    if recording_route is not None:
        return _answer_recordings(state, method, recording_route, query or {}, headers, request_id)
    config_route = parse_config_path(path, API_PREFIX)
    if config_route is not None:
        return _answer_config(state, method, config_route, query or {}, headers, request_id, body)
    cdr_route = parse_cdr_path(path, API_PREFIX)
    if cdr_route is not None:
        return _answer_cdr(state, method, cdr_route, query or {}, headers, request_id)
    route = parse_api_path(path)
    kind = "list" if route is None or route.call_uuid is None else "action" if route.action else route.resource
    allowed = ALLOWED_METHODS[kind]
    if method not in allowed:
        return envelope_reply(405, request_id, "METHOD_NOT_ALLOWED", f"{method} is not allowed here", headers={"Allow": ", ".join(allowed)})
    caller, refusal = _authenticate(state, headers, request_id)
    if refusal is not None:
        return refusal
    state.start_held_timelines(caller, time.monotonic())
    if route is None:
        return envelope_reply(404, request_id, "NOT_FOUND", f"No such resource: {path}")
    if route.auth_id != caller:
        return envelope_reply(403, request_id, "FORBIDDEN", "The auth_id in the path is not the caller's")
    if route.action is not None or (method == "POST" and route.call_uuid is not None):  # a live-call action (actions.py)
        return answer_action(state, caller, route.call_uuid, route.action, method, body)
    if method == "POST":
        return place(state, caller, body, request_id)
    if method == "DELETE":
        return _hang_up(state, route) if route.resource == "Call" else _cancel_request(state, route)
    if status_query not in (None, "live", "queued"):
        return envelope_reply(400, request_id, "INVALID_PARAMETER", "status must be 'live' or 'queued'")
    if route.call_uuid is not None:
        return _one_call(state, route, status_query)
    if status_query is None:
        return envelope_reply(400, request_id, "INVALID_PARAMETER", "listing calls needs status=live or status=queued")
    return _call_list(state, route, status_query)
