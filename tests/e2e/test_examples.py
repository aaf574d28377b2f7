"""The README's examples are the ones that run: examples/*.yml against the simulator, with the connection in the
environment as the README describes (VOBIZ_API_URL, VOBIZ_AUTH_ID, VOBIZ_AUTH_TOKEN), their printed messages checked
against the calls the test created and against the README's own abridged output; and the documentation's YAML parses
and names only options that live_call_info has."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import AUTH_ID, MARGIN, REPO_ROOT, Sim

MODULE = "vobiz.telephony.live_call_info"
EXAMPLES = REPO_ROOT / "examples"
README = REPO_ROOT / "README.md"
DOCS = (REPO_ROOT / "docs" / "docsite" / "rst" / "guide.rst", REPO_ROOT / "docs" / "live_call_info_module.rst")
DEMO_SCENARIO = REPO_ROOT / "tests" / "simulator" / "scenarios" / "demo.yml"
# the demo scenario's live calls of its first account, in creation order (its queued call: c3a8e5f1-...)
DEMO_LIVE = ["2ded13fe-4f9b-4958-9bfb-093ea2f29f91", "5b7f0c3e-8a21-4d6b-9c4e-2f1a7d9e6b30", "9e4d2c71-3b5a-4f08-8d6e-1c2b3a4f5e60"]
GATE_CALL = "7c1d5e9a-2b4f-4a6e-8d3c-0f9e8d7c6b5a"  # the README's
# the debug task's result as the default callback prints it: "ok: [localhost] => {...}" ("=> (item=...) => {...}" in a loop)
_DEBUG_HEAD = re.compile(r"^ok: \[localhost\] => (?:\(item=[^)\n]*\) => )?(?=\{)", re.M)


def printed_messages(run) -> list:
    """The msg of every debug task that printed one, in order."""
    messages = []
    for head in _DEBUG_HEAD.finditer(run.stdout):
        shown = json.JSONDecoder().raw_decode(run.stdout, head.end())[0]
        if "msg" in shown:
            messages.append(shown["msg"])
    return messages


def readme_messages() -> list:
    """The "msg" lines of the README's demo output (abridged with "...")."""
    return re.findall(r'^\s+"msg": "(.*)"$', README.read_text(encoding="utf-8"), re.M)


def readme_pattern(shown: str) -> re.Pattern:
    """A README line as a pattern: "..." stands for anything, and numbers for any number (times vary)."""
    pattern = re.escape(shown).replace(re.escape("..."), ".*")
    return re.compile(re.sub(r"\d+(?:\\\.\d+)?", r"\\d+(?:\\.\\d+)?", pattern))


def demo_calls_of_first_account() -> list:
    """The bundled demo scenario's calls of its first account, moved to the e2e account; the one that would move on
    its timeline (ringing, answered at 3 s) is kept ringing, so that the summary is the same however long Ansible takes."""
    scenario = yaml.safe_load(DEMO_SCENARIO.read_text(encoding="utf-8"))
    calls = []
    for raw in scenario["calls"]:
        if "account" in raw:
            continue  # the second account's
        calls.append(dict(raw, account=AUTH_ID, timeline=[entry for entry in raw["timeline"] if entry["at"] <= 0]))
    return calls


def test_live_calls_summary(ansible, sim: Sim):
    sim.add_calls(*demo_calls_of_first_account())
    run = ansible.playbook(str(EXAMPLES / "live_calls_summary.yml"))  # the connection from VOBIZ_* only
    assert run.rc == 0, run.explain()
    assert run.recap == {"ok": 3, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 0, "ignored": 0}
    expected = ("3 live, 1 queued: "
                "%s outbound 919262171438 -> 919148227303 (in-progress); "
                "%s inbound 918041234567 -> 917738012345 (in-progress); "
                "%s outbound 919262171438 -> 919820012345 (ringing)" % tuple(DEMO_LIVE))
    assert printed_messages(run) == [expected]
    assert readme_pattern(readme_messages()[0]).fullmatch(expected), readme_messages()[0]
    # the live list and its three records, then the queued list only (details: false)
    recorded = sim.requests()
    base = "/api/v1/Account/%s/Call/" % AUTH_ID
    assert [(entry["path"], entry["query"]) for entry in recorded[:1] + recorded[4:]] == [(base, {"status": "live"}), (base, {"status": "queued"})]
    assert sorted(entry["path"] for entry in recorded[1:4]) == [base + uuid + "/" for uuid in DEMO_LIVE]


