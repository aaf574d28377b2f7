# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The event of one callback Vobiz sent (reference §3): its type from the `Event` field, its fields with their types.

Pure, no Ansible import: the callbacks event source runs where ansible-core may be absent.
"""

from __future__ import annotations

import math

from ansible_collections.vobiz.telephony.plugins.module_utils.common._event_types import (
    CALL_ANSWERED,
    CALL_CALLBACK,
    CALL_ENDED,
    CALL_INPUT,
    CALL_MACHINE_DETECTED,
    CALL_REDIRECTED,
    CALL_RINGING,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.common._text import iso_timestamp

# Vobiz's Event field -> the event's type (call.answered and call.ended mean what they mean in call_events).
TYPES_OF_EVENTS = {
    "Ring": CALL_RINGING,
    "StartApp": CALL_ANSWERED,
    "Hangup": CALL_ENDED,
    "MachineDetection": CALL_MACHINE_DETECTED,
    "Redirect": CALL_REDIRECTED,
}
INPUT_TYPE = CALL_INPUT  # a Gather action: Digits or Speech, and no Event
OTHER_TYPE = CALL_CALLBACK
EVENT_TYPES = tuple(TYPES_OF_EVENTS.values()) + (INPUT_TYPE, OTHER_TYPE)
SIGNATURES = ("v3", "v2", "ma-v3", "ma-v2", "none")

# Event field -> the callback's field it is read from (the first one present), each a string or null.
STRING_FIELDS = (
    ("call_uuid", ("CallUUID",)),
    ("request_uuid", ("RequestUUID",)),
    ("call_status", ("CallStatus",)),
    ("direction", ("Direction",)),
    ("from", ("From",)),
    ("to", ("To",)),
    ("digits", ("Digits",)),
    ("speech", ("Speech",)),
    ("hangup_cause", ("HangupCause", "HangupCauseName")),
)
INTEGER_FIELDS = (("duration", "Duration"), ("bill_duration", "BillDuration"))
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")


def event_type(params: dict) -> str:
    """The type of the event of a callback with these fields."""
    kind = params.get("Event")
    if kind is None or kind == "":
        return INPUT_TYPE if "Digits" in params or "Speech" in params else OTHER_TYPE
    return TYPES_OF_EVENTS.get(str(kind), OTHER_TYPE)


def is_answer(params: dict) -> bool:
    """Whether the callback asks for the answer XML (a call was answered: Event StartApp)."""
    return event_type(params) == CALL_ANSWERED


def is_input(params: dict) -> bool:
    """Whether the callback is a Gather's input, which asks for the input XML."""
    return event_type(params) == INPUT_TYPE


def _text(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def as_integer(value) -> int | None:
    """A whole number of seconds as sent ("45", 45, "45.0"), or None when absent or not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if math.isfinite(number) else None


def as_boolean(value) -> bool | None:
    """Machine detection's `Machine` as sent (true/false, or a JSON boolean), or None when absent or unreadable."""
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def callback_event(params: dict, path: str, signature: str, at: float) -> dict:
    """The event of one accepted callback: {"vobiz": {...}}, `params` every field as sent."""
    event = {"type": event_type(params)}
    for name, keys in STRING_FIELDS:
        value = None
        for key in keys:
            if key in params:
                value = _text(params[key])
                break
        event[name] = value
    for name, key in INTEGER_FIELDS:
        event[name] = as_integer(params.get(key))
    event["machine"] = as_boolean(params.get("Machine"))
    event.update({"params": dict(params), "path": path, "received_at": iso_timestamp(at), "signature": signature})
    return {"vobiz": event}
