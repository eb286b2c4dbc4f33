"""The archive's WARC files as one WACZ (`archive.wacz`, py-wacz), so ReplayWeb.page opens the
crawled pages and files from a single file; its page list is the archived report pages and
attachments (from the fetch log), and the file is checked by wacz's own validator.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from wacz.main import main as wacz_main

from harvester.config import Layout
from harvester.db.sources import iter_archived_documents

WACZ = "archive.wacz"


class WaczError(Exception):
    """The WACZ cannot be written (no WARC files) or does not validate."""


def write_wacz(root: Path, out: Path) -> Path:
    """Write `out`/archive.wacz from every WARC file under `root`, then validate it."""
    warcs = sorted(str(p) for p in Layout(root).warc.glob("*.warc.gz"))
    if not warcs:
        raise WaczError(f"no WARC files under {Layout(root).warc}: nothing to put in a WACZ")
    path = out / WACZ
    with tempfile.TemporaryDirectory(prefix="harvester-wacz-") as scratch:
        pages = Path(scratch) / "pages.jsonl"
        lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Archived reports"}]
        lines += [{"url": d["url"], "title": d["title"] or d["link_text"] or d["url"]}
                  for d in iter_archived_documents(root)]
        pages.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n",
                         encoding="utf-8")
        _run_wacz(["create", "-o", str(path), "-p", str(pages),
                   "--title", "harvester archive", *warcs])
    _run_wacz(["validate", "-f", str(path)])
    return path


def _run_wacz(args: list[str]) -> None:
    """One py-wacz command, its chatter kept; a failure raises WaczError with it."""
    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter):
        status = wacz_main(args)
    if status not in (0, None):
        raise WaczError(f"wacz {args[0]} failed: {chatter.getvalue().strip()[-500:]}")
