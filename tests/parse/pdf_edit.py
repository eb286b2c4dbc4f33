"""Change one printed number in a real PDF, in place: the test of what a wrong value does.

Real WPS PDFs print each glyph with its own `Tj` in a CID font (Identity-H); the font's
ToUnicode map says which code prints which digit. A run of digit glyphs spelling the old
number is given the codes of the new number's digits, in the same font, at the same place.
"""

from __future__ import annotations

import io
import re

import pikepdf

BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")


def _codes(font: pikepdf.Dictionary) -> dict[bytes, str]:
    """Code (bytes as shown) -> the character it prints, from the font's ToUnicode map."""
    if "/ToUnicode" not in font:
        return {}
    cmap = font.ToUnicode.read_bytes()
    out: dict[bytes, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in BFCHAR.findall(block):
            out[bytes.fromhex(code.decode())] = bytes.fromhex(text.decode()).decode("utf-16-be")
    return out


def _runs(instructions: list, fonts: dict[str, dict[bytes, str]]):
    """Runs of consecutive single-digit Tj: (instruction indexes, digits, the font's codes)."""
    run: list[int] = []
    digits = ""
    codes: dict[bytes, str] = {}
    for index, (operands, operator) in enumerate(instructions):
        if str(operator) == "Tf":
            codes = fonts.get(str(operands[0]), {})
        text = codes.get(bytes(operands[0]), "") if str(operator) == "Tj" else None
        if text is not None and text.isdigit():
            run.append(index)
            digits += text
            continue
        if text is None and str(operator) in ("Td", "TD", "Tm", "T*", "Tf", "BT", "ET", "q", "Q", "cm"):
            continue  # positioning between the glyphs of one number
        if run:
            yield run, digits, codes
        run, digits = [], ""
    if run:
        yield run, digits, codes


def replace_number(data: bytes, page_number: int, old: str, new: str) -> bytes:
    """The PDF with the number `old` printed on the page replaced by `new` (same length)."""
    assert len(old) == len(new)
    pdf = pikepdf.open(io.BytesIO(data))
    page = pdf.pages[page_number - 1]
    fonts = {str(name): _codes(font) for name, font in page.Resources.Font.items()}
    instructions = list(pikepdf.parse_content_stream(page))
    matches = [(run, codes) for run, digits, codes in _runs(instructions, fonts) if digits == old]
    assert len(matches) == 1, f"{old!r} printed {len(matches)} times on page {page_number}"
    run, codes = matches[0]
    by_char = {char: code for code, char in codes.items()}
    for index, char in zip(run, new):
        instructions[index] = pikepdf.ContentStreamInstruction(
            [pikepdf.String(by_char[char])], pikepdf.Operator("Tj"))
    page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
