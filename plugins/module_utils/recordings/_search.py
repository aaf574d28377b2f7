# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Searching Vobiz's recordings: the search filters and their checks, the moments (`added_after`, `added_before`,
`older_than_days`) as the API's `add_time__gte` / `add_time__lte`, a search over every page, newest first, and what a
recording says of its media (URL, format). No Ansible here, and no HTTP: the gateway (api._recordings) reads the pages.

Every filter is also checked again on each recording received (`Criteria.matches`): the time filters are not in every
published version of Vobiz's API, and a server that ignored them must never make a retention rule delete too much.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from ansible_collections.vobiz.telephony.plugins.module_utils._options import EXCLUSIVE, Group, Option, options_table, single
from ansible_collections.vobiz.telephony.plugins.module_utils.api._recordings import RecordingApi
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently

# The filters sent under the API's names, and the moments sent as add_time bounds.
SEARCH_FILTERS = ("call_uuid", "recording_type", "from_number", "to_number")
MOMENT_FILTERS = ("added_after", "added_before")
TIME_FILTERS = MOMENT_FILTERS + ("older_than_days",)
API_NAMES = {"added_after": "add_time__gte", "added_before": "add_time__lte"}
API_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# A bound on a search without a total, so that an answer that never ends its list cannot hold a task for ever.
MAX_PAGES = 10000

# A date, or a date and time with an optional offset: 2026-05-11, 2026-05-11T06:59:31Z, 2026-05-07 09:45:35.79276+05:30.
_MOMENT = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\Z", re.I)


def parse_moment(value) -> datetime.datetime | None:
    """A date or timestamp as an aware UTC datetime (UTC unless it carries an offset; a date alone is its midnight),
    or None when it is neither."""
    match = _MOMENT.match(str(value).strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    zone = datetime.timezone.utc
    if offset and offset.upper() != "Z":
        digits = offset[1:].replace(":", "")
        delta = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        zone = datetime.timezone(delta if offset[0] == "+" else -delta)
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                                   int((fraction or "0")[:6].ljust(6, "0")), tzinfo=zone)
    except ValueError:
        return None
    return moment.astimezone(datetime.timezone.utc)


def moment_error(option: str, value) -> str | None:
    if parse_moment(value) is None:
        return "%s %r is not a date nor a timestamp: use YYYY-MM-DD or a timestamp such as 2026-05-11T06:59:31Z" % (option, value)
    return None


# The filters, checked as every option is: the moments readable, older_than_days a shorthand for added_before.
FILTER_OPTIONS = options_table(
    Option("call_uuid", "str"),
    Option("from_number", "str"),
    Option("to_number", "str"),
    Option("recording_type", "str"),
    Option("added_after", "str", check=single(moment_error)),
    Option("added_before", "str", check=single(moment_error)),
    Option("older_than_days", "float", at_least=0),
    groups=(Group(EXCLUSIVE, ("added_before", "older_than_days"), "older_than_days is a shorthand for added_before"),),
)


def _digits(value) -> str:
    return re.sub(r"\D", "", str(value or ""))


@dataclass
class Criteria:
    """What a search asks for: the filters that are set, and the add_time bounds (UTC), each None when not set."""

    filters: dict
    added_after: datetime.datetime | None = None
    added_before: datetime.datetime | None = None

    @property
    def is_empty(self) -> bool:
        return not self.filters and self.added_after is None and self.added_before is None

    def query(self) -> dict:
        """The list's query under the API's names, moments as `YYYY-MM-DD HH:MM:SS` UTC."""
        query = dict(self.filters)
        for name in MOMENT_FILTERS:
            moment = getattr(self, name)
            if moment is not None:
                query[API_NAMES[name]] = moment.strftime(API_TIME_FORMAT)
        return query

    def matches(self, recording: dict) -> bool:
        """Whether a recording received fits every filter (numbers compared by their digits, a part of them matching);
        one whose add_time cannot be read fits no time filter."""
        for name, wanted in self.filters.items():
            if name in ("from_number", "to_number"):
                if _digits(wanted) not in _digits(recording.get(name)):
                    return False
            elif str(recording.get(name)) != str(wanted):
                return False
        if self.added_after is None and self.added_before is None:
            return True
        added = add_time_of(recording)
        if added is None:
            return False
        return (self.added_after is None or added >= self.added_after) and (self.added_before is None or added <= self.added_before)


