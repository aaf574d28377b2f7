"""make demo: start the bundled Vobiz simulator and query it with vobiz.telephony.live_call_info.

Builds and installs the collection from this tree into build/demo, starts the simulator with the demo
scenario, then shows (1) an ad hoc command, (2) a playbook summarising every live call, (3) a playbook
gating on a call until it is answered and until it has ended, (4) the ad hoc command against an account
answered in the older Plivo-style wrapped form, and (5) when ansible-rulebook can run here, the example
rulebook reacting to a call's events (else how to get ansible-rulebook), and (6) a drain that hangs up, with
vobiz.telephony.live_call, the calls still live after a short wait, and (7) a test call placed with
vobiz.telephony.call (examples/test_call.yml), answered and long enough, (8) an answer-rate gate over call
records, and (9) when ansible-rulebook can run here, the paging runbook: examples/paging_rulebook.yml receives the
simulator's callbacks while examples/page_on_call.yml calls an escalation list until someone presses 1, (10)
then an inbound line: examples/inbound_line.yml routes a number to an application answered by
examples/inbound_rulebook.yml, the simulator rings the number, the caller presses 1 and the rule records who called,
(11) the recordings older than 30 days downloaded then deleted (examples/recording_retention.yml), run twice:
the rerun does nothing, and (12) a maintenance announcement spoken to every live call
(examples/announce_maintenance.yml). Stops the simulator and exits 0 when all of them worked.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the shared test helpers, as from the repo root

from tests.ansible_env import BIN, ansible_env, bin_first_on_path, connection_env  # noqa: E402
from tests.installed_collection import CollectionInstallError, build_and_install  # noqa: E402
from tests.loopback import accepts_connections, free_port  # noqa: E402
from tests.rulebook_process import RulebookProcess  # noqa: E402
from tests.simulator_process import SimulatorProcess, SimulatorStartError, start_simulator  # noqa: E402
from tests.waiting import WaitTimeout  # noqa: E402

BUILD = ROOT / "build" / "demo"
AUTH_ID = "MA_DEMO0001"
AUTH_TOKEN = "demo-token-0001"
LIVE_CALL = "2ded13fe-4f9b-4958-9bfb-093ea2f29f91"
GATE_CALL = "7c1d5e9a-2b4f-4a6e-8d3c-0f9e8d7c6b5a"
DRAIN_CALL = "b2e4f6a8-0c1d-4e3f-9a5b-6c7d8e9f0a1b"
# the demo scenario's account whose answers are {"api_id", "calls": [record]}, and its live call
WRAPPED_AUTH_ID = "MA_DEMO0003"
WRAPPED_AUTH_TOKEN = "demo-token-0003"
WRAPPED_CALL = "b7e2c9d4-5a1f-4e3b-8c6d-2f0a9b8e7d61"
EDA_CALL = "e7d1c2b3-4a5f-4e6d-9c8b-7a6f5e4d3c2b"
EDA_WAIT = 120  # seconds for the rulebook to show both events, on a slow machine
PAGED = ("919100000001", "919100000002", "919100000003")  # the paging demo's escalation list
LINE, CALLER = "+919100000010", "919812345678"  # the inbound line's number (owned by AUTH_ID for the demo) and who rings it
HAND_PORT = 8765  # where the README's "Try it by hand" starts the simulator


def banner(text: str) -> None:
    print("\n\033[1m== %s\033[0m" % text if sys.stdout.isatty() else "\n== %s" % text, flush=True)


def shown(argv: list) -> str:
    """A command as a user would type it: quoted so that it can be pasted into a shell."""
    return "$ " + shlex.join(argv)


def run(argv: list, env: dict) -> None:
    """Show a command as a user would type it, run it, and stop the demo if it fails."""
    print(shown(argv), flush=True)
    completed = subprocess.run([str(BIN / argv[0])] + argv[1:], env=env, cwd=ROOT, check=False)
    if completed.returncode != 0:
        raise SystemExit("demo: %s exited with %d" % (argv[0], completed.returncode))


def install_collection() -> Path:
    shutil.rmtree(BUILD, ignore_errors=True)
    try:
        return build_and_install(BUILD)
    except CollectionInstallError as error:
        raise SystemExit("demo: %s" % error) from None


def start_demo_simulator() -> SimulatorProcess:
    """The simulator with the demo scenario; its line "Vobiz simulator serving URL" is part of the demo's output."""
    try:
        return start_simulator(ROOT / "tests/simulator/scenarios/demo.yml", stdout=None)
    except SimulatorStartError as error:
        raise SystemExit("demo: %s" % error) from None


