"""The simulator's number API (tests/simulator/config_api.py), spoken to directly: trunk assignment, the errors the
reference's section 2 gives for bad input (404 an unknown number or application, 403 a number another account owns,
400 a trunk already assigned), both paging forms of the owned numbers, and the inventory."""

from __future__ import annotations

from conftest import AUTH_ID, OTHER_AUTH_ID, Sim
from test_simulator_applications import api

NUMBERS = "/Account/%s/numbers" % AUTH_ID
MINE, THEIRS = "+919100000201", "+919100000202"


def number_path(number: str, sub: str) -> str:
    return "%s/%%2B%s/%s" % (NUMBERS, number[1:], sub)


def add_numbers(sim: Sim) -> None:
    sim.control("POST", "numbers", {"numbers": [{"e164": MINE}, {"e164": THEIRS, "account": OTHER_AUTH_ID}]})


def test_a_trunk_is_assigned_once_and_unassigned_once(sim):
    add_numbers(sim)
    assert api(sim, "POST", number_path(MINE, "assign"), {"trunk_group_id": "trunk-1"}) == (204, None)
    status, answer = api(sim, "POST", number_path(MINE, "assign"), {"trunk_group_id": "trunk-2"})
    assert (status, answer["message"]) == (400, "This number is already assigned to a trunk.")
    [item] = [item for item in api(sim, "GET", NUMBERS)[1]["items"] if item["e164"] == MINE]
    assert item["trunk_group_id"] == "trunk-1" and "application_id" not in item
    assert api(sim, "DELETE", number_path(MINE, "assign"), {"trunk_group_id": "trunk-1"}) == (204, None)
    assert api(sim, "DELETE", number_path(MINE, "assign"))[0] == 404
    [item] = [item for item in api(sim, "GET", NUMBERS)[1]["items"] if item["e164"] == MINE]
    assert "trunk_group_id" not in item
    assert api(sim, "POST", number_path(MINE, "assign"), {})[0] == 400


def test_bad_input_gets_the_documented_errors(sim):
    add_numbers(sim)
    for sub in ("application", "assign"):
        status, answer = api(sim, "POST", number_path(THEIRS, sub), {"application_id": "1", "trunk_group_id": "t"})
        assert (status, answer) == (403, {"error": "forbidden", "message": "account does not own this number"}), sub
        assert api(sim, "DELETE", number_path("+919399999999", sub))[0] == 404
        assert api(sim, "DELETE", "%s/+%s/%s" % (NUMBERS, MINE[1:], sub))[0] == 404  # a raw + does not match
    status, answer = api(sim, "POST", number_path(MINE, "application"), {"application_id": "99999999999999999"})
    assert (status, answer["error"]) == (404, "Application not found")


def test_the_owned_numbers_page_in_either_form(sim):
    numbers = ["+9191000003%02d" % index for index in range(30)]
    sim.control("POST", "numbers", {"numbers": [{"e164": number} for number in numbers]})
    status, page = api(sim, "GET", NUMBERS + "?page=2&per_page=10&limit=5&offset=0")
    assert status == 200 and page["page"] == 2 and page["per_page"] == 10 and len(page["items"]) == 10
    sim.control("POST", "numbers", {"number_paging": {AUTH_ID: "offset"}})
    status, page = api(sim, "GET", NUMBERS + "?page=2&per_page=10&limit=5&offset=3")
    assert status == 200 and "items" not in page and page["meta"]["offset"] == 3 and page["meta"]["limit"] == 5
    assert page["meta"]["total_count"] >= 30 and len(page["objects"]) == 5
    assert api(sim, "GET", NUMBERS + "?limit=101")[0] == 400


def test_the_inventory_filters_by_country_and_search(sim):
    sim.control("POST", "inventory", {"inventory": [{"e164": "+14155550100", "country": "US"}, {"e164": "+14155550101", "country": "US"},
                                                    {"e164": "+12125550100", "country": "US"}, {"e164": "+919800000001"}]})
    status, page = api(sim, "GET", "/Account/%s/inventory/numbers?country=us&search=415&per_page=1&page=2" % AUTH_ID)
    assert status == 200 and page["total"] == 2 and [item["e164"] for item in page["items"]] == ["+14155550101"]
    assert page["items"][0]["status"] == "active" and "account_id" not in page["items"][0]
    assert api(sim, "GET", "/Account/%s/inventory/numbers?country=IN" % AUTH_ID)[1]["total"] == 1


def test_search_keeps_the_owned_numbers_that_hold_it(sim):
    add_numbers(sim)
    status, page = api(sim, "GET", NUMBERS + "?search=%2B" + MINE[1:])
    assert (status, [item["e164"] for item in page["items"]], page["total"]) == (200, [MINE], 1)
    assert api(sim, "GET", NUMBERS + "?search=" + THEIRS[1:])[1]["items"] == []  # another account's
