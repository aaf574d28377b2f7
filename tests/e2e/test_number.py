"""vobiz.telephony.number and number_info through ansible-playbook (playbooks/number.yml) with -vvv, against the
simulator's number API: 100 numbers routed in one task then a rerun that only reads, numbers not owned refused before
any write, an unknown application, check mode and diff, a trunk's number routed to an application, an application's
number assigned to a trunk, a trunk swapped, route_to none, every refusal before any request; the info module over
several pages in both paging forms, its filters, and the inventory.

The playbook runs once (a module-scoped fixture); after each step it reads and clears the simulator's request log, so
each test checks what one step sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import AUTH_ID, LIST_AUTH_ID, OTHER_AUTH_ID, Run, Sim

BULK = ["+9192000%05d" % index for index in range(100)]
ALREADY = BULK[90:]  # routed to e2e-num-app before the task
ON_TRUNK, ON_TRUNK_2, ON_TRUNK_3 = "+919201000001", "+919201000002", "+919201000003"  # on trunk-a
ON_APP = "+919201000004"  # routed to e2e-num-other
UNROUTED = "+919201000005"
US_OWNED = ["+1415555%04d" % index for index in range(20)]
OWNED = BULK + [ON_TRUNK, ON_TRUNK_2, ON_TRUNK_3, ON_APP, UNROUTED] + US_OWNED  # 125: two pages of 100
ELSEWHERE, UNKNOWN = "+919300000001", "+919399999999"  # owned by another account; by none
LIST_IN = ["+9195000%05d" % index for index in range(200)]
LIST_US = ["+1212555%04d" % index for index in range(50)]
ON_SALE = ["+1650555%04d" % index for index in range(230)]
NUMBERS = "/api/v1/Account/%s/numbers" % AUTH_ID
NONE = {"application_id": None, "trunk_group_id": None}


def path(number: str, sub: str) -> str:
    return "%s/%%2B%s/%s" % (NUMBERS, number[1:], sub)


@dataclass
class Numbers:
    run: Run
    app_id: str
    other_app_id: str
    final: dict  # e164: the simulator's number at the end

    def result(self, name: str) -> dict:
        return self.run.dump[name]

    def log(self, name: str) -> list:
        return self.run.dump["log_" + name]

    def writes(self, name: str) -> list:
        return [(entry["method"], entry["path"], entry["response_status"]) for entry in self.log(name) if entry["method"] != "GET"]


@pytest.fixture(scope="module")
def numbers(ansible_runner, simulator: Sim) -> Numbers:
    simulator.reset()
    app_id, other_app_id = simulator.control("POST", "applications", {"applications": [
        {"app_name": "e2e-num-app", "answer_url": "https://example.com/app"},
        {"app_name": "e2e-num-other", "answer_url": "https://example.com/other"}]})["added"]
    owned = ([{"e164": number, "app_id": app_id} if number in ALREADY else {"e164": number} for number in BULK]
             + [{"e164": number, "trunk_group_id": "trunk-a"} for number in (ON_TRUNK, ON_TRUNK_2, ON_TRUNK_3)]
             + [{"e164": ON_APP, "app_id": other_app_id}, {"e164": UNROUTED}] + [{"e164": number, "country": "US"} for number in US_OWNED]
             + [{"e164": ELSEWHERE, "account": OTHER_AUTH_ID}]
             + [{"e164": number, "account": LIST_AUTH_ID} for number in LIST_IN]
             + [{"e164": number, "account": LIST_AUTH_ID, "country": "US"} for number in LIST_US])
    simulator.control("POST", "numbers", {"numbers": owned, "number_paging": {LIST_AUTH_ID: "offset"}})
    simulator.control("POST", "inventory", {"inventory": [{"e164": number, "country": "US"} for number in ON_SALE]
                                            + [{"e164": "+1650123%04d" % index, "country": "US"} for index in range(20)]
                                            + [{"e164": "+9180555%05d" % index} for index in range(10)]})
    simulator.clear_requests()
    run = ansible_runner.playbook("number.yml", verbose=True, extra_vars={  # -vvv: the tokens must not show even so
        "e2e_bulk": BULK, "e2e_elsewhere": ELSEWHERE, "e2e_unknown": UNKNOWN, "e2e_unrouted": UNROUTED, "e2e_on_trunk": ON_TRUNK,
        "e2e_on_trunk_2": ON_TRUNK_2, "e2e_on_trunk_3": ON_TRUNK_3, "e2e_on_app": ON_APP, "e2e_other_app_id": other_app_id})
    assert run.recap and run.recap["failed"] == 0 and run.recap["ignored"] == 4, run.explain()
    final = {number["e164"]: number for number in simulator.control("GET", "numbers")["numbers"]}
    return Numbers(run, app_id, other_app_id, final)


def test_100_numbers_routed_in_one_task_only_those_that_differ(numbers: Numbers):
    result = numbers.result("routed")
    assert result["changed"] is True and result["http_retries"] == 0
    assert [item["number"] for item in result["numbers"]] == BULK
    assert [item["number"] for item in result["numbers"] if item["changed"]] == BULK[:90]
    assert result["numbers"][0] == {"number": BULK[0], "before": NONE, "after": {"application_id": numbers.app_id, "trunk_group_id": None},
                                    "changed": True}
    posts = [entry for entry in numbers.log("routed") if entry["method"] == "POST"]
    assert sorted(entry["path"] for entry in posts) == [path(number, "application") for number in BULK[:90]]
    assert all(entry["body"] == {"application_id": numbers.app_id} and entry["response_status"] == 200 for entry in posts)
    assert set(result["diff"]["before"]) == set(BULK[:90]) and result["diff"]["after"][BULK[0]]["application_id"] == numbers.app_id
    # the owned numbers read once (two pages, asked for in both paging forms) and the applications once, before any write
    reads = [entry for entry in numbers.log("routed") if entry["method"] == "GET"]
    assert [entry["query"] for entry in reads if entry["path"] == NUMBERS] == [
        {"page": "1", "per_page": "100", "limit": "100", "offset": "0"}, {"page": "2", "per_page": "100", "limit": "100", "offset": "100"}]
    assert len(reads) == 3 and numbers.log("routed")[:3] == reads
    assert all(numbers.final[number]["app_id"] == numbers.app_id for number in BULK[2:])


def test_a_rerun_sends_only_reads(numbers: Numbers):
    result = numbers.result("rerun")
    assert result["changed"] is False and not any(item["changed"] for item in result["numbers"])
    assert numbers.writes("rerun") == [] and len(numbers.log("rerun")) == 3
    assert result["diff"] == {"before": {}, "after": {}}


def test_numbers_not_owned_are_refused_before_any_write(numbers: Numbers):
    result = numbers.result("unowned")
    assert result["failed"] is True and result["unowned"] == [ELSEWHERE, UNKNOWN]
    assert ELSEWHERE in result["msg"] and UNKNOWN in result["msg"] and "does not own" in result["msg"]
    assert result["numbers"] == [] and result["changed"] is False
    assert numbers.writes("unowned") == [] and [entry["path"] for entry in numbers.log("unowned")] == [NUMBERS, NUMBERS]


def test_an_unknown_application_is_refused_before_any_write(numbers: Numbers):
    result = numbers.result("unknown_app")
    assert result["failed"] is True and "no application named e2e-no-such-app" in result["msg"]
    assert numbers.writes("unknown_app") == []


def test_check_mode_sends_no_write_and_shows_the_diff(numbers: Numbers):
    result = numbers.result("checked")
    after = {"application_id": numbers.other_app_id, "trunk_group_id": None}
    assert result["changed"] is True
    assert result["diff"] == {"before": {ON_TRUNK: {"application_id": None, "trunk_group_id": "trunk-a"}}, "after": {ON_TRUNK: after}}
    assert result["numbers"][0]["after"] == after
    assert numbers.writes("checked") == []
    # an app_id is read once by its id, not looked up by name
    assert "/Application/%s/" % numbers.other_app_id in numbers.log("checked")[-1]["path"]
    assert "--- before" in numbers.run.stdout


def test_a_trunks_number_routed_to_an_application_leaves_its_trunk_first(numbers: Numbers):
    result = numbers.result("to_app")
    assert result["changed"] is True
    assert numbers.writes("to_app") == [("DELETE", path(ON_TRUNK, "assign"), 204), ("POST", path(ON_TRUNK, "application"), 200)]
    [unassign] = [entry for entry in numbers.log("to_app") if entry["method"] == "DELETE"]
    assert unassign["body"] == {"trunk_group_id": "trunk-a"}
    assert numbers.final[ON_TRUNK]["app_id"] == numbers.other_app_id and numbers.final[ON_TRUNK]["trunk_group_id"] is None


def test_an_applications_number_assigned_to_a_trunk_is_detached_first(numbers: Numbers):
    result = numbers.result("to_trunk")
    assert result["numbers"] == [{"number": ON_APP, "before": {"application_id": numbers.other_app_id, "trunk_group_id": None},
                                  "after": {"application_id": None, "trunk_group_id": "trunk-b"}, "changed": True}]
    assert numbers.writes("to_trunk") == [("DELETE", path(ON_APP, "application"), 200), ("POST", path(ON_APP, "assign"), 204)]
    [assign] = [entry for entry in numbers.log("to_trunk") if entry["method"] == "POST"]
    assert assign["body"] == {"trunk_group_id": "trunk-b"}
    assert numbers.final[ON_APP]["app_id"] is None and numbers.final[ON_APP]["trunk_group_id"] == "trunk-b"


def test_a_trunk_swapped_is_unassigned_then_assigned_and_a_rerun_only_reads(numbers: Numbers):
    assert numbers.result("trunk_swap")["changed"] is True
    assert numbers.writes("trunk_swap") == [("DELETE", path(ON_TRUNK_2, "assign"), 204), ("POST", path(ON_TRUNK_2, "assign"), 204)]
    again = numbers.result("trunk_again")
    assert again["changed"] is False and again["numbers"][0]["number"] == ON_TRUNK_2 and numbers.writes("trunk_again") == []
    assert numbers.final[ON_TRUNK_2]["trunk_group_id"] == "trunk-b"


def test_route_to_none_detaches_and_unassigns_each_number_once(numbers: Numbers):
    result = numbers.result("routed_none")
    assert [(item["number"], item["changed"]) for item in result["numbers"]] == [
        (BULK[0], True), (BULK[1], True), (ON_TRUNK_3, True), (UNROUTED, False)]
    assert all(item["after"] == NONE for item in result["numbers"])
    assert sorted(numbers.writes("routed_none")) == [("DELETE", path(BULK[0], "application"), 200), ("DELETE", path(BULK[1], "application"), 200),
                                                     ("DELETE", path(ON_TRUNK_3, "assign"), 204)]
    assert all(numbers.final[number]["app_id"] is None and numbers.final[number]["trunk_group_id"] is None for number in (BULK[0], BULK[1], ON_TRUNK_3))


def test_bad_input_is_refused_before_any_request(numbers: Numbers):
    messages = [item["msg"] for item in numbers.result("refused")["results"]]
    assert all(item["failed"] for item in numbers.result("refused")["results"])
    assert "number '12ab' is not an E.164 number" in messages[0]
    assert "number and numbers are mutually exclusive" in messages[1] and "one of number and numbers is required" in messages[2]
    assert "application is required with route_to=application" in messages[3]
    assert "trunk_group_id is required with route_to=trunk" in messages[4]
    assert "trunk_group_id goes only with route_to=trunk" in messages[5]
    assert "trunk_group_id 'a/b' is not valid" in messages[6]
    assert "numbers holds 1001 numbers: at most 1000" in messages[7]
    assert "application 'bad name' is not valid" in messages[8]
    info = [item["msg"] for item in numbers.result("info_refused")["results"]]
    assert "number does not go with inventory=true" in info[0] and "search goes only with inventory=true" in info[1]
    assert "country 'IND' is not a country code" in info[2] and "limit must be between 1 and 1000" in info[3]
    assert numbers.log("refused") == []


def test_info_reads_every_page_in_the_page_form(numbers: Numbers):
    result = numbers.result("info_all")
    assert result["changed"] is False and result["count"] == len(OWNED)
    assert [item["e164"] for item in result["numbers"]] == OWNED
    assert [entry["query"]["page"] for entry in numbers.log("info_all")] == ["1", "2"]


def test_info_reads_every_page_in_the_offset_form(numbers: Numbers):
    result = numbers.result("info_offset")
    assert result["count"] == len(LIST_IN + LIST_US) and [item["e164"] for item in result["numbers"]] == LIST_IN + LIST_US
    assert [entry["query"]["offset"] for entry in numbers.log("info_offset")] == ["0", "100", "200"]
    assert numbers.result("info_country")["count"] == len(LIST_US)
    assert {item["e164"] for item in numbers.result("info_country")["numbers"]} == set(LIST_US)


def test_info_filters_by_application_and_number(numbers: Numbers):
    by_app = numbers.result("info_app")
    assert [item["e164"] for item in by_app["numbers"]] == BULK[2:]
    assert all(item["application_id"] == numbers.app_id for item in by_app["numbers"])
    filtered = numbers.result("info_filtered")
    assert filtered["count"] == 1 and filtered["numbers"][0]["e164"] == BULK[5]


def test_info_searches_the_inventory_over_pages_up_to_the_limit(numbers: Numbers):
    result = numbers.result("on_sale")
    assert result["count"] == 150 and [item["e164"] for item in result["numbers"]] == ON_SALE[:150]
    queries = [entry["query"] for entry in numbers.log("on_sale")]
    assert queries == [{"page": str(page), "per_page": "100", "country": "US", "search": "555"} for page in (1, 2)]
    assert {entry["path"] for entry in numbers.log("on_sale")} == {"/api/v1/Account/%s/inventory/numbers" % AUTH_ID}


def test_info_ad_hoc_reads_the_numbers_of_an_application(ansible, sim: Sim):
    """`ansible localhost -m vobiz.telephony.number_info`: the numbers routed to the application named, not the others."""
    (app_id,) = sim.control("POST", "applications", {"applications": [{"app_name": "adhoc-app", "answer_url": "https://example.com/a"}]})["added"]
    sim.control("POST", "numbers", {"numbers": [{"e164": "+919400000001", "app_id": app_id}, {"e164": "+919400000002"}]})
    run = ansible.adhoc("application=adhoc-app", module="vobiz.telephony.number_info", verbose=True)
    assert (run.rc, run.status) == (0, "SUCCESS"), run.explain()
    assert (run.result["changed"], run.result["count"]) == (False, 1)
    assert [(item["e164"], item["application_id"]) for item in run.result["numbers"]] == [("+919400000001", app_id)]
    assert {entry["method"] for entry in sim.requests()} == {"GET"}
