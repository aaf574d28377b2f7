#!/usr/bin/env bash
# Usage: scripts/run-gates.sh GATE...
# Runs `make GATE` for each gate in order, goes on after a failure, prints a
# summary with each gate's time, and exits non-zero if any gate failed.
set -uo pipefail
make=${MAKE:-make}
declare -a names results times
failed=0
total_start=$(date +%s)
for gate in "$@"; do
    echo
    echo "=================== make $gate ==================="
    start=$(date +%s)
    if "$make" --no-print-directory "$gate"; then
        results+=(PASS)
    else
        results+=(FAIL)
        failed=$((failed + 1))
    fi
    names+=("$gate")
    times+=($(( $(date +%s) - start )))
done
echo
echo "=================== summary ==================="
for i in "${!names[@]}"; do
    printf '  %-28s %s  %5ss\n' "${names[$i]}" "${results[$i]}" "${times[$i]}"
done
printf '  %-28s       %5ss\n' "total" "$(( $(date +%s) - total_start ))"
echo "gates: $(( ${#names[@]} - failed )) passed, $failed failed"
[[ $failed -eq 0 ]]
