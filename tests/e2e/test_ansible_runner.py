"""The examples as AWX and Red Hat Ansible Automation Platform run them: through `ansible-runner run`, from a private
data directory laid out as the controller lays it out (project/, inventory/, env/envvars, env/extravars, env/cmdline),
with the Vobiz account given only as the environment variables that the credential type of
extensions/awx/credential_type_vobiz.yml injects (its injectors rendered with Jinja2, as the controller renders them).

Every playbook of examples/ runs, found by reading the directory: a new example is tested without being named here.
The module's results are read from runner's job events (artifacts/<ident>/job_events/*.json), and no artifact may hold
the token other than runner's own record of the job's environment (artifacts/<ident>/command)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import AUTH_ID, BIN_DIR, REPO_ROOT, SECRETS, TOKEN, Sim
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from test_examples import DEMO_LIVE, demo_calls_of_first_account, rst_code_blocks
from test_live_call_action import SPEAK, told

CREDENTIAL_TYPE = REPO_ROOT / "extensions" / "awx" / "credential_type_vobiz.yml"
AWX_PAGE = REPO_ROOT / "docs" / "docsite" / "rst" / "awx.rst"
EXAMPLES = REPO_ROOT / "examples"
COLLECTION_ACTIONS = "vobiz.telephony."
INFO = "vobiz.telephony.live_call_info"
DEMO_QUEUED = "c3a8e5f1-6d2b-4e79-a0c4-7b9d1e2f3a45"
IDENT = "job"
# the events of a task's outcome on a host (runner_on_start, and the other events, carry no result)
OUTCOMES = ("runner_on_ok", "runner_on_failed", "runner_on_skipped", "runner_on_unreachable", "runner_retry")
# Ansible hides a no_log value in a result's invocation with this.
NO_LOG_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


# --- the credential type ------------------------------------------------------------------------------------------


def credential_type() -> dict:
    return yaml.safe_load(CREDENTIAL_TYPE.read_text(encoding="utf-8"))


def injected_environment(inputs: dict) -> dict:
    """The environment a job gets from a credential of the type: each `env` injector rendered with Jinja2 in a sandbox,
    with the credential's non-empty fields as variables; as the controller does it (an empty field is undefined)."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = {field: value for field, value in inputs.items() if value}
    return {name: sandbox.from_string(template).render(**namespace) for name, template in credential_type()["injectors"]["env"].items()}


@pytest.fixture(scope="module")
def module_connection(collections_path) -> dict:
    """The environment variables each connection option of the installed collection falls back to, and the default
    API URL, read in a process of its own."""
    code = ("import json\n"
            "from ansible_collections.vobiz.telephony.plugins.module_utils import _module, _options\n"
            "spec = _module.connection_argument_spec()\n"
            "print(json.dumps({'env': {option: list(value['fallback'][1]) for option, value in spec.items() if 'fallback' in value},\n"
            "                  'default_api_url': _options.DEFAULT_API_URL}))\n")
    process = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(collections_path)}, capture_output=True, text=True, check=False)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def test_the_credential_type_is_one_the_controller_accepts():
    """The shape the controller's API validates: fields with id, label and type; the token secret; the required
    fields among them; only `env` injectors, each a template that renders with every field given (the controller
    renders with StrictUndefined when the type is saved)."""
    definition = credential_type()
    assert set(definition) == {"name", "description", "kind", "inputs", "injectors"}
    assert definition["kind"] == "cloud"
    fields = {field["id"]: field for field in definition["inputs"]["fields"]}
    assert list(fields) == ["auth_id", "auth_token", "api_url"]
    for field in fields.values():
        assert field["type"] == "string" and field["label"] and field["help_text"], field
    assert [name for name, field in fields.items() if field.get("secret")] == ["auth_token"]
    assert definition["inputs"]["required"] == ["auth_id", "auth_token"]
    assert list(definition["injectors"]) == ["env"]
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for name, template in definition["injectors"]["env"].items():
        assert strict.from_string(template).render(auth_id="MA_X", auth_token="t", api_url="https://u.example/api/v1"), name


def test_the_injected_variables_are_those_the_modules_read(module_connection):
    """VOBIZ_AUTH_ID, VOBIZ_AUTH_TOKEN, VOBIZ_API_URL, each carrying its own field, unchanged."""
    injected = injected_environment({"auth_id": "MA_FIELD1", "auth_token": "field-token", "api_url": "http://127.0.0.1:9/api/v1"})
    assert module_connection["env"] == {"auth_id": ["VOBIZ_AUTH_ID"], "auth_token": ["VOBIZ_AUTH_TOKEN"], "api_url": ["VOBIZ_API_URL"]}
    assert injected == {"VOBIZ_AUTH_ID": "MA_FIELD1", "VOBIZ_AUTH_TOKEN": "field-token", "VOBIZ_API_URL": "http://127.0.0.1:9/api/v1"}


