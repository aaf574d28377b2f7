# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Makes the collection holding this file importable as ansible_collections.<namespace>.<name>, for event sources.

ansible-rulebook finds a collection's source with ansible-galaxy and runs the file by path (runpy.run_path). It puts
nothing on sys.path, so a source that imports its collection's module_utils needs the directory holding
ansible_collections/ on sys.path. This is the one place that changes it. Every source of the collection starts so:

    if not __package__:  # run by path, as ansible-rulebook runs a source: make the collection importable
        runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_on_path.py"))

Imported as a module (ansible-test, the unit tests), a source finds its collection importable already and does not
run this file. Where the collection is not under an ansible_collections/ directory, nothing is changed.
It lives beside event_source/, not in it, so that nothing takes it for a source.
"""

import os
import sys

# This file is at <root>/ansible_collections/<namespace>/<name>/extensions/eda/plugins/_on_path.py.
_ROOT, _PARENTS = os.path.abspath(__file__), []
for _level in range(7):
    _ROOT = os.path.dirname(_ROOT)
    _PARENTS.append(_ROOT)
if os.path.basename(_PARENTS[5]) == "ansible_collections" and _PARENTS[6] not in sys.path:
    sys.path.insert(0, _PARENTS[6])
