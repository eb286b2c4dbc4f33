"""The code's licence, the data's licence and the citation are stated, and agree."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

from harvester.db.datasette import build_metadata

REPO = Path(__file__).resolve().parents[1]


def test_code_licence_is_the_one_pyproject_declares() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["license"]["text"]
    assert (REPO / "LICENSE").read_text().startswith(f"{declared} License")


def test_site_links_the_data_licence_not_the_code_licence() -> None:
    metadata = build_metadata()
    assert metadata["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "CC BY 4.0" in metadata["license"]
    assert "CC BY 4.0" in (REPO / "DATA_LICENSE.md").read_text(encoding="utf-8")


def test_citation_is_cff_1_2_0_with_the_package_version() -> None:
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert citation["cff-version"] == "1.2.0"
    assert citation["version"] == project["version"]
    assert {"message", "title", "authors"} <= citation.keys() and citation["authors"]