@pytest.mark.parametrize("api_url", [None, ""])
def test_without_an_api_url_the_default_one_is_injected(module_connection, api_url):
    """An empty VOBIZ_API_URL would be taken as the URL and refused: the injector gives the modules' default instead."""
    inputs = {"auth_id": "MA_FIELD1", "auth_token": "field-token"}
    if api_url is not None:
        inputs["api_url"] = api_url
    assert injected_environment(inputs)["VOBIZ_API_URL"] == module_connection["default_api_url"]


def test_the_documentation_shows_the_credential_type_as_it_is():
    """The page's YAML to paste into the controller's form is the file's, and its playbook reads that file."""
    blocks = [yaml.safe_load(block) for block in rst_code_blocks(AWX_PAGE, ("yaml", "yaml+jinja"))]
    definition = credential_type()
    assert definition["inputs"] in blocks
    assert definition["injectors"] in blocks
    (playbook,) = [block for block in blocks if isinstance(block, list)]
    lookup = playbook[0]["vars"]["vobiz_type"]
    assert "'%s'" % CREDENTIAL_TYPE.relative_to(REPO_ROOT) in lookup, lookup
    assert [task["awx.awx.credential_type"]["name"] for task in playbook[0]["tasks"] if "awx.awx.credential_type" in task] == ["{{ vobiz_type.name }}"]


# --- the examples, through ansible-runner -----------------------------------------------------------------------------


def is_playbook(document) -> bool:
    """A list of plays (each with hosts, or an import_playbook); a rulebook's rulesets have sources and rules."""
    if not isinstance(document, list) or not document:
        return False
    for play in document:
        if not isinstance(play, dict) or {"sources", "rules"} & set(play):
            return False
        if "hosts" not in play and not {"import_playbook", "ansible.builtin.import_playbook"} & set(play):
            return False
    return True


def example_playbooks() -> list:
    found = []
    for path in sorted(EXAMPLES.glob("*.y*ml")):
        if is_playbook(yaml.safe_load(path.read_text(encoding="utf-8"))):
            found.append(path.name)
    return found


def required_variables(playbook: str) -> set:
    """The play variables an example asks for with undef(hint=...): the caller must give them."""
    required = set()
    for play in yaml.safe_load((EXAMPLES / playbook).read_text(encoding="utf-8")):
        for name, value in (play.get("vars") or {}).items():
            if isinstance(value, str) and "undef(" in value:
                required.add(name)
    return required


@contextmanager
def call_ended_after_looks(sim: Sim, call_uuid: str, looks: int):
    """Hang the call up (completed, NORMAL_CLEARING) once the module has looked at it `looks` times: the runbook sees it
    live first, then ending, however fast or slow the job starts."""
    stop = threading.Event()

    def end_it():
        while not stop.wait(0.1):
            if len(sim.requests(call_uuid)) >= looks:
                sim.set_status(call_uuid, "completed", cdr={"hangup_cause_name": "NORMAL_CLEARING"})
                return

    ender = threading.Thread(target=end_it, daemon=True)
    ender.start()
    try:
        yield
    finally:
        stop.set()
        ender.join(10)


def ok_results(events: list, action: str = INFO) -> list:
    """The module results (event_data.res) of the runner_on_ok events of one module, in order."""
    return [event["event_data"]["res"] for event in events
            if event["event"] == "runner_on_ok" and event["event_data"].get("resolved_action") == action]


def check_live_calls_summary(events: list, sim: Sim, call_uuid: str) -> None:
    live, queued = ok_results(events)
    assert live["call_uuids"] == DEMO_LIVE
    assert [call["call_uuid"] for call in live["calls"]] == DEMO_LIVE
    assert queued["call_uuids"] == [DEMO_QUEUED] and "calls" not in queued


def check_use_module_defaults(events: list, sim: Sim, call_uuid: str) -> None:
    (result,) = ok_results(events)
    assert (result["found"], result["call_status"], result["call"]["call_uuid"]) == (True, "in-progress", call_uuid)
    assert result["call"] == sim.api_get("/Account/%s/Call/%s/?status=live" % (AUTH_ID, call_uuid))[1] | {"api_id": result["call"]["api_id"]}


