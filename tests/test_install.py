"""The package as a user installs it: `pip install .` (not editable), then `harvester demo` and
`harvester serve` run from another folder and write only under the archive they are given."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from publish.helpers import free_port

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "harvester", "spiders")  # what a source distribution holds
FOUND = ("import harvester, importlib.metadata as m; print(harvester.__file__, "
         "*(f'{e.name}={e.value}' for e in m.entry_points(group='datasette')))")
PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"


def _files(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*") if "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtualenv with the package installed from a copy of the sources; its bin/ folder.

    The dependencies are this environment's (a .pth file), so nothing is downloaded."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(REPO / name, source / name)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([venv / "bin" / "python", "-c", PURELIB], check=True, capture_output=True,
                               text=True).stdout.strip())
    (site / "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--no-index", "--disable-pip-version-check", str(source)], check=True, timeout=120)
    return venv / "bin"


def _user_env(tmp: Path) -> dict[str, str]:
    """A user's environment: no archive or cache settings of the test session, a home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARVESTER_", "PYTHONPATH"))}
    (tmp / "home").mkdir()
    return {**env, "HOME": str(tmp / "home")}


def test_installed_package_is_not_the_checkout_and_declares_its_datasette_plugin(installed: Path) -> None:
    found = subprocess.run([installed / "python", "-c", FOUND], capture_output=True, text=True, check=True,
                           cwd=installed).stdout.split()
    assert found[0].startswith(str(installed.parent)) and str(REPO) not in found[0]
    assert "harvester=harvester.db.datasette_plugin" in found[1:]


def test_demo_and_serve_from_another_folder_write_only_under_the_archive(installed: Path, tmp_path: Path) -> None:
    elsewhere, archive = tmp_path / "elsewhere", tmp_path / "archive"
    elsewhere.mkdir()
    env = _user_env(tmp_path)
    package = _files(installed.parent)
    demo = subprocess.run([installed / "harvester", "demo", "--no-serve", "--archive", str(archive),
                           "--portal-port", "0"], cwd=elsewhere, env=env, capture_output=True, text=True,
                          timeout=300)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "reports: 5 (5 written" in demo.stdout
    assert _files(elsewhere) == set() and _files(installed.parent) == package
    assert {"archive.db", "harvester.db", "blobs", "warc", "parse_cache.db", "ocr-cache"} <= {
        p.name for p in archive.iterdir()}

    port = free_port()
    server = subprocess.Popen([installed / "harvester", "serve", "--archive", str(archive), "--port", str(port)],
                              cwd=elsewhere, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        plugins = _wait_for_json(f"{base}/-/plugins.json", server)
        assert "harvester" in {p["name"] for p in plugins}
        reports = httpx.get(f"{base}/harvester/reports.json?_shape=objects", timeout=10).json()["rows"]
        assert len(reports) == 5
        blob = httpx.get(f"{base}/-/blob/{reports[0]['source_sha256']}", timeout=10)
        assert blob.status_code == 200 and blob.content
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert _files(elsewhere) == set()


def _wait_for_json(url: str, server: subprocess.Popen) -> list:
    """The JSON at `url` once the server answers (it fails the test if the server exits first)."""
    while server.poll() is None:
        try:
            return httpx.get(url, timeout=5).json()
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"serve exited: {server.stderr.read().decode()[-2000:]}")
