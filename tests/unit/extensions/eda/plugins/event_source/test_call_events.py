# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The call_events event source: its arguments, what stops it, and that it runs without ansible-core.

The source is imported like any other module here; the test without ansible-core runs it by path, as ansible-rulebook
does (runpy.run_path). HTTP is mocked with responses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from ansible_collections.vobiz.telephony.extensions.eda.plugins.event_source import call_events
from ansible_collections.vobiz.telephony.plugins.module_utils._arguments import ArgumentError
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizAuthError
from ansible_collections.vobiz.telephony.plugins.module_utils.calls._tracking import EVENT_TYPES, CallTracker, ListEntry
from ansible_collections.vobiz.telephony.plugins.module_utils._options import api_url_error, identifier_error
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import API_URL, AUTH_ID, AUTH_TOKEN, add_call, add_list, live_record

COLLECTION = Path(__file__).resolve().parents[6]
SOURCE = COLLECTION / "extensions" / "eda" / "plugins" / "event_source" / "call_events.py"
CONNECTION = {"auth_id": AUTH_ID, "auth_token": AUTH_TOKEN, "api_url": API_URL}


@pytest.fixture
def source():
    """The source, imported like any other module."""
    return call_events


def options_of(source, args: dict, environ=None) -> dict:
    return source.source_options(args, {} if environ is None else environ)


def refusal(source, args: dict, environ=None) -> str:
    with pytest.raises(ArgumentError) as raised:
        options_of(source, args, environ)
    message = str(raised.value)
    assert message.startswith("vobiz.telephony.call_events: ")
    assert AUTH_TOKEN not in message
    return message


def test_defaults_are_those_documented(source):
    options = options_of(source, dict(CONNECTION))
    assert {name: options[name] for name in ("interval", "statuses", "track_status", "cdr", "emit_existing", "concurrency", "timeout",
                                             "validate_certs", "ca_path", "retries", "retry_max_wait")} == {
        "interval": 5.0, "statuses": ["live", "queued"], "track_status": True, "cdr": True, "emit_existing": False, "concurrency": 8,
        "timeout": 30.0, "validate_certs": True, "ca_path": None, "retries": 3, "retry_max_wait": 60.0}


def test_documented_arguments_and_defaults_are_those_of_the_code(source):
    documented = yaml.safe_load(source.DOCUMENTATION)["options"]
    assert set(documented) == set(source.DEFAULTS) | {"auth_id", "auth_token"}
    assert {name: option.get("default") for name, option in documented.items() if name in source.DEFAULTS} == source.DEFAULTS
    assert documented["statuses"]["choices"] == list(source.STATUS_CHOICES)


def test_every_type_of_event_is_documented_with_a_whole_event_of_the_right_shape(source):
    events = yaml.safe_load(source.EVENTS)
    assert tuple(events) == EVENT_TYPES
    tracker = CallTracker(["live"])
    tracker.update({"live": []}, 0.0)
    emitted = tracker.update({"live": [ListEntry("a", "live", "ringing", {})]}, 5.0)[0].as_event("MA_X", 5.0)["vobiz"]
    for kind, documented in events.items():
        event = documented["sample"]["vobiz"]
        assert list(documented["sample"]) == ["vobiz"]
        assert event["type"] == kind
        assert set(event) == {"type", "call_uuid", "call_status", "previous_status", "call", "cdr", "account", "observed_at"}
        assert all(isinstance(event[key], str) for key in ("type", "call_uuid", "call_status", "account", "observed_at"))
        assert event["previous_status"] is None or isinstance(event["previous_status"], str)
        assert isinstance(event["call"], dict) and isinstance(event["cdr"], dict)
        assert (event["cdr"] != {}) is (kind == "call.ended")
    assert list(emitted) == list(events["call.started"]["sample"]["vobiz"])  # the same keys, in the same order