def check_gate_on_call(events: list, sim: Sim, call_uuid: str) -> None:
    results = ok_results(events)
    assert (results[0]["found"], results[0]["call_status"]) == (True, "in-progress")
    assert (results[-1]["found"], results[-1]["call_status"]) == (False, "ended")
    assert (results[-1]["cdr"]["call_status"], results[-1]["cdr"]["hangup_cause_name"]) == ("completed", "NORMAL_CLEARING")


def check_drain_and_hang_up(events: list, sim: Sim, call_uuid: str) -> None:
    (drain,) = ok_results(events)  # timed out, which failed_when turns into ok
    assert drain["call_uuids"] == DEMO_LIVE  # none ends by itself: the drain times out, which the example expects
    (ended,) = ok_results(events, "vobiz.telephony.live_call")
    assert ended["hung_up"] == DEMO_LIVE
    assert {(entry["call_status"], entry["cdr"]["hangup_source"]) for entry in ended["results"]} == {("ended", "API")}


def check_test_call(_events: list, sim: Sim, _call_uuid: str) -> None:
    """The smoke-test call was placed once, to the number given."""
    posts = [entry for entry in sim.requests() if entry["method"] == "POST"]
    assert [entry["body"]["to"] for entry in posts] == [KNOWN_VARIABLES["test_number"]]


def check_page_on_call(events: list, sim: Sim, _call_uuid: str) -> None:
    """The one number of the escalation list was called (its callbacks go to a host the simulator does not call, so
    nobody acknowledges, and the report says so)."""
    posts = [entry for entry in sim.requests() if entry["method"] == "POST"]
    assert [entry["body"]["to"] for entry in posts] == KNOWN_VARIABLES["escalation"]
    messages = [event["event_data"]["res"].get("msg") for event in events if event["event"] == "runner_on_ok"]
    assert "vobiz-paging nobody acknowledged: %s" % KNOWN_VARIABLES["escalation"][0] in messages, messages


def check_acknowledge(events: list, _sim: Sim, call_uuid: str) -> None:
    """The acknowledgement looked at the call of the event."""
    (result,) = ok_results(events)
    assert (result["found"], result["call_status"], result["call"]["call_uuid"]) == (True, "in-progress", call_uuid)


def check_announce_maintenance(events: list, sim: Sim, _call_uuid: str) -> None:
    """Each call live at the read was told the message once, but a call still ringing (not_live); the calls still live
    when the grace period ran out were hung up."""
    live, drain = ok_results(events)
    (announced,) = ok_results(events, "vobiz.telephony.live_call_action")
    outcomes = {result["call_uuid"]: result["outcome"] for result in announced["results"]}
    assert list(outcomes) == live["call_uuids"] and set(outcomes.values()) <= {"done", "not_live"}, announced
    assert announced["acted"] == [call_uuid for call_uuid, outcome in outcomes.items() if outcome == "done"] != []
    for call_uuid in announced["acted"]:
        assert told(sim, call_uuid) == [("speak", "POST", dict(SPEAK, text=KNOWN_VARIABLES["message"]))]
    (ended,) = ok_results(events, "vobiz.telephony.live_call")
    assert drain["call_uuids"] and ended["hung_up"] == drain["call_uuids"], (drain, ended)


def own_the_line(sim: Sim) -> None:
    """The number of inbound_line.yml, owned by the account and routed nowhere yet."""
    sim.control("POST", "numbers", {"numbers": [{"e164": KNOWN_VARIABLES["line_number"], "account": AUTH_ID}]})


def check_inbound_line(_events: list, sim: Sim, _call_uuid: str) -> None:
    """The application answered at the listener's URL, and the line's number routed to it."""
    [app] = [app for app in sim.control("GET", "applications")["applications"] if app["app_name"] == "inbound-line"]
    assert app["answer_url"].startswith(KNOWN_VARIABLES["listener_url"] + "/answer?say=")
    assert [number["app_id"] for number in sim.control("GET", "numbers")["numbers"]] == [app["app_id"]]


