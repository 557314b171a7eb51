"""The version of the distribution, which pyproject.toml leaves dynamic: the project's one
version, from ``../.mvn/maven.config`` in a checkout (see ``taipan_worker/_version.py``), or
from ``PKG-INFO`` when a wheel is built from an sdist, which has no checkout around it."""

import os
import runpy

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def project_version() -> str:
    rules = runpy.run_path(os.path.join(HERE, "taipan_worker", "_version.py"))
    revision = rules["maven_revision"](os.path.join(os.path.dirname(HERE), ".mvn", "maven.config"))
    if revision is not None:
        return rules["pep440"](revision)
    pkg_info = os.path.join(HERE, "PKG-INFO")
    if os.path.exists(pkg_info):
        with open(pkg_info, encoding="utf-8") as f:
            for line in f:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
    raise SystemExit("taipan-worker: no version: neither ../.mvn/maven.config (-Drevision=...) nor PKG-INFO found")


setup(version=project_version())
