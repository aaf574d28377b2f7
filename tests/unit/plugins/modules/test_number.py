# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""number and number_info: main() with module arguments, HTTP mocked at the transport, the result it prints."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.modules import number, number_info
from ansible_collections.vobiz.telephony.tests.unit.conftest import _module_runner
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, AUTH_TOKEN

NUMBERS_URL = ACCOUNT_URL + "/numbers"
APP_ID = "20577609616603585"
OWNED = [{"e164": "+919100000001", "application_id": APP_ID}, {"e164": "+919100000002"}, {"e164": "+919100000003", "trunk_group_id": "t1"}]


@pytest.fixture
def run_number(capsys, tmp_path):
    return _module_runner(number, capsys, tmp_path)


@pytest.fixture
def run_number_info(capsys, tmp_path):
    return _module_runner(number_info, capsys, tmp_path)


def test_only_the_numbers_that_differ_are_attached(run_number, mocked):
    mocked.add(responses.GET, NUMBERS_URL, json={"items": OWNED, "total": 3})
    mocked.add(responses.GET, ACCOUNT_URL + "/Application/%s/" % APP_ID, json={"app_id": APP_ID, "app_name": "ivr"})
    mocked.add(responses.POST, NUMBERS_URL + "/%2B919100000002/application", json={"message": "Number attached to application"})
    run = run_number(numbers=["919100000001", "+919100000002", "+919100000002"], route_to="application", application=APP_ID)
    assert run.result["changed"] is True and [item["changed"] for item in run.result["numbers"]] == [False, True]
    assert json.loads(mocked.calls[2].request.body) == {"application_id": APP_ID} and len(mocked.calls) == 3
    assert run.result["diff"]["after"] == {"+919100000002": {"application_id": APP_ID, "trunk_group_id": None}}
    assert AUTH_TOKEN not in run.stdout


def test_an_unowned_number_fails_before_any_write(run_number, mocked):
    mocked.add(responses.GET, NUMBERS_URL, json={"items": OWNED, "total": 3})
    run = run_number(number="+919100000009", route_to="none")
    assert run.result["failed"] is True and run.result["unowned"] == ["+919100000009"] and len(mocked.calls) == 1


def test_a_write_failing_midway_reports_the_number(run_number, mocked):
    mocked.add(responses.GET, NUMBERS_URL, json={"items": OWNED, "total": 3})
    mocked.add(responses.DELETE, NUMBERS_URL + "/%2B919100000003/assign", status=403,
               json={"error": "forbidden", "message": "account does not own this number"})
    run = run_number(number="+919100000003", route_to="none")
    assert run.result["failed"] is True and run.result["status_code"] == 403 and run.result["msg"].startswith("routing +919100000003: ")
    assert run.result["numbers"] == [] and run.result["changed"] is False


@pytest.mark.parametrize("args, message", [
    ({"number": "12ab", "route_to": "none"}, "number '12ab' is not an E.164 number"),
    ({"route_to": "none"}, "one of number and numbers is required"),
    ({"number": "+919100000001", "route_to": "trunk"}, "trunk_group_id is required with route_to=trunk"),
    ({"number": "+919100000001", "route_to": "none", "application": "ivr"}, "application goes only with route_to=application"),
    ({"numbers": ["+9194%07d" % index for index in range(1001)] + ["+91940000000"], "route_to": "none"}, "numbers holds 1001 numbers"),
])
def test_bad_options_fail_before_any_request(run_number, mocked, args, message):
    run = run_number(**args)
    assert run.result["failed"] is True and message in run.result["msg"] and len(mocked.calls) == 0


def test_1000_numbers_given_with_a_repeat_are_taken(run_number, mocked):
    numbers = ["+9194%07d" % index for index in range(1000)]
    mocked.add(responses.GET, NUMBERS_URL, json={"items": [{"e164": item} for item in numbers], "total": 1000})
    run = run_number(numbers=numbers + numbers[:1], route_to="none")
    assert run.result["changed"] is False and len(run.result["numbers"]) == 1000


def test_info_filters_the_owned_numbers(run_number_info, mocked):
    mocked.add(responses.GET, NUMBERS_URL, json={"items": [dict(item, country="IN") for item in OWNED], "total": 3})
    mocked.add(responses.GET, ACCOUNT_URL + "/Application/", json={"meta": {"total_count": 1}, "objects": [{"app_id": APP_ID, "app_name": "ivr"}]})
    run = run_number_info(application="ivr", country="in")
    assert run.result["count"] == 1 and run.result["numbers"][0]["e164"] == "+919100000001" and run.result["changed"] is False


def test_info_refuses_filters_of_the_other_kind(run_number_info, mocked):
    run = run_number_info(inventory=True, application="ivr")
    assert run.result["failed"] is True and "application does not go with inventory=true" in run.result["msg"] and len(mocked.calls) == 0
