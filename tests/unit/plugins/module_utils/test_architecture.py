# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shape of the shared code holds: which package imports which (read from the files, not by importing them), the
receiving side imports nothing of the sending side, and docs/architecture.md's table names every file with its true
imports."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

# tests/unit/plugins/module_utils/test_architecture.py -> the collection root is four levels up.
ROOT = Path(__file__).resolve().parents[4]
UTILS = ROOT / "plugins" / "module_utils"
PREFIX = "ansible_collections.vobiz.telephony.plugins.module_utils"

# What each package of module_utils may import of the collection (its own package always): the HTTP client knows
# nothing of calls, a gateway nothing of the logic above it, the receiving side nothing of the sending side.
MAY_IMPORT = {
    "common": set(),
    "http": {"common", "_collection", "_options"},
    "api": {"common", "http"},
    "calls": {"common", "http", "api", "_options"},
    "cdrs": {"common", "http", "api", "_options"},
    "config": {"common", "http", "api", "_options"},
    "recordings": {"common", "http", "api", "_options"},
    "receiving": {"common"},
}
SENDING = ("http/", "api/", "calls/", "cdrs/", "config/", "recordings/")
# The receiving side: its package, and the source that serves it.
RECEIVING_ROOTS = ("receiving/", "extensions/eda/plugins/event_source/callbacks.py")


def name_of(path: Path) -> str:
    """A module_utils file by its path under module_utils without .py (http/_client); any other by its path from the root."""
    if UTILS in path.parents:
        return path.relative_to(UTILS).with_suffix("").as_posix()
    return path.relative_to(ROOT).as_posix()


def collection_files() -> dict:
    """Every Python file of the plugins (no package __init__), by name_of()."""
    paths = list((ROOT / "plugins" / "modules").glob("*.py")) + list(UTILS.rglob("*.py")) + list((ROOT / "extensions").rglob("*.py"))
    return {name_of(path): path for path in sorted(paths) if path.name != "__init__.py"}


def imports_of(path: Path) -> set:
    """What a file imports: module_utils files by name_of(), other packages by their top-level name, the standard
    library left out."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and (node.module == PREFIX or node.module.startswith(PREFIX + ".")):
            package = node.module[len(PREFIX):].lstrip(".").replace(".", "/")
            for alias in node.names:
                module = "/".join(part for part in (package, alias.name) if part)
                found.add(module if (UTILS / (module + ".py")).is_file() else package)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return {name for name in found if name not in sys.stdlib_module_names and name != "__future__"}


def collection_imports(name: str, files: dict) -> set:
    return {imported for imported in imports_of(files[name]) if imported in files}


def closure(roots: list, files: dict) -> set:
    """The files these import, directly or not, themselves included."""
    seen, pending = set(), list(roots)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(collection_imports(name, files))
    return seen


FILES = collection_files()


def test_the_walk_finds_the_imports_it_must():
    assert "http/_client" in collection_imports("api/_calls", FILES)
    assert {"requests", "urllib3"} <= imports_of(FILES["http/_client"])
    assert "ansible" in imports_of(FILES["_module"])


@pytest.mark.parametrize("name", [name for name in FILES if "/" in name and not name.startswith(("plugins/", "extensions/"))])
def test_each_package_imports_only_what_it_may(name):
    package = name.split("/")[0]
    others = {imported.split("/")[0] for imported in collection_imports(name, FILES) if imported.split("/")[0] != package}
    assert others <= MAY_IMPORT[package], "%s imports %s" % (name, sorted(others - MAY_IMPORT[package]))


def test_the_receiving_side_imports_nothing_of_the_sending_side():
    roots = [name for name in FILES if name.startswith(RECEIVING_ROOTS)]
    reached = closure(roots, FILES)
    assert "receiving/_receiver" in reached and "_options" in reached
    assert sorted(name for name in reached if name.startswith(SENDING)) == []
    assert sorted(name for name in reached if {"requests", "urllib3"} & imports_of(FILES[name])) == []


def test_only_the_glue_of_module_utils_imports_ansible():
    assert sorted(name for name in FILES if "ansible" in imports_of(FILES[name]) and not name.startswith("plugins/")) == ["_module"]


# --- docs/architecture.md ----------------------------------------------------------------------------------------------


def documented_imports() -> dict:
    """The Layers table: each row's file (backticked, the name_of() form) and the names of its Imports column
    (backticked, or `nothing`)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[1].startswith("`"):
            continue
        (name,) = re.findall(r"`([^`]+)`", cells[1])
        assert name not in rows, "%s has two rows" % name
        rows[name] = set() if cells[3] == "nothing" else set(re.findall(r"`([^`]+)`", cells[3]))
    return rows


def test_the_architecture_names_every_file_once():
    assert sorted(documented_imports()) == sorted(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_architecture_gives_each_file_its_true_imports(name):
    assert documented_imports().get(name) == imports_of(FILES[name])


def test_the_architecture_stays_short():
    assert len((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines()) < 150
