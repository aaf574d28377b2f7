# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Vobiz's CDR API of one account: one call's cdr, a search over every page with Vobiz's summary, and the CSV export.

No Ansible here, and no HTTP: requests, retries and errors are _client's. Words as docs/architecture.md defines
them: a cdr is the finalized record of an ended call; a search reads pages of cdrs.
"""

from __future__ import annotations

import datetime
import math
import re

from ansible_collections.vobiz.telephony.plugins.module_utils._client import (
    ApiResponse,
    VobizClient,
    VobizNotFoundError,
    json_object,
    unexpected_answer,
)
from ansible_collections.vobiz.telephony.plugins.module_utils._concurrency import map_concurrently
from ansible_collections.vobiz.telephony.plugins.module_utils._waiting import WaitOutcome, wait_until

# The most cdrs Vobiz gives in one page, and how many the search asks for.
PER_PAGE = 100
# The search filters, sent under the API's names and only when set.
SEARCH_FILTERS = ("from_number", "to_number", "start_date", "end_date", "call_direction", "min_duration",
                  "hangup_cause", "hangup_disposition", "sip_call_id", "campaign_id", "search")
DATE_FILTERS = ("start_date", "end_date")
CALL_DIRECTIONS = ("inbound", "outbound")

# A date, or a datetime of which the date is taken: 2026-05-11, 2026-05-11T06:59:31Z, 2026-05-11 06:59:31.5+05:30.
_DATE_PATTERN = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\Z")


def date_of(value: str) -> str | None:
    """The `YYYY-MM-DD` date of a date or datetime text, or None when it is neither."""
    match = _DATE_PATTERN.match(str(value).strip())
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return None


def filter_errors(params: dict) -> list:
    """Why the search filters cannot be sent, each naming its option."""
    errors = []
    dates = {}
    for name in DATE_FILTERS:
        value = params.get(name)
        if value is None:
            continue
        dates[name] = date_of(value)
        if dates[name] is None:
            errors.append("%s %r is not a date: use YYYY-MM-DD or a datetime such as 2026-05-11T06:59:31Z" % (name, value))
    given = [name for name in DATE_FILTERS if params.get(name) is not None]
    if len(given) == 1:
        missing = DATE_FILTERS[1] if given[0] == DATE_FILTERS[0] else DATE_FILTERS[0]
        errors.append("start_date and end_date go together: %s is set, %s is not" % (given[0], missing))
    elif len(given) == 2 and None not in dates.values() and dates["end_date"] < dates["start_date"]:
        errors.append("end_date %s is before start_date %s" % (dates["end_date"], dates["start_date"]))
    return errors


def search_query(params: dict) -> dict:
    """The filters that are set, under the API's names; dates as `YYYY-MM-DD`. Checked by filter_errors() first."""
    query = {}
    for name in SEARCH_FILTERS:
        value = params.get(name)
        if value is None:
            continue
        query[name] = date_of(value) if name in DATE_FILTERS else value
    return query


def answer_rate(summary: dict) -> float | None:
    """Vobiz's answerRate (a percentage) as a number; computed from answeredCalls and totalCalls when it is absent."""
    rate = summary.get("answerRate")
    if isinstance(rate, str):
        rate = rate.strip().rstrip("%").strip()
    if rate is not None and not isinstance(rate, bool):
        try:
            return float(rate)
        except (TypeError, ValueError):
            pass
    answered, total = summary.get("answeredCalls"), summary.get("totalCalls")
    if isinstance(answered, int) and isinstance(total, int) and not isinstance(total, bool):
        return round(100.0 * answered / total, 2) if total else 0.0
    return None


class Page:
    """One page of a search: its cdrs, and what its pagination and summary say."""

    def __init__(self, records: list, total: int, per_page: int, summary: dict):
        self.records = records
        self.total = total
        self.per_page = per_page
        self.summary = summary


class Search:
    """What a search found: at most `limit` cdrs newest first, Vobiz's `total`, whether more were left (`truncated`),
    the summary of the filtered set, and how many pages were read."""

    def __init__(self, records: list, total: int, truncated: bool, summary: dict, pages: int):
        self.records = records
        self.total = total
        self.truncated = truncated
        self.summary = summary
        self.pages = pages

    def as_result(self) -> dict:
        return {"records": self.records, "count": len(self.records), "total": self.total, "truncated": self.truncated,
                "summary": self.summary}


def _page(response: ApiResponse) -> Page:
    """A page of the list answer; an answer without a `data` list or a `pagination` total is an error, never empty."""
    data = json_object(response, "a page of call records (an object with data and pagination)")
    records = data.get("data")
    pagination = data.get("pagination")
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise unexpected_answer(response, "a page of call records (data is not a list of records)")
    if not isinstance(pagination, dict) or not _is_count(pagination.get("total")):
        raise unexpected_answer(response, "a page of call records (pagination with a total is missing)")
    per_page = pagination.get("per_page")
    summary = data.get("summary")
    summary = dict(summary) if isinstance(summary, dict) else {}
    if summary:
        summary["answer_rate"] = answer_rate(summary)
    return Page(records, pagination["total"], per_page if _is_count(per_page) and per_page > 0 else PER_PAGE, summary)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class CallRecords:
    """The CDR endpoints of one account."""

    def __init__(self, client: VobizClient):
        self.client = client

    def _segments(self, *segments) -> tuple:
        return self.client.account_segments("cdr", *segments)

    def fetch_cdr(self, call_uuid: str) -> dict | None:
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

    def wait_for_cdr(self, call_uuid: str, timeout: float, every: float) -> WaitOutcome:
        """Look for the call's cdr until it is there or `timeout` seconds have passed (0: one look)."""
        return wait_until(lambda: self.fetch_cdr(call_uuid), lambda cdr: cdr is not None, timeout=timeout, every=every)

    def fetch_page(self, query: dict, page: int) -> Page:
        return _page(self.client.get(self._segments(), params=dict(query, page=page, per_page=PER_PAGE), trailing_slash=False))

    def search(self, query: dict, limit: int, concurrency: int) -> Search:
        """Every cdr matching `query`, at most `limit`, newest first as Vobiz orders them. The first page gives the
        total; the pages still needed (none beyond `limit`) are then read `concurrency` at a time."""
        first = self.fetch_page(query, 1)
        wanted = min(first.total, limit)
        pages = max(1, math.ceil(wanted / first.per_page))
        rest = map_concurrently(lambda number: self.fetch_page(query, number).records, list(range(2, pages + 1)), concurrency)
        records = list(first.records)
        for page_records in rest:
            records.extend(page_records)
        records = records[:limit]
        return Search(records, first.total, first.total > limit, first.summary, pages)

    def export(self, query: dict) -> str:
        """The CSV of every cdr matching `query`, as Vobiz sends it."""
        return self.client.get_text(self._segments("export"), params=query, accept="text/csv", trailing_slash=False).data
