"""The taipan-worker distribution users install: ``python -m build`` makes its sdist and wheel,
``twine check`` accepts both, and they hold the runtime and ``py.typed`` but none of the test
functions or benchmark peers (those are taipan-testing, python/testing, never published).

The build is isolated, as a user's is: it fetches the ``build-system.requires`` (setuptools)
from the package index.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Dict, List, Set

import pytest

PROJECT = Path(__file__).resolve().parent.parent
RUNTIME = PROJECT / "taipan_worker"

#: Names that must never reach a user: the test side's package and the modules that lived in
#: the runtime before they moved there.
FORBIDDEN = ("taipan_testing", "testing.py", "floor.py", "py4j_echo.py")


def _runtime_files() -> Set[str]:
    """Every file of the runtime package in the source tree, as ``taipan_worker/...``."""
    files = {p.relative_to(PROJECT).as_posix() for p in RUNTIME.rglob("*.py") if "__pycache__" not in p.parts}
    files.add("taipan_worker/py.typed")
    return files


def _run(cmd: List[str]) -> str:
    done = subprocess.run(cmd, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    # Without flags, build makes the sdist and then the wheel from that sdist: a file the sdist
    # lacks fails the wheel too.
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(PROJECT)])
    wheels = sorted(out.glob("*.whl"))
    sdists = sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


@pytest.mark.process
def test_the_wheel_holds_the_runtime_and_py_typed_and_nothing_else(dist: Dict[str, Path]) -> None:
    with zipfile.ZipFile(dist["wheel"]) as whl:
        names = set(whl.namelist())
    info = {n for n in names if n.split("/", 1)[0].endswith(".dist-info")}
    assert _runtime_files() == names - info
    assert not [n for n in names if any(bad in n for bad in FORBIDDEN)]
    assert dist["wheel"].name.endswith("-py3-none-any.whl"), dist["wheel"].name


@pytest.mark.process
def test_the_wheel_metadata_is_complete(dist: Dict[str, Path]) -> None:
    with zipfile.ZipFile(dist["wheel"]) as whl:
        [meta_name] = [n for n in whl.namelist() if n.endswith(".dist-info/METADATA")]
        meta = Parser().parsestr(whl.read(meta_name).decode("utf-8"))
    assert meta["Name"] == "taipan-worker"
    assert meta["Author"] == "The Taipan developers"
    assert meta["Requires-Python"] == ">=3.9"
    assert "Typing :: Typed" in meta.get_all("Classifier", [])
    assert meta["Keywords"]
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "python -m taipan_worker" in meta.get_payload()  # the README is the long description
    requires = meta.get_all("Requires-Dist", [])
    assert any(r.startswith("msgpack") for r in requires), requires
    assert not any(r.startswith("py4j") for r in requires), "the Py4J peer's extra belongs to taipan-testing"


@pytest.mark.process
def test_the_sdist_holds_the_runtime_and_none_of_the_test_side(dist: Dict[str, Path]) -> None:
    with tarfile.open(dist["sdist"]) as tar:
        members = [m.name for m in tar.getmembers() if m.isfile()]
    root = dist["sdist"].name[: -len(".tar.gz")]
    assert all(m.startswith(root + "/") for m in members), members
    names = {m[len(root) + 1:] for m in members}
    assert _runtime_files() <= names
    assert {"pyproject.toml", "README.md", "PKG-INFO"} <= names
    assert not [n for n in names if any(bad in n for bad in FORBIDDEN)]
    assert not [n for n in names if n.startswith("testing/")]


@pytest.mark.process
def test_twine_check_passes(dist: Dict[str, Path]) -> None:
    out = _run([sys.executable, "-m", "twine", "check", "--strict", str(dist["sdist"]), str(dist["wheel"])])
    assert out.count("PASSED") == 2, out
