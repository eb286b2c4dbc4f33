"""Every seed, as a noisy scan and as a PDF whose fonts map glyphs to the wrong characters,
gives the golden facts (the clean scans: test_golden.py)."""

from __future__ import annotations

import pytest

from ocr_corpus import DAMAGED_VARIANTS, assert_golden_facts, seeds


@pytest.mark.parametrize("variant", DAMAGED_VARIANTS)
@pytest.mark.parametrize("seed", seeds())
def test_ocr_gives_the_golden_facts(seed: str, variant: str) -> None:
    assert_golden_facts(seed, variant)
