"""A call ringing an owned number (control request POST /_sim/inbound): the number's application answers it.

The simulator finds the number (config_api.py's store), its account and its application, adds an inbound call whose
timeline comes from the first dial rule matching the caller's number, and starts the same flow as a placed call's
(call_flow.py): signed callbacks to the application's answer_url (fallback_answer_url when that gets no 200), its XML
followed, a Gather taking the rule's digits, then hangup_url.
"""

from __future__ import annotations

import re
import time
import uuid

from .call_flow import CallUrls, new_flow
from .placing import rule_for
from .replies import Reply, json_reply

NUMBER = re.compile(r"\A\+?[1-9][0-9]{5,14}\Z")


def ring(state, body: dict) -> Reply:
    """Ring the number `to` from `from` (both E.164, the `+` optional): 200 {"call_uuid", "account", "app_id",
    "created_at_monotonic"}; 400 for a bad body, 404 for a number no account owns, 409 for a number routed to no
    application."""
    to, caller = body.get("to"), body.get("from")
    for name, value in (("to", to), ("from", caller)):
        if not isinstance(value, str) or not NUMBER.match(value):
            return json_reply(400, {"error": f"'{name}' must be a phone number in E.164 form, got {value!r}"})
    e164 = "+" + to.lstrip("+")
    with state.lock:
        number = state.config.numbers.get(e164)
        if number is None:
            return json_reply(404, {"error": f"{e164} is not a number any account owns", "number": e164})
        app = state.config.applications.get(number["app_id"]) if number["app_id"] else None
        if app is None:
            routed = f"to trunk {number['trunk_group_id']}" if number["trunk_group_id"] else "nowhere"
            return json_reply(409, {"error": f"{e164} is routed to no application ({routed}): nothing answers it", "number": e164})
        now = time.monotonic()
        call_uuid = str(uuid.uuid4())
        rule = rule_for(state.dial_rules, caller)
        state.add_calls([{"call_uuid": call_uuid, "account": number["account"], "from": caller, "to": to, "direction": "inbound",
                          "timeline": rule.inbound_timeline()}], now)
        flow = new_flow(state, state.calls[call_uuid], CallUrls.from_application(app), state.accounts[number["account"]].auth_token, rule)
    if flow is not None:  # in its own thread: the callbacks never hold up this answer
        flow.start()
    return json_reply(200, {"call_uuid": call_uuid, "account": number["account"], "app_id": app["app_id"], "created_at_monotonic": now})
