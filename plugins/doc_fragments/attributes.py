# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by vobiz.telephony modules."""

    # For modules that only read: the same in check mode, and part of the vobiz.telephony.all action group.
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check mode. This module only reads, so check mode reads too and returns the same facts.
  diff_mode:
    support: N/A
    description: The module changes nothing, so there is no difference to show.
  action_group:
    support: full
    description: Use C(group/vobiz.telephony.all) in C(module_defaults) to set the connection options once.
    membership:
      - vobiz.telephony.all
"""

    # For modules that change calls: check mode looks and sends no change, diff mode shows each call's before and after.
    ACTS_ON_CALLS = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check mode. The module looks at each call as usual, sends no change, and reports what it would change.
  diff_mode:
    support: full
    description: Shows, for each call it changes (or would change), the call's status before and after.
  action_group:
    support: full
    description: Use C(group/vobiz.telephony.all) in C(module_defaults) to set the connection options once.
    membership:
      - vobiz.telephony.all
"""

    # For modules that act on calls in progress (speak, play, transfer ...): check mode looks once at each call and sends
    # no action; an action has no before and after to show.
    ACTS_IN_CALLS = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check mode. The module looks once at each call, sends no action, and returns the request each live call would get.
  diff_mode:
    support: none
    description: An action said or played to a call has no before and after; each call's request and outcome are returned instead.
  action_group:
    support: full
    description: Use C(group/vobiz.telephony.all) in C(module_defaults) to set the connection options once.
    membership:
      - vobiz.telephony.all
"""

    # For modules that keep a resource in a declared state: check mode reads and sends no write, diff mode shows the
    # managed fields before and after.
    CONFIGURES = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check mode. The module reads as usual, sends no write, and returns what would change.
  diff_mode:
    support: full
    description: Shows the managed fields before and after (an update shows only those that differ).
  action_group:
    support: full
    description: Use C(group/vobiz.telephony.all) in C(module_defaults) to set the connection options once.
    membership:
      - vobiz.telephony.all
"""

    # For modules that create calls: check mode sends nothing and says what would be sent; there is no before to show.
    PLACES_CALLS = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check mode. The module sends no request, reports RV(ignore:changed=true) and returns each request it would send.
  diff_mode:
    support: none
    description: A new call has no before; the request bodies are returned instead.
  action_group:
    support: full
    description: Use C(group/vobiz.telephony.all) in C(module_defaults) to set the connection options once.
    membership:
      - vobiz.telephony.all
"""

    # For modules that read, and write what they read into a local file when asked (cdr_info's dest).
    EXPORTS_FILE = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check mode. The module reads as usual; with a file to write, it writes nothing and reports whether
      the file would change.
  diff_mode:
    support: none
    description: The module shows no difference of the file it writes.
  action_group:
    support: full
    description: Use C(group/vobiz.telephony.all) in C(module_defaults) to set the connection options once.
    membership:
      - vobiz.telephony.all
  safe_file_operations:
    support: full
    description: The file is written to a temporary file beside it and renamed into place.
"""

    # For modules that read, and download what they read into a local directory when asked (recording_info's dest).
    DOWNLOADS = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check mode. The module reads as usual; with a directory to download into, it downloads nothing
      and lists the files it would write.
  diff_mode:
    support: none
    description: The module shows no difference of the files it writes.
  action_group:
    support: full
    description: Use C(group/vobiz.telephony.all) in C(module_defaults) to set the connection options once.
    membership:
      - vobiz.telephony.all
  safe_file_operations:
    support: full
    description: Each file is written to a temporary file beside it and renamed into place.
"""

    # For modules that delete resources: check mode reads and sends no delete, diff mode lists what goes.
    DELETES = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check mode. The module reads as usual, sends no delete, and lists what it would delete.
  diff_mode:
    support: full
    description: Shows the recordings deleted (or that would be) as removed.
  action_group:
    support: full
    description: Use C(group/vobiz.telephony.all) in C(module_defaults) to set the connection options once.
    membership:
      - vobiz.telephony.all
"""
