#!/usr/bin/env bash
# Integration test of vobiz.telephony.cdr_info: starts the collection's Vobiz API simulator on 127.0.0.1,
# runs playbooks/test.yml against it in normal mode and in check mode (reads answer the same; the export tasks
# set their own check_mode), each run exporting into a fresh directory, and stops the simulator on exit.
set -eux

target_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../setup_vobiz_simulator/start_simulator.sh
source "$target_dir/../setup_vobiz_simulator/start_simulator.sh" "$target_dir/files/scenario.json"

export VOBIZ_AUTH_ID=MA_ITCDR001
set +x  # keep the token out of the trace
export VOBIZ_AUTH_TOKEN=tok-it-cdr-71b0
set -x

cd "$target_dir"
export_dir="$(mktemp -d)"
trap 'rm -rf "$export_dir"; cleanup' EXIT  # cleanup (start_simulator.sh) stops the simulator
ansible-playbook playbooks/test.yml -e "cdr_dir=$export_dir/normal" "$@"
ansible-playbook playbooks/test.yml -e "cdr_dir=$export_dir/check" --check "$@"
