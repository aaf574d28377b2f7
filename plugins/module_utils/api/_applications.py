# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The gateway of Vobiz's Application resource: every method and path of it (create, read one, a page of the list,
every page, update, delete), and the answers' shapes Vobiz has published. No Ansible here, and no HTTP rule:
requests, retries and errors are http's.
"""

from __future__ import annotations

from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import ApiResponse, VobizNotFoundError, json_object, unexpected_answer

# The most applications Vobiz gives in one page, and how many each read asks for.
PER_PAGE = 100
# A bound on the list read without a total, so that an answer that never ends its list cannot hold a task for ever.
MAX_OFFSET = 1000000
_PAGE = 'a page of applications (an object with an "objects" list)'


class ApplicationPage:
    """One page of the list: its applications, and the total Vobiz says the list holds (None when it does not say)."""

    def __init__(self, applications: list, total: int | None, has_next: bool | None):
        self.applications = applications
        self.total = total
        self.has_next = has_next


def _page(response: ApiResponse) -> ApplicationPage:
    """A page of the list answer `{"api_id", "meta", "objects"}`; an answer without an `objects` list of objects is an
    error, never an empty page. `meta.next` is not followed (it lacks the /api prefix): the caller counts offsets."""
    data = json_object(response, _PAGE)
    objects = data.get("objects")
    if not isinstance(objects, list) or not all(isinstance(item, dict) for item in objects):
        raise unexpected_answer(response, _PAGE)
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    total = meta.get("total_count")
    total = total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None
    has_next = (meta["next"] is not None) if "next" in meta else None
    return ApplicationPage(objects, total, has_next)


def app_id_of(application: dict) -> str | None:
    """An application's app_id as a string (Vobiz documents a numeric string; a number is read as its digits)."""
    app_id = application.get("app_id")
    if isinstance(app_id, int) and not isinstance(app_id, bool):
        return str(app_id)
    return app_id if isinstance(app_id, str) and app_id else None


class ApplicationApi:
    """The application endpoints of one account (`/Account/{auth_id}/Application/`, capital A, trailing slash)."""

    def __init__(self, client: VobizClient):
        self.client = client

    def _segments(self, *segments) -> tuple:
        return self.client.account_segments("Application", *segments)

    def create(self, body: dict) -> str:
        """POST a new application: not idempotent, so never sent again once it may have reached Vobiz. Its app_id;
        a 2xx answer without one raises unexpected_answer (Vobiz may have created it: may_have_taken_effect says so)."""
        response = self.client.post(self._segments(), body)
        app_id = app_id_of(json_object(response, 'a JSON object with an "app_id"'))
        if app_id is None:
            raise unexpected_answer(response, 'a JSON object with an "app_id" string')
        return app_id

    def fetch(self, app_id: str) -> dict | None:
        """The application, as Vobiz sent it (without its api_id), or None when Vobiz has none under this app_id."""
        try:
            response = self.client.get(self._segments(app_id))
        except VobizNotFoundError:
            return None
        application = dict(json_object(response, "an application (a JSON object)"))
        application.pop("api_id", None)
        return application

    def fetch_page(self, offset: int, limit: int = PER_PAGE) -> ApplicationPage:
        return _page(self.client.get(self._segments(), params={"limit": limit, "offset": offset}))

    def list_all(self, concurrency: int) -> list:
        """Every application of the account, in the list's order, each once (by app_id). Page 1 says the total and how
        many a page holds (its length: Vobiz may give fewer than asked); the other pages are then read `concurrency`
        at a time. A list that gives no total is read a page after another until a shorter or empty page, or a null
        `meta.next`."""
        first = self.fetch_page(0)
        pages, step = [first], len(first.applications)
        if step and first.total is not None:
            pages += map_concurrently(self.fetch_page, list(range(step, first.total, step)), concurrency)
        elif step:
            page, offset = first, 0
            while len(page.applications) >= step and page.has_next is not False and offset < MAX_OFFSET:
                offset += step
                page = self.fetch_page(offset)
                pages.append(page)
        applications, seen = [], set()
        for page in pages:
            for application in page.applications:
                key = app_id_of(application)
                if key is None or key not in seen:
                    seen.add(key)
                    applications.append(application)
        return applications

    def update(self, app_id: str, body: dict) -> None:
        """POST the whole set of an application's fields to it: the same body twice sets the same state, so it is sent as
        idempotent (retried like a read). VobizNotFoundError when Vobiz has no such application."""
        self.client.post(self._segments(app_id), body, idempotent=True)

    def delete(self, app_id: str) -> bool:
        """DELETE the application: True when this request deleted it, False when Vobiz has none under this app_id (a 404
        after an attempt whose outcome was unknown is taken as this request's doing). VobizHTTPError 409 while numbers
        are attached to it."""
        try:
            self.client.delete(self._segments(app_id))
        except VobizNotFoundError as error:
            if error.uncertain_attempts:
                return True
            return False
        return True
