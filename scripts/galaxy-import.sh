#!/usr/bin/env bash
# Usage: GALAXY_IMPORTER_CONFIG=... scripts/galaxy-import.sh PYTHON TARBALL
# Runs galaxy-importer on TARBALL the way Galaxy would (minus ansible-test, see
# scripts/galaxy-importer.cfg) and fails if it fails or logs any ERROR line.
# Its result lands in build/importer_result.json, its log in build/galaxy-importer.log.
set -euo pipefail
python=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")   # not realpath: keep the venv
tarball=$(realpath "$2")
outdir=$(dirname "$tarball")
log=$outdir/galaxy-importer.log
for tool in ansible-doc ansible-lint; do
    command -v "$tool" >/dev/null || { echo "galaxy-import: $tool is not on PATH" >&2; exit 1; }
done
status=0
(cd "$outdir" && "$python" -m galaxy_importer.main "$tarball") 2>&1 | tee "$log" || status=$?
errors=$(grep -c '^ERROR' "$log" || true)
warnings=$(grep -c '^WARNING' "$log" || true)
echo "galaxy-import: exit $status, $errors error(s), $warnings warning(s) (log: $log)"
if grep -q 'skipping\|not found on PATH\|No such file' "$log"; then
    echo "galaxy-import: the importer skipped a check:" >&2
    grep 'skipping\|not found on PATH\|No such file' "$log" >&2
    exit 1
fi
[[ $status -eq 0 && $errors -eq 0 ]]
grep -q 'Importer processing completed successfully' "$log"
