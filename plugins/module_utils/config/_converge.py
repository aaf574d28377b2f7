# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Bringing one Vobiz resource (an application, a number's routing) to the state a task declares, written once for
every configuration module: the fields a task manages, what differs, the body of a create and the whole merged set of
an update, the decision (create, update, delete or nothing), the diff, and check mode.

The rules: an option left unset is not managed (neither compared nor changed); an update sends the whole merged set
(the task's value of each field it sets, the current value of each other field Vobiz returned), since Vobiz's sources
disagree on whether an update keeps a field it omits; a field Vobiz never returns (write-only) is sent when the task
sets it and never compared, so a difference in it alone cannot be seen. No HTTP and no Ansible here: a Store reads
and writes the resource.
"""

from __future__ import annotations

PRESENT, ABSENT = "present", "absent"
CREATE, UPDATE, DELETE, NOTHING = "create", "update", "delete", "none"


class ConvergeError(Exception):
    """The task cannot go on: why (`message`), the HTTP error behind it if any, and what to return beside it."""

    def __init__(self, message: str, error: Exception | None = None, **result):
        super().__init__(message)
        self.message = message
        self.error = error
        self.result = result


class Field:
    """One field a module manages: its option, its name in the API, other names it is also sent under (`also_sent_as`)
    or read under (`read_as`), whether Vobiz returns it (`readable`), and how two values compare (`normalise`)."""

    def __init__(self, option: str, api_name: str | None = None, also_sent_as: tuple = (), read_as: tuple = (),
                 readable: bool = True, normalise=None):
        self.option = option
        self.api_name = api_name or option
        self.sent_as = (self.api_name,) + tuple(also_sent_as)
        self.read_as = (self.api_name,) + tuple(read_as)
        self.readable = readable
        self.normalise = normalise or (lambda value: value)

    def read(self, record: dict):
        """The field's value in a record Vobiz sent, under the first of its names present; None when it has none."""
        for name in self.read_as:
            if record.get(name) is not None:
                return record[name]
        return None

    def differs(self, wanted, record: dict) -> bool:
        current = self.read(record)
        return current is None or self.normalise(current) != self.normalise(wanted)


def wanted_values(fields: list, params: dict) -> dict:
    """The task's value of each field it sets, by option (an option left unset is not managed)."""
    return {field.option: params[field.option] for field in fields if params.get(field.option) is not None}


def _put(body: dict, field: Field, value) -> None:
    for name in field.sent_as:
        body[name] = value


def create_body(fields: list, wanted: dict) -> dict:
    """The body of a create: every field the task sets, under each of its names."""
    body = {}
    for field in fields:
        if field.option in wanted:
            _put(body, field, wanted[field.option])
    return body


def merged_body(fields: list, wanted: dict, current: dict) -> dict:
    """The body of an update: the task's value of each field it sets, and the current value of each other field Vobiz
    returned (a field it returned null or not at all is left out: Vobiz's default is then what it holds)."""
    body = {}
    for field in fields:
        if field.option in wanted:
            _put(body, field, wanted[field.option])
        elif field.readable and field.read(current) is not None:
            _put(body, field, field.read(current))
    return body


def differing(fields: list, wanted: dict, current: dict) -> list:
    """The fields the task sets whose current value differs; write-only fields are never compared."""
    return [field for field in fields if field.option in wanted and field.readable and field.differs(wanted[field.option], current)]


def managed_view(fields: list, values: dict) -> dict:
    """The managed fields of a record Vobiz sent, by option."""
    return {field.option: field.read(values) for field in fields if field.readable}


class Plan:
    """What converging one resource takes: `action` (CREATE, UPDATE, DELETE or NOTHING), the body to send, and the diff
    of the managed fields (`before`, `after`, by option; an update shows only the fields that differ)."""

    def __init__(self, action: str, body: dict | None = None, before: dict | None = None, after: dict | None = None):
        self.action = action
        self.body = body or {}
        self.before = before or {}
        self.after = after or {}

    @property
    def changes(self) -> bool:
        return self.action != NOTHING

    def diff(self) -> dict:
        return {"before": self.before, "after": self.after}


def plan_present(fields: list, wanted: dict, current: dict | None) -> Plan:
    """Create an absent resource; update one whose managed fields differ, with the whole merged set; else nothing."""
    if current is None:
        return Plan(CREATE, create_body(fields, wanted), {}, {field.option: wanted[field.option] for field in fields if field.option in wanted})
    changed = differing(fields, wanted, current)
    if not changed:
        return Plan(NOTHING)
    return Plan(UPDATE, merged_body(fields, wanted, current), {field.option: field.read(current) for field in changed},
                {field.option: wanted[field.option] for field in changed})


def plan_absent(fields: list, current: dict | None) -> Plan:
    """Delete a resource that exists; nothing for one already absent."""
    if current is None:
        return Plan(NOTHING)
    return Plan(DELETE, before=managed_view(fields, current))


def predicted(fields: list, current: dict | None, plan: Plan) -> dict:
    """The resource as it would be after the plan (check mode): the current record with the body's fields, {} once
    deleted."""
    if plan.action == DELETE:
        return {}
    record = dict(current or {})
    for field in fields:
        if field.api_name in plan.body and field.readable:
            record[field.api_name] = plan.body[field.api_name]
    return record


class Store:
    """How one kind of resource is read and written (a gateway and its rules). `key_of` gives a record's id; `create`
    returns the new id; `fetch` reads one by id after a change; `check_delete` is check mode's stand-in for `delete`
    (reads only)."""

    def key_of(self, record: dict) -> str:
        raise NotImplementedError

    def create(self, body: dict) -> str:
        raise NotImplementedError

    def update(self, current: dict, body: dict) -> None:
        raise NotImplementedError

    def delete(self, current: dict) -> None:
        raise NotImplementedError

    def check_delete(self, current: dict) -> None:
        """In check mode, instead of delete(): read what a delete would do (nothing by default)."""

    def fetch(self, key: str) -> dict | None:
        raise NotImplementedError


class Outcome:
    """What converging did (in check mode, would do): the plan, the resource's id, and the resource as read after the
    change (predicted in check mode; {} once deleted)."""

    def __init__(self, plan: Plan, key: str | None, after: dict):
        self.plan = plan
        self.key = key
        self.after = after

    @property
    def changed(self) -> bool:
        return self.plan.changes


def converge(store: Store, fields: list, wanted: dict, state: str, current: dict | None, check_mode: bool) -> Outcome:
    """Bring the resource read as `current` (None: absent) to `state` with the `wanted` fields. Check mode sends no
    write and predicts the result; otherwise the resource is read again after a create or an update."""
    plan = plan_present(fields, wanted, current) if state == PRESENT else plan_absent(fields, current)
    key = store.key_of(current) if current is not None else None
    if check_mode or not plan.changes:
        if plan.action == DELETE:
            store.check_delete(current)
        return Outcome(plan, key, predicted(fields, current, plan) if plan.changes else dict(current or {}))
    if plan.action == DELETE:
        store.delete(current)
        return Outcome(plan, key, {})
    if plan.action == CREATE:
        key = store.create(plan.body)
    else:
        store.update(current, plan.body)
    after = store.fetch(key)
    return Outcome(plan, key, after if after is not None else predicted(fields, current, plan))
