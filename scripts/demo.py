"""make demo: start the bundled Vobiz simulator and query it with vobiz.telephony.live_call_info.

Builds and installs the collection from this tree into build/demo, starts the simulator with the demo
scenario, then shows (1) an ad hoc command, (2) a playbook summarising every live call, (3) a playbook
gating on a call until it is answered and until it has ended, (4) a drain that hangs up, with
vobiz.telephony.live_call, the calls still live after a short wait. Stops the simulator and exits 0 when all
four worked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "demo"
BIN = Path(sys.executable).parent
AUTH_ID = "MA_DEMO0001"
AUTH_TOKEN = "demo-token-0001"
LIVE_CALL = "2ded13fe-4f9b-4958-9bfb-093ea2f29f91"
GATE_CALL = "7c1d5e9a-2b4f-4a6e-8d3c-0f9e8d7c6b5a"
DRAIN_CALL = "b2e4f6a8-0c1d-4e3f-9a5b-6c7d8e9f0a1b"


def banner(text: str) -> None:
    print("\n\033[1m== %s\033[0m" % text if sys.stdout.isatty() else "\n== %s" % text, flush=True)


def run(argv: list, env: dict) -> None:
    """Show a command as a user would type it, run it, and stop the demo if it fails."""
    print("$ " + " ".join(argv), flush=True)
    completed = subprocess.run([str(BIN / argv[0])] + argv[1:], env=env, cwd=ROOT, check=False)
    if completed.returncode != 0:
        raise SystemExit("demo: %s exited with %d" % (argv[0], completed.returncode))


def install_collection() -> Path:
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    galaxy = str(BIN / "ansible-galaxy")
    subprocess.run([galaxy, "collection", "build", "--output-path", str(BUILD), "--force"], stdout=subprocess.DEVNULL, cwd=ROOT, check=True)
    tarball = next(BUILD.glob("vobiz-telephony-*.tar.gz"))
    collections = BUILD / "collections"
    subprocess.run([galaxy, "collection", "install", str(tarball), "-p", str(collections), "--force"], stdout=subprocess.DEVNULL, cwd=ROOT, check=True)
    return collections


def start_simulator() -> tuple:
    url_file = BUILD / "simulator.url"
    process = subprocess.Popen([sys.executable, "-m", "tests.simulator", "--port", "0", "--url-file", str(url_file),
                                "--scenario", str(ROOT / "tests/simulator/scenarios/demo.yml")], cwd=ROOT)
    deadline = time.monotonic() + 15
    while not (url_file.exists() and url_file.read_text().strip()):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("demo: the simulator did not start")
        time.sleep(0.05)
    return process, url_file.read_text().strip()


def place_call(api_url: str, call: dict) -> None:
    """Place a call (the simulator's scenario form) through the simulator's control API."""
    control = api_url.split("/api/v1")[0] + "/_sim/calls"
    requests.post(control, data=json.dumps({"calls": [call]}), headers={"Content-Type": "application/json"}, timeout=5).raise_for_status()


def place_gate_call(api_url: str) -> None:
    """A call that rings now, is answered 3 s later and hangs up 10 s later."""
    place_call(api_url, {"call_uuid": GATE_CALL, "account": AUTH_ID, "from": "919262171438", "to": "919820012345", "direction": "outbound",
                         "timeline": [{"at": 0, "status": "ringing"}, {"at": 3, "status": "in-progress"},
                                      {"at": 10, "status": "completed", "cdr": {"hangup_cause_name": "NORMAL_CLEARING"}}]})


def place_drain_call(api_url: str) -> None:
    """A call in progress that the customer ends 2 s from now, during the drain."""
    place_call(api_url, {"call_uuid": DRAIN_CALL, "account": AUTH_ID, "from": "919262171438", "to": "919845098450", "direction": "outbound",
                         "timeline": [{"at": -30, "status": "in-progress"},
                                      {"at": 2, "status": "completed", "cdr": {"hangup_cause_name": "NORMAL_CLEARING"}}]})


def main() -> int:
    collections = install_collection()
    simulator, api_url = start_simulator()
    env = dict(os.environ, VOBIZ_API_URL=api_url, VOBIZ_AUTH_ID=AUTH_ID, VOBIZ_AUTH_TOKEN=AUTH_TOKEN,
               ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
               ANSIBLE_LOCAL_TEMP=str(BUILD / "tmp"), ANSIBLE_REMOTE_TMP=str(BUILD / "tmp"))
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
        banner("4. A drain: let the live calls end for 5 s, then hang up the rest with vobiz.telephony.live_call")
        place_drain_call(api_url)
        run(["ansible-playbook", "examples/drain_and_hang_up.yml", "-e", "drain_timeout=5"], env)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
    banner("Demo finished: the simulator is stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
