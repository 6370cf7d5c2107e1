"""The package installs with exactly one TensorFlow on the laptops learners have (issue: install).

Resolves `pip install .` from the package index for Linux x86_64, macOS arm64 and Linux aarch64
on Python 3.11, 3.12 and 3.13 (scripts/check_install.py; `make check-install` also resolves the
pins of `make setup`). Needs the package index, as `make setup` does; downloads metadata only.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import check_install  # noqa: E402


def test_every_platform_and_python_resolves_with_one_tensorflow(capsys):
    status = check_install.main(recipe=False)  # `make check-install` also checks make setup's pins
    report = capsys.readouterr().out
    print(report)
    assert status == 0, report
    assert report.count("ok  ") == 9
