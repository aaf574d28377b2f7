"""The simulated configuration endpoints: applications (`/Account/{auth_id}/Application/...`), the account's owned
numbers (`/Account/{auth_id}/numbers`, in either published paging form; attaching or detaching a number's application;
assigning or unassigning its trunk) and the inventory (`/Account/{auth_id}/inventory/numbers`), as the reference's
sections 1 and 2 describe the current docs. Held in a ConfigStore of the simulator's state, behind its lock."""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .replies import Reply, json_reply, new_api_id

APP_NAME = re.compile(r"\A[A-Za-z0-9_-]+\Z")
E164 = re.compile(r"\A\+[1-9][0-9]{5,14}\Z")
METHODS = ("GET", "POST")
URL_FIELDS = ("answer_url", "hangup_url", "fallback_answer_url", "message_url")
METHOD_FIELDS = ("answer_method", "hangup_method", "fallback_method", "message_method")
BOOL_FIELDS = ("default_number_app", "default_endpoint_app", "log_incoming_message", "log_incoming_messages")
APPLICATION_KEYS = frozenset(("app_id", "account", "app_name") + URL_FIELDS + METHOD_FIELDS + BOOL_FIELDS)
NUMBER_KEYS = frozenset(("e164", "account", "app_id", "trunk_group_id", "country"))
INVENTORY_KEYS = frozenset(("e164", "country"))
# How an account's list of numbers pages: "page" (page and per_page; {items, page, per_page, total}: the current docs)
# or "offset" (limit and offset; {api_id, meta, objects}: the OpenAPI's parameters with the Go SDK's answer).
PAGING = ("page", "offset")
# Vobiz's list of applications: limit default 20, at most 100. Its list of numbers: per_page default 25, at most 100.
APP_LIMIT, APP_MAX = 20, 100
NUMBER_PER_PAGE, NUMBER_MAX = 25, 100
NUMBER_LIMIT = 20  # the OpenAPI's default limit
FIRST_APP_ID = 20577609616603585  # app_ids are numeric strings of 17 digits


@dataclass
class ConfigRoute:
    auth_id: str
    resource: str  # "Application", "numbers" or "inventory"
    key: str | None = None  # an app_id, or a number (decoded)
    raw_key: str | None = None  # the number's segment as sent (a raw "+" does not match)
    sub: str | None = None  # "application" for a number's application, "assign" for its trunk


def parse_config_path(path: str, prefix: str) -> ConfigRoute | None:
    """/Account/{auth_id}/Application[/{app_id}][/], /Account/{auth_id}/numbers[/{number}/application|assign][/] and
    /Account/{auth_id}/inventory/numbers[/]; None for any other path."""
    if not path.startswith(prefix + "/"):
        return None
    raw = path[len(prefix) + 1:].split("/")
    if raw and raw[-1] == "":
        raw.pop()
    if len(raw) < 3 or raw[0] != "Account" or raw[2] not in ("Application", "numbers", "inventory") or not raw[1]:
        return None
    auth_id = unquote(raw[1])
    if raw[2] == "Application" and len(raw) in (3, 4):
        return ConfigRoute(auth_id, "Application", unquote(raw[3]) if len(raw) == 4 else None)
    if raw[2] == "numbers" and len(raw) == 3:
        return ConfigRoute(auth_id, "numbers")
    if raw[2] == "numbers" and len(raw) == 5 and raw[4] in ("application", "assign"):
        return ConfigRoute(auth_id, "numbers", unquote(raw[3]), raw[3], raw[4])
    if raw[2] == "inventory" and len(raw) == 4 and raw[3] == "numbers":
        return ConfigRoute(auth_id, "inventory")
    return None


def allowed_methods(route: ConfigRoute) -> tuple:
    if route.resource == "Application":
        return ("GET", "POST") if route.key is None else ("GET", "POST", "DELETE")
    return ("GET",) if route.sub is None else ("POST", "DELETE")


