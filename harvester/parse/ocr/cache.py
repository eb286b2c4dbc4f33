"""OCR results cached by page-image hash, so a page is never read twice.

Where: $HARVESTER_OCR_CACHE, else the folder the caller names (the archive's `ocr-cache/`, see
harvester.config.Layout), else the default archive root's. One JSON file per page image,
named by sha256 of the pixels plus the engine and layout version, written atomically.

Beside them, `by-file/` links a file's page (the file's digest, the page number, the rendering, engine
and layout versions) to its reading's name, so that a file read before (a scan parsed again, its
pages read by parse workers elsewhere) finds its pages' readings without rendering them again (~0.07 s
a page). A link whose reading is gone or damaged only costs the render.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from harvester.config import Layout
from harvester.parse.model import Block, Cell, Paragraph, Table
from harvester.parse.ocr.engine import ENGINE_ID
from harvester.parse.ocr.render import RENDERING_ID

LAYOUT_VERSION = "4"
"""Bump when preprocessing or layout reconstruction changes what a page yields."""


def cache_dir(chosen: Path | None = None) -> Path:
    """$HARVESTER_OCR_CACHE, else `chosen`, else the default archive root's OCR cache."""
    env = os.environ.get("HARVESTER_OCR_CACHE")
    return Path(env) if env else chosen or Layout.of().ocr_cache


def page_key(gray: np.ndarray) -> str:
    """Hash of the page pixels and of everything that shapes the result."""
    digest = hashlib.sha256(f"{ENGINE_ID}|layout {LAYOUT_VERSION}|{gray.shape}|".encode())
    digest.update(np.ascontiguousarray(gray).data)
    return digest.hexdigest()


def file_page_key(file_digest: str, kind: str, index: int) -> str:
    """Name of page `index` (0-based) of the file with this digest, as rendered and read by this version."""
    return hashlib.sha256(f"{ENGINE_ID}|layout {LAYOUT_VERSION}|{RENDERING_ID}|{kind}|{file_digest}|{index}".encode()).hexdigest()


def _path(key: str, directory: Path) -> Path:
    return directory / key[:2] / f"{key}.json"


def _link_path(file_page: str, directory: Path) -> Path:
    return directory / "by-file" / file_page[:2] / file_page


def blocks_to_json(blocks: list[Block]) -> list[dict[str, Any]]:
    """Blocks as plain JSON values."""
    out = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append({"type": "paragraph", "text": block.text, "page": block.page})
        else:
            out.append({"type": "table", "index": block.index, "page": block.page,
                        "rows": [[vars(cell) for cell in row] for row in block.rows]})
    return out


def blocks_from_json(items: list[dict[str, Any]], page: int) -> list[Block]:
    """Inverse of blocks_to_json, placed on `page`: the same image may be another page elsewhere
    (a picture shown by two reports, a scan re-published inside a longer file)."""
    blocks: list[Block] = []
    for item in items:
        if item["type"] == "paragraph":
            blocks.append(Paragraph(item["text"], page))
            continue
        rows = [[Cell(**{**cell, "page": page, "bbox": tuple(cell["bbox"]) if cell["bbox"] else None})
                 for cell in row] for row in item["rows"]]
        blocks.append(Table(item["index"], rows, page))
    return blocks


def load(key: str, directory: Path, page: int) -> tuple[list[Block], dict[str, Any]] | None:
    """Cached blocks (placed on `page`) and note of a page image in `directory`, or None
    (missing or unreadable entry)."""
    try:
        entry = json.loads(_path(key, directory).read_text(encoding="utf-8"))
        return blocks_from_json(entry["blocks"], page), entry["note"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def holds(key: str, directory: Path) -> bool:
    """Whether `directory` holds a page reading under `key` (readable or not: `load` says)."""
    return _path(key, directory).is_file()


def linked(file_page: str, directory: Path) -> str | None:
    """The name of the reading a file's page was linked to, or None."""
    try:
        key = _link_path(file_page, directory).read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None
    return key if len(key) == 64 else None


def link(file_page: str, key: str, directory: Path) -> None:
    """Link a file's page to the name of its reading (see the module docstring)."""
    _write_atomically(_link_path(file_page, directory), key)


def store(key: str, blocks: list[Block], note: dict[str, Any], directory: Path) -> None:
    """Write a page's result into `directory`; a cache that cannot be written only costs time later."""
    _write_atomically(_path(key, directory),
                      json.dumps({"blocks": blocks_to_json(blocks), "note": note}, ensure_ascii=False))


def _write_atomically(path: Path, text: str) -> None:
    """Write a cache file whole or not at all; a cache that cannot be written only costs time later."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         delete=False, suffix=".tmp") as handle:
            handle.write(text)
        os.replace(handle.name, path)
    except OSError:
        return
