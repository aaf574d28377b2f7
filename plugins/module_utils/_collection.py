# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The collection's name and version, as requests name it in their User-Agent.

The version is galaxy.yml's, written here once more because an installed collection has no galaxy.yml to read;
tests/unit/plugins/module_utils/http/test_client.py fails when the two differ."""

from __future__ import annotations

COLLECTION_NAME = "vobiz.telephony"
COLLECTION_VERSION = "0.2.0"


def user_agent(library: str, suffix: str | None = None) -> str:
    """The User-Agent of a request: the collection, the HTTP library (such as python-requests/2.32.3) and, when given,
    who sends it (a module's name)."""
    agent = "%s/%s %s" % (COLLECTION_NAME, COLLECTION_VERSION, library)
    return "%s (%s)" % (agent, suffix) if suffix else agent
