"""The wheel ships templates, static files and migrations."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kitsune_livechat.conf import DEFAULTS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (path,) = out.glob("kitsune_livechat-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_ships_package_data(wheel):
    names = set(wheel.namelist())
    assert "kitsune_livechat/migrations/0001_initial.py" in names
    assert any(n.startswith("kitsune_livechat/templates/livechat/") for n in names)
    assert any(n.startswith("kitsune_livechat/static/livechat/") for n in names)
    assert not any(n.startswith(("example_site/", "tests/")) for n in names)


def test_wheel_ships_every_template_and_static_file(wheel):
    names = set(wheel.namelist())
    package = ROOT / "kitsune_livechat"
    for folder in ("templates", "static", "migrations"):
        for path in (package / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert str(path.relative_to(ROOT)) in names


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    assert [name for name in DEFAULTS if f"`LIVECHAT_{name}`" not in readme] == []
