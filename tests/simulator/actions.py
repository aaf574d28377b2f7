"""The live-call actions (reference: vobiz-api-next.md section 6, vobiz-api-config.md section 4) on a call in progress:
Speak, Play, DTMF, Record (POST starts, DELETE stops) and the transfer (POST on the call). Every request a call gets is
kept, in order, for GET /_sim/calls/{uuid}/actions. A call not in progress answers 404 {"api_id", "error"}; a transfer
makes the call's flow drop the XML it follows for the new URL's (call_flow.py); a record makes a recording object
(recordings.py)."""

from __future__ import annotations

import json
import re
import time

from . import callbacks
from .call_flow import CallEnded, CallFlow, CallUrls, Stopped
from .replies import Reply, json_reply, new_api_id, plivo_not_found
from .scenario import ANSWERED_STATUS

# The path segment after the call -> the action; a POST on the call itself is a transfer.
ACTION_SEGMENTS = {"Speak": "speak", "Play": "play", "DTMF": "dtmf", "Record": "record"}
STARTED = {"speak": (202, "speak started"), "play": (202, "play started"), "dtmf": (202, "digits sent"),
           "transfer": (202, "call transferred"), "record": (200, "recording started")}
DIGITS = re.compile(r"\A[0-9*#wW]+\Z")
LEG_URLS = {"aleg": ("aleg_url",), "bleg": ("bleg_url",), "both": ("aleg_url", "bleg_url")}


def body_error(action: str, body) -> str | None:
    """Why Vobiz refuses the body (400), or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    if action == "speak" and (not isinstance(body.get("text"), str) or not body["text"].strip()):
        return "text is required"
    if action == "play" and not (isinstance(body.get("urls"), (str, list)) and body["urls"]):
        return "urls is required"
    if action == "dtmf" and not (isinstance(body.get("digits"), str) and DIGITS.match(body["digits"])):
        return "digits must be 0-9, *, #, w or W"
    if action == "transfer":
        legs = body.get("legs", "aleg")
        if legs not in LEG_URLS:
            return "legs must be aleg, bleg or both"
        missing = [name for name in LEG_URLS[legs] if not body.get(name)]
        if missing:
            return f"{missing[0]} is required for legs {legs}"
    return None


class TransferFlow(CallFlow):
    """The flow of a transferred call that had none (a scenario's call, or one placed without a URL the simulator
    calls): connected from now, its first XML the transfer's. No hangup_url: nothing is told of the end."""

    def __init__(self, state, call, url_method: tuple, token: str):
        none = (None, "POST")
        super().__init__(state, call, CallUrls(none, none, none, none), token, None, 0.0)
        self.answered_at = time.monotonic()
        self.transfer_to = url_method

    def run(self) -> None:
        try:
            self._connected(None)
        except (Stopped, CallEnded):
            pass
        self._leave()


def transfer(state, call, url_method: tuple, token: str) -> TransferFlow | None:
    """Hand the call's flow the transfer (the caller holds state.lock): it drops its XML for the new URL's. A call whose
    flow has left it, or that has none, gets a new flow, returned to be started once the lock is released."""
    flow = state.flows.get(call.call_uuid)
    if flow is not None and flow.transfer(url_method):
        return None
    flow = state.flows[call.call_uuid] = TransferFlow(state, call, url_method, token)
    return flow


def answer_action(state, auth_id: str, call_uuid: str, segment: str | None, method: str, raw_body: bytes) -> Reply:
    """POST or DELETE of one action on one call; `segment` is the path's after the call (None: a transfer)."""
    action = ACTION_SEGMENTS[segment] if segment else "transfer"
    try:
        body = json.loads(raw_body) if raw_body.strip() else None
    except ValueError:
        body = raw_body.decode("utf-8", "replace")
    flow = None
    with state.lock:
        now = time.monotonic()
        call = state.find_call(auth_id, call_uuid)
        if call is None or call.status_at(now) != ANSWERED_STATUS:
            return plivo_not_found()
        entry = {"action": action, "method": method, "body": body, "time": now}
        if method == "DELETE":
            state.call_actions.setdefault(call_uuid, []).append(entry)
            return Reply(status=204)
        error = body_error(action, body)
        if error:
            return json_reply(400, {"api_id": new_api_id(), "error": error})
        state.call_actions.setdefault(call_uuid, []).append(entry)
        status, message = STARTED[action]
        answer = {"api_id": new_api_id(), "message": message}
        if action == "transfer":
            answer["call_uuid"] = call_uuid
            legs = body.get("legs", "aleg")
            if legs in ("aleg", "both") and callbacks.may_call(body["aleg_url"]):  # loopback URLs only, as every callback
                flow = transfer(state, call, (body["aleg_url"], str(body.get("aleg_method") or "POST")), state.accounts[auth_id].auth_token)
        if action == "record":
            recording = state.recordings.add(auth_id, call_uuid, file_format=str(body.get("file_format") or "mp3"),
                                             from_number=call.from_number, to_number=call.to_number)
            answer.update(recording_id=recording["recording_id"], url=recording["recording_url"])
    if flow is not None:  # in its own thread: the callbacks never hold up this answer
        flow.start()
    return json_reply(status, answer)
