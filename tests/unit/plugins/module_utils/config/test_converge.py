# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Converging one resource (config/_converge): only the options set are managed, an update carries the whole merged set,
write-only fields are sent but never compared, check mode writes nothing, and the diff shows what differs."""

from __future__ import annotations

import pytest

from ansible_collections.vobiz.telephony.plugins.module_utils.config._converge import (
    ABSENT,
    CREATE,
    DELETE,
    NOTHING,
    PRESENT,
    UPDATE,
    Field,
    Store,
    converge,
    merged_body,
    plan_absent,
    plan_present,
    wanted_values,
)

FIELDS = [Field("name", "app_name"), Field("url"), Field("method", normalise=str.upper), Field("secret", readable=False),
          Field("flag", "flag_one", also_sent_as=("flag_many",), read_as=("flag_many",))]
CURRENT = {"id": "7", "app_name": "a", "url": "https://x/1", "method": "POST", "flag_many": True, "other": "kept out"}


class FakeStore(Store):
    def __init__(self, records: dict):
        self.records = records
        self.writes = []

    def key_of(self, record):
        return record["id"]

    def create(self, body):
        self.writes.append(("create", body))
        self.records["8"] = dict(body, id="8")
        return "8"

    def update(self, current, body):
        self.writes.append(("update", current["id"], body))
        self.records[current["id"]].update(body)

    def delete(self, current):
        self.writes.append(("delete", current["id"]))
        del self.records[current["id"]]

    def check_delete(self, current):
        self.writes.append(("check_delete", current["id"]))

    def fetch(self, key):
        return dict(self.records[key])


def test_an_option_left_unset_is_not_managed():
    assert wanted_values(FIELDS, {"name": "a", "url": None, "method": "post", "secret": None, "flag": None}) == {"name": "a", "method": "post"}
    assert plan_present(FIELDS, {"name": "a", "method": "post"}, CURRENT).action == NOTHING  # compared case-blind


def test_an_update_sends_the_merged_set_and_the_diff_shows_the_field_alone():
    plan = plan_present(FIELDS, {"name": "a", "url": "https://x/2"}, CURRENT)
    assert plan.action == UPDATE
    assert plan.body == {"app_name": "a", "url": "https://x/2", "method": "POST", "flag_one": True, "flag_many": True}
    assert plan.diff() == {"before": {"url": "https://x/1"}, "after": {"url": "https://x/2"}}


def test_a_write_only_field_is_sent_when_set_and_never_compared():
    assert plan_present(FIELDS, {"name": "a", "secret": True}, CURRENT).action == NOTHING
    plan = plan_present(FIELDS, {"name": "a", "secret": True, "method": "GET"}, CURRENT)
    assert plan.body["secret"] is True and set(plan.diff()["after"]) == {"method"}
    assert "secret" not in merged_body(FIELDS, {"name": "a"}, dict(CURRENT, secret=False))


def test_a_field_returned_null_is_left_out_and_a_missing_one_differs():
    assert merged_body(FIELDS, {}, {"app_name": "a", "url": None}) == {"app_name": "a"}
    assert plan_present(FIELDS, {"url": "https://x/1"}, {"app_name": "a"}).action == UPDATE


def test_create_sends_the_options_set_under_every_name():
    plan = plan_present(FIELDS, {"name": "b", "flag": False}, None)
    assert plan.action == CREATE and plan.body == {"app_name": "b", "flag_one": False, "flag_many": False}
    assert plan.diff() == {"before": {}, "after": {"name": "b", "flag": False}}


def test_absent():
    assert plan_absent(FIELDS, None).action == NOTHING
    plan = plan_absent(FIELDS, CURRENT)
    assert plan.action == DELETE and plan.diff()["after"] == {} and plan.before["flag"] is True


@pytest.mark.parametrize("state, wanted, writes, changed", [
    (PRESENT, {"name": "a", "url": "https://x/2"}, [("update", "7")], True),
    (PRESENT, {"name": "a", "url": "https://x/1"}, [], False),
    (ABSENT, {}, [("delete", "7")], True),
])
def test_converge_writes_once_and_reads_back(state, wanted, writes, changed):
    store = FakeStore({"7": dict(CURRENT)})
    outcome = converge(store, FIELDS, wanted, state, dict(CURRENT), check_mode=False)
    assert [write[:2] for write in store.writes] == writes and outcome.changed is changed and outcome.key == "7"
    assert outcome.after == ({} if state == ABSENT else store.records["7"])


def test_converge_creates_an_absent_resource():
    store = FakeStore({})
    outcome = converge(store, FIELDS, {"name": "b", "url": "https://x/3"}, PRESENT, None, check_mode=False)
    assert store.writes == [("create", {"app_name": "b", "url": "https://x/3"})] and outcome.key == "8" and outcome.after["id"] == "8"


@pytest.mark.parametrize("state, current, wanted, after", [
    (PRESENT, None, {"name": "b", "url": "https://x/3"}, {"app_name": "b", "url": "https://x/3"}),
    (PRESENT, CURRENT, {"url": "https://x/2"}, dict(CURRENT, url="https://x/2", flag_one=True)),
    (ABSENT, CURRENT, {}, {}),
])
def test_check_mode_writes_nothing_and_predicts(state, current, wanted, after):
    store = FakeStore({"7": dict(CURRENT)})
    outcome = converge(store, FIELDS, wanted, state, current, check_mode=True)
    assert [write[0] for write in store.writes] == (["check_delete"] if state == ABSENT else [])
    assert outcome.changed and outcome.after == after