def _page_numbers(query: dict, paging: str) -> tuple:
    """(offset, size, None) of the page asked for in the account's paging form, or (None, None, the 400 Reply)."""
    if paging == "offset":
        limit, offset = query.get("limit", str(NUMBER_LIMIT)), query.get("offset", "0")
        if not limit.isdigit() or not 1 <= int(limit) <= NUMBER_MAX or not offset.isdigit():
            return None, None, _invalid({"limit": f"limit must be 1 to {NUMBER_MAX}", "offset": "offset must be 0 or more"})
        return int(offset), int(limit), None
    page, per_page = query.get("page", "1"), query.get("per_page", str(NUMBER_PER_PAGE))
    if not page.isdigit() or int(page) < 1 or not per_page.isdigit() or not 1 <= int(per_page) <= NUMBER_MAX:
        return None, None, json_reply(400, {"error": "invalid request", "message": f"page must be 1 or more, per_page 1 to {NUMBER_MAX}"})
    return (int(page) - 1) * int(per_page), int(per_page), None


def _now() -> str:
    """The applications' timestamp format: '2026-04-02 12:11:19.740666+00:00'."""
    return datetime.datetime.now(datetime.UTC).isoformat(sep=" ")


def _is_url(value) -> bool:
    if not isinstance(value, str) or not value or any(char.isspace() for char in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _invalid(details: dict) -> Reply:
    return json_reply(400, {"error": "invalid request parameters", "details": details})


def field_errors(body: dict, creating: bool) -> dict:
    """Vobiz's 400 details for an application's body: each field named with what is wrong with it."""
    details = {}
    for name in ("app_name", "answer_url", "answer_method") if creating else ():
        if body.get(name) is None:
            details[name] = "This field is required"
    if "app_name" in body and body["app_name"] is not None and not (isinstance(body["app_name"], str) and APP_NAME.match(body["app_name"])):
        details["app_name"] = "Only letters, digits, '-' and '_' are allowed"
    for name in URL_FIELDS:
        if body.get(name) is not None and not _is_url(body[name]):
            details[name] = "Enter a valid URL"
    for name in METHOD_FIELDS:
        if body.get(name) is not None and body[name] not in METHODS:
            details[name] = "Must be GET or POST"
    for name in BOOL_FIELDS:
        if name in body and not isinstance(body[name], bool):
            details[name] = "Must be a boolean"
    if "sub_account" in body and not creating:
        details["sub_account"] = "sub_account cannot be changed after creation"
    return details


class ConfigStore:
    """Every account's applications (by app_id, in creation order) and owned numbers (by e164)."""

    def __init__(self, scenario: dict, accounts: list):
        self._ids = itertools.count(FIRST_APP_ID)
        self.applications: dict[str, dict] = {}
        self.numbers: dict[str, dict] = {}
        self.inventory: dict[str, dict] = {}
        self.paging: dict[str, str] = {}  # an account's paging form of its numbers, when not "page"
        self.default_account = accounts[0] if accounts else None
        self.accounts = set(accounts)
        self.add_applications(scenario.get("applications") or [])
        self.add_numbers(scenario.get("numbers") or [])
        self.add_inventory(scenario.get("inventory") or [])
        self.set_paging(scenario.get("number_paging") or {})

    # definitions from the scenario and the control API

    def add_applications(self, raws: list) -> list:
        if not isinstance(raws, list):
            raise ValueError("'applications' must be a list")
        added = []
        for raw in raws:
            if not isinstance(raw, dict) or set(raw) - APPLICATION_KEYS:
                raise ValueError(f"an application takes only {sorted(APPLICATION_KEYS)}: {raw!r}")
            account = raw.get("account", self.default_account)
            if account not in self.accounts:
                raise ValueError(f"application {raw.get('app_name')}: unknown account {account}")
            body = {key: value for key, value in raw.items() if key not in ("app_id", "account")}
            body.setdefault("answer_method", "POST")
            details = field_errors(body, creating=True)
            if details:
                raise ValueError(f"application {raw.get('app_name')}: {details}")
            added.append(self._create(account, body, str(raw["app_id"]) if raw.get("app_id") is not None else None))
        return added

    def add_numbers(self, raws: list) -> list:
        if not isinstance(raws, list):
            raise ValueError("'numbers' must be a list")
        added = []
        for raw in raws:
            if not isinstance(raw, dict) or set(raw) - NUMBER_KEYS or not E164.match(str(raw.get("e164", ""))):
                raise ValueError(f"a number takes e164 (+ and digits), account, app_id, trunk_group_id and country: {raw!r}")
            account = raw.get("account", self.default_account)
            if account not in self.accounts:
                raise ValueError(f"number {raw['e164']}: unknown account {account}")
            self.numbers[raw["e164"]] = {"e164": raw["e164"], "account": account,
                                         "app_id": str(raw["app_id"]) if raw.get("app_id") is not None else None,
                                         "trunk_group_id": raw.get("trunk_group_id"), "country": raw.get("country", "IN"),
                                         "purchased_at": datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")}
            added.append(raw["e164"])
        return added

    def add_inventory(self, raws: list) -> list:
        """Numbers on sale (no owner): e164 and country (default IN)."""
        if not isinstance(raws, list):
            raise ValueError("'inventory' must be a list")
        for raw in raws:
            if not isinstance(raw, dict) or set(raw) - INVENTORY_KEYS or not E164.match(str(raw.get("e164", ""))):
                raise ValueError(f"an inventory number takes e164 (+ and digits) and country: {raw!r}")
            self.inventory[raw["e164"]] = {"e164": raw["e164"], "country": raw.get("country", "IN")}
        return [raw["e164"] for raw in raws]

    def set_paging(self, paging: dict) -> dict:
        """{auth_id: "page" or "offset"}: how each account's list of numbers pages."""
        if not isinstance(paging, dict) or any(account not in self.accounts or form not in PAGING for account, form in paging.items()):
            raise ValueError(f"number_paging maps a known account to one of {PAGING}: {paging!r}")
        self.paging.update(paging)
        return dict(self.paging)

    def describe(self) -> dict:
        """Everything held, for the control API: the applications with their account and default_number_app too."""
        return {"applications": [dict(app) for app in self.applications.values()],
                "numbers": [dict(number) for number in self.numbers.values()],
                "inventory": [dict(number) for number in self.inventory.values()]}

    # the objects as the API shows them

    def _create(self, account: str, body: dict, app_id: str | None = None) -> str:
        app_id = app_id or str(next(self._ids))
        stamp = _now()
        log = body.get("log_incoming_message", body.get("log_incoming_messages", True))
        self.applications[app_id] = {
            "account": account, "app_id": app_id, "app_name": body["app_name"], "answer_url": body["answer_url"],
            "answer_method": body.get("answer_method") or "POST", "hangup_url": body.get("hangup_url") or body["answer_url"],
            "hangup_method": body.get("hangup_method") or "POST", "fallback_answer_url": body.get("fallback_answer_url"),
            "fallback_method": body.get("fallback_method") or "POST", "message_url": body.get("message_url"),
            "message_method": body.get("message_method") or "POST", "default_number_app": bool(body.get("default_number_app", False)),
            "default_endpoint_app": bool(body.get("default_endpoint_app", False)), "log_incoming_message": bool(log),
            "created_at": stamp, "updated_at": stamp,
        }
        return app_id

    def shown(self, app: dict) -> dict:
        """An application as Vobiz returns it: never default_number_app (no current example has it)."""
        account, app_id = app["account"], app["app_id"]
        return {
            "answer_method": app["answer_method"], "answer_url": app["answer_url"], "app_id": app_id, "app_name": app["app_name"],
            "application_type": "XML", "created_at": app["created_at"], "default_app": False,
            "default_endpoint_app": app["default_endpoint_app"], "enabled": True, "fallback_answer_url": app["fallback_answer_url"],
            "fallback_method": app["fallback_method"], "hangup_method": app["hangup_method"], "hangup_url": app["hangup_url"],
            "log_incoming_message": app["log_incoming_message"], "message_method": app["message_method"], "message_url": app["message_url"],
            "public_uri": False, "resource_uri": f"/v1/Account/{account}/Application/{app_id}/", "sip_transfer_method": "POST",
            "sip_transfer_url": None, "sip_uri": f"sip:{app_id}@app.vobiz.ai", "sub_account": None, "updated_at": app["updated_at"],
        }

    def number_item(self, number: dict) -> dict:
        item = {"id": "num-" + number["e164"][1:], "account_id": number["account"], "e164": number["e164"], "country": number["country"],
                "region": "Karnataka", "capabilities": {"voice": True, "sms": False, "mms": False, "fax": False}, "status": "active",
                "provider": "", "setup_fee": 100, "monthly_fee": 300, "currency": "INR", "voice_enabled": True, "tags": [],
                "purchased_at": number["purchased_at"], "is_blocked": False, "source": "purchased"}
        if number["app_id"] is not None:
            item["application_id"] = number["app_id"]
        if number["trunk_group_id"] is not None:  # absent after an unassign, as the docs say
            item["trunk_group_id"] = number["trunk_group_id"]
        return item

    @staticmethod
    def inventory_item(number: dict) -> dict:
        return {"id": "inv-" + number["e164"][1:], "e164": number["e164"], "country": number["country"], "region": "",
                "status": "active", "setup_fee": 0.0, "monthly_fee": 1.0, "currency": "INR", "capabilities": {"voice": True, "sms": False},
                "voice_enabled": True, "tags": None}

    # the API

    def answer(self, route: ConfigRoute, method: str, query: dict, body) -> Reply:
        if route.resource == "numbers":
            return self._numbers(route, method, query, body)
        if route.resource == "inventory":
            return self._inventory(query)
        if route.key is None:
            return self._list(route.auth_id, query) if method == "GET" else self._create_reply(route.auth_id, body)
        app = self.applications.get(route.key)
        if app is None or app["account"] != route.auth_id:
            return json_reply(404, {"error": "Application not found", "app_id": route.key})
        if method == "GET":
            return json_reply(200, dict(self.shown(app), api_id=new_api_id()))
        if method == "DELETE":
            return self._delete(app)
        return self._update(app, body)

    def _create_reply(self, auth_id: str, body) -> Reply:
        if not isinstance(body, dict):
            return json_reply(400, {"error": "invalid request parameters", "details": {"body": "A JSON object is required"}})
        details = field_errors(body, creating=True)
        if details:
            return _invalid(details)
        app_id = self._create(auth_id, body)
        return json_reply(201, {"api_id": new_api_id(), "app_id": app_id, "message": "created"})

    def _update(self, app: dict, body) -> Reply:
        """A partial update, as the current docs describe it: the fields given change, the others stay."""
        if not isinstance(body, dict):
            return json_reply(400, {"error": "invalid request parameters", "details": {"body": "A JSON object is required"}})
        details = field_errors(body, creating=False)
        if details:
            return _invalid(details)
        for name in ("app_name", "answer_url") + URL_FIELDS[1:] + METHOD_FIELDS + ("default_number_app", "default_endpoint_app"):
            if name in body:
                app[name] = body[name]
        for name in ("log_incoming_message", "log_incoming_messages"):
            if name in body:
                app["log_incoming_message"] = body[name]
        app["updated_at"] = _now()
        return json_reply(200, {"api_id": new_api_id(), "message": "changed"})

    def _delete(self, app: dict) -> Reply:
        routed = [number for number in self.numbers.values() if number["app_id"] == app["app_id"]]
        if routed:
            return json_reply(409, {"error": "Cannot delete application",
                                    "message": f"Application is currently in use by {len(routed)} phone numbers"})
        del self.applications[app["app_id"]]
        return Reply(status=204)

    def _list(self, auth_id: str, query: dict) -> Reply:
        limit, offset = query.get("limit", str(APP_LIMIT)), query.get("offset", "0")
        if not limit.isdigit() or not 1 <= int(limit) <= APP_MAX or not offset.isdigit():
            return _invalid({"limit": f"limit must be 1 to {APP_MAX}", "offset": "offset must be 0 or more"})
        limit, offset = int(limit), int(offset)
        apps = [app for app in self.applications.values() if app["account"] == auth_id]
        base = f"/v1/Account/{auth_id}/Application/"
        meta = {"limit": limit, "offset": offset, "total_count": len(apps),
                "next": f"{base}?limit={limit}&offset={offset + limit}" if offset + limit < len(apps) else None,
                "previous": f"{base}?limit={limit}&offset={max(0, offset - limit)}" if offset > 0 else None}
        return json_reply(200, {"api_id": new_api_id(), "meta": meta, "objects": [self.shown(app) for app in apps[offset:offset + limit]]})

    def _number_list(self, auth_id: str, query: dict) -> Reply:
        paging = self.paging.get(auth_id, "page")
        offset, size, refused = _page_numbers(query, paging)
        if refused is not None:
            return refused
        search = query.get("search")  # the documented filter: a part of the number (its + sent as %2B)
        owned = [number for number in self.numbers.values() if number["account"] == auth_id and (search is None or search in number["e164"])]
        items = [self.number_item(number) for number in owned[offset:offset + size]]
        if paging == "offset":
            return json_reply(200, {"api_id": new_api_id(), "meta": {"limit": size, "offset": offset, "total_count": len(owned)}, "objects": items})
        return json_reply(200, {"items": items, "page": offset // size + 1, "per_page": size, "total": len(owned)})

    def _inventory(self, query: dict) -> Reply:
        """The numbers on sale: country (ISO code), search (a substring of the E.164), page and per_page."""
        offset, size, refused = _page_numbers(query, "page")
        if refused is not None:
            return refused
        country, search = query.get("country"), query.get("search", "")
        found = [number for number in self.inventory.values()
                 if (country is None or number["country"] == country.upper()) and search in number["e164"]]
        return json_reply(200, {"items": [self.inventory_item(number) for number in found[offset:offset + size]],
                                "page": offset // size + 1, "per_page": size, "total": len(found)})

    def _numbers(self, route: ConfigRoute, method: str, query: dict, body) -> Reply:
        if route.sub is None:
            return self._number_list(route.auth_id, query)
        number = self.numbers.get(route.key)
        # "A raw + in the path will not match": the number's + must come as %2B
        if number is None or not route.raw_key.upper().startswith("%2B"):
            return json_reply(404, {"error": "Number not found", "message": "The phone number could not be found. "
                                    "Ensure it is in your inventory and URL-encoded correctly."})
        if number["account"] != route.auth_id:
            return json_reply(403, {"error": "forbidden", "message": "account does not own this number"})
        if route.sub == "assign":
            return self._trunk(number, method, body)
        if method == "DELETE":
            app = self.applications.get(number["app_id"]) if number["app_id"] else None
            number["app_id"] = None
            return json_reply(200, {"message": "Number detached from application", "number": number["e164"],
                                    "application": self.shown(app) if app else None})
        app_id = body.get("application_id") if isinstance(body, dict) else None
        app = self.applications.get(str(app_id)) if app_id is not None else None
        if app is None or app["account"] != route.auth_id:
            return json_reply(404, {"error": "Application not found", "app_id": app_id})
        number["app_id"] = app["app_id"]  # overwrites; whether it clears the trunk is unknown: it does not here
        return json_reply(200, {"message": "Number attached to application", "number": number["e164"], "application": self.shown(app)})

    @staticmethod
    def _trunk(number: dict, method: str, body) -> Reply:
        """Assign (POST {"trunk_group_id"}): 204, 400 when a trunk is already assigned (no overwrite). Unassign
        (DELETE): 204, 404 when none is assigned."""
        if method == "DELETE":
            if number["trunk_group_id"] is None:
                return json_reply(404, {"error": "Number not found", "message": "The number is not assigned to any trunk."})
            number["trunk_group_id"] = None
            return Reply(status=204)
        trunk = body.get("trunk_group_id") if isinstance(body, dict) else None
        if not isinstance(trunk, str) or not trunk:
            return _invalid({"trunk_group_id": "This field is required"})
        if number["trunk_group_id"] is not None:
            return json_reply(400, {"error": "invalid request", "message": "This number is already assigned to a trunk."})
        number["trunk_group_id"] = trunk
        return Reply(status=204)
