#!/usr/bin/env bash
# Usage: scripts/module-docs.sh write|check COLLECTIONS_PARENT MODULE...
# Renders each module's documentation with antsibull-docs (simplified RST, no
# version stamp, so the output is reproducible) from the collection staged under
# COLLECTIONS_PARENT/ansible_collections, then either copies it to
# docs/<module>_module.rst (write) or fails if that file differs (check).
set -euo pipefail
mode=$1 parent=$(realpath "$2")
shift 2
cd "$(git rev-parse --show-toplevel)"
fqcn_prefix="$(sed -n 's/^namespace: *//p' galaxy.yml).$(sed -n 's/^name: *//p' galaxy.yml)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for module in "$@"; do
    ANSIBLE_COLLECTIONS_PATH=$parent antsibull-docs plugin --dest-dir "$tmp" --plugin-type module \
        --output-format simplified-rst --no-add-antsibull-docs-version --fail-on-error "$fqcn_prefix.$module"
    rendered=$(find "$tmp" -name "*${module}_module.rst" | head -n 1)
    [[ -n $rendered ]] || { echo "module-docs: antsibull-docs wrote no page for $module" >&2; exit 1; }
    target=docs/${module}_module.rst
    case $mode in
        write) mkdir -p docs; cp "$rendered" "$target"; echo "module-docs: wrote $target" ;;
        check)
            if [[ ! -f $target ]]; then
                echo "module-docs: $target is missing: run 'make docs'" >&2; status=1
            elif ! diff -u "$target" "$rendered"; then
                echo "module-docs: $target is not current: run 'make docs'" >&2; status=1
            else
                echo "module-docs: $target is current"
            fi ;;
        *) echo "usage: $0 write|check PARENT MODULE..." >&2; exit 2 ;;
    esac
done
exit $status
