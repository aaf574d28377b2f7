# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client from checked options, an account's path, and a text answer (the CDR export's CSV)."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient, client_from_options
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizHTTPError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import ACCOUNT_URL, API_URL, AUTH_ID, AUTH_TOKEN


def options(**changes) -> dict:
    return dict({"api_url": API_URL + "/", "auth_id": AUTH_ID, "auth_token": AUTH_TOKEN, "timeout": 7, "validate_certs": True, "ca_path": None,
                 "retries": 4, "retry_max_wait": 12.5}, **changes)


def test_the_client_takes_every_connection_option():
    warned = []
    with client_from_options(options(), pool_size=3, on_retry=warned.append, user_agent_suffix="vobiz.telephony.call") as client:
        assert (client.base_url, client.auth_id, client.timeout, client.verify, client.retries, client.retry_max_wait) == \
            (API_URL, AUTH_ID, 7.0, True, 4, 12.5)
        assert client.on_retry == warned.append
        assert client.session.headers["User-Agent"].endswith(" (vobiz.telephony.call)")
        assert (client.session.headers["X-Auth-ID"], client.session.headers["X-Auth-Token"]) == (AUTH_ID, AUTH_TOKEN)
        assert client.session.get_adapter(API_URL)._pool_maxsize == 3


@pytest.mark.parametrize("validate_certs, ca_path, verify", [(True, "/etc/ca.pem", "/etc/ca.pem"), (True, None, True), (False, "/etc/ca.pem", False)])
def test_certificates_are_checked_against_ca_path_or_the_system_unless_validate_certs_is_false(validate_certs, ca_path, verify):
    with client_from_options(options(validate_certs=validate_certs, ca_path=ca_path), 1, None, "x") as client:
        assert client.verify == verify


def test_an_account_path_starts_with_the_account():
    with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN) as client:
        assert client.account_segments("cdr", "export") == ("Account", AUTH_ID, "cdr", "export")
        assert client.account_segments() == ("Account", AUTH_ID)


def test_get_text_asks_for_csv_by_default_with_the_params_and_reads_the_body_as_text(mocked):
    mocked.add(responses.GET, ACCOUNT_URL + "/cdr/export/", body="id\r\n1,é\r\n".encode(), content_type="text/csv")
    with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=0) as client:
        response = client.get_text(client.account_segments("cdr", "export"), params={"campaign_id": "c"})
    assert (response.status_code, response.data) == (200, "id\r\n1,é\r\n")
    request = mocked.calls[0].request
    assert (request.url, request.headers["Accept"], request.method) == (ACCOUNT_URL + "/cdr/export/?campaign_id=c", "text/csv", "GET")


def test_get_text_is_retried_like_get(mocked):
    mocked.add(responses.GET, ACCOUNT_URL + "/cdr/export", status=503, json={"error": "busy"})
    mocked.add(responses.GET, ACCOUNT_URL + "/cdr/export", body="id\r\n")
    with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=1) as client:
        assert client.get_text(client.account_segments("cdr", "export"), accept="text/plain", trailing_slash=False).data == "id\r\n"
        assert client.http_retries == 1
    assert [call.request.headers["Accept"] for call in mocked.calls] == ["text/plain", "text/plain"]


def test_get_text_raises_on_an_error_answer(mocked):
    mocked.add(responses.GET, ACCOUNT_URL + "/cdr/export", status=400, json={"status": "error", "error": {"code": "BAD", "message": "no"}})
    with VobizClient(API_URL, AUTH_ID, AUTH_TOKEN, retries=3) as client, pytest.raises(VobizHTTPError) as error:
        client.get_text(client.account_segments("cdr", "export"), trailing_slash=False)
    assert error.value.status_code == 400 and len(mocked.calls) == 1
