# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""calls/_placing: the checks of placing's options, the request bodies, one POST per destination, and the wait.
HTTP mocked at the transport (responses); the module's own tests are in tests/unit/plugins/modules/test_call.py."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.calls import _placing
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._placing import Placement, PlacingError, place_calls
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import LIST_URL


def posted(mocked) -> list:
    return [json.loads(call.request.body)["to"] for call in mocked.calls if call.request.method == "POST"]


def placements(*destinations) -> list:
    return [Placement({"to": destination, "from": "919262171438"}) for destination in destinations]


@pytest.mark.parametrize("concurrency", [1, 2])
def test_an_answer_that_is_not_an_object_is_an_unknown_outcome_and_nothing_more_is_placed(calls, mocked, concurrency):
    # Vobiz answered 2xx: the call may have been placed, whatever the body says
    mocked.add(responses.POST, LIST_URL, json=["not", "an", "object"])
    entries = placements("919148227301", "919148227302", "919148227303")
    with pytest.raises(PlacingError) as failure:
        place_calls(calls, entries, concurrency)
    assert failure.value.unknown is True
    assert 'answered HTTP 200 with JSON that is not a JSON object with a "request_uuid"' in failure.value.error.message
    sent = posted(mocked)
    assert 1 <= len(sent) <= concurrency and "919148227303" not in sent
    assert [entry.call_status for entry in entries if entry.request["to"] in sent] == [_placing.UNKNOWN] * len(sent)
    assert [entry.call_status for entry in entries if entry.request["to"] not in sent] == [_placing.NOT_PLACED] * (3 - len(sent))
    assert not any(entry.placed for entry in entries)