@pytest.mark.timing
def test_gate_on_call(ansible, sim: Sim):
    """Like `make demo`: the call is placed through the control API just before; it rings for 3 s from the playbook's
    first look (however long Ansible takes to start), is answered, and hung up 10 s later: seconds more than a look
    every wait_sleep (1 s) needs to find it in progress, even stalled (`make stress` once saw a 3 s answer missed, its
    looks then waiting out the 60 s for a call that had ended)."""
    answered_at, ended_at = 3, 13
    sim.control("POST", "calls", {"calls": [{
        "call_uuid": GATE_CALL, "account": AUTH_ID, "from": "919262171438", "to": "919820012345", "direction": "outbound",
        "timeline_starts": "first_request",
        "timeline": [{"at": 0, "status": "ringing"}, {"at": answered_at, "status": "in-progress"},
                     {"at": ended_at, "status": "completed", "cdr": {"hangup_cause_name": "NORMAL_CLEARING"}}]}]})
    run = ansible.playbook(str(EXAMPLES / "gate_on_call.yml"), extra_vars={"call_uuid": GATE_CALL})
    assert run.rc == 0, run.explain()
    assert run.recap == {"ok": 4, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 0, "ignored": 0}
    answered, ended = printed_messages(run)
    match = re.fullmatch(r"919820012345 answered after (\d+(?:\.\d+)?) s \((\d+) looks\)", answered)
    assert match, answered
    waited, looks = float(match.group(1)), int(match.group(2))
    recorded = sim.requests_ended(GATE_CALL)  # each one's "ended" is read below
    timeline = {entry["status"]: entry["at"] for entry in sim.calls()[GATE_CALL]["timeline"]}
    # seen ringing first, then in progress at the first look after the answer; at most one look per wait_sleep (1 s)
    assert recorded[0]["time"] <= timeline["ringing"] < recorded[0]["time"] + MARGIN  # as the first look was answered
    assert all(entry["time"] < timeline["in-progress"] for entry in recorded[:looks - 1])  # each answered ringing
    assert recorded[looks - 1]["ended"] >= timeline["in-progress"]  # answered in progress
    assert answered_at - 0.01 <= waited <= answered_at + 1 + MARGIN, waited  # one wait_sleep late at most
    assert 2 <= looks <= int(waited) + 2, (looks, waited)
    # on the module's own clock, rounds start wait_sleep (1 s) apart: n looks take at least n - 1 s; and what it reports
    # covers the looks the simulator saw, from the first one's arrival to the last one's
    assert waited >= (looks - 1) * 1 - 0.01, (looks, waited)
    assert waited >= recorded[looks - 1]["time"] - recorded[0]["time"] - 0.01, (waited, recorded[:looks])
    assert ended == "%s ended: completed, %d s, NORMAL_CLEARING" % (GATE_CALL, ended_at)
    # the second task retried while the call was still in progress, if any of its looks found it so (on a busy machine
    # the task may start only after the hang-up)
    if any(entry["ended"] < timeline["completed"] for entry in recorded[looks:]):
        assert run.output.count("FAILED - RETRYING: [localhost]: Wait until the call has ended, one look per retry") >= 1
    shown = readme_messages()
    assert readme_pattern(shown[1]).fullmatch(answered), shown[1]
    assert readme_pattern(shown[2]).fullmatch(ended), shown[2]
    # the last look found the call ended: its CDR, asked after the hang-up
    assert (recorded[-1]["response_status"], recorded[-1]["query"]) == (200, {})
    assert recorded[-1]["time"] >= timeline["completed"]


@pytest.mark.parametrize("status, skipped", [("in-progress", 0), ("ringing", 1)])
def test_use_module_defaults(ansible, sim: Sim, status, skipped):
    sim.add_calls({"call_uuid": "defaults-call", "account": AUTH_ID, "from": "919262171438", "to": "919148227303",
                   "timeline": [{"at": 0, "status": status}]})
    run = ansible.playbook(str(EXAMPLES / "use_module_defaults.yml"), extra_vars={"call_uuid": "defaults-call"})
    assert run.rc == 0, run.explain()
    assert run.recap == {"ok": 2 - skipped, "changed": 0, "unreachable": 0, "failed": 0, "skipped": skipped, "rescued": 0, "ignored": 0}
    expected = ["defaults-call is in progress between 919262171438 and 919148227303"] if status == "in-progress" else []
    assert printed_messages(run) == expected
    assert len(sim.requests("defaults-call")) == 1


def test_use_module_defaults_fails_unless_the_call_is_live(ansible, sim: Sim):
    sim.add_calls({"call_uuid": "defaults-ended", "account": AUTH_ID,
                   "timeline": [{"at": -5, "status": "in-progress"}, {"at": 0, "status": "completed"}]})
    run = ansible.playbook(str(EXAMPLES / "use_module_defaults.yml"), extra_vars={"call_uuid": "defaults-ended"})
    assert run.rc == 2, run.explain()
    assert run.recap == {"ok": 0, "changed": 0, "unreachable": 0, "failed": 1, "skipped": 0, "rescued": 0, "ignored": 0}
    assert "fatal: [localhost]: FAILED!" in run.stdout
    assert printed_messages(run) == []


