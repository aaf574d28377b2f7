# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The connection options every vobiz.telephony plugin takes, their checks and the client they make.

No Ansible import here: the modules (through _module) and the call_events event source, which may run where
ansible-core is not installed, check their options with the same functions and say the same things.
"""

from __future__ import annotations

import ipaddress
import os
import re
from urllib.parse import urlsplit

from ansible_collections.vobiz.telephony.plugins.module_utils._client import DEFAULT_API_URL, VobizClient, redact_url

# Letters, digits, '-' and '_' only: such a value can never change the path of the URL it is put in.
IDENTIFIER_PATTERN = re.compile(r"\A[A-Za-z0-9_-]{1,128}\Z")

# Where each connection option comes from when it is not given.
ENV_FALLBACKS = {"auth_id": "VOBIZ_AUTH_ID", "auth_token": "VOBIZ_AUTH_TOKEN", "api_url": "VOBIZ_API_URL"}
CONNECTION_DEFAULTS = {"api_url": DEFAULT_API_URL, "timeout": 30.0, "validate_certs": True, "ca_path": None, "retries": 3,
                       "retry_max_wait": 60.0}
MAX_CONCURRENCY = 64


def identifier_error(option: str, value) -> str | None:
    """Why `value` cannot be used as `option` (an auth_id or a call uuid), or None."""
    if value is None:
        return None
    if value == "":
        return "%s must not be empty" % option
    if not IDENTIFIER_PATTERN.match(value):
        return "%s %s is not valid: use 1 to 128 letters, digits, '-' or '_'" % (option, shown(value))
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
        return "api_url %s is not a valid URL: %s" % (shown(value), exc)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "api_url %s must be an absolute http:// or https:// URL, such as %s" % (shown(value), DEFAULT_API_URL)
    if "@" in parts.netloc:
        return "api_url %s must not contain a user name or password: give the credentials in auth_id and auth_token" % shown(value)
    if re.search(r"[\s\x00-\x1f\x7f?#]", value):
        return "api_url %s must not contain spaces, control characters, a query or a fragment" % shown(value)
    return None


def concurrency_error(value: int) -> str | None:
    if not 1 <= value <= MAX_CONCURRENCY:
        return "concurrency must be between 1 and %d, got %s" % (MAX_CONCURRENCY, value)
    return None


def connection_errors(params: dict) -> list:
    """Every problem with the connection options, each naming its option (retry_max_wait only where the plugin has it)."""
    errors = [identifier_error("auth_id", params["auth_id"]), api_url_error(params["api_url"])]
    if not params["auth_token"]:
        errors.append("auth_token must not be empty")
    if params["ca_path"] and not os.path.isfile(params["ca_path"]):
        errors.append("ca_path %s is not a readable file" % shown(params["ca_path"]))
    if params["timeout"] <= 0:
        errors.append("timeout must be greater than 0 seconds, got %s" % params["timeout"])
    if params["retries"] < 0:
        errors.append("retries must be 0 or more, got %s" % params["retries"])
    if params.get("retry_max_wait", 0) < 0:
        errors.append("retry_max_wait must be 0 or more seconds, got %s" % params["retry_max_wait"])
    return [error for error in errors if error]


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


def clear_text_warning(api_url: str) -> str | None:
    """The warning owed for plain http to a host that is not loopback, or None."""
    if clear_text_to_remote_host(api_url):
        return "api_url %s is plain http to a host that is not loopback: the auth token travels in clear text" % redact_url(api_url)
    return None


def client_from_options(params: dict, pool_size: int, on_retry, user_agent_suffix: str) -> VobizClient:
    """The client for checked connection options (see connection_errors)."""
    return VobizClient(
        params["api_url"], params["auth_id"], params["auth_token"],
        timeout=params["timeout"],
        verify=(params["ca_path"] or True) if params["validate_certs"] else False,
        retries=params["retries"],
        retry_max_wait=params.get("retry_max_wait", CONNECTION_DEFAULTS["retry_max_wait"]),
        pool_size=pool_size,
        on_retry=on_retry,
        user_agent_suffix=user_agent_suffix,
    )


def shown(value: str) -> str:
    """A value for a message: without user:password, quoted, and cut when long."""
    value = redact_url(value)
    return repr(value if len(value) <= 140 else value[:140] + "...")
