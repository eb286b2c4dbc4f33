"""PDF parsing against bare pdfplumber on the same files, and how every cell was established.

    .venv/bin/python benchmarks/pdf_readings_bench.py [--repeat 3]

Corpora: the real reports (tests/fixtures/real), the seed reports as WPS exports them
(built into a temporary folder by tests/fixtures/build_wps.py) and as LibreOffice exports
them (tests/fixtures/reports/<seed>/<seed>.pdf). For each: harvester's parse time beside
bare pdfplumber (every page's text and tables) in the same run, the ratio, and the cells
verified / agreed / settled by arithmetic / single reading / read by OCR / flagged.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pdfplumber

from harvester.parse import parse_bytes
from harvester.parse.model import CELL_STATUSES

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def bare_pdfplumber(data: bytes) -> None:
    """The baseline: what a plain pdfplumber script does to read a report's text and tables."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()


def timed(function, files: list[bytes], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        for data in files:
            function(data)
    return (time.perf_counter() - started) / repeat


def corpora(wps_dir: Path) -> dict[str, list[bytes]]:
    subprocess.run([sys.executable, str(FIXTURES / "build_wps.py"), str(wps_dir)], check=True,
                   stdout=subprocess.DEVNULL)
    return {
        "real (WPS, agencies)": [p.read_bytes() for p in sorted(FIXTURES.glob("real/*/source.pdf"))],
        "seeds as WPS draws them": [p.read_bytes() for p in sorted(wps_dir.glob("*.pdf"))],
        "seeds via LibreOffice": [(seed / f"{seed.name}.pdf").read_bytes()
                                  for seed in sorted(FIXTURES.glob("reports/*/"))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    statuses = list(CELL_STATUSES)
    print(f"{'corpus':26} {'files':>5} {'harvester s':>11} {'pdfplumber s':>12} {'ratio':>6}  "
          + " ".join(f"{s:>8}" for s in statuses))
    with tempfile.TemporaryDirectory() as wps_dir:
        for name, files in corpora(Path(wps_dir)).items():
            counts: Counter[str] = Counter()
            for data in files:
                counts.update(parse_bytes(data, name).cell_status.values())
            ours = timed(lambda d: parse_bytes(d, name), files, args.repeat)
            bare = timed(bare_pdfplumber, files, args.repeat)
            print(f"{name:26} {len(files):>5} {ours:>11.3f} {bare:>12.3f} {ours / bare:>6.2f}  "
                  + " ".join(f"{counts[s]:>8}" for s in statuses))


if __name__ == "__main__":
    main()