def test_connection_comes_from_the_environment_when_not_given(source):
    environ = {"VOBIZ_AUTH_ID": "MA_FROMENV1", "VOBIZ_AUTH_TOKEN": "env-token", "VOBIZ_API_URL": "http://127.0.0.1:9/api/v1"}
    options = options_of(source, {}, environ)
    assert (options["auth_id"], options["auth_token"], options["api_url"]) == ("MA_FROMENV1", "env-token", "http://127.0.0.1:9/api/v1")
    assert options_of(source, {"auth_id": "MA_ARG00001"}, environ)["auth_id"] == "MA_ARG00001"
    assert options_of(source, {"auth_id": "MA_X", "auth_token": "t"})["api_url"] == "https://api.vobiz.ai/api/v1"


def test_missing_credentials_name_the_argument_and_its_variable(source):
    message = refusal(source, {})
    assert "auth_id is required: set it, or the VOBIZ_AUTH_ID environment variable" in message
    assert "auth_token is required: set it, or the VOBIZ_AUTH_TOKEN environment variable" in message
    assert "must not be empty" not in message


def test_connection_checks_say_what_the_modules_say(source):
    message = refusal(source, dict(CONNECTION, auth_id="MA/../x", api_url="ftp://x"))
    assert identifier_error("auth_id", "MA/../x") in message
    assert api_url_error("ftp://x") in message


@pytest.mark.parametrize("args, expected", [
    ({"interval": 0}, "interval must be greater than 0 seconds, got 0.0"),
    ({"interval": "soon"}, "interval must be a number of seconds, got 'soon'"),
    ({"interval": True}, "interval must be a number of seconds, got True"),
    ({"timeout": -1}, "timeout must be greater than 0 seconds, got -1.0"),
    ({"retries": -1}, "retries must be 0 or more, got -1"),
    ({"retries": 1.5}, "retries must be a whole number, got 1.5"),
    ({"concurrency": 0}, "concurrency must be between 1 and 64, got 0"),
    ({"concurrency": "many"}, "concurrency must be a whole number, got 'many'"),
    ({"statuses": []}, "statuses must be a list of one or both of live, queued, got []"),
    ({"statuses": ["live", "ended"]}, "statuses must be a list of one or both of live, queued, got ['live', 'ended']"),
    ({"track_status": "maybe"}, "track_status must be true or false, got 'maybe'"),
    ({"cdr": 2}, "cdr must be true or false, got 2"),
    ({"emit_existing": None, "validate_certs": []}, "validate_certs must be true or false, got []"),
    ({"ca_path": "/nonexistent/ca.pem"}, "ca_path '/nonexistent/ca.pem' is not a readable file"),
    ({"auth_id": 12345}, "auth_id must be a string, got a int"),
    ({"intervall": 5}, "unknown argument intervall; the arguments are api_url, auth_id, auth_token, ca_path, cdr, concurrency, emit_existing, "
                       "interval, retries, retry_max_wait, statuses, timeout, track_status, validate_certs"),
])
def test_a_bad_argument_is_named(source, args, expected):
    assert refusal(source, dict(CONNECTION, **args)) == "vobiz.telephony.call_events: " + expected


def test_every_bad_argument_is_named_at_once(source):
    message = refusal(source, dict(CONNECTION, interval=-2, concurrency=100, statuses="ended"))
    assert message.count("; ") == 2
    assert "interval" in message and "concurrency" in message and "statuses" in message


@pytest.mark.parametrize("value, expected", [("true", True), ("no", False), ("On", True), ("0", False), (False, False)])
def test_booleans_from_templated_strings(source, value, expected):
    assert options_of(source, dict(CONNECTION, cdr=value))["cdr"] is expected


def test_numbers_from_templated_strings_and_one_status_as_a_string(source):
    options = options_of(source, dict(CONNECTION, interval="2.5", concurrency="4", statuses="queued", eda_feedback_queue=object()))
    assert (options["interval"], options["concurrency"], options["statuses"]) == (2.5, 4, ["queued"])


def test_bad_arguments_stop_the_source_before_any_request(source, mocked):
    with pytest.raises(ArgumentError):
        asyncio.run(source.main(asyncio.Queue(), dict(CONNECTION, interval=0)))
    assert len(mocked.calls) == 0


