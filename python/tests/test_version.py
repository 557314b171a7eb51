"""One version everywhere: the package's is the project's, set in .mvn/maven.config
(TaipanVersionTest checks the Java side against the same line)."""

import os
from importlib.metadata import version

import taipan_worker
from taipan_worker import _version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, ".mvn", "maven.config")


def test_the_package_version_is_the_maven_revision_spelled_for_python() -> None:
    revision = _version.maven_revision(CONFIG)
    assert revision is not None and revision != ""
    assert taipan_worker.__version__ == _version.pep440(revision)


def test_the_installed_distribution_has_the_same_version() -> None:
    # Fails after .mvn/maven.config changed until the package is installed again (bin/taipan setup).
    assert version("taipan-worker") == taipan_worker.__version__


def test_a_snapshot_is_a_dev_release() -> None:
    assert _version.pep440("0.1.0-SNAPSHOT") == "0.1.0.dev0"
    assert _version.pep440("1.2.3") == "1.2.3"


def test_a_missing_config_or_line_gives_none(tmp_path) -> None:
    assert _version.maven_revision(str(tmp_path / "absent")) is None
    config = tmp_path / "maven.config"
    config.write_text("-B\n-Dother=1\n", encoding="utf-8")
    assert _version.maven_revision(str(config)) is None
    config.write_text("-B -Drevision=2.0.0\n", encoding="utf-8")
    assert _version.maven_revision(str(config)) == "2.0.0"


def test_a_copy_extracted_from_the_jar_reads_the_version_written_beside_it(tmp_path, monkeypatch) -> None:
    # The Java pool writes taipan_worker/VERSION when it extracts its runtime into an environment
    # (RuntimeFiles.extractTo): such a copy has no checkout around it and no package metadata.
    pkg = tmp_path / "taipan_worker"
    pkg.mkdir()
    (pkg / "VERSION").write_text("7.8.9\n", encoding="utf-8")
    monkeypatch.setattr(_version, "__file__", str(pkg / "_version.py"))
    monkeypatch.setattr(_version, "checkout_config", lambda: str(tmp_path / "no" / "maven.config"))
    assert _version.find() == "7.8.9"
