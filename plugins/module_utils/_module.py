# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""What every vobiz.telephony module shares: connection options, their checks, the client, and failures."""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.vobiz.telephony.plugins.module_utils._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, VobizClient, VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CONNECTION_DEFAULTS,
    ENV_FALLBACKS,
    clear_text_warning,
    client_from_options,
    connection_errors,
)


def connection_argument_spec() -> dict:
    """Options every module takes (documented in the vobiz.telephony.connection doc fragment)."""
    return dict(
        auth_id=dict(type="str", required=True, fallback=(env_fallback, [ENV_FALLBACKS["auth_id"]])),
        auth_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, [ENV_FALLBACKS["auth_token"]])),
        api_url=dict(type="str", default=CONNECTION_DEFAULTS["api_url"], fallback=(env_fallback, [ENV_FALLBACKS["api_url"]])),
        timeout=dict(type="float", default=CONNECTION_DEFAULTS["timeout"]),
        validate_certs=dict(type="bool", default=CONNECTION_DEFAULTS["validate_certs"]),
        ca_path=dict(type="path"),
        retries=dict(type="int", default=CONNECTION_DEFAULTS["retries"]),
        retry_max_wait=dict(type="float", default=CONNECTION_DEFAULTS["retry_max_wait"]),
    )


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
    warning = clear_text_warning(params["api_url"])
    if warning:
        module.warn(warning)
    return client_from_options(params, pool_size=pool_size, on_retry=module.warn, user_agent_suffix=module._name)


def fail_from_error(module, client: VobizClient, error: VobizError, msg: str | None = None, **result) -> None:
    """Fail with the error's message (or `msg`), its HTTP fields and what the module had gathered."""
    result.update(error.result_fields())
    module.fail_json(msg=msg or error.message, http_retries=client.http_retries, **result)
