#!/usr/bin/env bash
# Integration test of vobiz.telephony.live_call_info: starts the collection's Vobiz API simulator on 127.0.0.1,
# runs playbooks/test.yml against it in normal mode and in check mode (the module only reads, so check mode must
# read and answer the same), and stops the simulator on exit.
set -eux

target_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../setup_vobiz_simulator/start_simulator.sh
source "$target_dir/../setup_vobiz_simulator/start_simulator.sh" "$target_dir/files/scenario.json"

export VOBIZ_AUTH_ID=MA_IT000001
set +x  # keep the token out of the trace
export VOBIZ_AUTH_TOKEN=tok-it-main-4f2a
set -x

cd "$target_dir"
ansible-playbook playbooks/test.yml "$@"
ansible-playbook playbooks/test.yml --check "$@"
