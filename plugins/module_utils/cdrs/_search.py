# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Searching Vobiz's cdrs: the search filters and their checks, a search over every page with Vobiz's summary, and the
wait for one call's cdr. No Ansible here, and no HTTP: the gateway of cdrs (api._cdrs) reads the pages. Words as
docs/architecture.md defines them: a cdr is the finalized record of an ended call; a search reads pages of cdrs.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass

from ansible_collections.vobiz.telephony.plugins.module_utils._options import TOGETHER, Group, Option, option_errors, options_table, single
from ansible_collections.vobiz.telephony.plugins.module_utils.api._cdrs import CdrApi
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently
from ansible_collections.vobiz.telephony.plugins.module_utils.common._wait_loop import WaitOutcome, wait_until

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


def date_error(option: str, value) -> str | None:
    """Why `value` is not a date nor a datetime, or None."""
    if date_of(value) is None:
        return "%s %r is not a date: use YYYY-MM-DD or a datetime such as 2026-05-11T06:59:31Z" % (option, value)
    return None


# The date filters, checked as every option is, and their rule: both or neither.
DATE_OPTIONS = options_table(*(Option(name, "str", check=single(date_error)) for name in DATE_FILTERS),
                             groups=(Group(TOGETHER, DATE_FILTERS),))


def date_order_error(params: dict) -> str | None:
    """Why the two dates, both readable, make no range (end_date before start_date), or None."""
    start, end = (date_of(params[name]) if params.get(name) is not None else None for name in DATE_FILTERS)
    if start and end and end < start:
        return "end_date %s is before start_date %s" % (end, start)
    return None


def filter_errors(params: dict) -> list:
    """Why the search filters cannot be sent, each naming its option."""
    return option_errors(DATE_OPTIONS, params) + [error for error in [date_order_error(params)] if error]


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


@dataclass
class Search:
    """What a search found: at most `limit` cdrs newest first, Vobiz's `total`, whether more were left (`truncated`),
    and the summary of the filtered set."""

    cdrs: list
    total: int
    truncated: bool
    summary: dict

    def as_result(self) -> dict:
        return {"records": self.cdrs, "count": len(self.cdrs), "total": self.total, "truncated": self.truncated,
                "summary": self.summary}


def search(api: CdrApi, query: dict, limit: int, concurrency: int) -> Search:
    """Every cdr matching `query`, at most `limit`, newest first as Vobiz orders them. The first page gives the
    total; the pages still needed (none beyond `limit`) are then read `concurrency` at a time."""
    first = api.fetch_page(query, 1)
    wanted = min(first.total, limit)
    pages = max(1, math.ceil(wanted / first.per_page))
    rest = map_concurrently(lambda number: api.fetch_page(query, number).cdrs, list(range(2, pages + 1)), concurrency)
    cdrs = list(first.cdrs)
    for page_cdrs in rest:
        cdrs.extend(page_cdrs)
    cdrs = cdrs[:limit]
    summary = dict(first.summary)
    if summary:
        summary["answer_rate"] = answer_rate(summary)
    return Search(cdrs, first.total, first.total > limit, summary)


def wait_for_cdr(api: CdrApi, call_uuid: str, timeout: float, every: float) -> WaitOutcome:
    """Look for the call's cdr until it is there or `timeout` seconds have passed (0: one look)."""
    return wait_until(lambda: api.fetch(call_uuid), lambda cdr: cdr is not None, timeout=timeout, every=every)
