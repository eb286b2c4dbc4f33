"""Text lines from recognised pieces: grouped by vertical overlap, their text joined."""

from __future__ import annotations

from harvester.parse.ocr.engine import Piece
from harvester.parse.ocr.geometry import centre


def glue(left: str, right: str) -> str:
    """Join two runs: no space in Chinese, one space between Latin letters or digits."""
    if left and right and left[-1].isascii() and left[-1].isalnum() \
            and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def group_lines(pieces: list[Piece]) -> list[list[Piece]]:
    """Pieces grouped into text lines (vertical overlap), top to bottom, each left to right."""
    lines: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: centre(p.box)[1]):
        _, cy = centre(piece.box)
        last = lines[-1] if lines else None
        if last and top(last) <= cy <= bottom(last):
            last.append(piece)
        else:
            lines.append([piece])
    return [sorted(line, key=lambda p: p.box[0]) for line in lines]


def top(line: list[Piece]) -> int:
    return min(p.box[1] for p in line)


def bottom(line: list[Piece]) -> int:
    return max(p.box[3] for p in line)


def height(line: list[Piece]) -> int:
    """The tallest piece: the line's text height."""
    return max(p.box[3] - p.box[1] for p in line)


def line_text(line: list[Piece]) -> str:
    text = ""
    for piece in line:
        text = glue(text, piece.text)
    return text


def cell_text(pieces: list[Piece]) -> str:
    """The text of pieces inside one cell: its lines joined with newlines like text layers."""
    return "\n".join(line_text(line) for line in group_lines(pieces))