def place_gate_call(api_url: str) -> None:
    """A call that rings now, is answered 3 s later and hangs up 10 s later, placed through the simulator's control API."""
    control = api_url.split("/api/v1")[0] + "/_sim/calls"
    call = {"call_uuid": GATE_CALL, "account": AUTH_ID, "from": "919262171438", "to": "919820012345", "direction": "outbound",
            "timeline": [{"at": 0, "status": "ringing"}, {"at": 3, "status": "in-progress"},
                         {"at": 10, "status": "completed", "cdr": {"hangup_cause_name": "NORMAL_CLEARING"}}]}
    requests.post(control, data=json.dumps({"calls": [call]}), headers={"Content-Type": "application/json"}, timeout=5).raise_for_status()


def control(api_url: str, method: str, name: str, body=None):
    url = api_url.split("/api/v1")[0] + "/_sim/" + name
    response = requests.request(method, url, data=json.dumps(body) if body is not None else None,
                                headers={"Content-Type": "application/json"}, timeout=5)
    response.raise_for_status()
    return response.json()


def live_call(call_uuid: str, to: str, ends_in: float | None) -> dict:
    """A call in progress for 30 s already, which the customer ends `ends_in` seconds from now (None: it stays up)."""
    timeline = [{"at": -30, "status": "in-progress"}]
    if ends_in is not None:
        timeline.append({"at": ends_in, "status": "completed", "cdr": {"hangup_cause_name": "NORMAL_CLEARING"}})
    return {"call_uuid": call_uuid, "account": AUTH_ID, "from": "919262171438", "to": to, "direction": "outbound", "timeline": timeline}


def place_drain_call(api_url: str) -> None:
    """A call in progress that the customer ends 2 s from now, during the drain."""
    control(api_url, "POST", "calls", {"calls": [live_call(DRAIN_CALL, "919845098450", 2)]})


def place_announcement_calls(api_url: str) -> None:
    """Two calls in progress for the announcement: one the caller ends within the grace period, one still up after it
    (the earlier parts' calls have all ended by now)."""
    control(api_url, "POST", "calls", {"calls": [live_call("demo-announce-leaves", "919845098451", 2),
                                                 live_call("demo-announce-stays", "919845098452", None)]})


def why_no_rulebook() -> str | None:
    """None when ansible-rulebook can run here, else how to get it."""
    rulebook = BIN / "ansible-rulebook"
    if not rulebook.exists():
        return ("ansible-rulebook is not installed next to this Python: `pip install ansible-rulebook` "
                "(requirements-dev.txt has it; `make venvs` installs it in .venv)")
    check = subprocess.run([str(rulebook), "--version"], capture_output=True, text=True, check=False)
    if check.returncode != 0 or "Java version" not in check.stdout:
        shown = (check.stdout + check.stderr).strip().splitlines()[-1:] or ["no output"]
        return ("ansible-rulebook cannot start (%s): it needs Java 17, e.g. `apt-get install openjdk-17-jre-headless`, "
                "and JAVA_HOME when java is not on PATH" % shown[0])
    return None


def if_rulebook_runs(show, api_url: str, env: dict) -> None:
    """show(api_url, env) when ansible-rulebook can run here, else say how to get it."""
    reason = why_no_rulebook()
    if reason:
        print("Skipped: " + reason, flush=True)
    else:
        show(api_url, env)


