"""Change one printed number in a real PDF, in place: the test of what a wrong value does.

Real WPS PDFs print each glyph with its own `Tj` in a CID font (Identity-H); the font's
ToUnicode map says which code prints which digit. `replace_number` gives a run of digit
glyphs spelling the old number the codes of the new number's digits (page and text layer
both change). `mislabel_digit` keeps the glyph and makes the text layer lie about it: that
one glyph is drawn with a copy of its font whose ToUnicode map names another digit (the
page still shows the old number; text extraction reads the new one).
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
    """Runs of consecutive single-digit Tj: (instruction indexes, digits, the font's codes,
    the Tf operands in force)."""
    run: list[int] = []
    digits = ""
    codes: dict[bytes, str] = {}
    font: list = []
    for index, (operands, operator) in enumerate(instructions):
        if str(operator) == "Tf":
            codes, font = fonts.get(str(operands[0]), {}), list(operands)
        text = codes.get(bytes(operands[0]), "") if str(operator) == "Tj" else None
        if text is not None and text.isdigit():
            run.append(index)
            digits += text
            continue
        if text is None and str(operator) in ("Td", "TD", "Tm", "T*", "Tf", "BT", "ET", "q", "Q", "cm"):
            continue  # positioning between the glyphs of one number
        if run:
            yield run, digits, codes, font
        run, digits = [], ""
    if run:
        yield run, digits, codes, font


def _find(pdf: pikepdf.Pdf, page_number: int, number: str):
    """The page, its instructions and the one run of digit glyphs that prints `number`."""
    page = pdf.pages[page_number - 1]
    fonts = {str(name): _codes(font) for name, font in page.Resources.Font.items()}
    instructions = list(pikepdf.parse_content_stream(page))
    matches = [(run, codes, font) for run, digits, codes, font in _runs(instructions, fonts)
               if digits == number]
    assert len(matches) == 1, f"{number!r} printed {len(matches)} times on page {page_number}"
    return page, instructions, matches[0]


def _saved(pdf: pikepdf.Pdf, page: pikepdf.Page, instructions: list) -> bytes:
    page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _tj(code: bytes) -> pikepdf.ContentStreamInstruction:
    return pikepdf.ContentStreamInstruction([pikepdf.String(code)], pikepdf.Operator("Tj"))


def replace_number(data: bytes, page_number: int, old: str, new: str) -> bytes:
    """The PDF with the number `old` printed on the page replaced by `new` (same length)."""
    assert len(old) == len(new)
    pdf = pikepdf.open(io.BytesIO(data))
    page, instructions, (run, codes, _) = _find(pdf, page_number, old)
    by_char = {char: code for code, char in codes.items()}
    for index, char in zip(run, new):
        instructions[index] = _tj(by_char[char])
    return _saved(pdf, page, instructions)


def mislabel_digit(data: bytes, page_number: int, number: str, position: int, says: str) -> bytes:
    """The PDF whose text layer reads digit `position` of `number` as `says`; the page still
    shows `number`."""
    pdf = pikepdf.open(io.BytesIO(data))
    page, instructions, (run, codes, font) = _find(pdf, page_number, number)
    code = bytes(instructions[run[position]][0][0])
    original = page.Resources.Font[font[0]]
    liar = pdf.make_indirect(pikepdf.Dictionary(dict(original.items())))
    cmap = (f"/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
            f"/CMapName /Liar def 1 begincodespacerange <0000> <FFFF> endcodespacerange "
            f"1 beginbfchar <{code.hex()}> <{says.encode('utf-16-be').hex()}> endbfchar "
            f"endcmap CMapName currentdict /CMap defineresource pop end end")
    liar.ToUnicode = pdf.make_stream(cmap.encode())
    page.Resources.Font[pikepdf.Name("/Liar")] = liar
    size = font[1]
    instructions[run[position]:run[position] + 1] = [
        pikepdf.ContentStreamInstruction([pikepdf.Name("/Liar"), size], pikepdf.Operator("Tf")),
        _tj(code),
        pikepdf.ContentStreamInstruction([font[0], size], pikepdf.Operator("Tf")),
    ]
    return _saved(pdf, page, instructions)
