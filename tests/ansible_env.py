# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one environment of the Ansible runs of the end-to-end tests, the benchmarks and the demo: the collection as
tests/installed_collection.py installed it, the implicit localhost on the Python running this, temporary files in a
directory of the caller's, and the account in VOBIZ_API_URL, VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (the modules' and the
event sources' environment variables, so that no token is on a command line)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

BIN = Path(sys.executable).parent  # the virtual environment's ansible, ansible-playbook, ansible-rulebook ...

# What the end-to-end tests set on top, so that nothing of the user's Ansible, nor its defaults of the day, changes
# what a test parses: the default callback printing JSON, no deprecation warnings, no facts gathered.
ISOLATED = {
    "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
    "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
    "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
    "ANSIBLE_DEPRECATION_WARNINGS": "False",
    "ANSIBLE_GATHERING": "explicit",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def connection_env(api_url: str, auth_id: str, auth_token: str) -> dict:
    """The account the modules and event sources read from their environment variables."""
    return {"VOBIZ_API_URL": api_url, "VOBIZ_AUTH_ID": auth_id, "VOBIZ_AUTH_TOKEN": auth_token}


def ansible_env(collections: Path, temp: Path, connection: dict | None = None, *, isolated: bool = False, color: bool = True) -> dict:
    """This process's environment with Ansible run against `collections` (an ANSIBLE_COLLECTIONS_PATH), the implicit
    localhost on this Python without its warnings, ANSIBLE_LOCAL_TEMP and ANSIBLE_REMOTE_TMP under `temp`, no retry
    files, and `connection` (connection_env()) when given.

    isolated: none of the caller's ANSIBLE_* and VOBIZ_* variables, HOME at `temp`, and ISOLATED (the end-to-end tests).
    color: False turns Ansible's colours off (output that a program reads)."""
    if isolated:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "VOBIZ_"))}
        env.update(ISOLATED, HOME=str(temp))
    else:
        env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_LOCAL_TEMP": str(temp / "local_tmp"),
        "ANSIBLE_REMOTE_TMP": str(temp / "remote_tmp"),
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
    })
    if not color:
        env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env.update(connection or {})
    return env


def bin_first_on_path(env: dict) -> dict:
    """`env` with the virtual environment's bin first on PATH: ansible-rulebook finds ansible-playbook there."""
    return dict(env, PATH="%s%s%s" % (BIN, os.pathsep, env.get("PATH", os.environ.get("PATH", ""))))
