# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection built from this tree and installed, as a user gets it, for the end-to-end tests, the benchmarks and
the demo: `ansible-galaxy collection build`, then `ansible-galaxy collection install` into a collections path of their
own, with the `ansible-galaxy` of the virtual environment running Python.

Ansible then finds it through `ANSIBLE_COLLECTIONS_PATH` set to that path; the caller sets it, with the rest of the
environment its runs need.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GALAXY = Path(sys.executable).parent / "ansible-galaxy"
TARBALL_GLOB = "vobiz-telephony-*.tar.gz"


class CollectionInstallError(RuntimeError):
    """ansible-galaxy failed, or did not leave what it should; the message ends with its output."""


def _galaxy(args: list, env: dict | None = None) -> None:
    """ansible-galaxy ARGS from the repo root, its output kept for the error."""
    process = subprocess.run([str(GALAXY)] + args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if process.returncode != 0:
        raise CollectionInstallError("ansible-galaxy collection %s exited with %d:\n%s"
                                     % (args[1], process.returncode, (process.stdout + process.stderr).strip()))


def build_collection(output: Path) -> Path:
    """Build the collection from this tree into `output` (created if missing, holding no other build of it);
    returns the tarball's path."""
    output.mkdir(parents=True, exist_ok=True)
    _galaxy(["collection", "build", "--force", "--output-path", str(output), str(ROOT)])
    tarballs = sorted(output.glob(TARBALL_GLOB))
    if len(tarballs) != 1:
        raise CollectionInstallError("expected one %s in %s, found %s" % (TARBALL_GLOB, output, [path.name for path in tarballs]))
    return tarballs[0]


def install_collection(tarball: Path, collections: Path) -> Path:
    """Install `tarball` into the collections path `collections` (replacing an earlier install); returns that path.

    ansible-galaxy runs with ANSIBLE_COLLECTIONS_PATH on it, so that it does not warn that the path is not searched."""
    _galaxy(["collection", "install", "--force", "-p", str(collections), str(tarball)],
            env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections)))
    return collections


def build_and_install(workdir: Path) -> Path:
    """Build the collection into `workdir` and install it into `workdir`/collections; returns that collections path."""
    return install_collection(build_collection(workdir), workdir / "collections")
