#!/usr/bin/env bash
# Integration test of vobiz.telephony.live_call_action: starts the collection's Vobiz API simulator on 127.0.0.1 and runs
# playbooks/test.yml against it (check mode first, then each action, a stop, the calls not in progress and a refusal),
# then stops the simulator on exit.
set -eux

target_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../setup_vobiz_simulator/start_simulator.sh
source "$target_dir/../setup_vobiz_simulator/start_simulator.sh" "$target_dir/files/scenario.json"

export VOBIZ_AUTH_ID=MA_ITACT001
set +x  # keep the token out of the trace
export VOBIZ_AUTH_TOKEN=tok-it-act-4c2e
set -x

cd "$target_dir"
ansible-playbook playbooks/test.yml "$@"
