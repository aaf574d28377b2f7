"""Placing calls: POST /Account/{auth_id}/Call/ (reference §1), and the dial rules that script what each placed call does."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass

from .call_flow import CallFlow, CallUrls
from .replies import Reply, envelope_reply, json_reply, new_api_id
from .scenario import ScenarioError

MAX_DESTINATIONS = 1000
E164 = re.compile(r"\A\+?[1-9][0-9]{5,14}\Z")
SIP_URI = re.compile(r"\Asip:[^\s<>@]+@[^\s<>@]+\Z")
URL = re.compile(r"\Ahttps?://[^\s/?#]+\S*\Z")
METHODS = ("GET", "POST")
METHOD_FIELDS = ("answer_method", "ring_method", "hangup_method", "fallback_method", "machine_detection_method")
URL_FIELDS = ("answer_url", "ring_url", "hangup_url", "fallback_url", "machine_detection_url")

OUTCOMES = ("answered", "busy", "no-answer", "failed", "machine")
RULE_KEYS = frozenset({"match", "outcome", "queued", "ring", "talk", "digits", "digits_after"})
DIGITS = re.compile(r"\A[0-9*#]+\Z")
DEFAULT_RULE = {"outcome": "answered", "ring": 1.0, "talk": 5.0}
QUEUED_FOR = 0.2  # seconds a placed call stays queued before it rings, unless its rule says `queued`


@dataclass
class DialRule:
    """What a placed call to a matching destination does: `match` (a regex searched in the destination; None matches
    every one), the outcome, seconds ringing, seconds talking before the callee hangs up (answered or machine), and
    the digits the callee presses `digits_after` seconds after answering (a <Gather> of the answer XML takes them)."""

    match: re.Pattern | None
    outcome: str
    ring: float
    talk: float
    digits: str | None = None
    digits_after: float = 0.0
    queued: float = QUEUED_FOR

    def describe(self) -> dict:
        return {"match": self.match.pattern if self.match else None, "outcome": self.outcome, "queued": self.queued, "ring": self.ring,
                "talk": self.talk, "digits": self.digits, "digits_after": self.digits_after}

    def timeline(self) -> list:
        """The call's timeline, in scenario form (seconds after it was placed)."""
        entries = [{"at": 0, "status": "queued"}]
        if self.outcome == "failed":
            return entries + [{"at": self.queued, "status": "failed"}]
        entries.append({"at": self.queued, "status": "ringing"})
        answered_at = self.queued + self.ring
        if self.outcome in ("busy", "no-answer"):
            return entries + [{"at": answered_at, "status": self.outcome}]
        cdr = {"answered_by": "machine"} if self.outcome == "machine" else {"answered_by": "human"}
        return entries + [{"at": answered_at, "status": "in-progress"}, {"at": answered_at + self.talk, "status": "completed", "cdr": cdr}]


def parse_dial_rule(raw) -> DialRule:
    if not isinstance(raw, dict):
        raise ScenarioError(f"a dial rule must be a mapping: {raw!r}")
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise ScenarioError(f"unknown dial rule keys {sorted(unknown)}")
    outcome = raw.get("outcome", DEFAULT_RULE["outcome"])
    if outcome not in OUTCOMES:
        raise ScenarioError(f"dial rule outcome must be one of {list(OUTCOMES)}, got {outcome!r}")
    try:
        match = re.compile(raw["match"]) if raw.get("match") else None
        ring, talk = float(raw.get("ring", DEFAULT_RULE["ring"])), float(raw.get("talk", DEFAULT_RULE["talk"]))
        digits_after = float(raw.get("digits_after", 0))
        queued = float(raw.get("queued", QUEUED_FOR))
    except (re.error, TypeError, ValueError) as error:
        raise ScenarioError(f"bad dial rule {raw!r}: {error}") from error
    if ring < 0 or talk < 0 or digits_after < 0 or queued < 0:
        raise ScenarioError(f"dial rule 'queued', 'ring', 'talk' and 'digits_after' must not be negative: {raw!r}")
    digits = raw.get("digits")
    if digits is not None and not (isinstance(digits, str) and DIGITS.match(digits)):
        raise ScenarioError(f"dial rule 'digits' must be a string of 0-9, * and #: {raw!r}")
    return DialRule(match, outcome, ring, talk, digits, digits_after, queued)


