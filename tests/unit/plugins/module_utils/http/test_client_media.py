# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client's media requests (download, media_length) as a recording's owner meets them: a 401 or 403 is a refusal
of the credentials only from a host that was sent them."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizAuthError, VobizHTTPError
from ansible_collections.vobiz.telephony.tests.unit.vobiz_fakes import API_URL, AUTH_ID, AUTH_TOKEN

MEDIA = "https://media.vobiz.ai/r/r1.mp3"
STORAGE = "https://storage.example.com/r1.mp3?signature=abc"


def client(api_url: str = API_URL, **options) -> VobizClient:
    options.setdefault("retries", 0)
    return VobizClient(api_url, AUTH_ID, AUTH_TOKEN, **options)


def whole(answer) -> bytes:
    return b"".join(answer.chunks())


def credentials(call) -> tuple:
    return call.request.headers.get("X-Auth-ID"), call.request.headers.get("X-Auth-Token")


# --- failures -----------------------------------------------------------------------------------------------------


def test_vobiz_refusing_the_credentials_names_the_auth_id(mocked):
    mocked.add(responses.GET, MEDIA, status=403, json={"api_id": "a-2", "error": "forbidden"})
    with client() as vobiz, pytest.raises(VobizAuthError) as error:
        vobiz.download(MEDIA, whole)
    assert error.value.message == "Vobiz refused the credentials of auth_id %s (HTTP 403: forbidden) for GET %s" % (AUTH_ID, MEDIA)


def test_a_403_of_a_host_sent_no_credentials_is_not_a_refusal_of_them(mocked):
    # a signed storage URL that has expired: the user's credentials are not at fault
    mocked.add(responses.GET, MEDIA, status=302, headers={"Location": STORAGE})
    mocked.add(responses.GET, STORAGE, status=403, body=b"<Error><Code>AccessDenied</Code></Error>", content_type="application/xml")
    with client() as vobiz, pytest.raises(VobizHTTPError) as error:
        vobiz.download(MEDIA, whole)
    assert not isinstance(error.value, VobizAuthError)
    assert error.value.message == ("GET %s answered HTTP 403 Forbidden and a body that is not Vobiz's JSON: "
                                   "'<Error><Code>AccessDenied</Code></Error>'" % STORAGE)
