# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""application and application_info: main() with module arguments, HTTP mocked at the transport, the result it prints."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.modules import application, application_info
from ansible_collections.vobiz.telephony.tests.unit.conftest import _module_runner
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, AUTH_TOKEN

APPS_URL = ACCOUNT_URL + "/Application/"
APP = {"app_id": "20577609616603585", "app_name": "ivr", "answer_url": "https://x.example/a", "answer_method": "POST",
       "hangup_url": "https://x.example/a", "hangup_method": "POST", "fallback_answer_url": None, "fallback_method": "POST",
       "message_url": None, "message_method": "POST", "default_endpoint_app": False, "log_incoming_message": True}


@pytest.fixture
def run_application(capsys, tmp_path):
    return _module_runner(application, capsys, tmp_path)


@pytest.fixture
def run_application_info(capsys, tmp_path):
    return _module_runner(application_info, capsys, tmp_path)


def page(*apps) -> dict:
    return {"api_id": "x", "meta": {"limit": 100, "offset": 0, "next": None, "previous": None, "total_count": len(apps)}, "objects": list(apps)}


def test_an_unchanged_application_sends_only_the_list(run_application, mocked):
    mocked.add(responses.GET, APPS_URL, json=page(APP))
    run = run_application(name="ivr", answer_url="https://x.example/a", default_number_app=True)
    assert run.result["changed"] is False and run.result["app_id"] == APP["app_id"] and len(mocked.calls) == 1
    assert AUTH_TOKEN not in run.stdout


def test_an_update_sends_the_merged_set_and_reads_back(run_application, mocked):
    mocked.add(responses.GET, APPS_URL, json=page(APP))
    mocked.add(responses.POST, APPS_URL + APP["app_id"] + "/", json={"api_id": "x", "message": "changed"})
    mocked.add(responses.GET, APPS_URL + APP["app_id"] + "/", json=dict(APP, message_url="https://x.example/m", api_id="y"))
    run = run_application(name="ivr", answer_url="https://x.example/a", message_url="https://x.example/m", default_number_app=False)
    body = json.loads(mocked.calls[1].request.body)
    assert body == {"app_name": "ivr", "answer_url": "https://x.example/a", "answer_method": "POST", "hangup_url": "https://x.example/a",
                    "hangup_method": "POST", "fallback_method": "POST", "message_url": "https://x.example/m", "message_method": "POST",
                    "default_number_app": False, "default_endpoint_app": False, "log_incoming_message": True, "log_incoming_messages": True}
    assert run.result["diff"] == {"before": {"message_url": None}, "after": {"message_url": "https://x.example/m"}}
    assert run.result["changed"] is True and run.result["application"]["message_url"] == "https://x.example/m"


@pytest.mark.parametrize("args, message", [
    ({"name": "a b", "answer_url": "https://x.example/a"}, "name 'a b' is not valid"),
    ({"name": "ok", "answer_url": "x.example/a"}, "answer_url 'x.example/a' must be an absolute http:// or https:// URL"),
    ({"name": "ok"}, "answer_url is required with state=present"),
    ({"state": "absent"}, "one of name and app_id is required"),
])
def test_bad_options_fail_before_any_request(run_application, mocked, args, message):
    run = run_application(**args)
    assert run.result["failed"] is True and message in run.result["msg"] and len(mocked.calls) == 0


def test_an_app_id_vobiz_does_not_know_is_not_created(run_application, mocked):
    mocked.add(responses.GET, APPS_URL + "123/", status=404, json={"error": "Application not found", "app_id": "123"})
    run = run_application(app_id="123", answer_url="https://x.example/a")
    assert run.result["failed"] is True and "no application app_id 123" in run.result["msg"] and len(mocked.calls) == 1


def test_info_reads_one_by_app_id(run_application_info, mocked):
    mocked.add(responses.GET, APPS_URL + APP["app_id"] + "/", json=dict(APP, api_id="y"))
    run = run_application_info(app_id=APP["app_id"])
    assert run.result["applications"] == [APP] and run.result["count"] == 1 and run.result["changed"] is False