def show_rulebook(api_url: str, env: dict) -> None:
    """Run examples/call_events_rulebook.yml (its interval cut to 1 s) while a call rings, is answered and ends."""
    rulebook = BUILD / "call_events_rulebook.yml"
    rulebook.write_text((ROOT / "examples/call_events_rulebook.yml").read_text().replace("interval: 5", "interval: 1"))
    argv = ["ansible-rulebook", "--rulebook", "examples/call_events_rulebook.yml", "--inventory", "examples/inventory.yml"]
    print(shown(argv) + "      (interval: 1 instead of 5, for the demo)", flush=True)
    control(api_url, "DELETE", "requests")  # so that the first list request seen below is the source's first look
    process = RulebookProcess(rulebook, env, BUILD, name="rulebook", cwd=ROOT)
    try:
        process.wait_for("ansible-rulebook's first look", lambda: any(entry["path"].endswith("/Call/") for entry in control(api_url, "GET", "requests")),
                         EDA_WAIT)
        call = {"call_uuid": EDA_CALL, "account": AUTH_ID, "from": "919262171438", "to": "919820055555", "direction": "outbound",
                "timeline": [{"at": 0, "status": "ringing"}, {"at": 3, "status": "in-progress"},
                             {"at": 8, "status": "completed", "cdr": {"hangup_cause_name": "NORMAL_CLEARING"}}]}
        control(api_url, "POST", "calls", {"calls": [call]})
        print("(a call to 919820055555 rings now, is answered 3 s later and hangs up 5 s after that)", flush=True)
        process.wait_for("both events of the rulebook", lambda: len(re.findall(r'"msg": "vobiz-event [^"]*%s' % EDA_CALL, process.output)) >= 2,
                         EDA_WAIT)
    except WaitTimeout as error:
        raise SystemExit("demo: %s" % error) from None
    finally:
        process.stop(grace=60)
    for line in process.output.splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", line)  # ansible-runner colours the playbook's output
        if line.startswith("PLAY [") or '"msg": "vobiz-event' in line:
            print(line, flush=True)


def show_paging(api_url: str, env: dict) -> None:
    """examples/paging_rulebook.yml (listening on 127.0.0.1, a free port) while examples/page_on_call.yml pages three
    numbers: the simulator's dial rules make the first not answer and the second press 1."""
    port = free_port()
    rulebook = listening_rulebook("paging_rulebook.yml", port)
    rules = control(api_url, "GET", "dial_rules")["rules"]
    control(api_url, "POST", "dial_rules", {"rules": [
        {"match": "^%s$" % PAGED[0], "outcome": "no-answer", "ring": 2},
        {"match": "^%s$" % PAGED[1], "outcome": "answered", "ring": 1, "talk": 600, "digits": "1", "digits_after": 1}] + rules})
    paging_env = dict(env, VOBIZ_PAGING_DIR=str(BUILD / "paging"))
    argv = ["ansible-rulebook", "--rulebook", "examples/paging_rulebook.yml", "--inventory", "examples/inventory.yml"]
    print(shown(argv) + "      (on 127.0.0.1:%d instead of port 5000, for the demo)" % port, flush=True)
    process = RulebookProcess(rulebook, paging_env, BUILD, name="paging-rulebook", cwd=ROOT)
    try:
        process.wait_for("the paging rulebook's listener on port %d" % port, lambda: accepts_connections(port), EDA_WAIT)
        print("(the simulator's dial rules: %s does not answer, %s answers and presses 1, %s would answer)" % PAGED, flush=True)
        run(["ansible-playbook", "examples/page_on_call.yml", "-e", json.dumps({"escalation": list(PAGED)}),
             "-e", "listener_url=http://127.0.0.1:%d" % port, "-e", 'incident="Disk full on db1."'], bin_first_on_path(paging_env))
    except WaitTimeout as error:
        raise SystemExit("demo: %s" % error) from None
    finally:
        process.stop(grace=60)
    print("What the rulebook did:", flush=True)
    for line in process.output.splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", line)
        if "vobiz-ack" in line or "vobiz-paging ended" in line:
            print(line.strip(), flush=True)


