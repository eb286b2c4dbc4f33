"""Rebuild tests/crawl/pages/portal-*: raw pages of the replica portal, with their URL and content type.

Run: .venv/bin/python tests/crawl/save_pages.py   (the hand-written pages in the folder are left alone)
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from harvester.portal import start_portal

PAGES = Path(__file__).with_name("pages")
BASE = "http://portal.test"  # saved pages are replayed under this host
SAVED = {
    "portal-trs-index": "/zwgk/zfxxgknb/index.html",
    "portal-trs-2019n": "/zwgk/zfxxgknb/2019n/index.html",
    "portal-trs-article-pdf": "/zwgk/zfxxgknb/202101/t20210129_123456.html",
    "portal-json-shell": "/cysz/xxgk/zfxxgknb/index.html",
    "portal-json-article-doc": "/cysz/html/CYSZF/202501/0173732640012345.html",
}


def main() -> None:
    """Fetch each page from a fresh portal and write <name>.html plus an entry in index.json."""
    index_path = PAGES / "index.json"
    index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else {}
    with start_portal() as portal:
        for name, path in SAVED.items():
            with urllib.request.urlopen(portal.url + path) as response:
                (PAGES / f"{name}.html").write_bytes(response.read())
                index[name] = {"url": BASE + path, "content_type": response.headers["Content-Type"]}
    index_path.write_text(json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
