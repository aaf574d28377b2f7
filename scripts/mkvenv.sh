#!/usr/bin/env bash
# Usage: scripts/mkvenv.sh PYTHON VENV_DIR REQUIREMENTS_FILE
# (Re)creates VENV_DIR from scratch with PYTHON and installs REQUIREMENTS_FILE.
# The Makefile calls it only when the requirements file is newer than the
# venv's stamp; the stamp is written last, so a failed install is retried.
set -euo pipefail
python=$1 venv=$2 reqs=$3
if ! command -v "$python" >/dev/null 2>&1; then
    echo "mkvenv: interpreter '$python' not found" >&2
    exit 1
fi
start=$(date +%s)
rm -rf "$venv"
"$python" -m venv "$venv"
# The machine's user pip.conf names local indexes that may not exist: drop pip's
# warnings about them, keep everything else (and pip's exit status: pipefail).
quiet() { "$@" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }; }
quiet "$venv/bin/python" -m pip install --quiet --upgrade 'pip>=24.0'
quiet "$venv/bin/python" -m pip install --quiet -r "$reqs"
"$venv/bin/python" -m pip freeze --all > "$venv/freeze.txt"
touch "$venv/.stamp"
echo "mkvenv: $venv ready with $("$venv/bin/python" --version 2>&1) in $(( $(date +%s) - start ))s"