def listening_rulebook(example: str, port: int) -> Path:
    """A copy of an example rulebook whose callbacks source listens on 127.0.0.1 at `port` instead of port 5000."""
    rulebook = BUILD / example
    rulebook.write_text((ROOT / "examples" / example).read_text().replace("port: 5000", "host: 127.0.0.1\n        port: %d" % port))
    return rulebook


def show_inbound_line(api_url: str, env: dict) -> None:
    """examples/inbound_rulebook.yml (on 127.0.0.1, a free port) answers the line that examples/inbound_line.yml
    configures; the simulator rings it from a caller whose dial rule presses 1 a second after the line answers."""
    port = free_port()
    rulebook = listening_rulebook("inbound_rulebook.yml", port)
    callers = BUILD / "callers.txt"
    callers.unlink(missing_ok=True)
    control(api_url, "POST", "numbers", {"numbers": [{"e164": LINE, "account": AUTH_ID}]})
    rules = control(api_url, "GET", "dial_rules")["rules"]
    control(api_url, "POST", "dial_rules", {"rules": [
        {"match": "^%s$" % CALLER, "outcome": "answered", "ring": 1, "talk": 600, "digits": "1", "digits_after": 1}] + rules})
    line_env = dict(env, VOBIZ_CALLERS_FILE=str(callers))
    argv = ["ansible-rulebook", "--rulebook", "examples/inbound_rulebook.yml", "--inventory", "examples/inventory.yml"]
    print(shown(argv) + "      (on 127.0.0.1:%d instead of port 5000, for the demo)" % port, flush=True)
    process = RulebookProcess(rulebook, line_env, BUILD, name="inbound-rulebook", cwd=ROOT)
    try:
        process.wait_for("the inbound rulebook's listener on port %d" % port, lambda: accepts_connections(port), EDA_WAIT)
        run(["ansible-playbook", "examples/inbound_line.yml", "-e", "line_number=%s" % LINE, "-e", "listener_url=http://127.0.0.1:%d" % port],
            bin_first_on_path(line_env))
        call_uuid = control(api_url, "POST", "inbound", {"to": LINE, "from": CALLER})["call_uuid"]
        print("(the simulator rings %s from %s, who presses 1 a second after the line answers: call %s)" % (LINE, CALLER, call_uuid), flush=True)
        process.wait_for("the caller in %s" % callers, lambda: callers.is_file() and CALLER in callers.read_text(), EDA_WAIT)
        process.wait_for("the end of the call", lambda: "vobiz-line ended %s" % call_uuid in process.output, EDA_WAIT)
    except WaitTimeout as error:
        raise SystemExit("demo: %s" % error) from None
    finally:
        process.stop(grace=60)
    print("What the rulebook did:", flush=True)
    for line in process.output.splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", line)
        if "vobiz-caller" in line or "vobiz-line ended" in line:
            print(line.strip(), flush=True)
    heard = [step["text"] for step in control(api_url, "GET", "callbacks/%s" % call_uuid)["steps"] if step["step"] == "Speak"]
    print("What the caller heard after pressing 1 (the simulator's log): %s" % " / ".join(heard), flush=True)
    print("$ cat %s\n%s" % (callers.relative_to(ROOT), callers.read_text().rstrip()), flush=True)