def test_refused_credentials_stop_the_source_with_the_modules_message(source, mocked, caplog):
    add_list(mocked, "queued", status=401, json={"status": "error", "error": {"code": "INVALID_CREDENTIALS", "message": "Invalid auth"}})
    with pytest.raises(VobizAuthError) as raised:
        asyncio.run(source.main(asyncio.Queue(), dict(CONNECTION)))
    expected = ("Vobiz refused the credentials of auth_id %s (HTTP 401: INVALID_CREDENTIALS: Invalid auth) for GET %s/Account/%s/Call/?status=queued"
                % (AUTH_ID, API_URL, AUTH_ID))
    assert raised.value.message == expected
    assert ("vobiz.telephony.call_events", logging.ERROR, "vobiz.telephony.call_events: " + expected) in caplog.record_tuples
    assert len(mocked.calls) == 1


def test_a_failed_look_warns_keeps_state_and_the_next_one_goes_on(source, mocked, caplog):
    """Looks 10 ms apart (what this test configures): a call, a 503 on its list asking for 50 ms, the call ended."""
    add_list(mocked, "live", ["a"])
    add_list(mocked, "live", status=503, headers={"Retry-After": "0.05"},
             json={"status": "error", "error": {"code": "SERVICE_UNAVAILABLE", "message": "busy"}})
    add_list(mocked, "live", [])
    add_call(mocked, "a", "live", json=live_record("a"))
    add_call(mocked, "a", "ended", json={"call_uuid": "a", "call_status": "completed"})
    options = options_of(source, dict(CONNECTION, interval=0.01, retries=0, statuses=["live"]))
    client, account_round = source.account_round_for(options)

    async def until_ended():
        queue = asyncio.Queue()
        task = asyncio.create_task(source.run_rounds(queue, account_round, options["interval"], options["retry_max_wait"]))
        event = await asyncio.wait_for(queue.get(), timeout=30)
        task.cancel()
        return event, queue.qsize()

    event, left = asyncio.run(until_ended())
    client.close()
    assert (event["vobiz"]["type"], event["vobiz"]["call_status"], event["vobiz"]["previous_status"], left) == ("call.ended", "completed", "in-progress", 0)
    warnings = [message for name, level, message in caplog.record_tuples if level == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("vobiz.telephony.call_events: a look failed: GET %s/Account/%s/Call/?status=live answered HTTP 503" % (API_URL, AUTH_ID))
    assert warnings[0].endswith("busy; the state of 1 known calls is kept; next look in 0.05 s")  # the server's Retry-After, longer than the back-off
    assert AUTH_TOKEN not in caplog.text


@pytest.mark.parametrize("source_file", ["call_events.py", "callbacks.py"])
def test_the_source_and_its_module_utils_import_without_ansible_core(tmp_path, source_file):
    """In a Python that cannot import `ansible`: each source loads, and _module (the Ansible glue) does not."""
    script = tmp_path / "no_ansible.py"
    script.write_text(textwrap.dedent("""
        import importlib.abc, json, runpy, sys

        class NoAnsible(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "ansible" or name.startswith("ansible."):
                    raise ImportError("ansible-core is not installed here: " + name)

        sys.meta_path.insert(0, NoAnsible())
        source = runpy.run_path(sys.argv[1])
        outcome = {"main": callable(source["main"]), "ansible": sorted(m for m in sys.modules if m == "ansible" or m.startswith("ansible."))}
        try:
            import ansible_collections.vobiz.telephony.plugins.module_utils._module  # noqa: F401
        except ImportError as exc:
            outcome["glue"] = str(exc)
        print(json.dumps(outcome))
    """), encoding="utf-8")
    # No PYTHONPATH: the source itself makes its collection importable, as it must under ansible-rulebook.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    argv = [sys.executable, str(script), str(SOURCE.with_name(source_file))]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=str(tmp_path), check=False)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["main"] is True
    assert outcome["ansible"] == []
    assert outcome["glue"] == "ansible-core is not installed here: ansible"
