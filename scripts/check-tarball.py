"""Usage: python scripts/check-tarball.py TARBALL

Fails if the built collection carries files that belong to the development tree
(virtual environments, caches, build output, ansible-lint's .ansible/, ...) or
lacks a file every release needs.
"""

import fnmatch
import sys
import tarfile

FORBIDDEN = [
    ".ansible/*", ".cache/*", ".git/*", ".hypothesis/*", ".pytest_cache/*", ".ruff_cache/*",
    ".venv*", "build/*", "tests/output/*", "scripts/*", "*/__pycache__/*", "*.pyc",
    "*.tar.gz", "Makefile", "ruff.toml", "requirements-*.txt", ".ci/*", ".gitignore",
    "context/*", "execution-environment.yml", "decision-environment.yml",
]
REQUIRED = [
    "MANIFEST.json", "FILES.json", "README.md", "meta/runtime.yml",
    "changelogs/changelog.yaml", "CHANGELOG.md", "plugins/modules",
    "meta/execution-environment.yml", "extensions/awx/credential_type_vobiz.yml",
    "meta/extensions.yml", "extensions/eda/plugins/event_source/call_events.py",
    "extensions/eda/plugins/event_source/callbacks.py",
]


def main(path):
    with tarfile.open(path) as tar:
        names = [m.name.lstrip("./") for m in tar.getmembers()]
    bad = sorted(n for n in names if any(fnmatch.fnmatch(n, p) or fnmatch.fnmatch(n + "/", p) for p in FORBIDDEN))
    missing = [r for r in REQUIRED if r not in names]
    for name in bad:
        print("check-tarball: should not be shipped: %s" % name)
    for name in missing:
        print("check-tarball: missing: %s" % name)
    print("check-tarball: %s: %d entries, %d unwanted, %d missing" % (path, len(names), len(bad), len(missing)))
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