# What each example checks beyond what every example must show; the looks after which its call is hung up; what the
# simulator must hold before it runs.
CHECKS = {
    "page_on_call.yml": check_page_on_call,
    "acknowledge.yml": check_acknowledge,
    "record_caller.yml": check_acknowledge,
    "inbound_line.yml": check_inbound_line,
    "live_calls_summary.yml": check_live_calls_summary,
    "use_module_defaults.yml": check_use_module_defaults,
    "gate_on_call.yml": check_gate_on_call,
    "drain_and_hang_up.yml": check_drain_and_hang_up,
    "test_call.yml": check_test_call,
    "announce_maintenance.yml": check_announce_maintenance,
}
ENDS_AFTER_LOOKS = {"gate_on_call.yml": 2}
SETUP = {"inbound_line.yml": own_the_line}
# Variables the examples may ask for, and their values here. The call is the demo's first live call; the test calls
# are the demo's two calls that have already ended; the event is the one call_events gives when that call is answered,
# as ansible-rulebook hands it to a playbook, with the keys of a callbacks event too (for acknowledge.yml and
# record_caller.yml). The paging example calls one number, its listener on a host the simulator never calls back, and
# waits 1 s for an acknowledgement; each job has a paging directory and a callers file of its own. The inbound line
# routes a number the account owns (SETUP). The announcement gives the callers 2 s (its default is 120 s).
DEMO_ENDED = ["1f6b9d2e-7c3a-4b85-9e0d-5a4c3b2f1e07", "8a2c4e6f-0b1d-4f3a-9c5e-7d9f1b3a5c70"]
KNOWN_VARIABLES = {
    "call_uuid": DEMO_LIVE[0],
    "test_calls": DEMO_ENDED,
    "drain_timeout": 2,
    "test_number": "+919148227303",
    "ansible_eda": {"event": {"vobiz": {
        "type": "call.answered", "call_uuid": DEMO_LIVE[0], "call_status": "in-progress", "previous_status": "ringing",
        "call": {"call_uuid": DEMO_LIVE[0], "call_status": "in-progress", "to": "919262171438"}, "cdr": {},
        "account": AUTH_ID, "observed_at": "2026-11-29T05:00:00+00:00",
        "to": "919262171438", "from": "919148227303", "digits": "1", "received_at": "2026-11-29T05:00:00.000Z", "signature": "v3"}}},
    "escalation": ["919148227303"],
    "listener_url": "https://eda.example.com/hooks",
    "ack_wait": 1,
    "line_number": "+919410000001",
    "grace_seconds": 2,
    "message": "This line goes down for maintenance.",
}


def test_every_example_playbook_is_found():
    """The discovery finds the examples the README shows, and leaves out what is not a playbook."""
    found = example_playbooks()
    assert set(CHECKS) <= set(found), found
    assert not is_playbook([{"name": "a rulebook", "hosts": "all", "sources": [], "rules": []}])
    assert not is_playbook({"version": 3})
    assert is_playbook([{"ansible.builtin.import_playbook": "other.yml"}])


class RunnerJob:
    """One `ansible-runner run` of a private data directory laid out as the controller lays out a job's."""

    def __init__(self, root: Path, ansible_env: dict):
        self.root = root
        self.ansible_env = ansible_env

    def lay_out(self, envvars: dict, extravars: dict, verbosity: int) -> None:
        # the project as a project update leaves it, the job's inventory, its environment and its variables
        shutil.copytree(EXAMPLES, self.root / "project")
        (self.root / "inventory").mkdir()
        localhost = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
        (self.root / "inventory" / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"localhost": localhost}}}), encoding="utf-8")
        (self.root / "env").mkdir()
        (self.root / "env" / "envvars").write_text(yaml.safe_dump(envvars), encoding="utf-8")
        (self.root / "env" / "extravars").write_text(yaml.safe_dump(extravars), encoding="utf-8")
        if verbosity:
            (self.root / "env" / "cmdline").write_text("-" + "v" * verbosity, encoding="utf-8")

    def run(self, playbook: str) -> subprocess.CompletedProcess:
        """The runner process gets no ANSIBLE_* and no VOBIZ_* variable: the job's environment is env/envvars."""
        process_env = {key: value for key, value in self.ansible_env.items() if not key.startswith(("ANSIBLE_", "VOBIZ_"))}
        process_env["PATH"] = str(BIN_DIR) + os.pathsep + process_env.get("PATH", "")
        argv = [str(BIN_DIR / "ansible-runner"), "run", str(self.root), "--playbook", playbook, "--ident", IDENT]
        return subprocess.run(argv, env=process_env, capture_output=True, text=True, timeout=600, check=False)

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts" / IDENT

    def events(self) -> list:
        paths = sorted(self.artifacts.glob("job_events/*.json"), key=lambda path: int(path.name.split("-", 1)[0]))
        return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


def job_environment(ansible_env: dict, injected: dict) -> dict:
    """env/envvars: Ansible's settings of the end-to-end runs (the installed collection's path among them) and the
    credential's variables; runner's own callback replaces the stdout callback."""
    settings = {key: value for key, value in ansible_env.items()
                if key.startswith("ANSIBLE_") and key not in ("ANSIBLE_STDOUT_CALLBACK", "ANSIBLE_CALLBACK_RESULT_FORMAT", "ANSIBLE_PYTHON_INTERPRETER")}
    assert "ANSIBLE_COLLECTIONS_PATH" in settings
    return dict(settings, **injected)


