#!/usr/bin/env bash
# Usage: scripts/stage.sh DEST
# Copies the collection as git sees it -- tracked files plus untracked files
# that .gitignore does not exclude -- to DEST (normally
# build/ansible_collections/vobiz/telephony), replacing whatever was there.
# ansible-test needs a real directory with that layout (a symlink is resolved
# and rejected), and a copy keeps venvs, build output and caches out of it.
# DEST gets an empty git repository of its own (see below).
set -euo pipefail
dest=$1
root=$(git rev-parse --show-toplevel)
cd "$root"
rm -rf "$dest"
mkdir -p "$dest"
# -co lists tracked and untracked-not-ignored files; tracked files deleted in the
# work tree are still listed, so keep only what exists.
git ls-files -z -co --exclude-standard \
    | while IFS= read -r -d '' f; do if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi; done \
    | tar --null --no-recursion -T - -cf - \
    | tar -xf - -C "$dest"
# The copy lies inside this repo's ignored build/: give it a repository of its
# own, or ansible-test asks the outer one for its files and finds none.
git init -q "$dest"
echo "stage: $(git -C "$dest" ls-files -co --exclude-standard | wc -l) files in $dest"
