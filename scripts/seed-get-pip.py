"""Seed ansible-test's pip bootstrap script so that it never needs to download one.

Usage: PYTHON scripts/seed-get-pip.py   (PYTHON: the interpreter that has ansible-test)

ansible-test creates empty virtual environments for sanity tests and bootstraps
pip into them with ~/.ansible/test/cache/get_pip_<version>.py, which it downloads
from a host that this network cannot reach. This writes a stand-in that does what
get-pip does, by running the pip wheel that Python bundles for ``ensurepip`` straight
from the wheel: ``pip install`` of the packages it was given (pip==<version>), plus
setuptools and wheel unless told ``--no-setuptools`` / ``--no-wheel``. One pip run per
virtual environment: ``ensurepip`` itself would install its own pip and setuptools first,
then pip would replace that pip (about 3.5 CPU-s more for each of the 8 environments of
``make sanity``). A real get-pip already at that path is left alone; a stand-in written
by an older version of this script is replaced.
"""

import os
import re
import sys
import tempfile
import types

MARKER = "Stand-in for get-pip.py written by vobiz.telephony's scripts/seed-get-pip.py."
STUB = '''\
"""%s

ansible-test runs it as `python get_pip_X.py [pip options] pip==X [--no-setuptools] [--no-wheel]`.
"""
import ensurepip
import glob
import os
import subprocess
import sys

flags = ("--no-setuptools", "--no-wheel")
args = [a for a in sys.argv[1:] if a not in flags]
args += [name for flag, name in zip(flags, ("setuptools", "wheel")) if flag not in sys.argv[1:]]
# pip runs from its wheel (a zip on sys.path), as get-pip runs the pip it embeds
(wheel,) = glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl"))
subprocess.check_call([sys.executable, os.path.join(wheel, "pip"), "install"] + args)
''' % MARKER


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
        with open(path, encoding="utf-8", errors="replace") as handle:
            current = handle.read()
        if current == STUB or MARKER not in current:
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
