# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Ansible side of the connection options: the argument spec every module takes."""

from __future__ import annotations

from ansible_collections.vobiz.telephony.plugins.module_utils._options import DEFAULT_API_URL
from ansible_collections.vobiz.telephony.plugins.module_utils._module import connection_argument_spec


def test_connection_spec_keeps_the_token_out_of_logs_and_reads_the_environment():
    spec = connection_argument_spec()
    assert spec["auth_token"]["no_log"] is True
    assert spec["auth_token"]["fallback"][1] == ["VOBIZ_AUTH_TOKEN"]
    assert spec["auth_id"]["fallback"][1] == ["VOBIZ_AUTH_ID"]
    assert spec["api_url"]["fallback"][1] == ["VOBIZ_API_URL"]
    assert spec["api_url"]["default"] == DEFAULT_API_URL == "https://api.vobiz.ai/api/v1"
    assert (spec["timeout"]["default"], spec["retries"]["default"], spec["retry_max_wait"]["default"]) == (30.0, 3, 60.0)