def filters_given(params: dict) -> list:
    """The search filters the task sets, in the table's order."""
    return [name for name in SEARCH_FILTERS + TIME_FILTERS if params.get(name) is not None]


def criteria_of(params: dict, now: datetime.datetime) -> Criteria:
    """The Criteria of checked options (FILTER_OPTIONS); `older_than_days` counts back from `now` (aware)."""
    filters = {name: params[name] for name in SEARCH_FILTERS if params.get(name) is not None}
    after = parse_moment(params["added_after"]) if params.get("added_after") is not None else None
    before = parse_moment(params["added_before"]) if params.get("added_before") is not None else None
    if params.get("older_than_days") is not None:
        before = (now - datetime.timedelta(days=params["older_than_days"])).astimezone(datetime.timezone.utc).replace(microsecond=0)
    return Criteria(filters, after, before)


def moment_order_error(params: dict) -> str | None:
    """Why added_after is after added_before (both readable), or None."""
    after, before = (parse_moment(params[name]) if params.get(name) is not None else None for name in MOMENT_FILTERS)
    if after and before and after > before:
        return "added_after %s is after added_before %s" % (params["added_after"], params["added_before"])
    return None


def add_time_of(recording: dict) -> datetime.datetime | None:
    """When the recording was added (its `add_time`, with a local offset or Z), or None."""
    value = recording.get("add_time", recording.get("created_at"))
    return parse_moment(value) if isinstance(value, str) else None


_OLDEST = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)


def newest_first(recordings: list) -> list:
    """The recordings newest first by add_time; those without one last, in their order."""
    return sorted(recordings, key=lambda recording: add_time_of(recording) or _OLDEST, reverse=True)


def recording_id_of(recording: dict) -> str:
    return str(recording.get("recording_id") or recording.get("id") or "")


def media_url_of(recording: dict) -> str:
    """The media's URL (`recording_url`, or `url` in older answers); empty while the file is not ready."""
    url = recording.get("recording_url") or recording.get("url") or ""
    return url if isinstance(url, str) else ""


def format_of(recording: dict) -> str | None:
    """The format the recording says it has (`recording_format`, or `format` / `file_format`), lower case, or None."""
    for name in ("recording_format", "format", "file_format"):
        value = recording.get(name)
        if isinstance(value, str) and re.match(r"\A[A-Za-z0-9]{1,8}\Z", value):
            return value.lower()
    return None


@dataclass
class Search:
    """What a search found: at most `limit` recordings newest first, Vobiz's `total`, and whether more were left."""

    recordings: list
    total: int
    truncated: bool

    def as_result(self) -> dict:
        return {"recordings": self.recordings, "count": len(self.recordings), "total": self.total, "truncated": self.truncated}


def search(api: RecordingApi, criteria: Criteria, limit: int, concurrency: int) -> Search:
    """Every recording matching `criteria`, at most `limit`, newest first. The first page gives the total and the page
    size; the pages still needed (none beyond `limit`) are then read `concurrency` at a time. An answer without a total
    is read a page after another until a short page or `limit`."""
    query = criteria.query()
    first = api.fetch_page(query, 0)
    step = len(first.recordings)
    found = list(first.recordings)
    if first.total is not None:
        total = first.total
        if step:
            offsets = list(range(step, min(total, limit), step))
            for page in map_concurrently(lambda offset: api.fetch_page(query, offset).recordings, offsets, concurrency):
                found.extend(page)
    else:
        page_length, pages = step, 1
        while step and page_length >= step and len(found) < limit and pages < MAX_PAGES:
            page = api.fetch_page(query, len(found)).recordings
            found.extend(page)
            page_length, pages = len(page), pages + 1
        total = len(found) if not step or page_length < step else max(len(found), limit + 1)
    kept = newest_first([recording for recording in found if criteria.matches(recording)])
    return Search(kept[:limit], total, total > limit or len(kept) > limit)
