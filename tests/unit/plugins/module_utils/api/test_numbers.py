# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The number gateway's routing writes and the inventory over a mocked transport: the attach and the assign as
idempotent POSTs at the documented paths (%2B, no trailing slash), a 400 to a retried assign and a 404 to an unassign
taken as done, the pages of the owned numbers asked for in both forms, the inventory up to its limit."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.api._numbers import NumberApi, page_params, trunk_of
from ansible_collections.vobiz.telephony.plugins.module_utils.http import _client
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizHTTPError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, API_URL, AUTH_ID, AUTH_TOKEN

NUMBER = "+919876543210"
APPLICATION_URL = ACCOUNT_URL + "/numbers/%2B919876543210/application"
ASSIGN_URL = ACCOUNT_URL + "/numbers/%2B919876543210/assign"
INVENTORY_URL = ACCOUNT_URL + "/inventory/numbers"
BUSY = {"status": "error", "error": {"code": "X", "message": "busy"}}


@pytest.fixture
def client():
    with _client.VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=2, retry_max_wait=0.01) as made:
        yield made


def test_an_attach_posts_the_application_and_is_retried_like_a_read(client, mocked):
    mocked.add(responses.POST, APPLICATION_URL, status=503, json=BUSY)
    mocked.add(responses.POST, APPLICATION_URL, json={"message": "Number attached to application"})
    NumberApi(client).attach(NUMBER, "123")
    assert [call.request.url for call in mocked.calls] == [APPLICATION_URL] * 2
    assert json.loads(mocked.calls[1].request.body) == {"application_id": "123"} and client.http_retries == 1


def test_an_assign_answered_204_and_its_body(client, mocked):
    mocked.add(responses.POST, ASSIGN_URL, status=204)
    NumberApi(client).assign(NUMBER, "trunk-1")
    assert json.loads(mocked.calls[0].request.body) == {"trunk_group_id": "trunk-1"}


def test_a_400_to_a_retried_assign_is_the_first_attempts_doing(client, mocked):
    mocked.add(responses.POST, ASSIGN_URL, status=502, json=BUSY)
    mocked.add(responses.POST, ASSIGN_URL, status=400, json={"error": "invalid request", "message": "This number is already assigned to a trunk."})
    NumberApi(client).assign(NUMBER, "trunk-1")
    assert len(mocked.calls) == 2


def test_a_400_to_a_first_assign_fails(client, mocked):
    mocked.add(responses.POST, ASSIGN_URL, status=400, json={"error": "invalid request", "message": "This number is already assigned to a trunk."})
    with pytest.raises(VobizHTTPError) as raised:
        NumberApi(client).assign(NUMBER, "trunk-1")
    assert raised.value.status_code == 400


def test_an_unassign_sends_the_trunk_and_takes_404_as_done(client, mocked):
    mocked.add(responses.DELETE, ASSIGN_URL, status=204)
    mocked.add(responses.DELETE, ASSIGN_URL, status=404, json={"error": "Number not found", "message": "not assigned to any trunk"})
    mocked.add(responses.DELETE, ASSIGN_URL, status=403, json={"error": "forbidden", "message": "account does not own this number"})
    api = NumberApi(client)
    api.unassign(NUMBER, "trunk-1")
    api.unassign(NUMBER, "trunk-1")
    with pytest.raises(VobizHTTPError) as raised:
        api.unassign(NUMBER, "trunk-1")
    assert raised.value.status_code == 403
    assert json.loads(mocked.calls[0].request.body) == {"trunk_group_id": "trunk-1"}


def test_pages_are_asked_in_both_forms_the_offset_what_was_read():
    assert page_params(3, 200) == {"page": 3, "per_page": 100, "limit": 100, "offset": 200}
    assert trunk_of({"trunk_group_id": None}) is None and trunk_of({}) is None and trunk_of({"trunk_group_id": "t"}) == "t"


def test_owned_numbers_in_the_offset_form(client, mocked):
    for offset, count in ((0, 100), (100, 100), (200, 50)):
        mocked.add(responses.GET, ACCOUNT_URL + "/numbers",
                   match=[responses.matchers.query_param_matcher({"page": str(offset // 100 + 1), "per_page": "100", "limit": "100", "offset": str(offset)})],
                   json={"api_id": "a", "meta": {"limit": 100, "offset": offset, "total_count": 250},
                         "objects": [{"e164": "+9190%05d" % (offset + index)} for index in range(count)]})
    assert len(NumberApi(client).list_all()) == 250 and len(mocked.calls) == 3


def test_the_inventory_is_read_up_to_the_limit(client, mocked):
    for page in (1, 2, 3):
        mocked.add(responses.GET, INVENTORY_URL,
                   match=[responses.matchers.query_param_matcher({"page": str(page), "per_page": "100", "country": "US", "search": "555"})],
                   json={"items": [{"e164": "+1555%04d" % (page * 100 + index)} for index in range(100)], "total": 1000})
    found = NumberApi(client).search_inventory("US", "555", 150)
    assert len(found) == 150 and len(mocked.calls) == 2


def test_the_inventory_ends_at_a_short_page_or_the_total(client, mocked):
    mocked.add(responses.GET, INVENTORY_URL, match=[responses.matchers.query_param_matcher({"page": "1", "per_page": "100"})],
               json={"items": [{"e164": "+15550001"}], "total": 1})
    assert NumberApi(client).search_inventory(None, None, 100) == [{"e164": "+15550001"}]
