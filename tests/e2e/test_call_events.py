"""The call_events event source through the real ansible-rulebook: examples/call_events_rulebook.yml, whose rules run
examples/on_call_event.yml (ansible-runner, then live_call_info) on call.answered and call.ended.

The test moves calls through the simulator's control API one step at a time, each step once the source has looked at
the last one (the simulator records every request), and reads the playbook's output for the events. It waits with
generous deadlines and asserts nothing about speed (docs/benchmarks.md has the figures).
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest
import yaml
from conftest import AUTH_ID, REPO_ROOT, SECRETS, TOKEN, WRONG_TOKEN, Sim

from tests.rulebook_process import RulebookProcess


RULEBOOK = REPO_ROOT / "examples" / "call_events_rulebook.yml"
SOURCE = REPO_ROOT / "extensions" / "eda" / "plugins" / "event_source" / "call_events.py"
SOURCE_NAME = "vobiz.telephony.call_events"
PLAYBOOK = REPO_ROOT / "examples" / "on_call_event.yml"
LIST_PATH = r"/Call/?$"
# "msg": "vobiz-event call.answered <uuid> was=ringing status=in-progress ..." as the playbook's debug tasks print it
_EVENT_LINE = re.compile(r'"msg": "vobiz-event (?P<type>\S+) (?P<uuid>\S+) (?P<fields>[^"]*)"')


class Rulebook(RulebookProcess):
    """One ansible-rulebook process running the example rulebook (copied, with the source's arguments changed)."""

    def __init__(self, ansible, sim: Sim, workdir: Path, token: str = TOKEN, **source_args):
        self.sim = sim
        rulebook = yaml.safe_load(RULEBOOK.read_text(encoding="utf-8"))
        source = rulebook[0]["sources"][0]
        source[SOURCE_NAME].update({"interval": 1, **source_args})
        for rule in rulebook[0]["rules"]:
            rule["action"]["run_playbook"]["name"] = str(PLAYBOOK)
        super().__init__(rulebook, dict(ansible.base_env, **ansible.connection_env(token=token)), workdir)

    def events(self) -> list:
        """(type, call uuid, {field: value}) of each event the playbook reported, in order."""
        return [(m["type"], m["uuid"], dict(field.split("=", 1) for field in m["fields"].split()))
                for m in _EVENT_LINE.finditer(self.output)]

    def looks_after(self, moment: float, count: int = 1, path_regex: str = LIST_PATH) -> None:
        """Wait until the source has made `count` list requests that arrived after `moment` (simulator monotonic time),
        and so were answered after it."""
        pattern = re.compile(path_regex)
        self.wait_for("%d looks" % count, lambda: len([entry for entry in self.sim.requests() if entry["time"] > moment
                                                       and pattern.search(entry["path"]) and entry["response_status"] == 200]) >= count)

    def record_read_after(self, call_uuid: str, moment: float, query_status: str | None) -> None:
        def read():
            return [entry for entry in self.sim.requests(call_uuid) if entry["time"] > moment
                    and entry["query"].get("status") == query_status and entry["response_status"] == 200]
        self.wait_for("a request for %s (status=%s)" % (call_uuid, query_status), read)

    def assert_no_secret(self) -> None:
        for secret in SECRETS:
            assert secret not in self.output, "token %r leaked into the output of ansible-rulebook" % secret


@pytest.fixture
def rulebooks(ansible, sim: Sim, tmp_path):
    """Starts ansible-rulebook processes; each is stopped, and its output checked for tokens, at the end of the test."""
    started = []

    def start(**kwargs) -> Rulebook:
        workdir = tmp_path / ("rulebook-%d" % len(started))
        workdir.mkdir()
        rulebook = Rulebook(ansible, sim, workdir, **kwargs)
        started.append(rulebook)
        return rulebook

    yield start
    for rulebook in started:
        rulebook.stop()
        rulebook.assert_no_secret()
        assert "Traceback (most recent call last)" not in rulebook.output, rulebook.explain()


def now() -> float:
    """The simulator's clock: it runs in this process, on time.monotonic()."""
    return time.monotonic()


def call(call_uuid: str, status: str, to: str = "919820012345") -> dict:
    return {"call_uuid": call_uuid, "account": AUTH_ID, "from": "919262171438", "to": to, "direction": "outbound",
            "timeline": [{"at": 0, "status": status}]}


@pytest.mark.timing
def test_answered_and_ended_events_reach_the_playbook_once_in_order(rulebooks, sim: Sim):
    rulebook = rulebooks()
    rulebook.looks_after(0.0)  # the first look: the account has no call yet
    answered, missed = "e2e-eda-answered-01", "e2e-eda-missed-02"
    moment = now()
    sim.add_calls(call(answered, "ringing"), call(missed, "ringing", to="919820099999"))
    rulebook.record_read_after(answered, moment, "live")
    rulebook.record_read_after(missed, moment, "live")  # both seen ringing: call.started, which no rule matches

    sim.set_status(answered, "in-progress")
    rulebook.wait_for("the call.answered playbook", lambda: [e for e in rulebook.events() if e[0] == "call.answered"])
    sim.set_status(answered, "completed", cdr={"hangup_cause_name": "NORMAL_CLEARING"})
    sim.set_status(missed, "no-answer")
    rulebook.wait_for("the two call.ended playbooks", lambda: len([e for e in rulebook.events() if e[0] == "call.ended"]) == 2)
    rulebook.looks_after(now(), count=3)  # a few more looks: nothing more may come

    events = rulebook.events()
    assert [(kind, uuid) for kind, uuid, values in events if uuid == answered] == [("call.answered", answered), ("call.ended", answered)], \
        rulebook.explain()
    assert [(kind, uuid) for kind, uuid, values in events if uuid == missed] == [("call.ended", missed)], rulebook.explain()
    assert len(events) == 3, rulebook.explain()
    fields = {(kind, uuid): values for kind, uuid, values in events}
    on_answer = fields[("call.answered", answered)]
    assert {key: on_answer[key] for key in ("was", "status", "to", "account", "now")} == {
        "was": "ringing", "status": "in-progress", "to": "919820012345", "account": AUTH_ID, "now": "in-progress"}
    on_end = fields[("call.ended", answered)]
    assert {key: on_end[key] for key in ("was", "status", "account", "cause")} == {
        "was": "in-progress", "status": "completed", "account": AUTH_ID, "cause": "NORMAL_CLEARING"}
    assert int(on_end["duration"]) >= 0
    assert fields[("call.ended", missed)]["was"] == "ringing" and fields[("call.ended", missed)]["status"] == "no-answer"
    for values in fields.values():
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", values["observed_at"]), values
    # the finalized record of each ended call was read once
    assert len([e for e in sim.requests(answered) if "status" not in e["query"]]) == 1
    assert "a look failed" not in rulebook.output, rulebook.explain()


@pytest.mark.timing
def test_server_errors_and_a_dropped_connection_draw_no_spurious_event(rulebooks, sim: Sim):
    live = "e2e-eda-steady-01"
    sim.add_calls(call(live, "in-progress"))
    rulebook = rulebooks(retries=0)  # every fault reaches the source, none is absorbed by the client's retries
    rulebook.record_read_after(live, 0.0, "live")  # taken in at the first look, silently
    faults = [sim.fault(kind="status", status=503, status_query="queued", path_regex=LIST_PATH, times=2),
              sim.fault(kind="drop", status_query="live", path_regex=LIST_PATH, times=2),
              sim.fault(kind="status", status=502, call_uuid=live, times=1)]
    rulebook.wait_for("the faults to be met", lambda: {e["fault"] for e in sim.requests()} >= set(faults))
    rulebook.looks_after(now(), count=2)
    assert rulebook.events() == [], rulebook.explain()  # neither the failed lists nor the failed record ended the call

    sim.set_status(live, "completed")
    rulebook.wait_for("the call.ended playbook", rulebook.events)
    rulebook.looks_after(now(), count=3)
    events = rulebook.events()
    assert [(kind, uuid, values["was"], values["status"]) for kind, uuid, values in events] == [
        ("call.ended", live, "in-progress", "completed")], rulebook.explain()
    warnings = re.findall(r"vobiz\.telephony\.call_events: a look failed: (.*)", rulebook.output)
    assert len(warnings) >= 3, rulebook.explain()
    assert any("HTTP 503" in warning for warning in warnings), warnings
    assert any("closed the connection" in warning for warning in warnings), warnings
    assert rulebook.process.poll() is None, rulebook.explain()


def test_refused_credentials_stop_the_source_with_the_modules_message(rulebooks, ansible, sim: Sim):
    rulebook = rulebooks(token=WRONG_TOKEN)
    rulebook.wait_for_exit()
    module = ansible.adhoc("", env=ansible.connection_env(token=WRONG_TOKEN))
    refusal = module.result["msg"].split(" for GET ")[0]
    assert refusal.startswith("Vobiz refused the credentials of auth_id %s (HTTP 401" % AUTH_ID)
    assert refusal + " for GET " in rulebook.output, rulebook.explain()
    assert rulebook.process.returncode != 0, rulebook.explain()
    assert len([e for e in sim.requests() if e["headers"].get("X-Auth-ID") == AUTH_ID]) == 2  # one by the source, one by the module


@pytest.mark.parametrize("source_name, example_rulebooks, count", [
    (SOURCE_NAME, [RULEBOOK], 3),
    ("vobiz.telephony.callbacks", [REPO_ROOT / "examples" / "paging_rulebook.yml", REPO_ROOT / "examples" / "inbound_rulebook.yml"], 5),
])
def test_the_rulebooks_of_the_readme_and_examples_give_documented_arguments(source_name, example_rulebooks, count):
    """Each source's arguments in every rulebook shown: the README's, the examples', the source's own EXAMPLES."""
    source = SOURCE.with_name(source_name.rsplit(".", maxsplit=1)[1] + ".py")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    strings = {node.targets[0].id: node.value.value for node in tree.body
               if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Constant)}
    documented = set(yaml.safe_load(strings["DOCUMENTATION"])["options"])
    readme = re.findall(r"^```yaml\n(.*?)^```$", (REPO_ROOT / "README.md").read_text(encoding="utf-8"), re.M | re.S)
    texts = readme + [path.read_text(encoding="utf-8") for path in example_rulebooks] + [strings["EXAMPLES"]]
    rulebooks = [document for document in [yaml.safe_load(text) for text in texts]
                 if isinstance(document, list) and document and isinstance(document[0], dict) and "sources" in document[0]
                 and any(source_name in source_args for ruleset in document for source_args in ruleset["sources"])]
    assert len(rulebooks) == count
    for rulebook in rulebooks:
        for ruleset in rulebook:
            arguments = [source_args[source_name] for source_args in ruleset["sources"] if source_name in source_args]
            assert arguments, ruleset
            assert all(set(args) <= documented for args in arguments), (arguments, documented)


def test_bad_arguments_stop_the_source_before_any_request(rulebooks, sim: Sim):
    rulebook = rulebooks(interval=0, statuses=["ended"])
    rulebook.wait_for_exit()
    assert "vobiz.telephony.call_events: statuses must be a list of one or both of live, queued, got ['ended']; " \
           "interval must be greater than 0 seconds, got 0.0" in rulebook.output, rulebook.explain()
    assert rulebook.process.returncode != 0
    assert sim.requests() == []
