"""Seed ansible-test's pip bootstrap script so that it never needs to download one.

Usage: PYTHON scripts/seed-get-pip.py   (PYTHON: the interpreter that has ansible-test)

ansible-test creates empty virtual environments for sanity tests and bootstraps
pip into them with ~/.ansible/test/cache/get_pip_<version>.py, which it downloads
from a host that this network cannot reach. This writes a stand-in that installs
the bundled pip with ``ensurepip`` and then runs ``pip install`` with the
arguments it was given. A file already at that path (a real get-pip or an earlier
seed) is left alone.
"""

import os
import re
import sys
import tempfile
import types

STUB = '''\
"""Stand-in for get-pip.py written by vobiz.telephony's scripts/seed-get-pip.py.

ansible-test runs it as `python get_pip_X.py [pip options] pip==X ...`.
"""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
'''


def pip_version():
    """Return the pip version that the installed ansible-test bootstraps for this Python."""
    version = "%d.%d" % sys.version_info[:2]
    try:
        from ansible_test._internal.python_requirements import get_venv_packages

        return get_venv_packages(types.SimpleNamespace(version=version))["pip"]
    except Exception:  # the internal API moved: read the source instead
        import ansible_test

        path = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
        with open(path, encoding="utf-8") as handle:
            match = re.search(r"\bpip\s*=\s*'([0-9.]+)'", handle.read())
        if not match:
            sys.exit("seed-get-pip: cannot find the pip version in %s" % path)
        return match.group(1)


def main():
    version = pip_version()
    path = os.path.expanduser("~/.ansible/test/cache/get_pip_%s.py" % version.replace(".", "_"))
    if os.path.exists(path):
        print("seed-get-pip: %s exists, left as it is" % path)
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".get_pip_", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(STUB)
    os.replace(tmp, path)
    print("seed-get-pip: wrote %s" % path)


if __name__ == "__main__":
    main()
