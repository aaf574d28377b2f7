# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The gateway of Vobiz's phone numbers (`/Account/{auth_id}/numbers`, no trailing slash): the account's owned numbers
over every page (either published paging form), where a number is routed (its application, its trunk), attaching and
detaching its application, assigning and unassigning its trunk, and the inventory of numbers on sale. No Ansible here,
and no HTTP rule: requests, retries and errors are http's. In a path a number's `+` goes as `%2B` (the client quotes
every segment); in a body it stays a `+`.
"""

from __future__ import annotations

from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import ApiResponse, VobizHTTPError, json_object, unexpected_answer

# The most numbers Vobiz gives in one page, and how many each read asks for.
PER_PAGE = 100
# A bound on the pages read, so that an answer that never ends its list cannot hold a task for ever.
MAX_PAGES = 10000
_PAGE = 'a page of numbers (an object with an "items" or "objects" list)'
# What Vobiz answers an assign to a number that already has a trunk, and an unassign of one that has none.
TRUNK_TAKEN, NO_TRUNK = 400, 404


def _items(response: ApiResponse) -> tuple:
    """(the numbers of one page, the total the list says or None): `items` (the current docs) or `objects` (an older
    shape); neither is an error."""
    data = json_object(response, _PAGE)
    items = data.get("items") if "items" in data else data.get("objects")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise unexpected_answer(response, _PAGE)
    total = data.get("total")
    if not isinstance(total, int) or isinstance(total, bool):
        meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
        total = meta.get("total_count") if isinstance(meta.get("total_count"), int) and not isinstance(meta.get("total_count"), bool) else None
    return items, total


def application_of(number: dict) -> str | None:
    """The app_id a number is routed to: its `application_id`, else `app_id`, else `application.app_id` (as Vobiz's
    own n8n nodes read it); None when it names none."""
    for value in (number.get("application_id"), number.get("app_id"),
                  number["application"].get("app_id") if isinstance(number.get("application"), dict) else None):
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value:
            return value
    return None


def trunk_of(number: dict) -> str | None:
    """The trunk_group_id a number is assigned to; None when absent or null (the docs give both after an unassign)."""
    value = number.get("trunk_group_id")
    return value if isinstance(value, str) and value else None


def e164_of(number: dict) -> str | None:
    value = number.get("e164")
    return value if isinstance(value, str) and value else None


def page_params(page: int, offset: int) -> dict:
    """One page asked for under both published readings: `page` and `per_page` (the current docs), and the same page as
    `limit` and `offset` (the OpenAPI's parameters; `offset` the count read so far); a server reading one form ignores
    the other."""
    return {"page": page, "per_page": PER_PAGE, "limit": PER_PAGE, "offset": offset}


class NumberApi:
    """The number endpoints of one account."""

    def __init__(self, client: VobizClient):
        self.client = client

    def _segments(self, *segments) -> tuple:
        return self.client.account_segments("numbers", *segments)

    def fetch_page(self, page: int, offset: int) -> tuple:
        response = self.client.get(self._segments(), params=page_params(page, offset), trailing_slash=False)
        return _items(response)

    def list_all(self) -> list:
        """Every number the account owns (its sub-accounts' too, as Vobiz lists them), a page after another until an
        empty page, one shorter than the first (Vobiz may give fewer than asked), or the total read; each number once."""
        numbers, seen, step, read = [], set(), None, 0
        for page in range(1, MAX_PAGES + 1):
            items, total = self.fetch_page(page, read)
            step = len(items) if step is None else step
            read += len(items)
            for item in items:
                key = e164_of(item)
                if key is None or key not in seen:
                    seen.add(key)
                    numbers.append(item)
            if not items or len(items) < step or (total is not None and read >= total):
                break
        return numbers

    def routed_to(self, app_id: str) -> list:
        """The E.164 numbers routed to this application, in the list's order."""
        return [e164_of(number) for number in self.list_all() if application_of(number) == app_id and e164_of(number)]

    def detach(self, e164: str) -> None:
        """DELETE the number's application: the number is routed to none. Detaching a number routed to none changes
        nothing, so the request is idempotent."""
        self.client.delete(self._segments(e164, "application"), trailing_slash=False)

    def attach(self, e164: str, app_id: str) -> None:
        """POST the number's application: an attach overwrites the one before, so sending it twice sets the same state
        (idempotent, retried like a read)."""
        self.client.post(self._segments(e164, "application"), {"application_id": app_id}, idempotent=True, trailing_slash=False)

    def assign(self, e164: str, trunk_group_id: str) -> None:
        """POST the number's trunk (an answer 204 without a body). It sets a declared state, so it is retried; a 400
        (a trunk already assigned) after an attempt that may have acted is that attempt's doing."""
        try:
            self.client.post(self._segments(e164, "assign"), {"trunk_group_id": trunk_group_id}, idempotent=True, trailing_slash=False)
        except VobizHTTPError as error:
            if error.status_code != TRUNK_TAKEN or not error.uncertain_attempts:
                raise

    def unassign(self, e164: str, trunk_group_id: str) -> None:
        """DELETE the number's trunk (body `trunk_group_id`, as documented). A 404 (no trunk assigned) of a number the
        account owns means it is already unassigned."""
        try:
            self.client.request("DELETE", self._segments(e164, "assign"), body={"trunk_group_id": trunk_group_id}, trailing_slash=False)
        except VobizHTTPError as error:
            if error.status_code != NO_TRUNK:
                raise

    def search_inventory(self, country: str | None, search: str | None, limit: int) -> list:
        """At most `limit` numbers on sale (`GET /Account/{auth_id}/inventory/numbers`), filtered by `country` and
        `search` when given, a page after another until a short or empty page, the total read, or the limit."""
        found: list = []
        for page in range(1, MAX_PAGES + 1):
            params = {"page": page, "per_page": PER_PAGE}
            params.update({name: value for name, value in (("country", country), ("search", search)) if value})
            items, total = _items(self.client.get(self.client.account_segments("inventory", "numbers"), params=params, trailing_slash=False))
            found += items
            if len(found) >= limit or len(items) < PER_PAGE or (total is not None and page * PER_PAGE >= total):
                break
        return found[:limit]