def main() -> int:
    collections = install_collection()
    simulator = start_demo_simulator()
    api_url = simulator.api_url
    env = ansible_env(collections, BUILD / "tmp", connection_env(api_url, AUTH_ID, AUTH_TOKEN))
    try:
        print("Simulator: %s (account %s); the same playbooks run against Vobiz with VOBIZ_API_URL, "
              "VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN set." % (api_url, AUTH_ID), flush=True)
        banner("1. Ad hoc: what is this call doing right now?")
        run(["ansible", "localhost", "-m", "vobiz.telephony.live_call_info", "-a", "call_uuid=%s" % LIVE_CALL], env)
        banner("2. A playbook: facts for every live call, in one task")
        run(["ansible-playbook", "examples/live_calls_summary.yml"], env)
        banner("3. A playbook gating on a call: wait until answered, then until ended")
        place_gate_call(api_url)
        run(["ansible-playbook", "examples/gate_on_call.yml", "-e", "call_uuid=%s" % GATE_CALL], env)
        banner("4. An account answered in the older Plivo-style form: the same call_status, the record as sent")
        run(["ansible", "localhost", "-m", "vobiz.telephony.live_call_info", "-a", "call_uuid=%s" % WRAPPED_CALL],
            dict(env, VOBIZ_AUTH_ID=WRAPPED_AUTH_ID, VOBIZ_AUTH_TOKEN=WRAPPED_AUTH_TOKEN))
        banner("5. Event-Driven Ansible: a rulebook runs a playbook when a call is answered and when it ends")
        if_rulebook_runs(show_rulebook, api_url, env)
        banner("6. A drain: let the live calls end for 5 s, then hang up the rest with vobiz.telephony.live_call")
        place_drain_call(api_url)
        run(["ansible-playbook", "examples/drain_and_hang_up.yml", "-e", "drain_timeout=5"], env)
        banner("7. A telephony smoke test: place a test call with vobiz.telephony.call, wait until answered, then until ended")
        run(["ansible-playbook", "examples/test_call.yml", "-e", "test_number=+919148227303", "-e", "min_seconds=3"], env)
        banner("8. Finished calls: gate on yesterday's answer rate of a campaign (vobiz.telephony.cdr_info)")
        run(["ansible-playbook", "examples/answer_rate_gate.yml"], env)
        banner("9. Paging by voice: call the escalation list until someone presses 1 (vobiz.telephony.callbacks)")
        if_rulebook_runs(show_paging, api_url, env)
        banner("10. An inbound line answered by a rulebook: route a number, ring it, press 1 (vobiz.telephony.application, number)")
        if_rulebook_runs(show_inbound_line, api_url, env)
        banner("11. Recordings: download those older than 30 days, delete them at Vobiz; the rerun does nothing")
        archive = BUILD / "recordings"
        shutil.rmtree(archive, ignore_errors=True)
        for _run in range(2):
            run(["ansible-playbook", "examples/recording_retention.yml", "-e", "recordings_dir=%s" % archive], env)
        banner("12. A maintenance announcement: speak to every live call (vobiz.telephony.live_call_action), wait 3 s, hang up the rest")
        place_announcement_calls(api_url)
        run(["ansible-playbook", "examples/announce_maintenance.yml", "-e", "grace_seconds=3"], env)
    finally:
        simulator.stop()
    banner("Demo finished: the simulator is stopped.")
    print("Go on by hand (README: Try it by hand): the demo's collection and virtual environment, the simulator, a module's docs:",
          flush=True)
    for line in by_hand_commands(collections):
        print(line, flush=True)
    return 0


def by_hand_commands(collections: Path) -> list:
    """The three commands that take a user from the demo to trying the collection by hand, pasteable as printed."""
    relative = collections.relative_to(ROOT) if collections.is_relative_to(ROOT) else collections
    return [
        "  source .venv/bin/activate; export ANSIBLE_COLLECTIONS_PATH=$PWD/%s" % shlex.quote(str(relative)),
        "  python -m tests.simulator --port %d &   # the demo scenario; Ctrl-C or kill %%1 stops it" % HAND_PORT,
        "  export VOBIZ_API_URL=http://127.0.0.1:%d/api/v1 VOBIZ_AUTH_ID=%s VOBIZ_AUTH_TOKEN=%s; "
        "ansible-doc vobiz.telephony.live_call_info; ansible localhost -m vobiz.telephony.live_call_info"
        % (HAND_PORT, AUTH_ID, AUTH_TOKEN),
    ]


if __name__ == "__main__":
    sys.exit(main())
