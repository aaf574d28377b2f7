# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client's media requests (download, media_length) as a recording's owner meets them: which origin gets the
credentials (a default port written out is the same origin), the redirects followed by hand (relative, at most five,
a 2xx is never one, a Location that is no valid URL an error), what every media request carries (Accept, timeout,
certificate check), the answer's head and body (content type, chunks), and each failure's message, naming the URL:
connecting, reading the body, an error status and its body, Retry-After, a HEAD's statuses, and a 429 of a media host,
which holds back that download alone."""

from __future__ import annotations

import socket

import pytest
import requests
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import (
    VobizAuthError,
    VobizConnectionError,
    VobizHTTPError,
    VobizNotFoundError,
    VobizResponseError,
)
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import API_URL, AUTH_ID, AUTH_TOKEN, DroppedBody, StalledBody, live_record

MEDIA = "https://media.vobiz.ai/r/r1.mp3"
STORAGE = "https://storage.example.com/r1.mp3?signature=abc"


def client(api_url: str = API_URL, **options) -> VobizClient:
    options.setdefault("retries", 0)
    return VobizClient(api_url, AUTH_ID, AUTH_TOKEN, **options)


def whole(answer) -> bytes:
    return b"".join(answer.chunks())


def credentials(call) -> tuple:
    return call.request.headers.get("X-Auth-ID"), call.request.headers.get("X-Auth-Token")


# --- which origin gets the credentials ----------------------------------------------------------------------------


@pytest.mark.parametrize(("api_url", "url", "sent"), [
    ("http://127.0.0.1/api/v1", "http://127.0.0.1:80/media/r1.mp3", True),
    ("http://127.0.0.1:80/api/v1", "http://127.0.0.1/media/r1.mp3", True),
    ("https://vobiz-proxy.example.com/api/v1", "https://vobiz-proxy.example.com:443/media/r1.mp3", True),
    ("https://vobiz-proxy.example.com:443/api/v1", "https://vobiz-proxy.example.com/media/r1.mp3", True),
    ("http://127.0.0.1/api/v1", "http://127.0.0.1:8080/media/r1.mp3", False),
    ("https://vobiz-proxy.example.com/api/v1", "https://vobiz-proxy.example.com:8443/media/r1.mp3", False),
    ("https://vobiz-proxy.example.com/api/v1", "http://vobiz-proxy.example.com/media/r1.mp3", False),
])
def test_media_on_the_api_url_s_origin_gets_the_credentials_a_default_port_written_out_or_not(mocked, api_url, url, sent):
    mocked.add(responses.GET, url, body=b"ID3")
    with client(api_url) as vobiz:
        assert vobiz.download(url, whole) == b"ID3"
    assert credentials(mocked.calls[0]) == ((AUTH_ID, AUTH_TOKEN) if sent else (None, None))


@pytest.mark.parametrize(("location", "moved"), [("../s/r1.mp3", "https://media.vobiz.ai/s/r1.mp3"),
                                                 ("//media.vobiz.ai/s/r1.mp3", "https://media.vobiz.ai/s/r1.mp3"),
                                                 ("https://media.vobiz.ai:443/s/r1.mp3", "https://media.vobiz.ai:443/s/r1.mp3")])
def test_a_redirect_within_the_origin_is_resolved_against_the_url_and_keeps_the_credentials(mocked, location, moved):
    mocked.add(responses.GET, MEDIA, status=302, headers={"Location": location})
    mocked.add(responses.GET, moved, body=b"ID3 moved")
    with client() as vobiz:
        assert vobiz.download(MEDIA, whole) == b"ID3 moved"
    assert [(call.request.url, credentials(call)) for call in mocked.calls] == [(MEDIA, (AUTH_ID, AUTH_TOKEN)), (moved, (AUTH_ID, AUTH_TOKEN))]


def test_a_redirect_to_another_port_of_the_same_host_drops_the_credentials(mocked):
    other_port = "https://media.vobiz.ai:8443/r/r1.mp3"
    mocked.add(responses.GET, MEDIA, status=301, headers={"Location": other_port})
    mocked.add(responses.GET, other_port, body=b"ID3")
    with client() as vobiz:
        vobiz.download(MEDIA, whole)
    assert [credentials(call) for call in mocked.calls] == [(AUTH_ID, AUTH_TOKEN), (None, None)]


# --- redirects ----------------------------------------------------------------------------------------------------


def hops(mocked, count: int) -> list:
    """MEDIA redirecting `count` times (to hop1.mp3, hop2.mp3 ...); the last URL answers the media."""
    urls = [MEDIA] + ["https://media.vobiz.ai/r/hop%d.mp3" % number for number in range(1, count + 1)]
    for here, there in zip(urls, urls[1:]):
        mocked.add(responses.GET, here, status=307, headers={"Location": there})
    mocked.add(responses.GET, urls[-1], body=b"ID3 at last")
    return urls


def test_five_redirects_are_followed(mocked):
    urls = hops(mocked, 5)
    with client() as vobiz:
        assert vobiz.download(MEDIA, whole) == b"ID3 at last"
    assert [call.request.url for call in mocked.calls] == urls


def test_a_sixth_redirect_is_refused_naming_the_media_url(mocked):
    hops(mocked, 6)
    with client() as vobiz, pytest.raises(VobizResponseError) as error:
        vobiz.download(MEDIA, whole)
    assert (error.value.message, error.value.url) == ("GET %s: more than 5 redirects" % MEDIA, MEDIA)
    assert len(mocked.calls) == 6


@pytest.mark.parametrize("location", ["https://cdn.example.com:99999/r1.mp3", "https://cdn.example.com:ab/r1.mp3"])
def test_a_redirect_to_a_url_that_is_not_valid_is_a_vobiz_error_naming_the_url_that_redirected(mocked, location):
    mocked.add(responses.GET, MEDIA, status=302, headers={"Location": location})
    with client(retries=2) as vobiz, pytest.raises(VobizResponseError) as error:
        vobiz.download(MEDIA, whole)
    assert (error.value.message, error.value.url, error.value.status_code) == (
        "GET %s answered HTTP 302 with a Location that is not a valid URL" % MEDIA, MEDIA, 302)
    assert len(mocked.calls) == 1


def test_a_2xx_with_a_location_is_the_media_not_a_redirect(mocked):
    mocked.add(responses.GET, MEDIA, status=200, body=b"ID3 here", headers={"Location": "https://media.vobiz.ai/elsewhere.mp3"})
    with client() as vobiz:
        assert vobiz.download(MEDIA, whole) == b"ID3 here"
    assert len(mocked.calls) == 1


def test_a_300_is_an_error_not_the_media(mocked):
    mocked.add(responses.GET, MEDIA, status=300, body=b"")
    read = []
    with client() as vobiz, pytest.raises(VobizHTTPError) as error:
        vobiz.download(MEDIA, read.append)
    assert (error.value.message, error.value.status_code, read) == ("GET %s answered HTTP 300 Multiple Choices" % MEDIA, 300, [])


# --- what every media request carries -----------------------------------------------------------------------------


def test_a_media_request_accepts_any_content_type_with_or_without_the_credentials(mocked):
    mocked.add(responses.GET, MEDIA, status=302, headers={"Location": STORAGE})
    mocked.add(responses.GET, STORAGE, body=b"ID3")
    with client() as vobiz:
        vobiz.download(MEDIA, whole)
    assert [(call.request.headers["Accept"], credentials(call)) for call in mocked.calls] == [("*/*", (AUTH_ID, AUTH_TOKEN)), ("*/*", (None, None))]


def test_every_media_request_carries_the_timeout_and_the_certificate_check_past_a_redirect(mocked):
    # REQUESTS_CA_BUNDLE overrides Session.verify, so ca_path must travel with each request, as the timeout does.
    mocked.add(responses.GET, MEDIA, status=302, headers={"Location": STORAGE})
    mocked.add(responses.GET, STORAGE, body=b"ID3")
    with client(timeout=2.5, verify="/etc/ssl/private-ca.pem") as vobiz:
        vobiz.download(MEDIA, whole)
    assert [(call.request.req_kwargs["timeout"], call.request.req_kwargs["verify"]) for call in mocked.calls] == [
        (2.5, "/etc/ssl/private-ca.pem")] * 2


# --- the answer ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content_type", "seen"), [("Audio/WAV; rate=8000", "audio/wav"), ("audio/mpeg", "audio/mpeg"), (None, "")])
def test_the_answer_s_content_type_is_its_media_type_in_lower_case_or_empty(mocked, content_type, seen):
    mocked.add(responses.GET, MEDIA, body=b"RIFF", content_type=content_type)
    with client() as vobiz:
        assert vobiz.download(MEDIA, lambda answer: answer.content_type) == seen


def test_a_large_media_is_handed_over_in_pieces_of_at_most_64_kib(mocked):
    body = bytes(range(256)) * 800  # 204800 bytes
    mocked.add(responses.GET, MEDIA, body=body)
    with client() as vobiz:
        pieces = vobiz.download(MEDIA, lambda answer: list(answer.chunks()))
    assert b"".join(pieces) == body and max(len(piece) for piece in pieces) == 64 * 1024


# --- failures -----------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_names_the_url_and_is_known_not_sent():
    url = "http://127.0.0.1:%d/media/r1.mp3" % _free_port()
    with client(timeout=5) as vobiz, pytest.raises(VobizConnectionError) as error:
        vobiz.download(url, whole)
    assert (error.value.message, error.value.url) == ("GET %s failed: connection refused" % url, url)
    assert (error.value.transient, error.value.sent) == (True, False)


def test_a_media_host_that_does_not_answer_in_time_is_retried_with_the_timeout_in_the_message(mocked, clock):
    mocked.add(responses.GET, STORAGE, body=requests.exceptions.ReadTimeout("Read timed out. (read timeout=2.5)"))
    mocked.add(responses.GET, STORAGE, body=requests.exceptions.ReadTimeout("Read timed out. (read timeout=2.5)"))
    notes = []
    with client(timeout=2.5, retries=1, on_retry=notes.append) as vobiz, pytest.raises(VobizConnectionError) as error:
        vobiz.download(STORAGE, whole)
    assert error.value.message == "GET %s failed: no answer within 2.5 s" % STORAGE
    assert (error.value.transient, error.value.sent, len(notes)) == (True, True, 1)


def test_a_tls_failure_of_a_media_host_is_not_retried(mocked, clock):
    mocked.add(responses.GET, STORAGE, body=requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))
    with client(retries=2) as vobiz, pytest.raises(VobizConnectionError) as error:
        vobiz.download(STORAGE, whole)
    assert error.value.message.startswith("GET %s failed: TLS certificate verification failed" % STORAGE)
    assert (error.value.transient, len(mocked.calls), clock.sleeps) == (False, 1, [])


@pytest.mark.parametrize(("body", "cause"), [(DroppedBody, "the server closed the connection without a complete answer"),
                                             (StalledBody, "no answer within 2.5 s")], ids=["dropped", "stalled"])
def test_a_body_that_breaks_off_fails_while_reading_the_media_naming_the_url(mocked, body, cause):
    mocked.add(responses.GET, MEDIA, body=body(), auto_calculate_content_length=False)
    with client(timeout=2.5) as vobiz, pytest.raises(VobizConnectionError) as error:
        vobiz.download(MEDIA, whole)
    assert (error.value.message, error.value.url) == ("GET %s failed while reading the media: %s" % (MEDIA, cause), MEDIA)
    assert error.value.transient is True


def test_an_error_answer_shows_what_the_media_host_said(mocked):
    mocked.add(responses.GET, STORAGE, status=503, body=b"<h1>busy</h1>", content_type="text/html")
    with client() as vobiz, pytest.raises(VobizHTTPError) as error:
        vobiz.download(STORAGE, whole)
    assert error.value.message == "GET %s answered HTTP 503 Service Unavailable and a body that is not Vobiz's JSON: '<h1>busy</h1>'" % STORAGE


def test_a_json_404_is_the_recording_gone_with_vobiz_s_words(mocked):
    mocked.add(responses.GET, MEDIA, status=404, json={"api_id": "a-1", "error": "Recording not found"})
    with client() as vobiz, pytest.raises(VobizNotFoundError) as error:
        vobiz.download(MEDIA, whole)
    assert error.value.message == "GET %s answered HTTP 404 Not Found: Recording not found (request id a-1)" % MEDIA


def test_an_error_answer_larger_than_the_limit_is_not_read(mocked):
    mocked.add(responses.GET, MEDIA, status=500, body=b"x" * 200)
    with client(max_body_bytes=100) as vobiz, pytest.raises(VobizResponseError) as error:
        vobiz.download(MEDIA, whole)
    assert error.value.message == "GET %s answered HTTP 500 with a body larger than 100 bytes; refused to read it" % MEDIA


def test_vobiz_refusing_the_credentials_names_the_auth_id(mocked):
    mocked.add(responses.GET, MEDIA, status=403, json={"api_id": "a-2", "error": "forbidden"})
    with client() as vobiz, pytest.raises(VobizAuthError) as error:
        vobiz.download(MEDIA, whole)
    assert error.value.message == "Vobiz refused the credentials of auth_id %s (HTTP 403: forbidden) for GET %s" % (AUTH_ID, MEDIA)


def test_a_403_of_a_host_sent_no_credentials_is_not_a_refusal_of_them(mocked):
    # a signed storage URL that has expired: the user's credentials are not at fault
    mocked.add(responses.GET, MEDIA, status=302, headers={"Location": STORAGE})
    mocked.add(responses.GET, STORAGE, status=403, body=b"<Error><Code>AccessDenied</Code></Error>", content_type="application/xml")
    with client() as vobiz, pytest.raises(VobizHTTPError) as error:
        vobiz.download(MEDIA, whole)
    assert not isinstance(error.value, VobizAuthError)
    assert error.value.message == ("GET %s answered HTTP 403 Forbidden and a body that is not Vobiz's JSON: "
                                   "'<Error><Code>AccessDenied</Code></Error>'" % STORAGE)


def test_a_media_host_s_retry_after_is_waited_for(mocked, clock):
    mocked.add(responses.GET, STORAGE, status=503, headers={"Retry-After": "7"})
    mocked.add(responses.GET, STORAGE, body=b"ID3")
    with client(retries=1) as vobiz:
        assert vobiz.download(STORAGE, whole) == b"ID3"
    assert clock.sleeps == [7.0]


def test_a_429_of_a_media_host_holds_back_that_download_alone(mocked, clock):
    # the API's own requests, from another thread of the same client, do not wait for a media host's 429
    mocked.add(responses.GET, STORAGE, status=429, headers={"Retry-After": "5"})
    mocked.add(responses.GET, STORAGE, body=b"ID3")
    live = API_URL + "/Account/%s/Call/c1/" % AUTH_ID
    mocked.add(responses.GET, live, json=live_record("c1"))
    vobiz, results = client(retries=1), {}

    def api_request():
        results["live"] = vobiz.get(("Account", AUTH_ID, "Call", "c1")).data

    clock.during_first_main_sleep("api", api_request)
    with vobiz:
        assert vobiz.download(STORAGE, whole) == b"ID3"
    assert (results["live"], clock.sleepers) == (live_record("c1"), [("MainThread", 5.0)])


# --- media_length (HEAD) ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_head_answered_429_or_5xx_is_retried_not_taken_for_no_length(mocked, clock, status):
    mocked.add(responses.HEAD, MEDIA, status=status)
    mocked.add(responses.HEAD, MEDIA, headers={"Content-Length": "4096"})
    with client(retries=1) as vobiz:
        assert vobiz.media_length(MEDIA) == 4096
    assert len(mocked.calls) == 2


def test_a_gone_media_is_not_found_whatever_length_its_head_announces(mocked):
    # a HEAD's Content-Length is that of the body a GET would get: no body of an error to refuse as too large
    mocked.add(responses.HEAD, MEDIA, status=404, headers={"Content-Length": str(20 * 1024 * 1024)}, auto_calculate_content_length=False)
    with client() as vobiz, pytest.raises(VobizNotFoundError) as error:
        vobiz.media_length(MEDIA)
    assert error.value.message == "HEAD %s answered HTTP 404 Not Found" % MEDIA
