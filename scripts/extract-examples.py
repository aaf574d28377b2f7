"""Usage: python scripts/extract-examples.py DEST PLUGIN.py...

ansible-lint does not read the EXAMPLES of plugins, so this writes them out as a
small project for it: DEST/tasks/<module>.yml holds a module's EXAMPLES as
written (so that yaml rules see the real text), and DEST/<module>.yml is a
playbook that imports it (so that syntax-check resolves module names).
The EXAMPLES of an event source (under event_source/) are a rulebook: they go to
DEST/rulebooks/<source>.yml, which ansible-lint checks against the rulebook schema.
The plugins are parsed, not imported.
"""

import ast
import os
import sys

CONFIG = """\
---
# written by scripts/extract-examples.py
profile: production
offline: true
"""

PLAYBOOK = """\
---
- name: Examples of {name}
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Run the examples of {name}
      ansible.builtin.import_tasks: tasks/{name}.yml
"""


def examples_of(path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "EXAMPLES" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    return None


def main(dest, paths):
    os.makedirs(os.path.join(dest, "tasks"), exist_ok=True)
    with open(os.path.join(dest, ".ansible-lint"), "w", encoding="utf-8") as handle:
        handle.write(CONFIG)
    missing = []
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        if name == "__init__":
            continue
        text = examples_of(path)
        if not text or not text.strip():
            missing.append(path)
            continue
        text = text.lstrip("\n")
        if not text.startswith("---"):
            text = "---\n" + text
        kind = "rulebooks" if os.path.basename(os.path.dirname(os.path.abspath(path))) == "event_source" else "tasks"
        os.makedirs(os.path.join(dest, kind), exist_ok=True)
        with open(os.path.join(dest, kind, name + ".yml"), "w", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")
        if kind == "tasks":
            with open(os.path.join(dest, name + ".yml"), "w", encoding="utf-8") as handle:
                handle.write(PLAYBOOK.format(name=name))
        print("extract-examples: %s -> %s" % (path, os.path.join(dest, kind, name + ".yml")))
    for path in missing:
        print("extract-examples: %s has no EXAMPLES" % path)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
