# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The Ansible glue every vobiz.telephony module shares: argument specs from the options table, the checks of the
options, the client, and failures. The only module_utils that imports Ansible."""

from __future__ import annotations

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._options import CONNECTION_OPTIONS, clear_text_warning, connection_errors, option_errors
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import client_from_options


def argument_spec(options: dict) -> dict:
    """AnsibleModule's argument_spec for these Options."""
    spec = {}
    for name, option in options.items():
        entry = dict(type=option.type)
        if option.default is not None:
            entry["default"] = option.default
        if option.env:
            entry["fallback"] = (env_fallback, [option.env])
        if option.no_log:
            entry["no_log"] = True
        if option.choices:
            entry["choices"] = list(option.choices)
        if option.elements:
            entry["elements"] = option.elements
        if option.required:
            entry["required"] = True
        if option.suboptions is not None:
            entry["options"] = argument_spec(option.suboptions)
        spec[name] = entry
    return spec


def connection_argument_spec() -> dict:
    """Options every module takes (documented in the vobiz.telephony.connection doc fragment)."""
    return argument_spec(CONNECTION_OPTIONS)


def module_argument_spec(options: dict) -> dict:
    """The argument_spec of a module taking the connection options and these Options of its own."""
    return dict(connection_argument_spec(), **argument_spec(options))


def module_for(options: dict, **kwargs) -> AnsibleModule:
    """The AnsibleModule of a module taking the connection options and these Options of its own."""
    return AnsibleModule(argument_spec=module_argument_spec(options), supports_check_mode=True, **kwargs)


def fail_on_errors(module, errors: list) -> None:
    """Fail before any request when an option is wrong."""
    if errors:
        module.fail_json(msg="; ".join(errors), http_retries=0)


def client_from_module(module, own_options: dict, other_errors: list = ()) -> VobizClient:
    """The client for this module's options. Every problem with them (the connection options, the checks, bounds and
    groups of its `own_options`, then `other_errors`: the module's rules across options) fails the module at once:
    nothing is sent when one is wrong. The connection pool has room for the module's concurrency."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
    params = module.params
    fail_on_errors(module, connection_errors(params) + option_errors(own_options, params) + list(other_errors))
    warning = clear_text_warning(params["api_url"])
    if warning:
        module.warn(warning)
    return client_from_options(params, pool_size=params["concurrency"], on_retry=module.warn, user_agent_suffix=module._name)


def fail_from_error(module, client: VobizClient, error: VobizError, msg: str | None = None, **result) -> None:
    """Fail with the error's message (or `msg`), its HTTP fields and what the module had gathered."""
    result.update(error.result_fields())
    module.fail_json(msg=msg or error.message, http_retries=client.http_retries, **result)


def write_if_different(module, dest: str, content: bytes) -> bool:
    """Write `content` to `dest` atomically (a temporary file beside it, then a rename) unless the file already holds
    exactly that; then apply the file options (mode, owner, ...). Returns whether anything changed or, in check mode,
    would change; check mode writes nothing."""
    try:
        with open(dest, "rb") as existing:
            changed = existing.read() != content
        exists = True
    except FileNotFoundError:
        changed, exists = True, False
    except OSError as exc:
        module.fail_json(msg="dest %s cannot be read: %s" % (dest, exc), http_retries=0)
    if changed and not module.check_mode:
        directory = os.path.dirname(os.path.abspath(dest))
        if not os.path.isdir(directory):
            module.fail_json(msg="dest %s: the directory %s does not exist" % (dest, directory), http_retries=0)
        descriptor, temporary = tempfile.mkstemp(prefix=".vobiz-", dir=directory)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
            module.atomic_move(temporary, dest)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        exists = True
    if exists:
        file_args = module.load_file_common_arguments(module.params, path=dest)
        changed = module.set_fs_attributes_if_different(file_args, changed)
    return changed