def test_adhoc_example_returns_the_readme_keys(ansible, sim: Sim):
    """The README's first example, ad hoc: the result has the keys its abridged output shows, no more, no fewer."""
    sim.add_calls(*demo_calls_of_first_account())
    run = ansible.adhoc("call_uuid=2ded13fe-4f9b-4958-9bfb-093ea2f29f91")
    assert (run.rc, run.status) == (0, "SUCCESS"), run.explain()
    text = README.read_text(encoding="utf-8")
    shown = text[text.index("localhost | SUCCESS => {"):text.index("== 2. A playbook")]
    readme_keys = set(re.findall(r'^    "(\w+)":', shown, re.M))
    assert readme_keys == {"call", "call_status", "cdr", "changed", "found", "http_retries", "polls", "waited"}
    assert set(run.result) == readme_keys
    assert (run.result["call"]["from"], run.result["call"]["to"], run.result["polls"]) == ("919262171438", "919148227303", 1)


@pytest.mark.timing
def test_wait_for_test_calls(ansible, sim: Sim):
    """Three test calls placed just before, ending 3, 4 and 5 s later, each its own way; the report comes once all have ended."""
    ends = {"test-call-1": (5, "completed", "NORMAL_CLEARING"), "test-call-2": (3, "busy", "USER_BUSY"), "test-call-3": (4, "no-answer", "NO_ANSWER")}
    sim.add_calls(*({"call_uuid": uuid, "account": AUTH_ID, "timeline": [
        {"at": 0, "status": "in-progress"}, {"at": at, "status": status, "cdr": {"hangup_cause_name": cause}}]} for uuid, (at, status, cause) in ends.items()))
    ended_at = {uuid: call["timeline"][-1]["at"] for uuid, call in sim.calls().items()}
    run = ansible.playbook(str(EXAMPLES / "wait_for_test_calls.yml"), extra_vars={"test_calls": list(ends)})
    assert run.rc == 0, run.explain()
    assert run.recap == {"ok": 2, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 0, "ignored": 0}
    assert looped_messages(run) == [("%s" % uuid, "%s ended: %s, %d s, %s" % (uuid, status, at, cause)) for uuid, (at, status, cause) in ends.items()]
    # the one task returned only after the last call had ended, having looked at each call until it had ended and not after
    for uuid in ends:
        looks = sim.requests(uuid)
        assert looks[-1]["time"] >= ended_at[uuid]
        assert [entry["response_status"] for entry in looks[-2:]] == [404, 200]
        assert all(entry["time"] < ended_at[uuid] for entry in looks[:-2])
    assert max(entry["time"] for entry in sim.requests()) >= max(ended_at.values())


def looped_messages(run) -> list:
    """(label, msg) of every item a looped debug task printed ("ok: [localhost] => (item=label) => {...}"), in order."""
    messages = []
    for head in re.finditer(r"^ok: \[localhost\] => \(item=(.*?)\) => (?=\{)", run.stdout, re.M):
        messages.append((head.group(1), json.JSONDecoder().raw_decode(run.stdout, head.end())[0]["msg"]))
    return messages


# the documentation's YAML


def readme_yaml_blocks() -> list:
    return re.findall(r"^```yaml\n(.*?)^```$", README.read_text(encoding="utf-8"), re.M | re.S)


def test_every_yaml_block_of_the_readme_parses():
    blocks = readme_yaml_blocks()
    assert len(blocks) >= 2
    for block in blocks:
        assert isinstance(yaml.safe_load(block), list), block


def rst_code_blocks(path: Path, languages: tuple) -> list:
    """The bodies of `.. code-block:: LANG` directives of an RST file, dedented."""
    blocks = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        directive = re.match(r"^(\s*)\.\. code-block:: (\S+)\s*$", line)
        if not directive or directive.group(2) not in languages:
            continue
        indent = len(directive.group(1))
        body = []
        for following in lines[number + 1:]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following)
        blocks.append(textwrap.dedent("\n".join(body)).strip("\n"))
    return blocks


