# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Recording gateway and the client's media requests over a mocked transport: both list shapes, one recording flat
or wrapped, a delete's 404 (already gone, or this request's own after an unknown outcome), and the credentials sent only
to Vobiz's https hosts and the api_url's origin, dropped on a redirect to another origin."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.api._recordings import RecordingApi
from ansible_collections.vobiz.telephony.plugins.module_utils.http import _client
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizNotFoundError, VobizResponseError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, API_URL, AUTH_ID, AUTH_TOKEN

RECORDINGS_URL = ACCOUNT_URL + "/Recording/"


@pytest.fixture
def api():
    with _client.VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=2) as client:
        yield RecordingApi(client)


def test_a_page_in_the_objects_shape_gives_its_total(api, mocked):
    mocked.add(responses.GET, RECORDINGS_URL, match=[responses.matchers.query_param_matcher({"limit": "100", "offset": "0", "call_uuid": "c"})],
               json={"api_id": "x", "meta": {"total_count": 7, "next": None}, "objects": [{"recording_id": "r1"}]})
    page = api.fetch_page({"call_uuid": "c"}, 0)
    assert (page.recordings, page.total) == ([{"recording_id": "r1"}], 7)


def test_the_older_recordings_shape_has_no_total(api, mocked):
    mocked.add(responses.GET, RECORDINGS_URL, json={"recordings": [{"recording_id": "r1", "url": "https://media.vobiz.ai/r1.mp3"}]})
    page = api.fetch_page({}, 0)
    assert (len(page.recordings), page.total) == (1, None)


@pytest.mark.parametrize("body", [{"objects": "nope"}, {"meta": {"total_count": 1}}, {"objects": [1]}, ["r1"]])
def test_a_page_without_a_list_of_recordings_is_an_error(api, mocked, body):
    mocked.add(responses.GET, RECORDINGS_URL, json=body)
    with pytest.raises(VobizResponseError, match="a page of recordings"):
        api.fetch_page({}, 0)


@pytest.mark.parametrize("body", [
    {"api_id": "x", "recording_id": "r1", "recording_format": "mp3"},
    {"api_id": "x", "meta": {"total_count": 1}, "objects": [{"recording_id": "r1", "recording_format": "mp3"}]},
], ids=["flat", "wrapped"])
def test_one_recording_flat_or_wrapped(api, mocked, body):
    mocked.add(responses.GET, RECORDINGS_URL + "r1/", json=body)
    assert api.fetch("r1") == {"recording_id": "r1", "recording_format": "mp3"}


def test_one_recording_not_there_is_none(api, mocked):
    mocked.add(responses.GET, RECORDINGS_URL + "r1/", status=404, json={"api_id": "x", "error": "Recording not found"})
    assert api.fetch("r1") is None


def test_delete_204_404_and_a_404_after_an_unknown_outcome(api, mocked):
    mocked.add(responses.DELETE, RECORDINGS_URL + "r1/", status=204)
    mocked.add(responses.DELETE, RECORDINGS_URL + "r2/", status=404, json={"error": "Recording not found"})
    assert api.delete("r1") is True and api.delete("r2") is False
    mocked.add(responses.DELETE, RECORDINGS_URL + "r3/", status=500, json={})
    mocked.add(responses.DELETE, RECORDINGS_URL + "r3/", status=404, json={"error": "Recording not found"})
    assert api.delete("r3") is True
    assert [call.request.method for call in mocked.calls if call.request.url.endswith("/r3/")] == ["DELETE", "DELETE"]


def sent_credentials(mocked, url: str) -> list:
    return [(call.request.headers.get("X-Auth-ID"), call.request.headers.get("X-Auth-Token")) for call in mocked.calls if call.request.url == url]


