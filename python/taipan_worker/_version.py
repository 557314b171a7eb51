"""The package's version: the project's one version, set at the root of the checkout in
``.mvn/maven.config`` (``-Drevision=...``), which Maven gives every Java artifact. Python spells
a Maven snapshot the PEP 440 way: ``0.1.0-SNAPSHOT`` here is ``0.1.0.dev0``.

Kept to ``os`` alone: the worker reads it at start-up, and ``importlib.metadata`` (about 10 ms)
is only asked when there is no checkout around the package (an installed wheel).
"""

import os
from typing import Optional

_SNAPSHOT = "-SNAPSHOT"
_REVISION = "-Drevision="
UNKNOWN = "0+unknown"


def pep440(maven_version: str) -> str:
    """``0.1.0-SNAPSHOT`` -> ``0.1.0.dev0``; a release version stays as it is."""
    if maven_version.endswith(_SNAPSHOT):
        return maven_version[: -len(_SNAPSHOT)] + ".dev0"
    return maven_version


def maven_revision(config_path: str) -> Optional[str]:
    """The ``-Drevision=`` value of a ``.mvn/maven.config``, or None if the file or the line is missing."""
    try:
        with open(config_path, encoding="utf-8") as f:
            words = f.read().split()
    except OSError:
        return None
    for word in words:
        if word.startswith(_REVISION) and len(word) > len(_REVISION):
            return word[len(_REVISION):]
    return None


def checkout_config() -> str:
    """Where ``.mvn/maven.config`` is when this package is ``python/taipan_worker`` of a checkout."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(root, ".mvn", "maven.config")


def find() -> str:
    """The checkout's version if there is one, else the one a Java pool wrote beside a copy it
    extracted from its jar (``VERSION``), else the installed distribution's, else ``0+unknown``."""
    revision = maven_revision(checkout_config())
    if revision is not None:
        return pep440(revision)
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "VERSION"), encoding="utf-8") as f:
            written = f.read().strip()
        if written:
            return written
    except OSError:
        pass
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # Python < 3.8 has no importlib.metadata; requires-python excludes it
        return UNKNOWN
    try:
        return version("taipan-worker")
    except PackageNotFoundError:
        return UNKNOWN
