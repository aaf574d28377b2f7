# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared fixtures: a fake clock (no test sleeps for real), a mocked HTTP transport, and a module runner."""

from __future__ import annotations

import json
import os
import tempfile

import pytest
import responses

from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.vobiz.telephony.plugins.module_utils.api import _calls as _call_api
from ansible_collections.vobiz.telephony.plugins.module_utils.common import _wait_loop as _waiting
from ansible_collections.vobiz.telephony.plugins.module_utils.http import _client, _retry
from ansible_collections.vobiz.telephony.plugins.modules import call, cdr_info, live_call, live_call_info
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import API_URL, AUTH_ID, AUTH_TOKEN, FakeClock, Jitter, ModuleRun

# Hypothesis keeps caches in ./.hypothesis unless told otherwise: keep the working tree clean.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "vobiz-telephony-hypothesis"))


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> FakeClock:
    """No test sleeps for real: the client's time module and the module's wait loop run on a fake clock."""
    fake = FakeClock()
    monkeypatch.setattr(_client, "time", fake)
    monkeypatch.setattr(_retry, "time", fake)  # a Retry-After date is read against its clock
    # every wait runs on wait_until, which reads _wait_loop.time when it starts
    monkeypatch.setattr(_waiting, "time", fake)
    return fake


@pytest.fixture(autouse=True)
def jitter(monkeypatch) -> Jitter:
    fake = Jitter()
    monkeypatch.setattr(_retry, "random", fake)
    return fake


@pytest.fixture(autouse=True)
def _fresh_ansible_warnings(monkeypatch):
    """AnsibleModule.warn collects into module-level dicts; start every test with empty ones."""
    monkeypatch.setattr(ansible_warnings, "_global_warnings", {})
    monkeypatch.setattr(ansible_warnings, "_global_deprecations", {})


@pytest.fixture(autouse=True)
def _no_vobiz_environment(monkeypatch):
    for name in ("VOBIZ_AUTH_ID", "VOBIZ_AUTH_TOKEN", "VOBIZ_API_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def calls():
    """CallApi over a client that does not retry."""
    with _client.VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=0) as client:
        yield _call_api.CallApi(client)


@pytest.fixture
def mocked():
    """The HTTP transport, mocked: every request must match a registered answer."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


_OMIT = object()


def _module_runner(module, capsys, tmp_path):
    """A function running module.main() with these arguments (connection defaults added; pass a key as run.OMIT to drop it)."""

    def run(**args) -> ModuleRun:
        module_args = {
            "auth_id": AUTH_ID,
            "auth_token": AUTH_TOKEN,
            "api_url": API_URL,
            "_ansible_remote_tmp": str(tmp_path),
            "_ansible_keep_remote_files": False,
            "_ansible_module_name": "vobiz.telephony." + module.__name__.rsplit(".", 1)[-1],
        }
        module_args.update(args)
        module_args = {key: value for key, value in module_args.items() if value is not _OMIT}
        capsys.readouterr()
        with patch_module_args(module_args):
            with pytest.raises(SystemExit) as exit_info:
                module.main()
        stdout = capsys.readouterr().out
        return ModuleRun(json.loads(stdout), exit_info.value.code, stdout)

    run.OMIT = _OMIT
    return run


@pytest.fixture
def run_module(capsys, tmp_path):
    """Run live_call_info.main() with these arguments."""
    return _module_runner(live_call_info, capsys, tmp_path)


@pytest.fixture
def run_live_call(capsys, tmp_path, clock, monkeypatch):
    """Run live_call.main() with these arguments; its waits run on the fake clock too."""
    return _module_runner(live_call, capsys, tmp_path)


@pytest.fixture
def run_call(capsys, tmp_path, clock):
    """Run call.main() with these arguments; its waits run on the fake clock too."""
    return _module_runner(call, capsys, tmp_path)


@pytest.fixture
def run_cdr_info(capsys, tmp_path, clock):
    """Run cdr_info.main() with these arguments; its waits run on the fake clock."""
    return _module_runner(cdr_info, capsys, tmp_path)
