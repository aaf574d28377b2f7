#!/usr/bin/env bash
# Integration test of vobiz.telephony.recording_info: starts the collection's Vobiz API simulator on 127.0.0.1,
# runs playbooks/test.yml against it in normal mode and in check mode (check mode downloads nothing), each run
# downloading into a fresh directory, and stops the simulator on exit.
set -eux

target_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../setup_vobiz_simulator/start_simulator.sh
source "$target_dir/../setup_vobiz_simulator/start_simulator.sh" "$target_dir/files/scenario.json"

export VOBIZ_AUTH_ID=MA_ITREC001
set +x  # keep the token out of the trace
export VOBIZ_AUTH_TOKEN=tok-it-rec-4e2d
set -x

cd "$target_dir"
download_dir="$(mktemp -d)"
trap 'rm -rf "$download_dir"; cleanup' EXIT  # cleanup (start_simulator.sh) stops the simulator
mkdir "$download_dir/normal" "$download_dir/check"
ansible-playbook playbooks/test.yml -e "recordings_dir=$download_dir/normal" "$@"
ansible-playbook playbooks/test.yml -e "recordings_dir=$download_dir/check" --check "$@"
