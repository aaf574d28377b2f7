#!/usr/bin/env bash
# Usage: scripts/run-gates.sh "SETUP GATES" "LANE 1 GATES" "LANE 2 GATES" ...
# Runs `make GATE` for every gate: the first argument's gates in order, then the
# other arguments as lanes side by side (a 2-core machine idles on one core during
# the single-threaded gates and the end-to-end tests' configured waits), each
# lane's gates in order. Goes on after a failure, except that the lanes do not
# start if a setup gate failed (they would all rebuild the same venvs at once).
# A lane gate's output is kept in build/gates/GATE.log and printed whole when the
# gate ends, so the log reads gate by gate. Prints a summary with each gate's
# time and exits non-zero if any gate failed. SERIAL=1 runs the lanes one after
# the other (logged the same way).
set -uo pipefail
make=${MAKE:-make}
logs=build/gates
start_all=$(date +%s)
rm -rf "$logs"
mkdir -p "$logs"

elapsed() { echo $(( $(date +%s) - start_all )); }

# GNU time, when there is one, adds the gate's CPU seconds (user + system, its children included) to the summary.
timed=()
if [[ -x /usr/bin/time ]]; then timed=(/usr/bin/time -f "%U %S"); fi

# Runs one gate with its output to $logs/GATE.log, then prints that log under a
# lock (lanes end gates at the same time) and records "GATE LANE RESULT SECONDS CPU".
run_gate() {
    local gate=$1 lane=$2 start result cpu=-
    start=$(date +%s)
    echo "[$(elapsed) s] make $gate started (lane $lane)"
    if "${timed[@]}" ${timed[@]:+-o "$logs/$gate.cpu"} "$make" --no-print-directory "$gate" > "$logs/$gate.log" 2>&1; then
        result=PASS
    else
        result=FAIL
    fi
    if [[ -s $logs/$gate.cpu ]]; then cpu=$(awk 'END { printf "%d", $1 + $2 }' "$logs/$gate.cpu"); fi
    {
        flock 9
        echo
        echo "=================== make $gate ($result, lane $lane) ==================="
        cat "$logs/$gate.log"
        echo "[$(elapsed) s] make $gate ended: $result in $(( $(date +%s) - start )) s"
    } 9> "$logs/.print-lock"
    echo "$gate $lane $result $(( $(date +%s) - start )) $cpu" >> "$logs/results"
}

run_lane() {
    local lane=$1 gate
    for gate in $2; do run_gate "$gate" "$lane"; done
}

setup=$1
shift
run_lane setup "$setup"
if grep -q ' FAIL ' "$logs/results"; then
    echo "a setup gate failed: the lanes ($*) were not run"
else
    lane=0
    pids=()
    for gates in "$@"; do
        lane=$((lane + 1))
        if [[ ${SERIAL:-0} == 1 ]]; then
            run_lane "$lane" "$gates"
        else
            run_lane "$lane" "$gates" &
            pids+=($!)
        fi
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
fi

echo
echo "=================== summary ==================="
failed=0
lanes="$*"
for gate in $setup $lanes; do
    line=$(grep "^$gate " "$logs/results" || echo "$gate - NOT-RUN 0 -")
    read -r name lane result seconds cpu <<< "$line"
    printf '  %-28s %-7s %5ss  cpu %5ss  (lane %s)\n' "$name" "$result" "$seconds" "$cpu" "$lane"
    [[ $result == PASS ]] || failed=$((failed + 1))
done
printf '  %-28s         %5ss\n' "total" "$(elapsed)"
gates=$(( $(wc -w <<< "$setup $*") ))
echo "gates: $(( gates - failed )) passed, $failed failed"
[[ $failed -eq 0 ]]
