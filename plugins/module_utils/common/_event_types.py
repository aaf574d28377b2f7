# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The types of the events the collection's sources emit (the `type` field), each written once: call_events emits
what its looks see change, callbacks what Vobiz's callbacks say, and a type both can see (call.answered, call.ended)
means the same in both. A new event type goes here. Values only."""

from __future__ import annotations

# Both sources
CALL_ANSWERED = "call.answered"
CALL_ENDED = "call.ended"
# call_events: what changed between two looks
CALL_QUEUED = "call.queued"
CALL_STARTED = "call.started"
CALL_STATUS_CHANGED = "call.status_changed"
CALL_OBSERVED = "call.observed"
# callbacks: what one callback says
CALL_RINGING = "call.ringing"
CALL_MACHINE_DETECTED = "call.machine_detected"
CALL_REDIRECTED = "call.redirected"
CALL_INPUT = "call.input"
CALL_CALLBACK = "call.callback"
