"""recording through Ansible against the simulator's recordings: delete and delete again, a search under a retention
rule, `require_downloaded`, the refusal without `all`, check mode sending no DELETE, a 500 on a DELETE retried and a 404
counted as already gone, `examples/recording_retention.yml` run twice, and no token in the -vvv output."""

from __future__ import annotations

import os

from conftest import REPO_ROOT, Sim
from test_recording_info import add_recordings, info


def deletes(sim: Sim) -> list:
    return [entry["path"].rstrip("/").rsplit("/", 1)[1] for entry in sim.requests() if entry["method"] == "DELETE"]


def remaining(sim: Sim) -> list:
    return sorted(recording["recording_id"] for recording in sim.control("GET", "recordings")["recordings"])


def retention(ansible, args: dict, check: bool = False, verbose: bool = False):
    run = ansible.playbook("""
        - hosts: localhost
          gather_facts: false
          tasks:
            - vobiz.telephony.recording: "{{ e2e_args }}"
              register: gone
              ignore_errors: true
            - e2e_dump:
                content: "{{ gone | to_json }}"
                dest: "{{ e2e_out }}"
                mode: "0600"
              check_mode: false
              diff: false
    """, extra_vars={"e2e_args": args}, check=check, verbose=verbose)
    assert run.dump, run.explain()
    return run


def test_delete_then_delete_again(ansible, sim: Sim):
    add_recordings(sim, {"recording_id": "rec-a"}, {"recording_id": "rec-b"}, {"recording_id": "rec-c"})
    first = retention(ansible, {"recording_ids": ["rec-a", "rec-b", "rec-a"]}, verbose=True).dump
    assert (first["changed"], first["deleted"], first["kept"], first["failures"]) == (True, ["rec-a", "rec-b"], [], [])
    assert sorted(deletes(sim)) == ["rec-a", "rec-b"] and remaining(sim) == ["rec-c"]
    sim.clear_requests()
    second = retention(ansible, {"recording_ids": ["rec-a", "rec-b"]}).dump
    assert (second["changed"], second["deleted"]) == (False, [])
    assert second["kept"] == [{"recording_id": "rec-a", "reason": "already gone"}, {"recording_id": "rec-b", "reason": "already gone"}]
    assert sorted(deletes(sim)) == ["rec-a", "rec-b"]  # one DELETE each, answered 404


def test_a_search_deletes_only_what_the_rule_names(ansible, sim: Sim):
    add_recordings(sim, generate={"count": 130, "age_days": 31, "prefix": "old-"})
    add_recordings(sim, generate={"count": 4, "age_days": 2, "prefix": "new-"})
    gone = retention(ansible, {"older_than_days": 30, "concurrency": 4}).dump
    assert gone["changed"] is True and sorted(gone["deleted"]) == ["old-%06d" % index for index in range(130)]
    assert remaining(sim) == ["new-%06d" % index for index in range(4)] and len(deletes(sim)) == 130


def test_check_mode_sends_no_delete(ansible, sim: Sim):
    add_recordings(sim, {"recording_id": "rec-a", "age_days": 40}, {"recording_id": "rec-b", "age_days": 40}, {"recording_id": "rec-new"})
    by_search = retention(ansible, {"older_than_days": 30}, check=True, verbose=True).dump
    assert (by_search["changed"], sorted(by_search["deleted"])) == (True, ["rec-a", "rec-b"])
    by_ids = retention(ansible, {"recording_ids": ["rec-a", "rec-gone"]}, check=True, verbose=True).dump
    assert (by_ids["deleted"], by_ids["kept"]) == (["rec-a"], [{"recording_id": "rec-gone", "reason": "already gone"}])
    assert deletes(sim) == [] and remaining(sim) == ["rec-a", "rec-b", "rec-new"]


