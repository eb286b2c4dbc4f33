"""Recognise responses that are not content: WAF challenges, rate limits, soft 404s.

Government portals sit behind 瑞数 (412 + ``$_ts``), 加速乐 (521 + ``__jsluid``/jiasule),
安全狗/云锁 (``wzwsquestion``) and similar; they answer with a small JavaScript challenge
instead of the page. Such bodies, and 200 pages that only say "页面不存在", must be
recorded but never archived as reports.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Technical tokens of challenge scripts: specific enough to trust in any small page.
CHALLENGE_TOKENS = ("$_ts", "__jsluid", "jiasule", "wzwsquestion", "wzwschallenge", "_guard/auto.js")
# Wording of challenge pages: trusted only on pages with little visible text, because a
# real report may well mention 安全验证 or 访问异常 in its prose.
CHALLENGE_PHRASES = ("云防护", "请开启JavaScript", "请开启javascript", "安全验证", "访问异常", "访问过于频繁")
NOT_FOUND_PHRASES = ("页面不存在", "找不到", "页面未找到", "文章不存在", "信息不存在", "not found")
NOT_FOUND_NUMBER = re.compile(r"(?<!\d)404(?!\d)")

BLOCK_STATUSES = {412: "challenge (412)", 521: "challenge (521)", 403: "forbidden (403)", 429: "rate limited (429)"}
CHALLENGE_MAX_BYTES = 64 * 1024  # challenge pages are a script and a few lines
SHORT_TEXT_CHARS = 600  # "a page that only says not found": visible text at most this long
BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")

# Hanweb dataproxy.jsp answers a request it does not accept with a datastore holding no record.
_DATASTORE = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?<datastore\b", re.IGNORECASE)
_RECORD = re.compile(rb"<record\b", re.IGNORECASE)

_INVISIBLE = re.compile(rb"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)

# A body holding none of these cannot say any phrase (or 404), and its visible text need not be read.
# Literal searches, not one regex: an alternation of twenty literals cost more than reading the text.
_PHRASES = (*CHALLENGE_PHRASES, *NOT_FOUND_PHRASES)
# A phrase in Chinese is in the body as its UTF-8 or GB18030 bytes...
_CUES = tuple(phrase.encode(encoding) for phrase in _PHRASES if not phrase.isascii() for encoding in ("utf-8", "gb18030"))
# ...an ASCII one, searched in lowered text (tags and spaces maybe between its words), as its last word
# in the lowered body.
_LOWERED_CUES = (*(phrase.split()[-1].lower().encode("ascii") for phrase in _PHRASES if phrase.isascii()), b"404")
_TAG = re.compile(rb"<[^>]*>")
_SPACE = re.compile(r"\s+")


class Verdict(NamedTuple):
    """Why a response is not content: outcome (blocked or soft404) and a short reason."""

    outcome: str
    reason: str


def _decodings(body: bytes) -> tuple[str, str]:
    """The body read as UTF-8 and as GB18030 (markers may be in either), errors dropped."""
    return body.decode("utf-8", "ignore"), body.decode("gb18030", "ignore")


def visible_text(body: bytes) -> str:
    """The text a reader would see: scripts, styles and tags removed, whitespace collapsed."""
    stripped = _TAG.sub(b" ", _INVISIBLE.sub(b" ", body))
    utf8, gbk = _decodings(stripped)
    # The decoding with fewer replacement-worthy losses is the longer one.
    return _SPACE.sub(" ", max(utf8, gbk, key=len)).strip()


def _is_markup(body: bytes, content_type: str | None) -> bool:
    """Whether the body is HTML or text (challenges and soft 404s are never PDFs or images)."""
    if body.lstrip()[:8].startswith(BINARY_MAGIC):
        return False
    return content_type is None or content_type.split(";")[0].strip().lower() in ("", "text/html", "text/plain", "application/xhtml+xml")


def _challenge(body: bytes, text: str) -> str | None:
    """The challenge marker in a small body whose visible text is `text`, if any."""
    if len(body) > CHALLENGE_MAX_BYTES:
        return None
    for token in CHALLENGE_TOKENS:  # ASCII: found in the bytes, whatever the page's encoding
        if token.encode("ascii") in body:
            return token
    if len(text) <= SHORT_TEXT_CHARS:
        for phrase in CHALLENGE_PHRASES:
            if phrase in text:
                return phrase
    return None


def _not_found(body: bytes, text: str) -> str | None:
    """The not-found wording of a small page whose visible text, `text`, is short, if any."""
    if len(body) > CHALLENGE_MAX_BYTES or len(text) > SHORT_TEXT_CHARS:
        return None
    lowered = text.lower()
    for phrase in NOT_FOUND_PHRASES:
        if phrase in lowered:
            return phrase
    return "404" if NOT_FOUND_NUMBER.search(text) else None


def _small_page_text(body: bytes) -> str:
    """The visible text of a body small enough to be a challenge or a not-found page, read once; "" for a
    larger body or one that cannot say any phrase searched for (verdicts on "" and on its text are the same)."""
    return visible_text(body) if len(body) <= CHALLENGE_MAX_BYTES and _may_say_a_phrase(body) else ""


def _may_say_a_phrase(body: bytes) -> bool:
    """Whether the body holds a cue of a phrase searched for in visible text (else its text says none)."""
    if any(cue in body for cue in _CUES):
        return True
    lowered = body.lower()
    return any(cue in lowered for cue in _LOWERED_CUES)


def classify(status: int, body: bytes, content_type: str | None = None) -> Verdict | None:
    """Blocked or soft404 with a reason, or None when the response looks like content."""
    if status in BLOCK_STATUSES:
        marker = _challenge(body, _small_page_text(body)) if _is_markup(body, content_type) else None
        return Verdict("blocked", BLOCK_STATUSES[status] + (f": {marker}" if marker else ""))
    if not 200 <= status < 300:
        return None
    if _DATASTORE.search(body[:512]) and not _RECORD.search(body):
        return Verdict("soft404", "empty Hanweb datastore: no records (request not accepted)")
    if not _is_markup(body, content_type):
        return None
    text = _small_page_text(body)
    marker = _challenge(body, text)
    if marker:
        return Verdict("blocked", f"challenge page: {marker}")
    marker = _not_found(body, text)
    if marker:
        return Verdict("soft404", f"page says {marker}")
    return None
