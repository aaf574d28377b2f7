"""recording_info through Ansible against the simulator's recordings: a search over several pages with its filters on
every page and `limit`, one recording, the downloads (a rerun downloading nothing, a file cut short fetched again, media
on another host fetched without credentials, a mismatched extension, `mode`), check mode, refusals sending nothing, and
no token in the -vvv output (Run.assert_clean, on every run)."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import AUTH_ID, Sim, refusals

MEDIA = "/media/"


def add_recordings(sim: Sim, *recordings: dict, generate: dict | None = None) -> list:
    body = {"generate": generate} if generate else {"recordings": list(recordings)}
    return sim.control("POST", "recordings", body)["recording_ids"]


def list_requests(sim: Sim) -> list:
    return [entry for entry in sim.requests() if entry["path"].rstrip("/") == "/api/v1/Account/%s/Recording" % AUTH_ID]


def media_requests(sim: Sim, method: str | None = None) -> list:
    return [entry for entry in sim.requests() if entry["path"].startswith(MEDIA) and method in (None, entry["method"])]


def info(ansible, args: dict, check: bool = False, verbose: bool = False):
    """One recording_info task in a playbook; its registered result in run.dump."""
    run = ansible.playbook("""
        - hosts: localhost
          gather_facts: false
          tasks:
            - vobiz.telephony.recording_info: "{{ e2e_args }}"
              register: found
              ignore_errors: true
            - e2e_dump:
                content: "{{ found | to_json }}"
                dest: "{{ e2e_out }}"
                mode: "0600"
              check_mode: false
    """, extra_vars={"e2e_args": args}, check=check, verbose=verbose)
    assert run.dump, run.explain()
    return run


def test_search_reads_every_page_with_its_filters_newest_first(ansible, sim: Sim):
    add_recordings(sim, generate={"count": 250, "age_days": 40, "prefix": "old-"})
    add_recordings(sim, generate={"count": 5, "age_days": 1, "prefix": "new-"})
    run = info(ansible, {"older_than_days": 30, "recording_type": "call", "concurrency": 3}, verbose=True)
    found = run.dump
    assert (found["count"], found["total"], found["truncated"], found["changed"]) == (250, 250, False, False)
    assert [recording["recording_id"] for recording in found["recordings"]] == ["old-%06d" % index for index in range(250)]
    queries = [entry["query"] for entry in list_requests(sim)]
    assert sorted(int(query["offset"]) for query in queries) == [0, 100, 200]
    for query in queries:  # every filter on every page
        assert query["limit"] == "100" and query["recording_type"] == "call"
        assert set(query) == {"limit", "offset", "recording_type", "add_time__lte"}
    assert len({query["add_time__lte"] for query in queries}) == 1


def test_limit_reads_no_page_beyond_it(ansible, sim: Sim):
    add_recordings(sim, generate={"count": 250, "age_days": 40})
    found = info(ansible, {"limit": 150, "from_number": "+9180"}).dump
    assert (found["count"], found["total"], found["truncated"]) == (150, 250, True)
    assert [recording["recording_id"] for recording in found["recordings"]] == ["rec-%06d" % index for index in range(150)]
    queries = [entry["query"] for entry in list_requests(sim)]
    assert sorted(int(query["offset"]) for query in queries) == [0, 100] and {query["from_number"] for query in queries} == {"+9180"}


def test_one_recording_and_one_that_is_not_there(ansible, sim: Sim):
    (recording_id,) = add_recordings(sim, {"recording_id": "rec-one", "call_uuid": "call-one"})
    found = info(ansible, {"recording_id": recording_id}).dump
    status, served = sim.api_get("/Account/%s/Recording/rec-one/" % AUTH_ID)
    served.pop("api_id")
    assert status == 200 and found["recordings"] == [served] and (found["count"], found["total"]) == (1, 1)
    missing = info(ansible, {"recording_id": "rec-none"}).dump
    assert (missing["recordings"], missing["count"], missing["changed"]) == ([], 0, False)
    assert "failed" not in missing or missing["failed"] is False


def test_download_then_a_rerun_downloads_nothing_and_a_short_file_is_fetched_again(ansible, sim: Sim, tmp_path):
    add_recordings(sim, generate={"count": 12, "age_days": 40, "size": 20000})
    add_recordings(sim, {"recording_id": "rec-wav", "file_format": "wav", "size": 3000, "age_days": 35},
                   {"recording_id": "rec-odd", "file_format": "mp3", "media_format": "wav", "size": 3000, "age_days": 35},
                   {"recording_id": "rec-far", "media_host": "localhost", "size": 5000, "age_days": 35},
                   {"recording_id": "rec-wait", "ready": False, "age_days": 35})
    args = {"older_than_days": 30, "dest": str(tmp_path), "mode": "0640", "concurrency": 4}
    first = info(ansible, args, verbose=True).dump
    expected = sorted(["rec-%06d.mp3" % index for index in range(12)] + ["rec-wav.wav", "rec-odd.wav", "rec-far.mp3"])
    assert first["changed"] is True and first["not_ready"] == ["rec-wait"] and first["failures"] == []
    assert sorted(os.path.basename(path) for path in first["downloaded"]) == expected
    assert sorted(os.listdir(tmp_path)) == expected  # no temporary file left
    served = {recording["recording_id"]: recording for recording in sim.control("GET", "recordings")["recordings"]}
    for name in expected:
        path = tmp_path / name
        assert path.stat().st_size == served[name.split(".")[0]]["size"] and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert (tmp_path / "rec-odd.wav").read_bytes()[:4] == b"RIFF" and (tmp_path / "rec-000000.mp3").read_bytes()[:3] == b"ID3"
    gets = media_requests(sim, "GET")
    assert len(gets) == 15
    by_host = {entry["path"]: entry["headers"] for entry in gets}
    assert "X-Auth-ID" not in by_host["/media/rec-far.mp3"] and "X-Auth-Token" not in by_host["/media/rec-far.mp3"]
    assert by_host["/media/rec-far.mp3"]["Host"].startswith("localhost:")
    assert by_host["/media/rec-000000.mp3"]["X-Auth-ID"] == AUTH_ID  # the API's own origin gets them

    sim.clear_requests()
    second = info(ansible, args).dump
    assert (second["changed"], second["downloaded"]) == (False, [])
    assert media_requests(sim, "GET") == [] and len(media_requests(sim, "HEAD")) == 15
    assert all("X-Auth-ID" not in entry["headers"] for entry in media_requests(sim, "HEAD") if entry["path"] == "/media/rec-far.mp3")

    os.truncate(tmp_path / "rec-000003.mp3", 100)
    (tmp_path / "rec-odd.wav").unlink()
    sim.clear_requests()
    third = info(ansible, args).dump
    assert third["changed"] is True and sorted(third["downloaded"]) == [str(tmp_path / "rec-000003.mp3"), str(tmp_path / "rec-odd.wav")]
    assert sorted(entry["path"] for entry in media_requests(sim, "GET")) == ["/media/rec-000003.mp3", "/media/rec-odd.mp3"]
    assert (tmp_path / "rec-000003.mp3").stat().st_size == 20000


def test_check_mode_downloads_nothing_and_lists_what_it_would(ansible, sim: Sim, tmp_path):
    add_recordings(sim, {"recording_id": "rec-a", "size": 1000, "age_days": 40},
                   {"recording_id": "rec-b", "size": 1000, "age_days": 40, "file_format": "wav"})
    found = info(ansible, {"older_than_days": 30, "dest": str(tmp_path)}, check=True, verbose=True).dump
    assert found["changed"] is True and sorted(found["downloaded"]) == [str(tmp_path / "rec-a.mp3"), str(tmp_path / "rec-b.wav")]
    assert os.listdir(tmp_path) == [] and media_requests(sim) == []


BAD_INPUT = [
    ({"older_than_days": 30, "added_before": "2026-01-01"}, "added_before and older_than_days are mutually exclusive"),
    ({"recording_id": "rec-a", "call_uuid": "x"}, "recording_id reads one recording and takes no search filter: drop call_uuid"),
    ({"added_after": "yesterday"}, "added_after 'yesterday' is not a date nor a timestamp"),
    ({"added_after": "2026-05-02", "added_before": "2026-05-01"}, "added_after 2026-05-02 is after added_before 2026-05-01"),
    ({"dest": "/nonexistent/dir"}, "dest /nonexistent/dir is not a directory"),
    ({"mode": "rw-r", "dest": "/tmp"}, "mode 'rw-r' is not a file mode"),
    ({"recording_id": "../x"}, "recording_id '../x' is not valid"),
]


@pytest.fixture(scope="module")
def refused(ansible_runner, simulator: Sim) -> tuple:
    return refusals(ansible_runner, simulator, "vobiz.telephony.recording_info", BAD_INPUT)


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_is_refused_before_any_request(refused, args, message):
    results, requests = refused
    found = results[BAD_INPUT.index((args, message))]
    assert found["failed"] is True and message in found["msg"], found
    assert requests == []
