# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Numbers' routing as code: where each number sends its calls (an application, a trunk, or neither) brought to the
state a task declares through config/_converge, one number after another `concurrency` at a time. The owned numbers
are read once; every number given is checked against them before any write; the application is resolved once (an
app_id or a name). The Store writes through the number gateway and never reads back: the list was read once, and the
routing after a change is the one declared. No Ansible and no HTTP here.
"""

from __future__ import annotations

from ansible_collections.vobiz.telephony.plugins.module_utils.api._applications import ApplicationApi, app_id_of
from ansible_collections.vobiz.telephony.plugins.module_utils.api._numbers import NumberApi, application_of, e164_of, trunk_of
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently
from ansible_collections.vobiz.telephony.plugins.module_utils.config._converge import PRESENT, ConvergeError, Field, Store, converge
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError

APPLICATION, TRUNK, NONE = "application", "trunk", "none"
ROUTES = (APPLICATION, TRUNK, NONE)
MAX_NUMBERS = 1000
SHOWN_IN_MESSAGES = 10


class RoutingField(Field):
    """A routing field: null is a value of its own (routed to none), so null and null do not differ."""

    def differs(self, wanted, record: dict) -> bool:
        return self.read(record) != wanted


FIELDS = [RoutingField("application_id"), RoutingField("trunk_group_id")]


class NumberError(ConvergeError):
    """Why a task on a number cannot go on."""


def shown_list(values: list) -> str:
    return ", ".join(values[:SHOWN_IN_MESSAGES]) + (", ..." if len(values) > SHOWN_IN_MESSAGES else "")


def routing_of(number: dict) -> dict:
    """A number Vobiz listed as the record converge compares: its e164 and where it is routed."""
    return {"e164": e164_of(number), "application_id": application_of(number), "trunk_group_id": trunk_of(number)}


def routing(record: dict) -> dict:
    return {field.option: record.get(field.option) for field in FIELDS}


def declared(route_to: str, app_id: str | None, trunk_group_id: str | None) -> dict:
    """The routing a task declares: one of the two, or neither."""
    return {"application_id": app_id if route_to == APPLICATION else None, "trunk_group_id": trunk_group_id if route_to == TRUNK else None}


def resolve_application(api: ApplicationApi, value: str, concurrency: int) -> str:
    """The app_id of `value`, once: an application under that app_id (one read, for digits only, as app_ids are),
    else the one application of that name over every page. None or several of that name: NumberError."""
    if value.isdigit():
        found = api.fetch(value)
        if found is not None:
            return app_id_of(found) or value
    named = [app for app in api.list_all(concurrency) if app.get("app_name") == value]
    if len(named) > 1:
        app_ids = [app_id_of(app) or "?" for app in named]
        raise NumberError("%d applications are named %s (app_id %s): give the app_id to say which one" % (len(named), value, shown_list(app_ids)),
                          app_ids=app_ids)
    if not named:
        raise NumberError("Vobiz has no application named %s nor under that app_id" % value)
    return app_id_of(named[0])


def owned_routing(api: NumberApi, numbers: list) -> dict:
    """Where each number given is routed, by e164, from one read of every page of the owned numbers. A number the
    account does not own: NumberError naming every such number (`unowned`), before any write."""
    owned = {}
    for number in api.list_all():
        record = routing_of(number)
        if record["e164"] is not None:
            owned[record["e164"]] = record
    unowned = [number for number in numbers if number not in owned]
    if unowned:
        raise NumberError("the account does not own %d of the numbers given: %s; nothing was changed" % (len(unowned), shown_list(unowned)),
                          unowned=unowned)
    return {number: owned[number] for number in numbers}


class RoutingStore(Store):
    """A number's routing (a resource that always exists: only updated). An update sends what the change needs, in
    this order: the old trunk unassigned (an assign does not overwrite one, and a trunk takes the calls), the
    application detached when none is declared, the declared application attached (it overwrites), the declared trunk
    assigned. `changed` keeps each number changed, by e164, for a task that fails midway."""

    def __init__(self, api: NumberApi):
        self.api = api
        self.changed: dict = {}

    def key_of(self, record: dict) -> str:
        return record["e164"]

    def fetch(self, key: str) -> dict | None:
        return None  # no read back: the routing after a change is the one declared

    def update(self, current: dict, body: dict) -> None:
        e164, app_id, trunk = current["e164"], current["application_id"], current["trunk_group_id"]
        try:
            if trunk is not None and body["trunk_group_id"] != trunk:
                self.api.unassign(e164, trunk)
            if app_id is not None and body["application_id"] is None:
                self.api.detach(e164)
            if body["application_id"] is not None and body["application_id"] != app_id:
                self.api.attach(e164, body["application_id"])
            if body["trunk_group_id"] is not None and body["trunk_group_id"] != trunk:
                self.api.assign(e164, body["trunk_group_id"])
        except VobizError as error:
            raise NumberError("routing %s: %s" % (e164, error.message), error) from None
        self.changed[e164] = dict(current, **body)


def entry(before: dict, after: dict, changed: bool) -> dict:
    """One number of the result: `number`, `before` and `after` (application_id, trunk_group_id), `changed`."""
    return {"number": before["e164"], "before": routing(before), "after": routing(after), "changed": changed}


def converge_numbers(store: RoutingStore, current: dict, wanted: dict, check_mode: bool, concurrency: int) -> list:
    """Each number of `current` (e164 to its routing, in the task's order) brought to the `wanted` routing,
    `concurrency` at a time; only those whose routing differs are written. The entries, in the same order."""
    def one(record: dict) -> dict:
        outcome = converge(store, FIELDS, wanted, PRESENT, record, check_mode)
        return entry(record, outcome.after, outcome.changed)

    return map_concurrently(one, list(current.values()), concurrency)


def failed_entries(store: RoutingStore, current: dict) -> list:
    """After a failure: the entries of the numbers changed before it."""
    return [entry(current[number], store.changed[number], True) for number in current if number in store.changed]


def diff_of(entries: list) -> dict:
    """The changed numbers' routing, by number, before and after."""
    changed = [item for item in entries if item["changed"]]
    return {"before": {item["number"]: item["before"] for item in changed}, "after": {item["number"]: item["after"] for item in changed}}


def matching(numbers: list, number: str | None, application: str | None, applications: list, country: str | None) -> list:
    """The numbers Vobiz listed that hold every filter given: this e164; routed to `application` (an app_id, or the name
    of any of `applications`); of this country (any case)."""
    app_ids = {application} | {app_id_of(app) for app in applications if app.get("app_name") == application} if application is not None else set()
    return [item for item in numbers
            if (number is None or e164_of(item) == number)
            and (application is None or application_of(item) in app_ids)
            and (country is None or str(item.get("country", "")).upper() == country.upper())]
