# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Applications (config/_applications) over fake gateways: found by app_id or by name, duplicates refused, a create whose
outcome is unknown looked up once and never sent again, a delete refused with 409 naming the numbers, detach_numbers."""

from __future__ import annotations

import pytest

from ansible_collections.vobiz.telephony.plugins.module_utils.config._applications import FIELDS, ApplicationError, ApplicationStore, find, url_warnings
from ansible_collections.vobiz.telephony.plugins.module_utils.config._converge import ABSENT, PRESENT, converge
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizConnectionError, VobizHTTPError


class FakeApplications:
    def __init__(self, *applications, create_error=None, created_anyway=False, delete_error=None):
        self.applications = list(applications)
        self.create_error, self.created_anyway, self.delete_error = create_error, created_anyway, delete_error
        self.sent = []

    def list_all(self, concurrency):
        self.sent.append("list")
        return list(self.applications)

    def fetch(self, app_id):
        self.sent.append("get " + app_id)
        return next((dict(app) for app in self.applications if app["app_id"] == app_id), None)

    def create(self, body):
        self.sent.append("create")
        if self.create_error is not None:
            if self.created_anyway:
                self.applications.append(dict(body, app_id="99"))
            raise self.create_error
        self.applications.append(dict(body, app_id="99"))
        return "99"

    def update(self, app_id, body):
        self.sent.append("update " + app_id)

    def delete(self, app_id):
        self.sent.append("delete " + app_id)
        if self.delete_error is not None:
            raise self.delete_error
        return True


class FakeNumbers:
    def __init__(self, routes: dict):
        self.routes = routes
        self.detached = []

    def routed_to(self, app_id):
        return [number for number, target in self.routes.items() if target == app_id]

    def detach(self, e164):
        self.detached.append(e164)
        self.routes[e164] = None


APP = {"app_id": "1", "app_name": "ivr", "answer_url": "https://x/a", "answer_method": "POST"}
WANTED = {"name": "new", "answer_url": "https://x/a", "answer_method": "POST"}


def test_find_by_app_id_reads_one_and_by_name_lists():
    api = FakeApplications(APP)
    assert find(api, None, "1", 8)["app_name"] == "ivr" and api.sent == ["get 1"]
    assert find(api, "ivr", None, 8)["app_id"] == "1" and find(api, "other", None, 8) is None


def test_two_applications_of_one_name_are_refused_naming_both():
    api = FakeApplications(APP, dict(APP, app_id="2"))
    with pytest.raises(ApplicationError) as raised:
        find(api, "ivr", None, 8)
    assert raised.value.result == {"app_ids": ["1", "2"]} and "app_id 1, 2" in raised.value.message


@pytest.mark.parametrize("error", [VobizHTTPError("POST x answered HTTP 500", "x", 500), VobizConnectionError("POST x failed: no answer", "x")])
def test_an_unknown_create_found_by_name_is_reported_created(error):
    api = FakeApplications(create_error=error, created_anyway=True)
    store = ApplicationStore(api, FakeNumbers({}), 8)
    outcome = converge(store, FIELDS, WANTED, PRESENT, None, check_mode=False)
    assert outcome.changed and outcome.key == "99" and api.sent == ["create", "list", "get 99"]
    assert "outcome was unknown" in store.warnings[0]


def test_an_unknown_create_not_found_fails_saying_it_may_exist():
    api = FakeApplications(create_error=VobizHTTPError("POST x answered HTTP 503", "x", 503))
    with pytest.raises(ApplicationError) as raised:
        converge(ApplicationStore(api, FakeNumbers({}), 8), FIELDS, WANTED, PRESENT, None, check_mode=False)
    assert "may still have been created" in raised.value.message and api.sent == ["create", "list"]


def test_a_refused_create_is_not_looked_up():
    api = FakeApplications(create_error=VobizHTTPError("POST x answered HTTP 400", "x", 400))
    with pytest.raises(VobizHTTPError):
        converge(ApplicationStore(api, FakeNumbers({}), 8), FIELDS, WANTED, PRESENT, None, check_mode=False)
    assert api.sent == ["create"]


def test_a_409_names_the_numbers_routed_to_the_application():
    api = FakeApplications(APP, delete_error=VobizHTTPError("DELETE x answered HTTP 409", "x", 409))
    numbers = FakeNumbers({"+911": "1", "+912": "2"})
    with pytest.raises(ApplicationError) as raised:
        converge(ApplicationStore(api, numbers, 8), FIELDS, {}, ABSENT, dict(APP), check_mode=False)
    assert raised.value.result == {"numbers": ["+911"]} and "+911" in raised.value.message and "detach_numbers" in raised.value.message


@pytest.mark.parametrize("check_mode", [True, False])
def test_detach_numbers_detaches_first_or_lists_them_in_check_mode(check_mode):
    api = FakeApplications(APP)
    numbers = FakeNumbers({"+911": "1", "+912": "2", "+913": "1"})
    store = ApplicationStore(api, numbers, 8, detach_numbers=True)
    outcome = converge(store, FIELDS, {}, ABSENT, dict(APP), check_mode=check_mode)
    assert outcome.changed and store.detached == ["+911", "+913"]
    assert sorted(numbers.detached) == ([] if check_mode else ["+911", "+913"])
    assert api.sent == ([] if check_mode else ["delete 1"])


def test_plain_http_to_a_remote_host_draws_a_warning_per_url():
    warnings = url_warnings({"answer_url": "http://ivr.example.com/a", "hangup_url": "http://127.0.0.1/h", "message_url": "https://x/m"})
    assert len(warnings) == 1 and warnings[0].startswith("answer_url 'http://ivr.example.com/a' is plain http")
