# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The recordings' search over a mocked transport: moments read in UTC unless they carry an offset, the query under the
API's names, every filter checked again on what comes back (a server ignoring add_time__lte deletes nothing newer),
pages by offset after the total, the older shape read until a short page, limit, newest first."""

from __future__ import annotations

import datetime

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.api._recordings import RecordingApi
from ansible_collections.vobiz.telephony.plugins.module_utils.http import _client
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._search import (
    Criteria,
    criteria_of,
    format_of,
    media_url_of,
    newest_first,
    parse_moment,
    search,
)
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, API_URL, AUTH_ID, AUTH_TOKEN

RECORDINGS_URL = ACCOUNT_URL + "/Recording/"
UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
NO_FILTERS = {"call_uuid": None, "from_number": None, "to_number": None, "recording_type": None, "added_after": None, "added_before": None,
              "older_than_days": None}


@pytest.fixture
def api():
    with _client.VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=0) as client:
        yield RecordingApi(client)


@pytest.mark.parametrize(("text", "moment"), [
    ("2026-05-11", datetime.datetime(2026, 5, 11, tzinfo=UTC)),
    ("2026-05-11T06:59:31Z", datetime.datetime(2026, 5, 11, 6, 59, 31, tzinfo=UTC)),
    ("2026-05-11 06:59:31", datetime.datetime(2026, 5, 11, 6, 59, 31, tzinfo=UTC)),
    ("2026-05-07 09:45:35.79276+05:30", datetime.datetime(2026, 5, 7, 4, 15, 35, 792760, tzinfo=UTC)),
    ("2026-05-07T00:30:00-0200", datetime.datetime(2026, 5, 7, 2, 30, tzinfo=UTC)),
])
def test_moments_are_utc_unless_they_carry_an_offset(text, moment):
    assert parse_moment(text) == moment


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-05-11T25:00", "11/05/2026", ""])
def test_what_is_no_moment(text):
    assert parse_moment(text) is None


def test_the_query_under_the_api_names():
    params = dict(NO_FILTERS, call_uuid="c1", recording_type="call", added_after="2026-05-01T10:00:00+05:30", older_than_days=30)
    criteria = criteria_of(params, NOW)
    assert criteria.query() == {"call_uuid": "c1", "recording_type": "call", "add_time__gte": "2026-05-01 04:30:00",
                                "add_time__lte": "2026-05-02 12:00:00"}
    assert criteria_of(NO_FILTERS, NOW).is_empty


def recording(recording_id: str, add_time: str, **fields) -> dict:
    return dict(recording_id=recording_id, add_time=add_time, **fields)


def test_every_filter_is_checked_again_on_what_comes_back():
    criteria = Criteria({"from_number": "+91926", "call_uuid": "c1"}, None, datetime.datetime(2026, 5, 1, tzinfo=UTC))
    assert criteria.matches(recording("a", "2026-04-30 23:00:00+00:00", from_number="919262171438", call_uuid="c1"))
    assert not criteria.matches(recording("b", "2026-05-01 05:31:00+05:30", from_number="919262171438", call_uuid="c1"))  # 00:01 UTC
    assert not criteria.matches(recording("c", "2026-04-01 00:00:00Z", from_number="918000000000", call_uuid="c1"))
    assert not criteria.matches(recording("d", "2026-04-01 00:00:00Z", from_number="919262171438", call_uuid="c2"))
    assert not criteria.matches(recording("e", "not a time", from_number="919262171438", call_uuid="c1"))


def test_newest_first_across_offsets_those_without_a_time_last():
    listed = [recording("a", "2026-05-07 09:45:35+05:30"), {"recording_id": "none"}, recording("b", "2026-05-07T04:20:00Z"),
              recording("c", "2026-05-06 23:59:59-06:00")]
    assert [item["recording_id"] for item in newest_first(listed)] == ["c", "b", "a", "none"]


def objects(first: int, count: int) -> list:
    return [recording("r%03d" % index, "2026-04-01 %02d:%02d:00+00:00" % (23 - index // 60, 59 - index % 60), recording_type="call")
            for index in range(first, first + count)]


def add_page(mocked, offset: int, body: dict, **query):
    mocked.add(responses.GET, RECORDINGS_URL, json=body,
               match=[responses.matchers.query_param_matcher(dict(query, limit="100", offset=str(offset)))])


def test_pages_after_the_total_with_the_filters_on_each(api, mocked):
    for offset, count in ((0, 100), (100, 100), (200, 50)):
        add_page(mocked, offset, {"meta": {"total_count": 250}, "objects": objects(offset, count)}, recording_type="call")
    found = search(api, Criteria({"recording_type": "call"}), 1000, 3)
    assert (len(found.recordings), found.total, found.truncated) == (250, 250, False)
    assert [item["recording_id"] for item in found.recordings] == ["r%03d" % index for index in range(250)]
    assert len(mocked.calls) == 3


def test_limit_reads_no_page_beyond_it(api, mocked):
    for offset in (0, 100):
        add_page(mocked, offset, {"meta": {"total_count": 250}, "objects": objects(offset, 100)})
    found = search(api, Criteria({}), 150, 4)
    assert (len(found.recordings), found.total, found.truncated) == (150, 250, True)
    assert len(mocked.calls) == 2


def test_the_older_shape_is_read_until_a_short_page(api, mocked):
    add_page(mocked, 0, {"recordings": objects(0, 100)})
    add_page(mocked, 100, {"recordings": objects(100, 30)})
    found = search(api, Criteria({}), 1000, 4)
    assert (len(found.recordings), found.total, found.truncated) == (130, 130, False)


def test_a_server_ignoring_the_time_filter_returns_only_what_matches(api, mocked):
    newer = [recording("new", "2026-05-20 10:00:00+05:30")]
    add_page(mocked, 0, {"meta": {"total_count": 2}, "objects": newer + objects(0, 1)}, add_time__lte="2026-05-02 12:00:00")
    found = search(api, criteria_of(dict(NO_FILTERS, older_than_days=30), NOW), 1000, 4)
    assert [item["recording_id"] for item in found.recordings] == ["r000"]


def test_a_recordings_url_and_format_under_either_name():
    assert media_url_of({"url": "https://media.vobiz.ai/a.mp3"}) == "https://media.vobiz.ai/a.mp3"
    assert media_url_of({"recording_url": "", "url": None}) == ""
    assert format_of({"file_format": "WAV"}) == "wav" and format_of({"format": "mp3"}) == "mp3" and format_of({"format": "../x"}) is None
