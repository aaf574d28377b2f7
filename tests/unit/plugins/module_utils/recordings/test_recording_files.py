# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Recordings' media into a directory over a mocked transport: the format from the bytes, then the content type, then
the recording; a complete file only HEADed, a short one fetched again, a body shorter than its Content-Length refused
and nothing left behind, the mode; and the retention: deleted once, already gone, kept with why, check mode."""

from __future__ import annotations

import os
import stat

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.api._recordings import RecordingApi
from ansible_collections.vobiz.telephony.plugins.module_utils.http import _client
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._download import download_all, file_format, mode_error, sniffed_format
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._retention import apply_retention
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, API_URL, AUTH_ID, AUTH_TOKEN

MEDIA = "https://media.vobiz.ai/r/"
MP3 = b"ID3\x04" + b"m" * 96
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt " + b"w" * 84


@pytest.fixture
def api():
    with _client.VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=1) as client:
        yield RecordingApi(client)


@pytest.mark.parametrize(("head", "found"), [(b"ID3\x03", "mp3"), (b"\xff\xfb\x90\x00", "mp3"), (b"RIFF\x10\x00\x00\x00WAVE", "wav"),
                                             (b"RIFF\x10\x00\x00\x00AVI ", None), (b"OggS", None), (b"", None)])
def test_the_format_the_first_bytes_show(head, found):
    assert sniffed_format(head) == found


def test_the_bytes_then_the_content_type_then_the_recording_then_the_url():
    recording = {"recording_format": "mp3", "recording_url": MEDIA + "a.ogg"}
    assert file_format(WAV, "audio/mpeg", recording) == "wav"
    assert file_format(b"????", "audio/x-wav", recording) == "wav"
    assert file_format(b"????", "application/octet-stream", recording) == "mp3"
    assert file_format(b"????", "", {"recording_url": MEDIA + "a.ogg"}) == "ogg"


def media(mocked, name: str, body: bytes, content_type: str = "audio/mpeg", method=responses.GET):
    mocked.add(method, MEDIA + name, body=body if method == responses.GET else b"", content_type=content_type,
               headers={"Content-Length": str(len(body))})


def recording(recording_id: str, name: str, recording_format: str = "mp3") -> dict:
    return {"recording_id": recording_id, "recording_url": MEDIA + name, "recording_format": recording_format}


def test_downloads_named_by_their_bytes_with_the_mode_nothing_left_behind(api, mocked, tmp_path):
    media(mocked, "a.mp3", MP3)
    media(mocked, "b.mp3", WAV, content_type="audio/mpeg")
    done = download_all(api, [recording("a", "a.mp3"), recording("b", "b.mp3"), {"recording_id": "c", "recording_url": ""}],
                        str(tmp_path), 0o640, 4, False)
    assert done.as_result() == {"downloaded": [str(tmp_path / "a.mp3"), str(tmp_path / "b.wav")], "not_ready": ["c"], "failures": []}
    assert sorted(os.listdir(tmp_path)) == ["a.mp3", "b.wav"] and (tmp_path / "b.wav").read_bytes() == WAV
    assert stat.S_IMODE((tmp_path / "a.mp3").stat().st_mode) == 0o640 and done.changed


def test_a_complete_file_is_only_headed_and_a_short_one_fetched_again(api, mocked, tmp_path):
    (tmp_path / "a.mp3").write_bytes(MP3)
    (tmp_path / "b.wav").write_bytes(WAV[:10])  # cut short, under the name its bytes gave it
    media(mocked, "a.mp3", MP3, method=responses.HEAD)
    media(mocked, "b.mp3", WAV, method=responses.HEAD)
    media(mocked, "b.mp3", WAV)
    done = download_all(api, [recording("a", "a.mp3"), recording("b", "b.mp3")], str(tmp_path), None, 2, False)
    assert done.as_result()["downloaded"] == [str(tmp_path / "b.wav")] and (tmp_path / "b.wav").read_bytes() == WAV
    assert [(call.request.method, call.request.url) for call in mocked.calls if call.request.method == "GET"] == [("GET", MEDIA + "b.mp3")]


def test_check_mode_writes_nothing_and_names_the_files(api, mocked, tmp_path):
    done = download_all(api, [recording("a", "a.mp3"), recording("b", "b.wav", "wav")], str(tmp_path), None, 2, True)
    assert done.as_result()["downloaded"] == [str(tmp_path / "a.mp3"), str(tmp_path / "b.wav")]
    assert os.listdir(tmp_path) == [] and len(mocked.calls) == 0


def test_a_body_shorter_than_its_length_fails_and_leaves_nothing(api, mocked, tmp_path):
    for _attempt in range(2):
        mocked.add(responses.GET, MEDIA + "a.mp3", body=MP3[:50], headers={"Content-Length": str(len(MP3))}, auto_calculate_content_length=False)
    done = download_all(api, [recording("a", "a.mp3")], str(tmp_path), None, 1, False)
    (failure,) = done.as_result()["failures"]
    assert failure["recording_id"] == "a" and os.listdir(tmp_path) == [] and not done.changed


def test_an_id_that_would_leave_the_directory_is_refused(api, mocked, tmp_path):
    done = download_all(api, [recording("../x", "x.mp3"), recording("..", "y.mp3")], str(tmp_path), None, 1, False)
    messages = [failure["msg"] for failure in done.as_result()["failures"]]
    assert messages == ["recording_id '../x' cannot name a file", "recording_id '..' cannot name a file"]
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(("value", "ok"), [("0640", True), ("640", True), (0o640, True), ("rw-r", False), ("0999", False), (4096, False)])
def test_modes(value, ok):
    assert (mode_error("mode", value) is None) == ok


RECORDING_URL = ACCOUNT_URL + "/Recording/"


def test_retention_deletes_each_once_and_a_404_is_already_gone(api, mocked):
    mocked.add(responses.DELETE, RECORDING_URL + "a/", status=204)
    mocked.add(responses.DELETE, RECORDING_URL + "b/", status=404, json={"error": "Recording not found"})
    done = apply_retention(api, ["a", "b", "a"], None, 4, False).as_result()
    assert done == {"changed": True, "deleted": ["a"], "kept": [{"recording_id": "b", "reason": "already gone"}], "failures": []}
    assert len(mocked.calls) == 2


def test_retention_check_mode_reads_and_sends_no_delete(api, mocked):
    mocked.add(responses.GET, RECORDING_URL + "a/", json={"recording_id": "a"})
    mocked.add(responses.GET, RECORDING_URL + "b/", status=404, json={"error": "Recording not found"})
    done = apply_retention(api, ["a", "b"], None, 2, True).as_result()
    assert (done["deleted"], done["kept"]) == (["a"], [{"recording_id": "b", "reason": "already gone"}])
    assert {call.request.method for call in mocked.calls} == {"GET"}


def test_retention_keeps_what_is_not_complete_in_the_directory(api, mocked, tmp_path):
    (tmp_path / "ok.mp3").write_bytes(MP3)
    (tmp_path / "short.mp3").write_bytes(MP3[:20])
    media(mocked, "ok.mp3", MP3, method=responses.HEAD)
    media(mocked, "short.mp3", MP3, method=responses.HEAD)
    mocked.add(responses.DELETE, RECORDING_URL + "ok/", status=204)
    targets = [recording("ok", "ok.mp3"), recording("short", "short.mp3"), recording("absent", "absent.mp3"),
               {"recording_id": "wait", "recording_url": ""}]
    done = apply_retention(api, targets, str(tmp_path), 4, False).as_result()
    assert done["deleted"] == ["ok"]
    assert done["kept"] == [{"recording_id": "short", "reason": "incomplete: %s has 20 of 100 bytes" % (tmp_path / "short.mp3")},
                            {"recording_id": "absent", "reason": "not downloaded"},
                            {"recording_id": "wait", "reason": "not downloaded: its media is not ready yet"}]


def test_a_failed_delete_is_reported_and_the_others_go_on(api, mocked):
    mocked.add(responses.DELETE, RECORDING_URL + "a/", status=403, json={"error": "forbidden"})
    mocked.add(responses.DELETE, RECORDING_URL + "b/", status=204)
    done = apply_retention(api, ["a", "b"], None, 1, False).as_result()
    assert done["deleted"] == ["b"] and [failure["recording_id"] for failure in done["failures"]] == ["a"]
