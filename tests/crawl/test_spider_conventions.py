"""Scrapy conventions of the spiders, run as a user runs them: `scrapy check` runs their contracts
against the replica portal, and a bad `-a` argument or command-line value is a usage message
(exit status 2, no traceback)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester.cli import main
from harvester.crawl.runner import LOOPBACK_SETTINGS

REPO_ROOT = Path(__file__).resolve().parents[2]


def scrapy(*args: str, archive: Path) -> subprocess.CompletedProcess:
    """`python -m scrapy ARGS` in the checkout (its scrapy.cfg), archiving into `archive`."""
    settings = {**LOOPBACK_SETTINGS, "HARVESTER_ARCHIVE": str(archive)}
    command = [sys.executable, "-m", "scrapy", *args]
    command += [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
    env = {key: value for key, value in os.environ.items() if key != "SCRAPY_SETTINGS_MODULE"}
    return subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=REPO_ROOT, env=env)


def test_scrapy_check_runs_every_spiders_contracts_on_the_replica(portal, tmp_path: Path) -> None:
    result = scrapy("check", "-a", f"portal={portal.url}", archive=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    ran = re.search(r"Ran (\d+) contracts", output)
    # both spiders (discovery, distributed) x four callbacks, at least two contracts each
    assert ran and int(ran.group(1)) >= 16, output
    assert "OK" in output.split("Ran ", 1)[1]


def test_scrapy_check_fails_on_a_portal_that_breaks_the_contracts(tmp_path: Path) -> None:
    result = scrapy("check", "discovery", "-a", "portal=http://127.0.0.1:9", archive=tmp_path)  # nothing listens
    assert result.returncode == 1 and "FAILED" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "needs -a url=START or -a site=ID"),
        (("-a", "url=http://127.0.0.1:9/", "-a", "colour=red"), "unknown argument colour"),
        (("-a", "url=zwgk/index.html"), "url: not an absolute http(s) URL"),
        (("-a", "url=http://127.0.0.1:9/", "-a", "render=fast"), "render: 'fast' is not one of http, browser"),
        (("-a", "site=nope"), "unknown site id(s): nope"),
    ],
)
def test_a_bad_spider_argument_is_a_usage_message(arguments: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = scrapy("crawl", "discovery", *arguments, archive=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert message in result.stderr and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "scrapy crawl discovery -a url=START" in result.stderr  # how to call it


def test_a_worker_spider_refuses_unknown_arguments_too(tmp_path: Path) -> None:
    result = scrapy("crawl", "distributed", "-a", "site=x", archive=tmp_path)
    assert result.returncode == 2 and "unknown argument site" in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_an_unknown_spider_is_a_usage_message(tmp_path: Path) -> None:
    result = scrapy("crawl", "discover", archive=tmp_path)
    assert result.returncode == 2 and "no spider 'discover' (spiders: discovery, distributed)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["crawl", "--url", "zwgk/index.html"], "not an absolute http(s) URL"),
        (["crawl", "--url", "http://127.0.0.1:9/", "--timeout", "-1"], "-1"),
        (["crawl", "--registry", "harvester/registry_demo.yaml", "--portal", "127.0.0.1:8000"], "not an absolute"),
        (["find-columns", "--portal", "notaurl"], "not an absolute http(s) URL"),
        (["find-columns", "--portal", "http://127.0.0.1:9/", "--max-pages", "0"], "0"),
    ],
)
def test_bad_command_line_values_are_usage_errors(arguments: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*arguments, "--archive", str(tmp_path)] if arguments[0] == "crawl" else arguments)
    assert result.exit_code == 2, (result.output, result.exception)
    assert message in result.output and not isinstance(result.exception, (ValueError, TypeError))
    assert not (tmp_path / "archive.db").exists()  # nothing was started
