"""Usage: python scripts/event-source-docs.py write|check SOURCE.py...

antsibull-docs does not render event sources, so this renders each one's DOCUMENTATION,
EXAMPLES and EVENTS (each type of event with a sample; parsed, not imported) to
docs/<source>_event_source.md, after checking that the
documentation is complete: a short_description, a description, and for every option a
description and a known type (with `choices` and `default` of that type). `write` writes
the page; `check` fails if the page is missing or differs from what would be written.
"""

import ast
import json
import os
import re
import sys

import yaml

COLLECTION = "vobiz.telephony"
TYPES = {"str": str, "path": str, "bool": bool, "int": int, "float": (int, float), "list": list, "dict": dict}


def strings_of(path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=path)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in ("DOCUMENTATION", "EXAMPLES", "EVENTS"):
                    found[target.id] = node.value.value
    return found


def lines(value):
    return value if isinstance(value, list) else [value]


def problems_of(doc):
    problems = []
    for key in ("short_description", "description", "options"):
        if not doc.get(key):
            problems.append("no %s" % key)
    for name, option in (doc.get("options") or {}).items():
        if not option.get("description"):
            problems.append("option %s has no description" % name)
        kind = TYPES.get(option.get("type"))
        if kind is None:
            problems.append("option %s has no known type (%s)" % (name, ", ".join(TYPES)))
            continue
        if "default" in option:
            is_list = option["type"] == "list"
            values = option["default"] if is_list and isinstance(option["default"], list) else [option["default"]]
            expected = option.get("elements", "str") if is_list else option["type"]
            for value in values:
                if not is_of_type(value, expected):
                    problems.append("option %s: default %r is not a %s" % (name, value, expected))
                if option.get("choices") and value not in option["choices"]:
                    problems.append("option %s: default %r is not one of its choices" % (name, value))
        if option.get("required") and "default" in option:
            problems.append("option %s is required and has a default" % name)
    return problems


def is_of_type(value, type_name):
    if type_name == "bool" or isinstance(value, bool):
        return type_name == "bool" and isinstance(value, bool)
    return isinstance(value, TYPES[type_name])


def shown_default(value):
    return "`%s`" % (value if isinstance(value, str) else json.dumps(value))


def markup(text):
    """Ansible's documentation markup as Markdown."""
    text = re.sub(r"[OVCRE]\(([^)]*)\)", r"`\1`", str(text))
    text = re.sub(r"RV\(([^)]*)\)", r"`\1`", text)
    text = re.sub(r"L\(([^,]*),\s*([^)]*)\)", r"[\1](\2)", text)
    text = re.sub(r"U\(([^)]*)\)", r"<\1>", text)
    return text


def render(name, doc, examples, events):
    fqcn = "%s.%s" % (COLLECTION, name)
    out = ["<!-- Written by scripts/event-source-docs.py from the DOCUMENTATION and EXAMPLES of",
           "     extensions/eda/plugins/event_source/%s.py: edit those, then run `make docs`. -->" % name,
           "", "# %s event source -- %s" % (fqcn, markup(doc["short_description"]).rstrip(".")), "",
           "An event source of the `%s` collection for [ansible-rulebook](https://ansible.readthedocs.io/projects/rulebook/),"
           % COLLECTION,
           "and the Event-Driven Ansible controller that runs rulebooks. In a rulebook: `%s:` under `sources:`." % fqcn, "",
           "## Synopsis", ""]
    out += ["- %s" % markup(" ".join(item.split())) for item in lines(doc["description"])]
    out += ["", "## Arguments", "", "| argument | type | default | description |", "| --- | --- | --- | --- |"]
    for option_name, option in doc["options"].items():
        kind = option["type"] + (" of %s" % option["elements"] if option.get("elements") else "")
        if option.get("choices"):
            kind += " (%s)" % ", ".join("`%s`" % choice for choice in option["choices"])
        default = "required" if option.get("required") else (shown_default(option["default"]) if "default" in option else "")
        text = " ".join(markup(" ".join(item.split())) for item in lines(option["description"]))
        out.append("| `%s` | %s | %s | %s |" % (option_name, kind, default, text.replace("|", "\\|")))
    out += ["", "## Events", ""]
    for kind, event in events.items():
        out += ["### %s" % kind, "", markup(" ".join(event["description"].split())), "", "```json",
                json.dumps(event["sample"], indent=2), "```", ""]
    out += ["## Examples", "", "```yaml", examples.strip("\n"), "```", ""]
    return "\n".join(out)


def main(mode, paths):
    status = 0
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        strings = strings_of(path)
        if set(strings) != {"DOCUMENTATION", "EXAMPLES", "EVENTS"}:
            print("event-source-docs: %s lacks DOCUMENTATION, EXAMPLES or EVENTS" % path)
            status = 1
            continue
        doc = yaml.safe_load(strings["DOCUMENTATION"])
        yaml.safe_load(strings["EXAMPLES"])  # must parse
        problems = problems_of(doc)
        for problem in problems:
            print("event-source-docs: %s: %s" % (path, problem))
        if problems:
            status = 1
            continue
        page = render(name, doc, strings["EXAMPLES"], yaml.safe_load(strings["EVENTS"]))
        target = os.path.join("docs", "%s_event_source.md" % name)
        if mode == "write":
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(page)
            print("event-source-docs: wrote %s" % target)
        elif not os.path.isfile(target):
            print("event-source-docs: %s is missing: run 'make docs'" % target)
            status = 1
        else:
            with open(target, encoding="utf-8") as handle:
                current = handle.read()
            if current != page:
                print("event-source-docs: %s is not current: run 'make docs'" % target)
                status = 1
            else:
                print("event-source-docs: %s is current" % target)
    return status


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("write", "check"):
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
