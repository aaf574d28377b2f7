# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Numbers' routing (config/_numbers) over fake gateways: the owned numbers read once and every number checked
before any write, the application resolved once, only what differs written in the right order, check mode writing
nothing, a failure midway reporting the numbers changed, the info module's filters."""

from __future__ import annotations

import pytest

from ansible_collections.vobiz.telephony.plugins.module_utils.config._numbers import (
    NumberError,
    RoutingStore,
    converge_numbers,
    declared,
    diff_of,
    failed_entries,
    matching,
    owned_routing,
    resolve_application,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizHTTPError

NONE = {"application_id": None, "trunk_group_id": None}


class FakeNumbers:
    def __init__(self, *numbers, fail_on=None):
        self.numbers = list(numbers)
        self.sent = []
        self.fail_on = fail_on

    def list_all(self):
        self.sent.append("list")
        return list(self.numbers)

    def _write(self, what):
        if self.fail_on is not None and self.fail_on in what:
            raise VobizHTTPError("POST x answered HTTP 404 Not Found", "x", 404)
        self.sent.append(what)

    def unassign(self, e164, trunk):
        self._write("unassign %s %s" % (e164, trunk))

    def detach(self, e164):
        self._write("detach %s" % e164)

    def attach(self, e164, app_id):
        self._write("attach %s %s" % (e164, app_id))

    def assign(self, e164, trunk):
        self._write("assign %s %s" % (e164, trunk))


class FakeApplications:
    def __init__(self, *applications):
        self.applications = list(applications)
        self.sent = []

    def fetch(self, app_id):
        self.sent.append("get " + app_id)
        return next((app for app in self.applications if app["app_id"] == app_id), None)

    def list_all(self, concurrency):
        self.sent.append("list")
        return list(self.applications)


OWNED = [{"e164": "+911", "application_id": "7"}, {"e164": "+912", "trunk_group_id": "t1"}, {"e164": "+913"},
         {"e164": "+914", "app_id": 8, "trunk_group_id": None}]


def test_every_number_is_checked_before_any_write_naming_the_unowned():
    api = FakeNumbers(*OWNED)
    with pytest.raises(NumberError) as raised:
        owned_routing(api, ["+911", "+999", "+998"])
    assert raised.value.result == {"unowned": ["+999", "+998"]} and "+999, +998" in raised.value.message
    assert api.sent == ["list"]
    assert owned_routing(api, ["+914", "+911"]) == {"+914": {"e164": "+914", "application_id": "8", "trunk_group_id": None},
                                                    "+911": {"e164": "+911", "application_id": "7", "trunk_group_id": None}}


def test_only_what_differs_is_written_in_order():
    api = FakeNumbers(*OWNED)
    current = owned_routing(api, ["+911", "+912", "+913", "+914"])
    entries = converge_numbers(RoutingStore(api), current, declared("application", "7", None), False, 1)
    assert [item["changed"] for item in entries] == [False, True, True, True]
    assert api.sent == ["list", "unassign +912 t1", "attach +912 7", "attach +913 7", "attach +914 7"]
    assert entries[1] == {"number": "+912", "before": {"application_id": None, "trunk_group_id": "t1"},
                          "after": {"application_id": "7", "trunk_group_id": None}, "changed": True}
    assert diff_of(entries)["before"] == {item["number"]: item["before"] for item in entries[1:]}


def test_a_trunk_detaches_the_application_and_replaces_another_trunk():
    api = FakeNumbers(*OWNED)
    current = owned_routing(api, ["+911", "+912"])
    converge_numbers(RoutingStore(api), current, declared("trunk", None, "t2"), False, 1)
    assert api.sent[1:] == ["detach +911", "assign +911 t2", "unassign +912 t1", "assign +912 t2"]


def test_none_detaches_and_unassigns_and_check_mode_writes_nothing():
    api = FakeNumbers(*OWNED)
    current = owned_routing(api, ["+911", "+912", "+913"])
    checked = converge_numbers(RoutingStore(api), current, declared("none", None, None), True, 4)
    assert [item["changed"] for item in checked] == [True, True, False] and all(item["after"] == NONE for item in checked)
    assert api.sent == ["list"]
    converge_numbers(RoutingStore(api), current, declared("none", None, None), False, 4)
    assert sorted(api.sent[1:]) == ["detach +911", "unassign +912 t1"]


def test_a_failure_midway_names_the_number_and_keeps_those_changed():
    api = FakeNumbers(*OWNED, fail_on="+913")
    current = owned_routing(api, ["+912", "+913", "+914"])
    store = RoutingStore(api)
    with pytest.raises(NumberError) as raised:
        converge_numbers(store, current, declared("application", "9", None), False, 1)
    assert raised.value.message.startswith("routing +913: ") and raised.value.error.status_code == 404
    assert [item["number"] for item in failed_entries(store, current)] == ["+912"]


def test_the_application_is_resolved_by_app_id_then_by_name():
    apps = FakeApplications({"app_id": "123", "app_name": "ivr"}, {"app_id": "456", "app_name": "twin"}, {"app_id": "789", "app_name": "twin"})
    assert resolve_application(apps, "123", 8) == "123" and apps.sent == ["get 123"]
    assert resolve_application(apps, "ivr", 8) == "123" and apps.sent[-1] == "list"
    with pytest.raises(NumberError) as raised:
        resolve_application(apps, "twin", 8)
    assert raised.value.result == {"app_ids": ["456", "789"]}
    with pytest.raises(NumberError, match="no application named 999 nor under that app_id"):
        resolve_application(apps, "999", 8)


def test_the_info_filters_hold_together():
    numbers = [{"e164": "+911", "application_id": "7", "country": "IN"}, {"e164": "+12", "application_id": "8", "country": "US"},
               {"e164": "+913", "country": "IN"}]
    assert matching(numbers, None, None, [], None) == numbers
    assert matching(numbers, "+913", None, [], None) == [numbers[2]]
    assert matching(numbers, None, "ivr", [{"app_id": "8", "app_name": "ivr"}], None) == [numbers[1]]
    assert matching(numbers, None, "7", [], "in") == [numbers[0]]
    assert matching(numbers, None, None, [], "us") == [numbers[1]]
