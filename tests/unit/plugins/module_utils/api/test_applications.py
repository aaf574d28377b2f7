# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Application and numbers gateways over a mocked transport: pages counted by offset (meta.next not followed), a
list without a total read until a short page, numbers in items or objects, the %2B of a detach, a delete's 404."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.api._applications import ApplicationApi
from ansible_collections.vobiz.telephony.plugins.module_utils.api._numbers import NumberApi, application_of
from ansible_collections.vobiz.telephony.plugins.module_utils.http import _client
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizResponseError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, API_URL, AUTH_ID, AUTH_TOKEN

APPS_URL = ACCOUNT_URL + "/Application/"


@pytest.fixture
def client():
    with _client.VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=0) as made:
        yield made


def apps(first: int, count: int) -> list:
    return [{"app_id": str(index), "app_name": "a%d" % index} for index in range(first, first + count)]


def test_every_page_by_offset_after_the_total_of_page_one(client, mocked):
    for offset, count in ((0, 100), (100, 100), (200, 5)):
        mocked.add(responses.GET, APPS_URL, match=[responses.matchers.query_param_matcher({"limit": "100", "offset": str(offset)})],
                   json={"meta": {"total_count": 205, "next": "/v1/ignored"}, "objects": apps(offset, count)})
    listed = ApplicationApi(client).list_all(4)
    assert [app["app_id"] for app in listed] == [str(index) for index in range(205)]


def test_a_list_without_a_total_is_read_until_a_short_page(client, mocked):
    for offset, count in ((0, 100), (100, 3)):
        mocked.add(responses.GET, APPS_URL, match=[responses.matchers.query_param_matcher({"limit": "100", "offset": str(offset)})],
                   json={"meta": {"limit": 100, "offset": offset}, "objects": apps(offset, count)})
    assert len(ApplicationApi(client).list_all(4)) == 103 and len(mocked.calls) == 2


def test_a_page_without_objects_is_an_error_not_an_empty_list(client, mocked):
    mocked.add(responses.GET, APPS_URL, json={"meta": {"total_count": 0}})
    with pytest.raises(VobizResponseError):
        ApplicationApi(client).list_all(4)


def test_a_delete_answered_404_finds_nothing_to_delete(client, mocked):
    mocked.add(responses.DELETE, APPS_URL + "5/", status=404, json={"error": "Application not found", "app_id": "5"})
    assert ApplicationApi(client).delete("5") is False


def test_a_create_without_app_id_is_an_answer_that_may_have_created_it(client, mocked):
    mocked.add(responses.POST, APPS_URL, status=201, json={"message": "created"})
    with pytest.raises(VobizResponseError) as raised:
        ApplicationApi(client).create({"app_name": "a"})
    assert raised.value.status_code == 201


def test_numbers_in_items_or_objects_and_the_application_each_names(client, mocked):
    first = {"page": "1", "per_page": "100", "limit": "100", "offset": "0"}
    mocked.add(responses.GET, ACCOUNT_URL + "/numbers", match=[responses.matchers.query_param_matcher(first)],
               json={"items": [{"e164": "+91%03d" % index, "application_id": "7" if index % 2 else None} for index in range(100)]})
    second = {"page": "2", "per_page": "100", "limit": "100", "offset": "100"}
    mocked.add(responses.GET, ACCOUNT_URL + "/numbers", match=[responses.matchers.query_param_matcher(second)],
               json={"objects": [{"e164": "+91100", "app_id": 7}, {"e164": "+91101", "application": {"app_id": "7"}}]})
    routed = NumberApi(client).routed_to("7")
    assert len(routed) == 52 and routed[-2:] == ["+91100", "+91101"]
    assert application_of({"application_id": ""}) is None


def test_a_detach_puts_the_plus_as_2b_in_the_path(client, mocked):
    mocked.add(responses.DELETE, ACCOUNT_URL + "/numbers/%2B919876543210/application", json={"message": "Number detached from application"})
    NumberApi(client).detach("+919876543210")
    assert mocked.calls[0].request.url.endswith("/numbers/%2B919876543210/application")


def test_pages_shorter_than_asked_step_by_what_page_one_held(client, mocked):
    for offset, count in ((0, 20), (20, 20), (40, 5)):
        mocked.add(responses.GET, APPS_URL, match=[responses.matchers.query_param_matcher({"limit": "100", "offset": str(offset)})],
                   json={"meta": {"total_count": 45}, "objects": apps(offset, count)})
    assert len(ApplicationApi(client).list_all(4)) == 45


def test_numbers_in_pages_shorter_than_asked_are_read_up_to_the_total(client, mocked):
    for page, count in ((1, 25), (2, 25), (3, 2)):
        asked = {"page": str(page), "per_page": "100", "limit": "100", "offset": str((page - 1) * 25)}
        mocked.add(responses.GET, ACCOUNT_URL + "/numbers", match=[responses.matchers.query_param_matcher(asked)],
                   json={"items": [{"e164": "+91%d%02d" % (page, index), "application_id": "7"} for index in range(count)], "total": 52})
    assert len(NumberApi(client).routed_to("7")) == 52 and len(mocked.calls) == 3
