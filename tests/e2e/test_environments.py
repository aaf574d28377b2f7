"""The execution environment and decision environment definitions at the root of the repository, as ansible-builder
makes them into a build context (`ansible-builder create`: no container engine needed). The context must install the
collection from the tarball `ansible-galaxy collection build` makes, and through it `requests`; the decision
environment also ansible-rulebook and Java 17.

What the image build would do with the context is done here too, without a container: its galaxy stage (the
`ansible-galaxy collection install -r requirements.yml` of the context) and its builder stage's introspection (the
context's own introspect.py), which turns the installed collections and the user's requirements into what pip and
dnf install."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import BIN_DIR, REPO_ROOT

DEFINITIONS = ("execution-environment.yml", "decision-environment.yml")
GALAXY = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))
TARBALL = "%s-%s-%s.tar.gz" % (GALAXY["namespace"], GALAXY["name"], GALAXY["version"])
# the Python requirements of the collection: one source, which meta/execution-environment.yml names
REQUIREMENTS = [line.strip() for line in (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]


def definition(name: str) -> dict:
    return yaml.safe_load((REPO_ROOT / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tarball(collection_tarball) -> Path:
    """The collection as `ansible-galaxy collection build --output-path build` packs it."""
    assert collection_tarball.name == TARBALL
    return collection_tarball


def isolated_env(home: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "VOBIZ_"))}
    env.update(HOME=str(home), ANSIBLE_LOCAL_TEMP=str(home / "tmp"), ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1")
    return env


class Context:
    """A build context made by `ansible-builder create` from a copy of a definition laid out as in a clone, after
    `ansible-galaxy collection build --output-path build`."""

    def __init__(self, work: Path, name: str, tarball: Path):
        self.work = work
        self.name = name
        shutil.copy(REPO_ROOT / name, work / name)
        (work / "build").mkdir()
        shutil.copy(tarball, work / "build" / tarball.name)
        self.process = subprocess.run(
            [str(BIN_DIR / "ansible-builder"), "create", "--file", name, "--context", "context", "--output-filename", "Containerfile"],
            cwd=str(work), env=isolated_env(work), capture_output=True, text=True, check=False)
        self.root = work / "context"
        self.build = self.root / "_build"

    @property
    def containerfile(self) -> str:
        return (self.root / "Containerfile").read_text(encoding="utf-8")

    def stage(self, name: str) -> str:
        """The lines of one stage of the Containerfile (base, galaxy, builder, final)."""
        stages = re.split(r"^FROM ", self.containerfile, flags=re.M)
        (stage,) = [text for text in stages if re.match(r"\S+ AS %s\b" % name, text)]
        return stage

    def install_collections(self, into: Path) -> subprocess.CompletedProcess:
        """The galaxy stage: ansible-galaxy installs the context's requirements.yml from its _build directory."""
        match = re.search(r"^RUN .*ansible-galaxy collection install \$ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r (\S+) ", self.stage("galaxy"), re.M)
        assert match, self.stage("galaxy")
        argv = [str(BIN_DIR / "ansible-galaxy"), "collection", "install", "-r", match.group(1), "--collections-path", str(into)]
        return subprocess.run(argv, cwd=str(self.build), env=isolated_env(self.work), capture_output=True, text=True, check=False)

    def introspect(self, collections: Path, out: Path) -> dict:
        """The builder stage: the context's introspect.py, with the user requirement files its Containerfile gives it;
        returns the pip and bindep requirements it writes into `out` (a file it does not write: nothing to install)."""
        match = re.search(r"^RUN \$PYCMD /output/scripts/introspect.py introspect (.*)$", self.stage("builder"), re.M)
        assert match, self.stage("builder")
        options = dict(re.findall(r"--([a-z-]+)=(\S+)", match.group(1)))
        argv = [sys.executable, str(self.build / "scripts" / "introspect.py"), "introspect", str(collections),
                "--write-pip", str(out / "pip.txt"), "--write-bindep", str(out / "bindep.txt")]
        for option in ("user-pip", "user-bindep"):
            if option in options:
                argv += ["--" + option, str(self.build / options[option])]
        process = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert process.returncode == 0, process.stdout + process.stderr
        written = {kind: out / (kind + ".txt") for kind in ("pip", "bindep")}
        return {kind: [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.is_file() else []
                for kind, path in written.items()}


@pytest.fixture(scope="module", params=DEFINITIONS)
def context(request, tarball, tmp_path_factory) -> Context:
    made = Context(tmp_path_factory.mktemp(request.param.split(".")[0]), request.param, tarball)
    assert made.process.returncode == 0, made.process.stdout + made.process.stderr
    return made


@pytest.mark.parametrize("name", DEFINITIONS)
def test_the_definition_installs_the_tarball_of_this_version(name):
    """Both definitions name the tarball of galaxy.yml's version: a release that bumps the version updates them."""
    data = definition(name)
    assert data["version"] == 3
    assert data["dependencies"]["galaxy"] == {"collections": [{"name": "collections/" + TARBALL, "type": "file"}]}
    assert data["additional_build_files"] == [{"src": "build/" + TARBALL, "dest": "collections"}]


def test_the_context_carries_the_collection_tarball(context, tarball):
    assert filecmp.cmp(context.build / "collections" / TARBALL, tarball, shallow=False)
    requirements = yaml.safe_load((context.build / "requirements.yml").read_text(encoding="utf-8"))
    assert requirements == definition(context.name)["dependencies"]["galaxy"]


def test_the_image_gets_python_311_ansible_core_and_runner(context):
    """ansible-core 2.19 needs Python 3.11: the interpreter of the image is that one, and ansible-core and
    ansible-runner are installed with it in the base stage."""
    text = context.containerfile
    assert re.search(r'^ARG PYCMD="/usr/bin/python3\.11"$', text, re.M), text
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="(.*)"$', text, re.M).group(1).split()
    assert refs == ["ansible-core>=2.19.0", "ansible-runner>=2.4.0"]
    assert "RUN $PYCMD -m pip install --no-cache-dir $ANSIBLE_INSTALL_REFS" in context.stage("base")
    # what the galaxy stage installs reaches the final image
    assert "COPY --from=galaxy /usr/share/ansible /usr/share/ansible" in context.stage("final")
    assert "RUN /output/scripts/install-from-bindep" in context.stage("final")


def test_the_build_installs_the_collection_and_requests(context, tmp_path):
    collections = tmp_path / "usr-share-ansible" / "collections"
    installed = context.install_collections(collections)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    manifest = collections / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"] / "MANIFEST.json"
    assert yaml.safe_load(manifest.read_text(encoding="utf-8"))["collection_info"]["version"] == GALAXY["version"]
    requirements = context.introspect(collections, tmp_path)
    from_collection = [line.split("#")[0].strip() for line in requirements["pip"] if line.endswith("# from collection vobiz.telephony")]
    assert from_collection == REQUIREMENTS
    assert any(line.startswith("requests>=") for line in from_collection), requirements
    if context.name == "decision-environment.yml":
        assert "ansible-rulebook>=1.1.0  # from collection user" in requirements["pip"], requirements
        assert "java-17-openjdk-headless [platform:rpm]  # from collection user" in requirements["bindep"], requirements
    else:
        assert requirements == {"pip": [line + "  # from collection vobiz.telephony" for line in REQUIREMENTS], "bindep": []}


def test_the_collection_names_requirements_txt_for_ansible_builder():
    """ansible-builder finds the collection's Python requirements through meta/execution-environment.yml."""
    meta = yaml.safe_load((REPO_ROOT / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
    assert meta["dependencies"] == {"python": "requirements.txt"}
