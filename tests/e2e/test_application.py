"""vobiz.telephony.application and application_info through ansible-playbook (playbooks/application.yml) with -vvv,
against the simulator's application and number API: create, a rerun that only reads, one field changed (one update
carrying the merged set, the diff showing that field alone), check mode sending no write, absent twice, the 409 of an
application numbers are routed to with and without detach_numbers, duplicate names, a 500, a time-out and a dropped
connection on create (one POST each, the outcome unknown), every refusal before any request, and the info module over
three pages.

The playbook runs once (a module-scoped fixture); after each step it reads and clears the simulator's request log, so
each test checks what one step sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import AUTH_ID, LIST_AUTH_ID, Run, Sim

ROUTED = ["+919100000001", "+919100000002"]  # routed to e2e-routed
ELSEWHERE = "+919100000003"  # routed to e2e-other
UNROUTED = "+919100000004"
BULK = 250  # applications of the list account: three pages of 100
APPLICATION_PATH = "/api/v1/Account/%s/Application/" % AUTH_ID


@dataclass
class Applications:
    run: Run
    twins: list  # the app_ids of the two applications named e2e-twin
    routed_app_id: str
    final: dict  # what the simulator holds at the end: applications and numbers

    def result(self, name: str) -> dict:
        return self.run.dump[name]

    def log(self, name: str) -> list:
        return self.run.dump["log_" + name]

    def methods(self, name: str) -> list:
        return [(entry["method"], entry["path"]) for entry in self.log(name)]

    def application(self, name: str) -> list:
        return [app for app in self.final["applications"] if app["app_name"] == name]


@pytest.fixture(scope="module")
def applications(ansible_runner, simulator: Sim) -> Applications:
    simulator.reset()
    routed, _other = simulator.control("POST", "applications", {"applications": [
        {"app_name": "e2e-routed", "answer_url": "https://example.com/routed"},
        {"app_name": "e2e-other", "answer_url": "https://example.com/other"}]})["added"]
    twins = simulator.control("POST", "applications", {"applications": [
        {"app_name": "e2e-twin", "answer_url": "https://example.com/twin-1"},
        {"app_name": "e2e-twin", "answer_url": "https://example.com/twin-2"}]})["added"]
    simulator.control("POST", "numbers", {"numbers": [{"e164": ROUTED[0], "app_id": routed}, {"e164": ROUTED[1], "app_id": routed},
                                                      {"e164": ELSEWHERE, "app_id": _other}, {"e164": UNROUTED}]})
    bulk = simulator.control("POST", "applications", {"applications": [
        {"app_name": "bulk-%04d" % index, "answer_url": "https://example.com/bulk/%d" % index, "account": LIST_AUTH_ID}
        for index in range(BULK)]})["added"]
    simulator.clear_requests()
    run = ansible_runner.playbook("application.yml", verbose=True,  # -vvv: the tokens must not show even so
                                  extra_vars={"e2e_twin_app_id": twins[1], "e2e_bulk_app_id": bulk[142]})
    assert run.recap and run.recap["failed"] == 0 and run.recap["ignored"] == 4, run.explain()
    final = {"applications": simulator.control("GET", "applications")["applications"],
             "numbers": simulator.control("GET", "numbers")["numbers"]}
    return Applications(run, twins, routed, final)


def test_create_sends_one_post_with_the_options_set(applications: Applications):
    result = applications.result("created")
    assert result["changed"] is True and result["http_retries"] == 0
    body = {"app_name": "e2e-ivr", "answer_url": "https://example.com/answer", "answer_method": "POST",
            "hangup_url": "https://example.com/hangup", "default_number_app": True,
            "log_incoming_message": False, "log_incoming_messages": False}
    posts = [entry for entry in applications.log("created") if entry["method"] == "POST"]
    assert [(post["path"], post["body"], post["response_status"]) for post in posts] == [(APPLICATION_PATH, body, 201)]
    assert result["application"]["app_id"] == result["app_id"] and result["application"]["hangup_url"] == "https://example.com/hangup"
    assert result["application"]["log_incoming_message"] is False and "default_number_app" not in result["application"]
    assert result["diff"]["before"] == {} and result["diff"]["after"]["answer_url"] == "https://example.com/answer"
    # the list read before (one page), the POST, the read after
    assert applications.methods("created") == [("GET", APPLICATION_PATH), ("POST", APPLICATION_PATH),
                                               ("GET", APPLICATION_PATH + result["app_id"] + "/")]
    assert applications.log("created")[0]["query"] == {"limit": "100", "offset": "0"}


def test_a_rerun_sends_only_reads(applications: Applications):
    result = applications.result("rerun")
    assert result["changed"] is False and result["app_id"] == applications.result("created")["app_id"]
    assert {method for method, _path in applications.methods("rerun")} == {"GET"}
    assert result["diff"] == {"before": {}, "after": {}}


def test_one_field_changed_is_one_update_carrying_the_merged_set(applications: Applications):
    result = applications.result("changed_one")
    app_id = applications.result("created")["app_id"]
    assert result["changed"] is True
    assert result["diff"] == {"before": {"answer_url": "https://example.com/answer"}, "after": {"answer_url": "https://example.com/v2/answer"}}
    posts = [entry for entry in applications.log("changed_one") if entry["method"] == "POST"]
    assert len(posts) == 1 and posts[0]["path"] == APPLICATION_PATH + app_id + "/"
    # the task's values, and the current value of every other field; default_number_app not set by this task: not sent
    assert posts[0]["body"] == {
        "app_name": "e2e-ivr", "answer_url": "https://example.com/v2/answer", "answer_method": "POST",
        "hangup_url": "https://example.com/hangup", "hangup_method": "POST", "fallback_method": "POST", "message_method": "POST",
        "default_endpoint_app": False, "log_incoming_message": False, "log_incoming_messages": False}
    assert result["application"]["answer_url"] == "https://example.com/v2/answer"
    assert "--- before" in applications.run.stdout and '"answer_url": "https://example.com/v2/answer"' in applications.run.stdout


def test_check_mode_sends_no_write(applications: Applications):
    checked, created = applications.result("checked"), applications.result("checked_create")
    assert checked["changed"] is True
    assert checked["diff"] == {"before": {"hangup_method": "POST"}, "after": {"hangup_method": "GET"}}
    assert checked["application"]["hangup_method"] == "GET"
    assert created["changed"] is True and created["app_id"] is None and created["application"]["app_name"] == "e2e-new"
    for name in ("checked", "checked_create"):
        assert {method for method, _path in applications.methods(name)} == {"GET"}, name
    assert applications.application("e2e-new") == []


def test_absent_deletes_then_finds_nothing_to_do(applications: Applications):
    absent, again = applications.result("absent"), applications.result("absent_again")
    app_id = applications.result("created")["app_id"]
    assert absent["changed"] is True and absent["app_id"] == app_id and absent["application"] == {}
    assert absent["diff"]["after"] == {} and absent["diff"]["before"]["answer_url"] == "https://example.com/v2/answer"
    deletes = [(entry["path"], entry["response_status"]) for entry in applications.log("absent") if entry["method"] == "DELETE"]
    assert deletes == [(APPLICATION_PATH + app_id + "/", 204)]
    assert again["changed"] is False and again["app_id"] is None
    assert {method for method, _path in applications.methods("absent_again")} == {"GET"}
    assert applications.application("e2e-ivr") == []


def test_a_409_without_detach_numbers_fails_naming_the_numbers(applications: Applications):
    result = applications.result("in_use")
    assert result["failed"] is True and result["status_code"] == 409
    assert result["numbers"] == ROUTED and all(number in result["msg"] for number in ROUTED) and "detach_numbers" in result["msg"]
    assert ELSEWHERE not in result["msg"] and result["app_id"] == applications.routed_app_id
    assert [entry["method"] for entry in applications.log("in_use") if entry["method"] != "GET"] == ["DELETE"]


def test_check_mode_lists_the_numbers_detach_numbers_would_detach(applications: Applications):
    result = applications.result("in_use_check")
    assert result["changed"] is True and result["detached_numbers"] == ROUTED
    assert {method for method, _path in applications.methods("in_use_check")} == {"GET"}


def test_detach_numbers_detaches_them_then_deletes(applications: Applications):
    result = applications.result("detached")
    assert result["changed"] is True and result["detached_numbers"] == ROUTED
    writes = [(entry["method"], entry["path"], entry["response_status"]) for entry in applications.log("detached") if entry["method"] != "GET"]
    detaches = sorted(writes[:2])
    # the documented path, the + as %2B
    assert detaches == [("DELETE", "/api/v1/Account/%s/numbers/%%2B%s/application" % (AUTH_ID, number[1:]), 200) for number in ROUTED]
    assert writes[2] == ("DELETE", APPLICATION_PATH + applications.routed_app_id + "/", 204)
    numbers = {number["e164"]: number["app_id"] for number in applications.final["numbers"]}
    assert numbers[ROUTED[0]] is None and numbers[ROUTED[1]] is None and numbers[ELSEWHERE] is not None
    assert applications.application("e2e-routed") == []


def test_two_applications_of_one_name_fail_naming_both(applications: Applications):
    result = applications.result("duplicates")
    assert result["failed"] is True and sorted(result["app_ids"]) == sorted(applications.twins)
    assert all(app_id in result["msg"] for app_id in applications.twins)
    assert {method for method, _path in applications.methods("duplicates")} == {"GET"}


def test_app_id_acts_on_one_of_them(applications: Applications):
    result = applications.result("by_app_id")
    assert result["changed"] is True and result["app_id"] == applications.twins[1]
    assert applications.methods("by_app_id")[0] == ("GET", APPLICATION_PATH + applications.twins[1] + "/")
    [post] = [entry for entry in applications.log("by_app_id") if entry["method"] == "POST"]
    assert post["body"]["app_name"] == "e2e-twin" and post["body"]["answer_url"] == "https://example.com/twin"
    twins = {app["app_id"]: app["answer_url"] for app in applications.application("e2e-twin")}
    assert twins == {applications.twins[0]: "https://example.com/twin-1", applications.twins[1]: "https://example.com/twin"}


@pytest.mark.parametrize("name, app_name, cause, created", [
    ("server_error", "e2e-500", "HTTP 500", True),
    ("hung", "e2e-hang", "answer within 2 s", False),
    ("dropped", "e2e-drop", "closed the connection", True),
])
def test_an_unknown_create_is_one_post_then_one_look(applications: Applications, name, app_name, cause, created):
    result = applications.result(name)
    posts = [entry for entry in applications.log(name) if entry["method"] == "POST"]
    assert len(posts) == 1 and result["http_retries"] == 0
    # one look before, one after the unknown outcome
    lists = [entry for entry in applications.log(name) if (entry["method"], entry["path"]) == ("GET", APPLICATION_PATH)]
    assert len(lists) == 2
    assert len(applications.application(app_name)) == (1 if created else 0)
    if created:
        assert result["changed"] is True and result["app_id"] == applications.application(app_name)[0]["app_id"]
        warnings = " ".join(result.get("warnings", []))
        assert cause in warnings and "outcome was unknown" in warnings and "found it created" in warnings
    else:
        assert result["failed"] is True and cause in result["msg"]
        assert "outcome is unknown" in result["msg"] and "may still have been created" in result["msg"]


def test_bad_names_and_urls_are_refused_before_any_request(applications: Applications):
    results = applications.result("refused")["results"]
    assert all(item["failed"] for item in results)
    messages = [item["msg"] for item in results]
    assert "name 'bad name' is not valid" in messages[0] and "name 'e2e/../x' is not valid" in messages[1]
    assert "name must not be empty" in messages[2]
    assert "answer_url 'example.com/answer' must be an absolute http:// or https:// URL" in messages[3]
    assert "hangup_url" in messages[4] and "fallback_answer_url" in messages[5] and "message_url" in messages[6]
    assert "answer_url is required with state=present" in messages[7]
    assert "one of name and app_id is required" in messages[8]
    assert "app_id '1/2' is not valid" in messages[9]
    assert applications.log("refused") == []


def test_info_reads_every_page_concurrently_after_the_first(applications: Applications):
    result = applications.result("info_all")
    assert result["changed"] is False and result["count"] == BULK
    assert [app["app_name"] for app in result["applications"]] == ["bulk-%04d" % index for index in range(BULK)]
    offsets = sorted(int(entry["query"]["offset"]) for entry in applications.log("info_all"))
    assert offsets == [0, 100, 200] and applications.log("info_all")[0]["query"] == {"limit": "100", "offset": "0"}
    assert applications.result("info_check")["count"] == BULK and len(applications.log("info_check")) == 3


def test_info_by_name_and_by_app_id(applications: Applications):
    by_name, by_id, missing = applications.result("info_name"), applications.result("info_app_id"), applications.result("info_missing")
    assert by_name["count"] == 1 and by_name["applications"][0]["app_name"] == "bulk-0142"
    assert by_id["count"] == 1 and by_id["applications"][0] == by_name["applications"][0]
    assert len(applications.log("info_app_id")) == 1 and "api_id" not in by_id["applications"][0]
    assert missing == dict(missing, changed=False, count=0, applications=[])
    assert [entry["response_status"] for entry in applications.log("info_missing")] == [404]


def test_info_ad_hoc_reads_one_application_by_name(ansible, sim: Sim):
    """`ansible localhost -m vobiz.telephony.application_info`: the one application of that name, not the others."""
    sim.control("POST", "applications", {"applications": [{"app_name": "adhoc-app", "answer_url": "https://example.com/a"},
                                                          {"app_name": "adhoc-other", "answer_url": "https://example.com/b"}]})
    run = ansible.adhoc("name=adhoc-app", module="vobiz.telephony.application_info", verbose=True)
    assert (run.rc, run.status) == (0, "SUCCESS"), run.explain()
    assert (run.result["changed"], run.result["count"]) == (False, 1)
    assert [(app["app_name"], app["answer_url"]) for app in run.result["applications"]] == [("adhoc-app", "https://example.com/a")]
    assert {entry["method"] for entry in sim.requests()} == {"GET"}