def assert_no_token_in_artifacts(artifacts: Path) -> None:
    """No artifact holds a token, except runner's `command` file, its record of the job's environment (which has the
    injected VOBIZ_AUTH_TOKEN, as env/envvars has): there, the token is that variable's value and nowhere else."""
    files = [path for path in artifacts.rglob("*") if path.is_file()]
    assert any(path.parent.name == "job_events" for path in files), files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path == artifacts / "command":
            recorded = json.loads(text)
            assert recorded["env"].pop("VOBIZ_AUTH_TOKEN") == TOKEN
            text = json.dumps(recorded)
        for secret in SECRETS:
            assert secret not in text, "token %r in the artifact %s" % (secret, path.relative_to(artifacts))


def assert_module_results(events: list, injected: dict) -> None:
    """Every task of the collection's modules ran on the injected account and API, the token hidden in its invocation
    (where Ansible adds one), no request retried; the job's recap has no failed host (a failure the example ignores or rescues is not one) and
    no unreachable one."""
    ours = [event for event in events
            if event["event"] in OUTCOMES and event["event_data"].get("resolved_action", "").startswith(COLLECTION_ACTIONS)]
    assert any(event["event"] == "runner_on_ok" for event in ours), [event["event"] for event in events]
    for event in ours:
        data = event["event_data"]
        assert event["event"] != "runner_on_unreachable", data
        if event["event"] != "runner_on_skipped" and "invocation" in data["res"]:  # ansible-core 2.21 leaves it out by default
            arguments = data["res"]["invocation"]["module_args"]
            assert (arguments["auth_id"], arguments["api_url"]) == (injected["VOBIZ_AUTH_ID"], injected["VOBIZ_API_URL"])
            assert arguments["auth_token"] == NO_LOG_PLACEHOLDER
            assert data["res"].get("http_retries", 0) == 0, data["res"]
    stats = events[-1]
    assert stats["event"] == "playbook_on_stats", stats["event"]
    assert (stats["event_data"]["failures"], stats["event_data"]["dark"]) == ({}, {}), stats["event_data"]


@pytest.mark.parametrize("playbook", example_playbooks())
def test_example_runs_through_ansible_runner(ansible_runner, sim: Sim, tmp_path, playbook):
    sim.add_calls(*demo_calls_of_first_account())
    SETUP.get(playbook, lambda _sim: None)(sim)
    missing = required_variables(playbook) - set(KNOWN_VARIABLES)
    assert not missing, "examples/%s asks for %s: give a value in KNOWN_VARIABLES of %s" % (playbook, sorted(missing), Path(__file__).name)
    injected = injected_environment({"auth_id": AUTH_ID, "auth_token": TOKEN, "api_url": sim.base_url})
    job = RunnerJob(tmp_path / "private_data_dir", ansible_runner.base_env)
    variables = dict(KNOWN_VARIABLES, paging_dir=str(tmp_path / "paging"), callers_file=str(tmp_path / "callers.txt"))
    job.lay_out(job_environment(ansible_runner.base_env, injected), variables, verbosity=3)

    if playbook in ENDS_AFTER_LOOKS:
        with call_ended_after_looks(sim, KNOWN_VARIABLES["call_uuid"], ENDS_AFTER_LOOKS[playbook]):
            process = job.run(playbook)
    else:
        process = job.run(playbook)

    explain = "rc %s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (process.returncode, process.stdout[-6000:], process.stderr[-3000:])
    for secret in SECRETS:
        assert secret not in process.stdout + process.stderr, "token %r in ansible-runner's output" % secret
    assert process.returncode == 0, explain
    assert (job.artifacts / "status").read_text(encoding="utf-8") == "successful", explain
    assert (job.artifacts / "rc").read_text(encoding="utf-8") == "0"
    events = job.events()
    assert_module_results(events, injected)
    # the modules reached the simulator with the injected account (a wrong token would have been refused)
    account_path = "%s/Account/%s/" % (urlsplit(sim.base_url).path, AUTH_ID)
    assert [entry["path"] for entry in sim.requests() if not entry["path"].startswith(account_path)] == []
    CHECKS.get(playbook, lambda *args: None)(events, sim, KNOWN_VARIABLES["call_uuid"])
    assert_no_token_in_artifacts(job.artifacts)