def parse_dial_rules(raws) -> list:
    if not isinstance(raws, list):
        raise ScenarioError("'dial_rules' must be a list")
    return [parse_dial_rule(raw) for raw in raws]


def rule_for(rules: list, destination: str) -> DialRule:
    """The first rule whose `match` is found in the destination, else the default rule."""
    for rule in rules:
        if rule.match is None or rule.match.search(destination):
            return rule
    return parse_dial_rule(DEFAULT_RULE)


def body_errors(body) -> str | None:
    """Why a POST .../Call/ body is refused (400), naming the field, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    for field in ("from", "to", "answer_url"):
        if not isinstance(body.get(field), str) or not body[field]:
            return f"missing required field: {field}"
    if not E164.match(body["from"]):
        return f"from is not a valid E.164 number: {body['from']!r}"
    destinations = body["to"].split("<")
    if len(destinations) > MAX_DESTINATIONS:
        return f"to has more than {MAX_DESTINATIONS} destinations"
    for destination in destinations:
        if not (E164.match(destination) or SIP_URI.match(destination)):
            return f"to is not a valid E.164 number or SIP URI: {destination!r}"
    for field in URL_FIELDS:
        if field in body and not (isinstance(body[field], str) and URL.match(body[field])):
            return f"{field} is not a valid URL"
    for field in METHOD_FIELDS:
        if field in body and body[field] not in METHODS:
            return f"{field} must be GET or POST"
    return None


def place(state, auth_id: str, raw_body: bytes, request_id: str) -> Reply:
    """POST .../Call/: 402 for an account without balance, 429 past its calls per second, 400 for a bad body; else one
    call per destination ('<'-joined), each following the first dial rule that matches it, and 200 "Call fired"."""
    try:
        body = json.loads(raw_body) if raw_body.strip() else None
    except ValueError:
        body = None
    flows = []
    with state.lock:
        account = state.accounts[auth_id]
        if account.no_balance:
            return envelope_reply(402, request_id, "INSUFFICIENT_BALANCE", "Insufficient balance to place the call")
        now = time.monotonic()
        if account.calls_per_second is not None:
            recent = [at for at in state.placed_at.get(auth_id, []) if at > now - 1.0]
            if len(recent) >= account.calls_per_second:
                return envelope_reply(429, request_id, "RATE_LIMIT_EXCEEDED", "Calls per second limit exceeded", headers={"Retry-After": "1"})
        error = body_errors(body)
        if error:
            return envelope_reply(400, request_id, "INVALID_PARAMETER", error)
        state.placed_at.setdefault(auth_id, []).append(now)
        uuids = []
        urls = CallUrls.from_body(body)
        for destination in body["to"].split("<"):
            call_uuid = str(uuid.uuid4())
            rule = rule_for(state.dial_rules, destination)
            state.add_calls([{"call_uuid": call_uuid, "account": auth_id, "from": body["from"], "to": destination,
                              "caller_name": str(body.get("caller_name") or ""), "direction": "outbound",
                              "timeline": rule.timeline()}], now)
            uuids.append(call_uuid)
            if urls.any_sent():
                flow = state.flows[call_uuid] = CallFlow(state, state.calls[call_uuid], urls, account.auth_token, rule.digits, rule.digits_after)
                flows.append(flow)
    for flow in flows:  # each in its own thread: the callbacks never hold up this answer
        flow.start()
    return json_reply(200, {"api_id": new_api_id(), "message": "Call fired", "request_uuid": uuids[0] if len(uuids) == 1 else uuids})
