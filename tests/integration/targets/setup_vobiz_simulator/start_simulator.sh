# shellcheck shell=bash
# Sourced by a target's runme.sh (bash, set -eux) with one argument, the scenario file:
#   source "$target_dir/../setup_vobiz_simulator/start_simulator.sh" "$target_dir/files/scenario.json"
# Starts the collection's Vobiz API simulator (tests/simulator) on 127.0.0.1 with that scenario, stops it when
# the script exits, and exports VOBIZ_API_URL and VOBIZ_SIM_CONTROL_URL (its control API).

setup_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scenario_file="$1"

# ansible-test runs a copy of the targets, under
#   <collection>/tests/output/.tmp/integration/<target>-<random>/tests/integration/targets/<target>,
# while the simulator stays in <collection>/tests/simulator: walk up to the directory that holds both.
find_collection_root() {
    local dir="$setup_dir" path
    while [ "$dir" != "/" ]; do
        if [ -f "$dir/galaxy.yml" ] && [ -f "$dir/tests/simulator/__main__.py" ]; then
            echo "$dir"
            return 0
        fi
        dir="$(dirname "$dir")"
    done
    # not below the collection: take it from the collections path ansible-test sets
    IFS=: read -r -a paths <<< "${ANSIBLE_COLLECTIONS_PATH:-}"
    for path in "${paths[@]}"; do
        if [ -f "$path/ansible_collections/vobiz/telephony/tests/simulator/__main__.py" ]; then
            echo "$path/ansible_collections/vobiz/telephony"
            return 0
        fi
    done
    echo "cannot find the vobiz.telephony collection (and its tests/simulator) above $setup_dir" >&2
    return 1
}
collection_root="$({ set +x; } 2>/dev/null; find_collection_root)"

python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
work_dir="$(mktemp -d)"
sim_pid=""

cleanup() {
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$work_dir"
}
trap cleanup EXIT

# The one start of the simulator as a process (tests/simulator_process.py, as the benchmarks and the demo start it):
# it prints "PID URL" once the simulator serves, or fails showing its output. A JSON scenario: the simulator then
# needs nothing but the standard library.
started="$(cd "$collection_root" && "$python" -m tests.simulator --detach --scenario "$scenario_file" --log "$work_dir/simulator.log")"
read -r sim_pid api_url <<< "$started"
export VOBIZ_API_URL="$api_url"
export VOBIZ_SIM_CONTROL_URL="${api_url%/api/v1}/_sim"