def test_require_downloaded_deletes_only_complete_files(ansible, sim: Sim, tmp_path):
    add_recordings(sim, *({"recording_id": name, "size": 4000, "age_days": 40} for name in ("rec-ok", "rec-short", "rec-absent")),
                   {"recording_id": "rec-wait", "ready": False, "age_days": 40})
    downloaded = info(ansible, {"recording_id": "rec-ok", "dest": str(tmp_path)}).dump
    info(ansible, {"recording_id": "rec-short", "dest": str(tmp_path)})
    assert downloaded["downloaded"] == [str(tmp_path / "rec-ok.mp3")]
    os.truncate(tmp_path / "rec-short.mp3", 1000)
    sim.clear_requests()
    gone = retention(ansible, {"older_than_days": 30, "require_downloaded": str(tmp_path)}).dump
    assert gone["deleted"] == ["rec-ok"] and deletes(sim) == ["rec-ok"]
    reasons = {entry["recording_id"]: entry["reason"] for entry in gone["kept"]}
    assert reasons == {"rec-short": "incomplete: %s has 1000 of 4000 bytes" % (tmp_path / "rec-short.mp3"),
                       "rec-absent": "not downloaded", "rec-wait": "not downloaded: its media is not ready yet"}


def test_neither_ids_nor_a_filter_is_refused_unless_all(ansible, sim: Sim):
    add_recordings(sim, {"recording_id": "rec-a"}, {"recording_id": "rec-b"})
    refused = retention(ansible, {}).dump
    assert refused["failed"] is True and "neither recording_ids nor a filter is given" in refused["msg"]
    assert sim.requests() == []
    every = retention(ansible, {"all": True}, check=True).dump
    assert sorted(every["deleted"]) == ["rec-a", "rec-b"] and deletes(sim) == []
    mixed = retention(ansible, {"all": True, "recording_ids": ["rec-a"]}).dump
    assert mixed["failed"] is True and "all=true deletes every recording and takes no recording_ids nor filter" in mixed["msg"]


def test_a_500_on_delete_is_retried_and_a_404_after_it_counts_as_deleted(ansible, sim: Sim):
    add_recordings(sim, {"recording_id": "rec-500"}, {"recording_id": "rec-lost"})
    sim.fault(kind="status", status=500, method="DELETE", path_regex="/Recording/rec-500/?$", times=1)
    sim.fault(kind="status", status=500, method="DELETE", path_regex="/Recording/rec-lost/?$", times=1, takes_effect=True)
    gone = retention(ansible, {"recording_ids": ["rec-500", "rec-lost"], "retry_max_wait": 0.2}, verbose=True).dump
    assert (gone["changed"], gone["deleted"], gone["kept"], gone["http_retries"]) == (True, ["rec-500", "rec-lost"], [], 2)
    statuses = {}
    for entry in sim.requests():
        statuses.setdefault(entry["path"].rstrip("/").rsplit("/", 1)[1], []).append(entry["response_status"])
    assert statuses == {"rec-500": [500, 204], "rec-lost": [500, 404]} and remaining(sim) == []


def test_the_retention_example_downloads_then_deletes_and_a_rerun_does_nothing(ansible, sim: Sim, tmp_path):
    add_recordings(sim, generate={"count": 6, "age_days": 45, "size": 3000})
    add_recordings(sim, {"recording_id": "rec-recent", "age_days": 3})
    example = (REPO_ROOT / "examples" / "recording_retention.yml").read_text(encoding="utf-8")
    for attempt in ("first", "rerun"):
        run = ansible.playbook(example, extra_vars={"recordings_dir": str(tmp_path / "archive")})
        assert run.rc == 0, run.explain()
        # the directory made, the downloads, the deletes; then nothing
        assert run.recap["changed"] == (3 if attempt == "first" else 0), run.explain()
    assert sorted(os.listdir(tmp_path / "archive")) == ["rec-%06d.mp3" % index for index in range(6)]
    assert remaining(sim) == ["rec-recent"]