def module_examples() -> str:
    tree = ast.parse((REPO_ROOT / "plugins" / "modules" / "live_call_info.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == "EXAMPLES" for target in node.targets):
            return node.value.value
    raise AssertionError("no EXAMPLES in the module")


def options_used(document) -> list:
    """The option names given to live_call_info in a parsed YAML document: its tasks' arguments and module_defaults."""
    used = []
    if isinstance(document, list):
        for item in document:
            used.extend(options_used(item))
    elif isinstance(document, dict):
        for key, value in document.items():
            if key in (MODULE, "group/vobiz.telephony.all") and isinstance(value, dict):
                used.extend(value)
            if isinstance(value, (list, dict)):
                used.extend(options_used(value))
    return used


def adhoc_options_used(text: str) -> list:
    """The option names of `-a key=value ...` in ansible command lines naming the module."""
    used = []
    for line in text.splitlines():
        if "-m %s" % MODULE in line and " -a " in line:
            argument = line.split(" -a ", 1)[1].split("#", 1)[0]
            used.extend(word.split("=", 1)[0] for word in argument.split() if "=" in word)
    return used


@pytest.fixture(scope="module")
def argument_spec(collections_path) -> set:
    """The option names of the installed module's argument spec, read in a process of its own."""
    code = "import json; from %s import argument_spec; print(json.dumps(sorted(argument_spec())))" % (
        "ansible_collections.vobiz.telephony.plugins.modules.live_call_info")
    process = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(collections_path)}, capture_output=True, text=True, check=False)
    assert process.returncode == 0, process.stderr
    return set(json.loads(process.stdout))


def test_documented_options_exist(argument_spec):
    assert {"call_uuid", "call_uuids", "status", "details", "concurrency", "wait_for", "wait_timeout", "wait_sleep", "auth_id", "auth_token", "api_url",
            "timeout", "validate_certs", "ca_path", "retries", "retry_max_wait"} == argument_spec
    sources = {"README.md yaml": [yaml.safe_load(block) for block in readme_yaml_blocks()],
               "module EXAMPLES": [yaml.safe_load(module_examples())]}
    for path in sorted(EXAMPLES.glob("*.yml")):
        sources["examples/" + path.name] = [yaml.safe_load(path.read_text(encoding="utf-8"))]
    for path in DOCS:
        sources[path.name] = [yaml.safe_load(block) for block in rst_code_blocks(path, ("yaml", "yaml+jinja"))]
    used = {name: [option for document in documents for option in options_used(document)] for name, documents in sources.items()}
    used["README.md ad hoc"] = adhoc_options_used(README.read_text(encoding="utf-8"))
    for path in DOCS:
        used[path.name + " ad hoc"] = adhoc_options_used(path.read_text(encoding="utf-8"))
    unknown = {name: sorted(set(options) - argument_spec) for name, options in used.items() if set(options) - argument_spec}
    assert unknown == {}
    every = {option for options in used.values() for option in options}
    # what the documents show between them (so that a parser finding nothing fails here)
    assert every >= {"call_uuid", "call_uuids", "status", "details", "wait_for", "wait_timeout", "wait_sleep", "auth_id", "auth_token", "api_url"}, every
    # the rulebook and the inventory ansible-rulebook gives its playbooks name no module (test_call_events.py runs them);
    # answer_rate_gate.yml uses cdr_info only (test_cdr_info.py and test_ansible_runner.py run it)
    # the paging rulebook, page_on_call.yml and its page_one.yml (call only) name none either (test_callbacks.py runs them);
    # application.yml names the application modules only (test_application_example below); the inbound line's
    # playbook names application and number, its rulebook none (test_callbacks.py runs them); recording_retention.yml
    # the recording modules only (test_recording.py runs it)
    assert {name for name, options in used.items() if not options} <= {"live_call_info_module.rst ad hoc", "examples/call_events_rulebook.yml",
                                                                       "examples/recording_retention.yml",
                                                                       "examples/inventory.yml", "examples/answer_rate_gate.yml",
                                                                       "examples/paging_rulebook.yml", "examples/page_on_call.yml",
                                                                       "examples/page_one.yml", "examples/application.yml",
                                                                       "examples/inbound_line.yml", "examples/inbound_rulebook.yml"}, used


def test_application_example_creates_then_changes_nothing(ansible, sim: Sim):
    sim.control("POST", "applications", {"applications": [{"app_name": "sales", "answer_url": "https://sales.example.com/answer",
                                                           "account": AUTH_ID}]})
    first = ansible.playbook(str(EXAMPLES / "application.yml"))  # the connection from VOBIZ_* only
    second = ansible.playbook(str(EXAMPLES / "application.yml"))
    assert (first.recap["changed"], second.recap["changed"], first.recap["failed"], second.recap["failed"]) == (1, 0, 0, 0), first.explain()
    [app] = [app for app in sim.control("GET", "applications")["applications"] if app["app_name"] == "support-ivr"]
    assert (app["answer_url"], app["hangup_url"], app["fallback_answer_url"]) == (
        "https://ivr.example.com/answer", "https://ivr.example.com/hangup", "https://backup.example.com/answer")
    assert printed_messages(first) == ["support-ivr is %s (changed); the account has 2: sales, support-ivr" % app["app_id"]]
    assert printed_messages(second) == ["support-ivr is %s (unchanged); the account has 2: sales, support-ivr" % app["app_id"]]
