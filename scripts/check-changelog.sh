#!/usr/bin/env bash
# Fails if CHANGELOG.md differs from what `antsibull-changelog generate` makes of
# changelogs/changelog.yaml (generated in a scratch copy; the tree is not touched).
# After a release (`antsibull-changelog release --version X.Y.Z`) or an edit of
# changelog.yaml, run `antsibull-changelog generate` and commit CHANGELOG.md.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
if [[ ! -f CHANGELOG.md ]]; then
    echo "check-changelog: CHANGELOG.md is missing: run 'antsibull-changelog release' (first release) or 'generate'" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a galaxy.yml changelogs CHANGELOG.md "$tmp"/
(cd "$tmp" && antsibull-changelog generate)
if ! diff -u CHANGELOG.md "$tmp/CHANGELOG.md"; then
    echo "check-changelog: CHANGELOG.md is not current: run '.venv-tools/bin/antsibull-changelog generate' and commit it" >&2
    exit 1
fi
echo "check-changelog: CHANGELOG.md is current"
