# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Applications as code: the fields the application module manages (options to Vobiz's names), finding an application
by app_id or by name over every page, and the Store that creates, updates and deletes it through the gateway, with
the two rules of its own: a create whose outcome is unknown is looked up once by name, never sent again; a delete
refused while numbers are routed to the application detaches them first when asked (else fails naming them).
No Ansible and no HTTP here.
"""

from __future__ import annotations

from ansible_collections.vobiz.telephony.plugins.module_utils.api._applications import ApplicationApi, app_id_of
from ansible_collections.vobiz.telephony.plugins.module_utils.api._numbers import NumberApi
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently
from ansible_collections.vobiz.telephony.plugins.module_utils.common._text import shown
from ansible_collections.vobiz.telephony.plugins.module_utils.common._urls import clear_text_to_remote_host
from ansible_collections.vobiz.telephony.plugins.module_utils.config._converge import ConvergeError, Field, Store
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError, VobizHTTPError
from ansible_collections.vobiz.telephony.plugins.module_utils.http._retry import may_have_taken_effect

# Vobiz answers a delete with this status while numbers are routed to the application.
IN_USE = 409
SHOWN_IN_MESSAGES = 10


def _method(value):
    return value.upper() if isinstance(value, str) else value


URL_FIELDS = ("answer_url", "hangup_url", "fallback_answer_url", "message_url")
# Every field the module manages, by option. app_name is the name; log_incoming_messages is sent under both names
# Vobiz's sources give (the current docs' singular, the older docs' and the Go SDK's plural) and read under either;
# default_number_app is never returned, so never compared.
FIELDS = (
    [Field("name", "app_name"), Field("answer_url"), Field("answer_method", normalise=_method),
     Field("hangup_url"), Field("hangup_method", normalise=_method),
     Field("fallback_answer_url"), Field("fallback_method", normalise=_method),
     Field("message_url"), Field("message_method", normalise=_method),
     Field("default_number_app", readable=False), Field("default_endpoint_app"),
     Field("log_incoming_messages", "log_incoming_message", also_sent_as=("log_incoming_messages",), read_as=("log_incoming_messages",))]
)


class ApplicationError(ConvergeError):
    """Why a task on an application cannot go on."""


def url_warnings(params: dict) -> list:
    """A warning for each plain http:// callback URL to a host that is not loopback (Vobiz wants HTTPS), as call warns."""
    return ["%s %s is plain http to a host that is not loopback: Vobiz wants https:// callback URLs" % (option, shown(params[option]))
            for option in URL_FIELDS if params.get(option) and clear_text_to_remote_host(params[option])]


def shown_list(values: list) -> str:
    return ", ".join(values[:SHOWN_IN_MESSAGES]) + (", ..." if len(values) > SHOWN_IN_MESSAGES else "")


def named(applications: list, name: str) -> list:
    return [application for application in applications if application.get("app_name") == name]


def find(api: ApplicationApi, name: str | None, app_id: str | None, concurrency: int) -> dict | None:
    """The application under `app_id` (one read), else the one named `name` over every page; None when there is none.
    Two applications of that name: ApplicationError naming both app_ids (no guess between them)."""
    if app_id is not None:
        return api.fetch(app_id)
    found = named(api.list_all(concurrency), name)
    if len(found) > 1:
        app_ids = [app_id_of(application) or "?" for application in found]
        raise ApplicationError("%d applications are named %s (app_id %s): give app_id to say which one" % (len(found), name, shown_list(app_ids)),
                               app_ids=app_ids)
    return found[0] if found else None


class ApplicationStore(Store):
    """The application Store of one account. `detach_numbers`: detach the numbers routed to an application before
    deleting it. `detached` lists them (in check mode, those that would be); `warnings` what the task should say."""

    def __init__(self, api: ApplicationApi, numbers: NumberApi, concurrency: int, detach_numbers: bool = False):
        self.api = api
        self.numbers = numbers
        self.concurrency = concurrency
        self.detach_numbers = detach_numbers
        self.detached: list = []
        self.warnings: list = []

    def key_of(self, record: dict) -> str:
        return app_id_of(record)

    def fetch(self, key: str) -> dict | None:
        return self.api.fetch(key)

    def create(self, body: dict) -> str:
        """POST the application, once. After an unknown outcome, one look by name: the application found is reported as
        created; none found fails saying it may still have been created."""
        try:
            return self.api.create(body)
        except VobizError as error:
            if not may_have_taken_effect(error):
                raise
            return self._created_after_unknown(body["app_name"], error)

    def _created_after_unknown(self, name: str, error: VobizError) -> str:
        try:
            found = named(self.api.list_all(self.concurrency), name)
        except VobizError as lookup_error:
            raise ApplicationError("creating application %s: %s; the outcome is unknown and looking it up failed too (%s): it may still have "
                                   "been created, so look for it (vobiz.telephony.application_info name=%s) before trying again"
                                   % (name, error.message, lookup_error.message, name), error) from None
        if len(found) == 1:
            self.warnings.append("creating application %s: %s; the outcome was unknown, and a look by name found it created (app_id %s)"
                                 % (name, error.message, app_id_of(found[0])))
            return app_id_of(found[0])
        if found:
            raise ApplicationError("creating application %s: %s; the outcome was unknown, and %d applications of that name now exist (app_id %s)"
                                   % (name, error.message, len(found), shown_list([app_id_of(item) or "?" for item in found])), error)
        raise ApplicationError("creating application %s: %s; the outcome is unknown and a look by name did not find it: it may still have been "
                               "created, so look for it (vobiz.telephony.application_info name=%s) before trying again" % (name, error.message, name),
                               error)

    def update(self, current: dict, body: dict) -> None:
        self.api.update(app_id_of(current), body)

    def check_delete(self, current: dict) -> None:
        if self.detach_numbers:
            self.detached = self.numbers.routed_to(app_id_of(current))

    def delete(self, current: dict) -> None:
        """Detach the numbers routed to the application first with detach_numbers; then DELETE it. A 409 (numbers still
        routed to it) fails naming them. Already gone: nothing to do."""
        app_id = app_id_of(current)
        if self.detach_numbers:
            self._detach(app_id)
        try:
            self.api.delete(app_id)
        except VobizHTTPError as error:
            if error.status_code != IN_USE:
                raise
            routed = self.numbers.routed_to(app_id)
            hint = "they were attached meanwhile" if self.detach_numbers else "detach them first, or set detach_numbers: true"
            raise ApplicationError("Vobiz refused to delete application %s (app_id %s): numbers are routed to it: %s; %s"
                                   % (current.get("app_name"), app_id, shown_list(routed) or "(none listed)", hint), error,
                                   numbers=routed) from None

    def _detach(self, app_id: str) -> None:
        routed = self.numbers.routed_to(app_id)

        def detach(e164: str) -> str:
            self.numbers.detach(e164)
            self.detached.append(e164)
            return e164

        map_concurrently(detach, routed, self.concurrency)
        self.detached.sort(key=routed.index)
