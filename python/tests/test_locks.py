"""The lock files pin everything the dev venvs install, the test side's tools included: a fresh
machine gets the versions the suite ran with, not whatever the index serves that day.

Each extra that ``bin/taipan setup`` installs (``python[test,dspy]`` and
``python/testing[bench,packaging]``) must find every one of its requirements pinned (``name==x``)
in both lock files; ``build`` and ``twine`` (test_packaging.py's tools) were once left out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

import pytest

PYTHON = Path(__file__).resolve().parent.parent
LOCKS = [PYTHON / "requirements-lock.txt", PYTHON / "requirements-lock-dspy-oldest.txt"]


def _canonical(name: str) -> str:
    """PEP 503's normalised name: case and runs of ``-_.`` do not count."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lock: Path) -> Dict[str, str]:
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"{lock.name}: '{line}' is not an exact pin (name==version)"
            pins[_canonical(name)] = version
    return pins


def _extra(pyproject: Path, extra: str) -> List[str]:
    """The requirement names of one optional-dependencies extra (a one-line TOML list)."""
    match = re.search(rf"^{re.escape(extra)}\s*=\s*\[(.*?)\]", pyproject.read_text(encoding="utf-8"), re.M | re.S)
    assert match, f"no extra '{extra}' in {pyproject}"
    names = []
    for requirement in re.findall(r'"([^"]+)"', match.group(1)):
        names.append(_canonical(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)))
    return names


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_every_requirement_of_the_dev_extras_is_pinned(lock: Path) -> None:
    pins = _pins(lock)
    wanted = (_extra(PYTHON / "pyproject.toml", "test")
              + _extra(PYTHON / "testing" / "pyproject.toml", "bench")
              + _extra(PYTHON / "testing" / "pyproject.toml", "packaging"))
    missing = [name for name in wanted if name not in pins]
    assert not missing, f"{lock.name} pins none of {missing}: run tools/refresh-lock"
    assert "build" in pins and "twine" in pins


def test_the_oldest_lock_differs_only_where_dspy_does() -> None:
    newest, oldest = (_pins(lock) for lock in LOCKS)
    assert oldest["dspy"] != newest["dspy"]
    assert set(oldest) == set(newest), f"packages in one lock only: {set(oldest) ^ set(newest)}"
