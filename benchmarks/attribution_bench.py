"""Whose report is it: CMS article pages that name their agency in different places, loaded.

    .venv/bin/python benchmarks/attribution_bench.py [--agencies 50]

Archives, on a registry site that lists many agencies' reports, one CMS page per agency and
seed year (tests/fixtures/cms_pages.py), each naming its agency in one place only: the 标题
field, the 发布机构 field, the signature, the link text it was found under, or nowhere; then
runs the real load and prints, per place, how many pages were published under the right
agency, under another, folded into another report, named as unpublished (documents.problem)
or dropped without a word.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "fixtures")]
from cms_pages import Page, cms_page  # noqa: E402
from publish.helpers import REPORTS, archive_files, expected  # noqa: E402

from harvester.db.load import load  # noqa: E402
from harvester.registry import load_registry  # noqa: E402

COUNTIES = ("沭阳县", "泗阳县", "泗洪县", "宿豫区", "宿城区")
BUREAUS = ("发展和改革局", "民政局", "教育局", "财政局", "交通运输局", "水利局", "农业农村局",
           "商务局", "文化广电和旅游局", "卫生健康委员会")
SEEDS = ("000_c6cf585c495c9a5f", "001_1fe2932832f48954", "004_e0759db8c8ae201d")  # 3 years
PLACES = {  # where the page names its agency -> (Page fields, link text names the agency)
    "title field": ({"metadata": "fields", "metadata_title_names_agency": True,
                     "signature": False}, False),
    "发布机构 field": ({"metadata": "table", "signature": False}, False),
    "signature": ({"metadata": "none"}, False),
    "link text": ({"metadata": "none", "signature": False}, True),
    "nowhere": ({"metadata": "none", "signature": False}, False),
}


def pages(agencies: int) -> list[tuple[str, str, str, bytes, str]]:
    """(place, url, agency, page bytes, link text) for every agency and seed year."""
    names = [county + bureau for county in COUNTIES for bureau in BUREAUS][:agencies]
    out = []
    for i, agency in enumerate(names):
        place = list(PLACES)[i % len(PLACES)]
        fields, linked = PLACES[place]
        for seed in SEEDS:
            year = expected(seed)["year"]
            link = f"{agency if linked else ''}{year}年政府信息公开工作年度报告"
            data = cms_page(REPORTS / seed / f"{seed}.txt", Page(agency, year, **fields))
            out.append((place, f"http://127.0.0.1/xxgk/{i}/{seed}.html", agency, data, link))
    return out


def outcomes(db: Path, generated: list[tuple[str, str, str, bytes, str]]) -> dict[str, Counter]:
    """Place -> Counter of what became of its pages."""
    conn = sqlite3.connect(db)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(documents)")}
    problem = "d.problem" if "problem" in columns else "NULL"
    rows = {url: (chosen, agency, named) for url, chosen, agency, named in conn.execute(
        f"SELECT d.url, l.chosen, r.agency, {problem} FROM documents d"
        " LEFT JOIN report_documents l ON l.document_id = d.id"
        " LEFT JOIN reports r ON r.id = l.report_id")}
    result: dict[str, Counter] = {place: Counter() for place in PLACES}
    for place, url, agency, _, _ in generated:
        chosen, published_as, named = rows[url]
        result[place][
            "named unpublished" if named else "dropped silently" if chosen is None
            else "folded into another report" if not chosen
            else "right agency" if published_as == agency else "wrong agency"] += 1
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=50)
    args = parser.parse_args()
    sites = load_registry()
    city = next(s for s in sites if s.aggregates)
    generated = pages(args.agencies)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archive_files(root, [(city.id, url, data, {"kind": "report_page", "link_text": link})
                             for _, url, _, data, link in generated])
        summary = load(root, sites)
        for place, counts in outcomes(root / "harvester.db", generated).items():
            print(f"{place:>12}: {sum(counts.values())} pages: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        print("\n".join(summary.lines()[:4]))


if __name__ == "__main__":
    main()
