# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""e2e_dump: how the end-to-end tests' playbooks hand what they registered to the test (`e2e_out`).

It writes `content` to `dest` on the controller, with `mode` (default 0600), in check mode too, and reports a change
(it wrote a file, as copy reports writing a new one). ansible.builtin.copy did this before, at the price of two module
runs (a stat, then the copy), each a Python start that compiles ansible-core's module_utils again: about 1 CPU-s a
playbook. An action plugin runs in the controller's worker and costs none of that. Only tests/e2e/conftest.py's
Ansible points ANSIBLE_ACTION_PLUGINS here; nothing of the collection uses it."""

from __future__ import annotations

import json
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _VALID_ARGS = frozenset(("content", "dest", "mode"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        if "content" not in args or not args.get("dest"):
            raise AnsibleActionFail("e2e_dump needs content and dest")
        content = args["content"]
        text = content if isinstance(content, str) else json.dumps(content)
        descriptor = os.open(str(args["dest"]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, int(str(args.get("mode", "0600")), 8))
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        result.update(changed=True, dest=str(args["dest"]))
        return result
