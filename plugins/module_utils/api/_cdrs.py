# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The gateway of Vobiz's CDR resource: every method and path of it (one call's cdr, a page of a search, the CSV
export), and a page read from its answer. No Ansible here, and no HTTP rule: requests, retries and errors are http's.
"""

from __future__ import annotations

from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import ApiResponse, VobizNotFoundError, json_object, unexpected_answer

# The most cdrs Vobiz gives in one page, and how many the search asks for.
PER_PAGE = 100


class Page:
    """One page of a search: its cdrs, and what its pagination and summary say."""

    def __init__(self, cdrs: list, total: int, per_page: int, summary: dict):
        self.cdrs = cdrs
        self.total = total
        self.per_page = per_page
        self.summary = summary


def _page(response: ApiResponse) -> Page:
    """A page of the list answer; an answer without a `data` list or a `pagination` total is an error, never empty."""
    data = json_object(response, "a page of call records (an object with data and pagination)")
    cdrs = data.get("data")
    pagination = data.get("pagination")
    if not isinstance(cdrs, list) or not all(isinstance(cdr, dict) for cdr in cdrs):
        raise unexpected_answer(response, "a page of call records (data is not a list of records)")
    if not isinstance(pagination, dict) or not _is_count(pagination.get("total")):
        raise unexpected_answer(response, "a page of call records (pagination with a total is missing)")
    per_page = pagination.get("per_page")
    summary = data.get("summary")
    summary = dict(summary) if isinstance(summary, dict) else {}
    return Page(cdrs, pagination["total"], per_page if _is_count(per_page) and per_page > 0 else PER_PAGE, summary)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class CdrApi:
    """The CDR endpoints of one account."""

    def __init__(self, client: VobizClient):
        self.client = client

    def _segments(self, *segments) -> tuple:
        return self.client.account_segments("cdr", *segments)

    def fetch(self, call_uuid: str) -> dict | None:
        """The cdr of this call, or None while Vobiz has none (HTTP 404: not ended, or not recorded yet).
        Read from `{"success", "data": {cdr}}`, or a bare cdr as older pages show it."""
        try:
            response = self.client.get(self._segments(call_uuid), trailing_slash=False)
        except VobizNotFoundError:
            return None
        data = json_object(response, "a call record")
        if "data" not in data:
            return data
        if not isinstance(data["data"], dict):
            raise unexpected_answer(response, "a call record (data is not an object)")
        return data["data"]

    def fetch_page(self, query: dict, page: int) -> Page:
        return _page(self.client.get(self._segments(), params=dict(query, page=page, per_page=PER_PAGE), trailing_slash=False))

    def export(self, query: dict) -> str:
        """The CSV of every cdr matching `query`, as Vobiz sends it."""
        return self.client.get_text(self._segments("export"), params=query, accept="text/csv", trailing_slash=False).data
