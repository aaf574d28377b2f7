"""The simulator's application and number API (tests/simulator/config_api.py), spoken to directly: the answers and
errors the reference's sections 1 and 2 give for the current docs."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
from conftest import AUTH_ID, OTHER_AUTH_ID, OTHER_TOKEN, TOKEN, Sim

APPS = "/Account/%s/Application/" % AUTH_ID


def api(sim: Sim, method: str, path: str, body=None, auth_id: str = AUTH_ID, token: str = TOKEN) -> tuple:
    """(status, decoded JSON or None) of one API request."""
    parts = urlsplit(sim.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        headers = {"X-Auth-ID": auth_id, "X-Auth-Token": token, "Content-Type": "application/json"}
        connection.request(method, parts.path + path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        connection.close()


def create(sim: Sim, **fields) -> str:
    status, answer = api(sim, "POST", APPS, dict({"answer_url": "https://example.com/a", "answer_method": "POST"}, **fields))
    assert status == 201 and answer["message"] == "created", answer
    return answer["app_id"]


def test_create_read_and_the_object_without_default_number_app(sim):
    app_id = create(sim, app_name="sim-app", default_number_app=True, log_incoming_messages=False)
    assert len(app_id) == 17 and app_id.isdigit()
    status, app = api(sim, "GET", APPS + app_id + "/")
    assert status == 200 and app["api_id"] and app["app_name"] == "sim-app"
    assert app["hangup_url"] == "https://example.com/a" and app["hangup_method"] == "POST" and app["fallback_answer_url"] is None
    assert app["log_incoming_message"] is False and "default_number_app" not in app
    assert app["resource_uri"] == "/v1/Account/%s/Application/%s/" % (AUTH_ID, app_id)
    held = sim.control("GET", "applications")["applications"]
    assert held[0]["default_number_app"] is True


@pytest.mark.parametrize("body, details", [
    ({"answer_url": "https://example.com/a", "answer_method": "POST"}, {"app_name": "This field is required"}),
    ({"app_name": "My App", "answer_url": "https://example.com/a", "answer_method": "POST"}, {"app_name": "Only letters, digits, '-' and '_' are allowed"}),
    ({"app_name": "a", "answer_url": "example.com", "answer_method": "POST"}, {"answer_url": "Enter a valid URL"}),
    ({"app_name": "a", "answer_url": "https://example.com/a"}, {"answer_method": "This field is required"}),
    ({"app_name": "a", "answer_url": "https://example.com/a", "answer_method": "PUT"}, {"answer_method": "Must be GET or POST"}),
])
def test_create_refuses_bad_fields_naming_them(sim, body, details):
    assert api(sim, "POST", APPS, body) == (400, {"error": "invalid request parameters", "details": details})


def test_update_is_partial_and_unknown_apps_are_404(sim):
    app_id = create(sim, app_name="sim-up", hangup_url="https://example.com/h", default_endpoint_app=True)
    assert api(sim, "POST", APPS + app_id + "/", {"answer_url": "https://example.com/b"})[1]["message"] == "changed"
    app = api(sim, "GET", APPS + app_id + "/")[1]
    assert (app["answer_url"], app["hangup_url"], app["default_endpoint_app"]) == ("https://example.com/b", "https://example.com/h", True)
    missing = {"error": "Application not found", "app_id": "12345"}
    assert api(sim, "GET", APPS + "12345/") == (404, missing)
    assert api(sim, "POST", APPS + "12345/", {"answer_url": "https://example.com/b"}) == (404, missing)
    assert api(sim, "DELETE", APPS + "12345/") == (404, missing)
    assert api(sim, "GET", APPS + app_id + "/", auth_id=OTHER_AUTH_ID, token=OTHER_TOKEN)[0] == 403  # another account's path
    assert api(sim, "GET", "/Account/%s/Application/%s/" % (OTHER_AUTH_ID, app_id), auth_id=OTHER_AUTH_ID, token=OTHER_TOKEN)[0] == 404


def test_list_pages_with_limit_and_offset(sim):
    for index in range(5):
        create(sim, app_name="sim-%d" % index)
    status, page = api(sim, "GET", APPS + "?limit=2&offset=2")
    assert status == 200 and [app["app_name"] for app in page["objects"]] == ["sim-2", "sim-3"]
    assert page["meta"] == {"limit": 2, "offset": 2, "total_count": 5, "next": "/v1/Account/%s/Application/?limit=2&offset=4" % AUTH_ID,
                            "previous": "/v1/Account/%s/Application/?limit=2&offset=0" % AUTH_ID}
    assert api(sim, "GET", APPS + "?limit=2&offset=4")[1]["meta"]["next"] is None
    assert api(sim, "GET", APPS)[1]["meta"]["limit"] == 20
    assert api(sim, "GET", APPS + "?limit=101")[0] == 400


def test_delete_is_409_while_numbers_are_routed_and_detach_needs_the_plus_as_2b(sim):
    app_id = create(sim, app_name="sim-del")
    sim.control("POST", "numbers", {"numbers": [{"e164": "+919100000011", "app_id": app_id}, {"e164": "+919100000012"}]})
    assert api(sim, "DELETE", APPS + app_id + "/") == (409, {"error": "Cannot delete application",
                                                             "message": "Application is currently in use by 1 phone numbers"})
    numbers = "/Account/%s/numbers" % AUTH_ID
    status, listed = api(sim, "GET", numbers + "?page=1&per_page=1")
    assert status == 200 and (listed["total"], listed["page"], listed["per_page"]) == (2, 1, 1)
    assert listed["items"][0]["application_id"] == app_id and listed["items"][0]["e164"] == "+919100000011"
    assert "application_id" not in api(sim, "GET", numbers + "?page=2&per_page=1")[1]["items"][0]
    assert api(sim, "DELETE", numbers + "/+919100000011/application")[0] == 404  # a raw + does not match
    status, detached = api(sim, "DELETE", numbers + "/%2B919100000011/application")
    assert status == 200 and detached["message"] == "Number detached from application" and detached["application"]["app_id"] == app_id
    assert api(sim, "DELETE", numbers + "/%2B919100000011/application")[0] == 200  # already detached: no change
    assert api(sim, "DELETE", APPS + app_id + "/") == (204, None)
    assert api(sim, "GET", APPS + app_id + "/")[0] == 404