@pytest.mark.parametrize(("url", "sent"), [
    ("https://media.vobiz.ai/api/v1/Account/MA/Recording/r1.mp3", True),
    ("https://vobiz.ai/r1.mp3", True),
    (API_URL + "/media/r1.mp3", True),
    ("http://media.vobiz.ai/r1.mp3", False),  # clear text: never
    ("https://media.vobiz.ai.example.com/r1.mp3", False),
    ("https://storage.example.com/r1.mp3", False),
    ("https://api.vobiz.ai:8443/r1.mp3", True),  # a vobiz.ai host over https, whatever the port
])
def test_credentials_only_to_vobiz_hosts_and_the_api_origin(api, mocked, url, sent):
    mocked.add(responses.GET, url, body=b"ID3....", content_type="audio/mpeg")
    assert api.download(url, lambda answer: b"".join(answer.chunks())) == b"ID3...."
    assert sent_credentials(mocked, url) == [(AUTH_ID, AUTH_TOKEN) if sent else (None, None)]


def test_the_api_origin_is_scheme_host_and_port(mocked):
    with _client.VobizClient("http://127.0.0.1:8080/api/v1", AUTH_ID, AUTH_TOKEN) as client:
        assert _client.sends_credentials("http://127.0.0.1:8080/media/r1.mp3", client.base_url)
        assert not _client.sends_credentials("http://127.0.0.1:8081/media/r1.mp3", client.base_url)
        assert not _client.sends_credentials("http://localhost:8080/media/r1.mp3", client.base_url)
        assert not _client.sends_credentials("https://127.0.0.1:8080/media/r1.mp3", client.base_url)


def test_a_redirect_to_another_origin_drops_the_credentials(api, mocked):
    first, signed = "https://media.vobiz.ai/r1.mp3", "https://storage.example.com/r1.mp3?signature=abc"
    mocked.add(responses.GET, first, status=302, headers={"Location": signed})
    mocked.add(responses.GET, signed, body=b"RIFF1234WAVE", content_type="audio/wav", headers={"Content-Length": "12"})
    answer = api.download(first, lambda answer: (answer.content_type, answer.length, b"".join(answer.chunks())))
    assert answer == ("audio/wav", 12, b"RIFF1234WAVE")
    assert sent_credentials(mocked, first) == [(AUTH_ID, AUTH_TOKEN)] and sent_credentials(mocked, signed) == [(None, None)]


def test_a_redirect_back_to_a_vobiz_host_after_another_origin_still_gets_none(api, mocked):
    first, other, back = "https://media.vobiz.ai/r1.mp3", "https://cdn.example.com/r1.mp3", "https://files.vobiz.ai/r1.mp3"
    mocked.add(responses.GET, first, status=307, headers={"Location": other})
    mocked.add(responses.GET, other, status=301, headers={"Location": back})
    mocked.add(responses.GET, back, body=b"x")
    api.download(first, lambda answer: b"".join(answer.chunks()))
    assert sent_credentials(mocked, back) == [(None, None)]


def test_media_length_from_head_none_when_refused_and_an_error_when_gone(api, mocked):
    mocked.add(responses.HEAD, "https://media.vobiz.ai/r1.mp3", headers={"Content-Length": "4096"})
    mocked.add(responses.HEAD, "https://storage.example.com/r2.mp3", status=403)
    mocked.add(responses.HEAD, "https://media.vobiz.ai/r3.mp3", status=404)
    assert api.media_length("https://media.vobiz.ai/r1.mp3") == 4096
    assert api.media_length("https://storage.example.com/r2.mp3") is None
    with pytest.raises(VobizNotFoundError):
        api.media_length("https://media.vobiz.ai/r3.mp3")


def test_a_download_failing_with_a_5xx_is_retried_from_the_start(api, mocked):
    url = "https://media.vobiz.ai/r1.mp3"
    mocked.add(responses.GET, url, status=503, body=b"busy")
    mocked.add(responses.GET, url, body=b"ID3 whole")
    reads = []
    assert api.download(url, lambda answer: reads.append(b"".join(answer.chunks())) or len(reads)) == 1
    assert reads == [b"ID3 whole"] and api.client.http_retries == 1
