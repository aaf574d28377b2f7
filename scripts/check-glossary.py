"""Fails on a word that docs/architecture.md's glossary rules out, in the code, comments and tests of plugins/,
extensions/ and tests/ (run by `make lint`).

Usage: python scripts/check-glossary.py [ROOT]

Each ruled-out word is named with the glossary's word for it. Published names keep their spelling (return keys,
event fields and types, messages: the glossary says so), and so do the plugins' documentation strings (DOCUMENTATION,
EXAMPLES, RETURN), which users read. PENDING lists the files another branch is changing now: each is renamed when it
merges, and then leaves the list.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# ruled-out word (a regular expression, whole words, any case) -> the glossary's word
RULED_OUT = {
    r"observ(?:e|es|ed|ing|ation|ations|er)": "look",
    r"probe[sd]?|probing": "look",
    r"sightings?": "look or list entry",
    r"watch(?:es|ed|er|ing)?": "look (the lists a source reads: its lists)",
    r"poll(?:s|ed|ing)?": "round (the published key `polls` stays)",
    r"fatal(?:ly)?": "not transient",
    r"retryable": "transient",
    r"webhooks?": "callback",
    r"rejections?|rejected": "refusal, refused",
    r"originated?|originating": "place",
    r"listed_in": "seen_in",
}
# Published names and what is not ours: the return key polls, the event field observed_at and type call.observed,
# the message "(N observations)"; and what is not ours: Amazon Polly's voices, Popen.poll(), Ansible's "fatal: [host]",
# and ansible.eda.webhook, the baseline a benchmark measures the callbacks source against (EXCEPT).
ALLOWED = re.compile(r"(?<![A-Za-z_])polls(?![A-Za-z_])|observed_at|call[._]observed|\d observations\)|%d observations\)|Polly|ansible\.eda\.webhook"
                     r"|\.poll\(\)|fatal: \[|.*glossary-pending.*", re.I)
DOC_STRINGS = re.compile(r'^(DOCUMENTATION|EXAMPLES|RETURN|EVENTS) = r?"""(?:.|\n)*?^"""', re.M)
PENDING: dict = {}  # file or folder -> why it is not yet renamed (none now)
EXCEPT = {
    "tests/benchmarks/callback_rate.py": re.compile(r"webhook", re.I),
    "tests/benchmarks/__main__.py": re.compile(r"webhook", re.I),
}
AREAS = ("plugins", "extensions", "tests")
SUFFIXES = (".py", ".yml", ".yaml", ".sh", ".md", ".txt", ".json")
# Whole words, also inside snake_case and CamelCase names (test_observes_each, PROBES, _concurrency_probe).
WORDS = re.compile(r"(?<![A-Za-z])(?:%s)(?![a-z])" % "|".join("(%s)" % pattern for pattern in RULED_OUT), re.I)


def findings(root: Path) -> list:
    found = []
    for area in AREAS:
        for path in sorted((root / area).rglob("*")):
            relative = path.relative_to(root).as_posix()
            if not path.is_file() or path.suffix not in SUFFIXES or relative.startswith(tuple(PENDING)) or "/output/" in relative:
                continue
            text = DOC_STRINGS.sub(lambda match: "\n" * match.group(0).count("\n"), path.read_text(encoding="utf-8"))
            for number, line in enumerate(text.splitlines(), 1):
                line = ALLOWED.sub("", line)
                if relative in EXCEPT:
                    line = EXCEPT[relative].sub("", line)
                for match in WORDS.finditer(line):
                    glossary = list(RULED_OUT.values())[next(i for i, group in enumerate(match.groups()) if group)]
                    found.append("%s:%d: %r: the glossary says %s" % (relative, number, match.group(0), glossary))
    return found


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1])
    found = findings(root)
    for line in found:
        print(line)
    if found:
        print("%d word(s) the glossary of docs/architecture.md rules out" % len(found), file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
