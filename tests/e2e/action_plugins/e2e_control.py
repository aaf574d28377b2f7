# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""e2e_control: the simulator's control API (`/_sim/`) from an end-to-end playbook, as ansible.builtin.uri would call it.

Arguments: `url`, `method` (default GET), `body` (sent as JSON), `body_format` (json, the only one). The result holds
`status` and the decoded answer in `json`, as uri registers them; an answer of 400 or more fails the task. It runs in
check mode too. A uri task starts a module and the url lookup imports ansible-core's urls helpers in each task's
worker: about 0.4 CPU-s either way, where this action's http.client costs next to nothing. Only
tests/e2e/conftest.py's Ansible (and make lint-ansible) put tests/e2e/action_plugins on ANSIBLE_ACTION_PLUGINS."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

TIMEOUT = 30  # seconds: the control API answers at once; this only keeps a broken simulator from hanging a run


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _VALID_ARGS = frozenset(("url", "method", "body", "body_format"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        url = urlsplit(str(args.get("url", "")))
        if url.scheme != "http" or not url.hostname:
            raise AnsibleActionFail("e2e_control needs the http url of the simulator's control API, got %r" % args.get("url"))
        if args.get("body_format", "json") != "json":
            raise AnsibleActionFail("e2e_control sends JSON bodies only")
        body = json.dumps(args["body"]) if "body" in args else None
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT)
        try:
            connection.request(str(args.get("method", "GET")).upper(), url.path + ("?" + url.query if url.query else ""), body=body,
                               headers={"Content-Type": "application/json"} if body is not None else {})
            answer = connection.getresponse()
            text = answer.read().decode("utf-8")
        finally:
            connection.close()
        result.update(changed=False, status=answer.status, json=json.loads(text) if text.strip() else None)
        if answer.status >= 400:
            result.update(failed=True, msg="the simulator answered %d: %s" % (answer.status, text[:500]))
        return result
