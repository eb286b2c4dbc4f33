"""Damaged copies of the seed reports' files, made the way bad sectors, cut transfers and careless
tools damage files: cut at a share of the length, bytes overwritten at random places, a block zeroed,
doubled or dropped, and for DOCX a member of the zip cut in half. The same seed makes the same copies.

As a probe of the whole parser (every carrier, OCR included, each file in a child under the load's
limits), run from the repository root:

    .venv/bin/python tests/parse/mutants.py [--seed 5] [--suffixes .pdf,.docx,...]

It prints each copy that made the parser raise, crash, or overrun, then a count per outcome. The fast
part of it (DOCX and HTML copies, in-process) runs in the suite: tests/parse/test_mutants.py.
"""

from __future__ import annotations

import argparse
import collections
import io
import random
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

REPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
SUFFIXES = (".pdf", ".unruled.pdf", ".badfont.pdf", ".docx", ".doc", ".html", ".gbk.html")
DOCX_MEMBERS = ("word/document.xml", "[Content_Types].xml", "word/styles.xml")


def mutants(data: bytes, name: str, rnd: random.Random) -> Iterator[tuple[str, bytes]]:
    """(how it was damaged, the damaged bytes) for one file."""
    size = len(data)
    for share in (10, 50, 97):
        yield f"cut{share}", data[: size * share // 100]
    for flips in (1, 16, 256):
        flipped = bytearray(data)
        for _ in range(flips):
            flipped[rnd.randrange(size)] = rnd.randrange(256)
        yield f"flip{flips}", bytes(flipped)
    start = rnd.randrange(size)
    yield "zero4k", data[:start] + b"\0" * len(data[start:start + 4096]) + data[start + 4096:]
    start = rnd.randrange(size)
    yield "doubled", data[:start] + data[max(0, start - 8192):start] + data[start:]
    start = rnd.randrange(size)
    yield "hole", data[:start] + data[start + 2048:]
    if name.endswith(".docx"):
        for member in DOCX_MEMBERS:
            yield f"half:{member}", _member_cut(data, member)


def _member_cut(docx: bytes, member: str) -> bytes:
    """The DOCX rewritten with `member` cut to half its length."""
    source, out = zipfile.ZipFile(io.BytesIO(docx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            body = source.read(name)
            target.writestr(name, body[: len(body) // 2] if name == member else body)
    return out.getvalue()


def corpus(suffixes: tuple[str, ...], seed: int = 5) -> list[tuple[str, bytes]]:
    """Every damaged copy of every seed's files with these suffixes, named file:how."""
    rnd, copies = random.Random(seed), []
    for folder in sorted(p for p in REPORTS.iterdir() if p.is_dir()):
        for suffix in suffixes:
            path = folder / f"{folder.name}{suffix}"
            if path.is_file():
                copies += [(f"{path.name}:{how}", data) for how, data in mutants(path.read_bytes(), path.name, rnd)]
    return copies


def outcome(item: tuple[str, bytes]) -> tuple[str, str]:
    """(kind, first error) of one copy's parse; kind "raised" when the parser let an exception out."""
    from harvester.parse import parse_bytes

    name, data = item
    try:
        result = parse_bytes(data, name)
    except Exception as error:  # noqa: BLE001 - what the probe is looking for
        return "raised", f"{type(error).__name__}: {error}"
    return result.kind, (result.errors or [""])[0]


def main() -> None:
    from harvester.db.isolation import isolated_map

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--suffixes", default=",".join(SUFFIXES))
    args = parser.parse_args()
    copies = corpus(tuple(args.suffixes.split(",")), args.seed)
    print(f"{len(copies)} damaged copies", flush=True)
    counts: collections.Counter[str] = collections.Counter()
    for (name, _), result, failure in isolated_map(outcome, copies, workers=1):
        kind = "crashed or overran" if failure else result[0]
        counts[kind] += 1
        if failure or kind == "raised":
            print(f"{kind}: {name}: {failure or result[1]}", flush=True)
    print(dict(counts))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()
