# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""What every vobiz.telephony module shares: connection options, their checks, the client, and failures."""

from __future__ import annotations

import ipaddress
import os
import re
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.vobiz.telephony.plugins.module_utils._client import (
    DEFAULT_API_URL,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    VobizClient,
    VobizError,
    redact_url,
)

# Letters, digits, '-' and '_' only: such a value can never change the path of the URL it is put in.
IDENTIFIER_PATTERN = re.compile(r"\A[A-Za-z0-9_-]{1,128}\Z")


def connection_argument_spec() -> dict:
    """Options every module takes (documented in the vobiz.telephony.connection doc fragment)."""
    return dict(
        auth_id=dict(type="str", required=True, fallback=(env_fallback, ["VOBIZ_AUTH_ID"])),
        auth_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["VOBIZ_AUTH_TOKEN"])),
        api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["VOBIZ_API_URL"])),
        timeout=dict(type="float", default=30.0),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        retries=dict(type="int", default=3),
        retry_max_wait=dict(type="float", default=60.0),
    )


def identifier_error(option: str, value) -> str | None:
    """Why `value` cannot be used as `option` (an auth_id or a call uuid), or None."""
    if value is None:
        return None
    if value == "":
        return "%s must not be empty" % option
    if not IDENTIFIER_PATTERN.match(value):
        return "%s %s is not valid: use 1 to 128 letters, digits, '-' or '_'" % (option, _shown(value))
    return None


def identifier_list_errors(option: str, values) -> list:
    """Why items of `values` (a list option of call uuids) cannot be used, each naming the option and the item."""
    if values is None:
        return []
    errors = [identifier_error("%s[%d]" % (option, index), value) for index, value in enumerate(values)]
    return [error for error in errors if error]


def api_url_error(value: str) -> str | None:
    """Why `value` cannot be the API's base URL, or None."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - parsing the port raises ValueError on a bad one
    except ValueError as exc:
        return "api_url %s is not a valid URL: %s" % (_shown(value), exc)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "api_url %s must be an absolute http:// or https:// URL, such as %s" % (_shown(value), DEFAULT_API_URL)
    if "@" in parts.netloc:
        return "api_url %s must not contain a user name or password: give the credentials in auth_id and auth_token" % _shown(value)
    if re.search(r"[\s\x00-\x1f\x7f?#]", value):
        return "api_url %s must not contain spaces, control characters, a query or a fragment" % _shown(value)
    return None


def connection_errors(params: dict) -> list:
    """Every problem with the connection options, each naming its option."""
    errors = [identifier_error("auth_id", params["auth_id"]), api_url_error(params["api_url"])]
    if not params["auth_token"]:
        errors.append("auth_token must not be empty")
    if params["ca_path"] and not os.path.isfile(params["ca_path"]):
        errors.append("ca_path %s is not a readable file" % _shown(params["ca_path"]))
    if params["timeout"] <= 0:
        errors.append("timeout must be greater than 0 seconds, got %s" % params["timeout"])
    if params["retries"] < 0:
        errors.append("retries must be 0 or more, got %s" % params["retries"])
    if params["retry_max_wait"] < 0:
        errors.append("retry_max_wait must be 0 or more seconds, got %s" % params["retry_max_wait"])
    return [error for error in errors if error]


def fail_on_errors(module, errors: list) -> None:
    """Fail before any request when an option is wrong."""
    if errors:
        module.fail_json(msg="; ".join(errors), http_retries=0)


def client_from_module(module, pool_size: int = 8, option_errors: list = ()) -> VobizClient:
    """The client for this module's options. Every problem with them, the module's own `option_errors` too, fails
    the module at once: nothing is sent when one is wrong."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
    params = module.params
    fail_on_errors(module, connection_errors(params) + list(option_errors))
    if clear_text_to_remote_host(params["api_url"]):
        module.warn("api_url %s is plain http to a host that is not loopback: the auth token travels in clear text" % redact_url(params["api_url"]))
    return VobizClient(
        params["api_url"], params["auth_id"], params["auth_token"],
        timeout=params["timeout"],
        verify=(params["ca_path"] or True) if params["validate_certs"] else False,
        retries=params["retries"],
        retry_max_wait=params["retry_max_wait"],
        pool_size=pool_size,
        on_retry=module.warn,
        user_agent_suffix=module._name,
    )


def clear_text_to_remote_host(api_url: str) -> bool:
    parts = urlsplit(api_url)
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def fail_from_error(module, client: VobizClient, error: VobizError, msg: str | None = None, **result) -> None:
    """Fail with the error's message (or `msg`), its HTTP fields and what the module had gathered."""
    result.update(error.result_fields())
    module.fail_json(msg=msg or error.message, http_retries=client.http_retries, **result)


def _shown(value: str) -> str:
    value = redact_url(value)
    return repr(value if len(value) <= 140 else value[:140] + "...")
