"""Raw article file -> Article: strip what is not article text, find the metadata.

Pure logic except `load_article`, which reads the file (and its optional sidecar
`<name>.meta.json`) and hands the text to `clean_text`.

Rules are generic line rules (navigation, newsletter prompts, image credits, footers,
repeated headlines); nothing here knows the files of the shipped corpus.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from rag.errors import InvalidInput
from rag.types import Article

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
META_FIELDS = ("title", "date", "publisher", "author", "url")

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE_PATTERNS = (
    (re.compile(_MONTH + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b"), ("m", "d", "y")),
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r"\.?,?\s+(\d{4})\b"), ("d", "m", "y")),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
)

# A whole line that is site furniture, not article text (matched case-insensitively).
_BOILERPLATE = re.compile(
    r"""^(?:
      skip\ to\ (?:main\ )?content | edit\ post | back\ to\ top | advertisement | sponsored
    | \*?\s*indicates\ required | subscribe | subscribe\ (?:now|here|today)
    | subscribe\ to\ .{0,60} | sign\ up(?:\ for\ .{0,60})? | .{0,60}\bin\ your\ inbox\.?
    | enter\ your\ e-?mail.{0,40} | please,?\ enter\ (?:a\ )?(?:valid|correct)\ e-?mail.{0,20}
    | successful+y\ subscribed.{0,20} | thank\ you\ for\ (?:signing\ up|subscribing).{0,120}
    | leave\ a\ (?:comment|reply) | your\ e-?mail\ address\ will\ not\ be\ published.{0,80}
    | share(?:\ this(?:\ article|\ story|\ post)?)?:? | tweet | print | e-?mail
    | share\ (?:on|via|to)\ .{0,80} | share(?:\ this\ \w+)?:\ .{0,80} | copy\ link
    | .{0,40}\buses\ cookies\b.{0,120} | .{0,200}\bby\ (?:signing|clicking)\ up\b.{0,200}
    | (?:read|see)\ (?:more|also|next)\b.{0,100} | this\ audio\ is\ created\ with\ ai\ assistance
    | \d{1,2}\ min(?:ute)?\ read | \d{1,2}:\d{2}\s*(?:am|pm)? | all\ rights\ reserved\.?
    | cookies?\b.{0,120} | follow\ us.{0,60} | that's\ it\ from\ (?:us|me)\b.{0,200}
    | thanks?(?:\ you)?\ for\ (?:following|reading|joining\ us)\b.{0,200} | (?:image|photo)\ credit:.{0,120}
    | .{0,80}\bno\ comments\ on\ .{0,200}
    | end\ of\ (?:the\ )?(?:excerpt|article|story|report|transcript)\b.{0,120}
    | [—–-]?\s*.{0,150}\breaders\ (?:are|can|may)\ (?:encouraged|invited|advised)\ to\b.{0,200}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# A standalone line after which the rest of the page is footer (related links, comments, ...).
_FOOTER = re.compile(
    r"""^(?:related(?:\ articles|\ posts|\ stories|\ news)? | more\ news | latest\ news | top\ stories
    | news\ feed | editors?['’]?\ picks | leave\ a\ (?:comment|reply) | comments?(?:\ \(\d+\))?
    | about\ the\ author | you\ (?:may|might)\ also\ like | recommended(?:\ for\ you)?
    | (?:copyright|©|\(c\)).{0,200}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# An image caption ends with its credit in parentheses.
_CREDIT = re.compile(
    r"\((?:(?:image|photo)\s*(?:credit|by)?\s*:?[^()]*|[^()]*(?:getty images|/afp|afp/|reuters|ap photo|shutterstock|epa)[^()]*)\)\s*$",
    re.IGNORECASE,
)
# A header line "<Name>, <date>" or "<Name> — <date>": a masthead or a city dateline.
_MASTHEAD = re.compile(r"^([A-Z][\w&'’.]*(?:\s+(?:[A-Z&][\w&'’.]*|of|the|and)){0,5})\s*(?:,|\s[—–-])\s*(.{6,40})$")
_PUBLICATION = re.compile(
    r"\b(?:Herald|Times|Post|News|Review|Journal|Gazette|Daily|Press|Tribune|Chronicle|Guardian|Observer|Telegraph"
    r"|Independent|Magazine|Weekly|Standard|Mail|Express|Courier|Dispatch|Register|Bulletin|Ledger|Monitor|Record|Wire)\b"
)
_READING_TIME = re.compile(r"(?i)\s*\b\d+\s*min(?:ute)?s?\s+read\b")
_BYLINE = re.compile(r"^(?:by|(?:reporting|written|words|text)\s+by)\s+(.{2,200})$", re.IGNORECASE)
_SOURCE = re.compile(r"^(?:source|sources|via)\s*:\s*(.{2,150})$", re.IGNORECASE)
_URL_LINE = re.compile(r"^(?:(?:url|link|originally published at|source)\s*:?\s*)?(https?://\S+)$", re.IGNORECASE)
_COPYRIGHT = re.compile(r"^(?:copyright\s*)?(?:©|\(c\))?\s*(?:copyright\s*)?(?:\d{4}\s*)?(.*)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*$")
# the whole sentences a cut-off paragraph begins with: up to the last end of a sentence that a
# capital follows ("... said on Jan. 30 in Kyiv. “I know that (NATO’s ...) would be a")
_WHOLE_SENTENCES = re.compile(r".*[a-z0-9)][.!?][\"”’')\]]*(?=\s+[\"“‘(]*[A-Z])", re.DOTALL)
_CUT_PARAGRAPH_MIN = 80  # shorter, it is a label or a link, not a paragraph


@dataclass(frozen=True)
class CleanText:
    """What cleaning found: the body text and whatever metadata the page gave away."""

    text: str
    title: str | None = None
    date: str | None = None
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    removed: tuple[str, ...] = field(default_factory=tuple)  # lines dropped, for tests and debugging


def parse_date(text: str) -> str | None:
    """The first full date in `text`, as YYYY-MM-DD.

    >>> parse_date("by K. Denisova April 3, 2024 2:44 PM")
    '2024-04-03'
    >>> parse_date("on 29 Nov. 2023 in Brussels"), parse_date("in early 2024")
    ('2023-11-29', None)
    """
    best: tuple[int, str] | None = None
    for pattern, order in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            parts = dict(zip(order, m.groups()))
            month = parts["m"]
            month_num = int(month) if month.isdigit() else _MONTHS[month[:3].lower()]
            day, year = int(parts["d"]), int(parts["y"])
            if 1 <= month_num <= 12 and 1 <= day <= 31 and 1900 <= year <= 2100:
                if best is None or m.start() < best[0]:
                    best = (m.start(), f"{year:04d}-{month_num:02d}-{day:02d}")
                break
    return best[1] if best else None


def is_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line.rstrip()))


def _norm(line: str) -> str:
    return re.sub(r"\s+", " ", line.replace("’", "'").replace("‘", "'")).strip().lower()


def _is_date_line(line: str) -> bool:
    """A line that is only a date (a dateline), perhaps with a weekday, a time or 'Updated'.

    >>> _is_date_line("December 21, 2024"), _is_date_line("Updated: Mon, 3 June 2024 10:15 AM")
    (True, True)
    >>> _is_date_line("By Ann Lee March 2, 2024")
    False
    """
    if len(line) > 60 or not parse_date(line):
        return False
    rest = line
    for pattern, _ in _DATE_PATTERNS:
        rest = pattern.sub(" ", rest)
    rest = re.sub(r"(?i)\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|updated|published|posted|\d{1,2}:\d{2}\s*(?:am|pm)?|utc|gmt", " ", rest)
    return not re.search(r"[A-Za-z0-9]", rest)


def clean_text(raw: str, *, title: str | None = None) -> CleanText:
    """Strip non-article lines from plain text and collect the metadata found on the way.

    >>> c = clean_text("Skip to content\\nBig News Today\\nBig News Today\\nBy Ann Lee March 2, 2024\\n"
    ...                "The minister spoke on Monday. She said more.\\nSubscribe\\n* indicates required")
    >>> c.title, c.author, c.date, c.text
    ('Big News Today', 'Ann Lee', '2024-03-02', 'By Ann Lee March 2, 2024\\n\\nThe minister spoke on Monday. She said more.')

    The byline stays in the text (without a page's "2 min read"): it is what the article says
    of who wrote it, and a question asking who did cites it.
    """
    lines = [ln.strip() for ln in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = _timed_entries([ln for ln in lines if ln])
    meta: dict[str, str] = {"title": title} if title else {}  # a headline the page's markup gave
    removed: list[str] = []
    kept: list[str] = []
    seen: set[str] = set()
    bylines: set[str] = set()  # kept, but no body text: the headline may still follow
    body_chars = 0

    for i, line in enumerate(lines):
        low = _norm(line)
        head = body_chars == 0 and len(kept) <= 2  # still in the page header
        if _FOOTER.match(line) and body_chars >= 200:
            for rest in lines[i:]:  # the footer may still name the publisher
                _collect_footer_meta(rest, meta)
            removed.extend(lines[i:])
            break
        if low in seen:  # repeated headline, repeated prompt
            removed.append(line)
            continue
        seen.add(low)
        if _BOILERPLATE.match(line) or _CREDIT.search(line):
            if _CREDIT.search(line) and kept and not is_sentence(kept[-1]) and low.startswith(_norm(kept[-1])):
                removed.append(kept.pop())  # the short caption that preceded the credited one
            _collect_footer_meta(line, meta)
            removed.append(line)
            continue
        if (m := _URL_LINE.match(line)) and len(line) < 300:
            meta.setdefault("url", m.group(1))
            removed.append(line)
            continue
        if (m := _SOURCE.match(line)) and not is_sentence(line.rstrip(".")) and len(line) < 160:
            meta.setdefault("publisher", m.group(1).strip().rstrip("."))
            removed.append(line)
            continue
        if head and _is_date_line(line):
            meta.setdefault("date", parse_date(line) or "")
            removed.append(line)
            continue
        if head and (m := _MASTHEAD.match(line)) and _is_date_line(m.group(2)):
            if _PUBLICATION.search(m.group(1)):  # "Harbourton Herald, 3 March 2024"; not "New York, 3 May 2024"
                meta.setdefault("publisher", m.group(1))
            meta.setdefault("date", parse_date(line) or "")
            removed.append(line)
            continue
        if head and (m := _BYLINE.match(line)) and not is_sentence(line):
            author, date = _split_byline(m.group(1))
            if author:
                meta.setdefault("author", author)
            if date:
                meta.setdefault("date", date)
            if author:  # the byline is the article's text too ("Who wrote ...?" cites it), not its reading time
                kept.append(_READING_TIME.sub("", line).strip())
                bylines.add(kept[-1])
            else:
                removed.append(line)
            continue
        if "title" not in meta and set(kept) <= bylines and len(line) <= 200 and not is_sentence(line):
            meta["title"] = line
            removed.append(line)
            continue
        title = meta.get("title")
        if title and _norm(title) in low and len(line) <= len(title) + 80 and not is_sentence(line):
            removed.append(line)  # "Europe, News  No Comments on <title>" and the like
            if body_chars == 0:  # what came before the headline is the page's header: site name, menu
                removed.extend(k for k in kept if k not in bylines)
                kept[:] = [k for k in kept if k in bylines]
            continue
        kept.append(line)
        body_chars += len(line) if is_sentence(line) else 0

    # A page often ends cut off: mid-sentence (a scrape that stopped short, or a teaser of
    # another story), then links and labels. The whole sentences before the cut are text.
    while kept and (not is_sentence(kept[-1])):
        line = kept.pop()
        whole = _WHOLE_SENTENCES.match(line)
        if whole and len(whole.group(0)) >= _CUT_PARAGRAPH_MIN:
            kept.append(whole.group(0))
            removed.append(line[whole.end():].strip())
            break
        removed.append(line)

    text = "\n\n".join(kept)
    if "date" not in meta or not meta["date"]:
        found = parse_date(text)
        if found:
            meta["date"] = found
    return CleanText(
        text=text,
        title=meta.get("title"),
        date=meta.get("date") or None,
        publisher=meta.get("publisher"),
        author=meta.get("author"),
        url=meta.get("url"),
        removed=tuple(removed),
    )


_TIME_LINE = re.compile(r"(?i)^\d{1,2}:\d{2}\s*(?:am|pm)?$")
LIVE_BLOG_TIMES = 3  # time-only lines that make a page a live blog (_timed_entries)


def _timed_entries(lines: list[str]) -> list[str]:
    """A live blog's entries keep their times: "10:31" on its own line, then the entry,
    becomes "10:31 — <entry>" when the page has LIVE_BLOG_TIMES such lines or more. Elsewhere
    a time alone on a line is a byline's, and dropped as furniture.

    >>> _timed_entries(["Live: the race", "11:05", "Chebet wins.", "10:31", "Tadesse wins.", "08:00", "They're off!"])[1:]
    ['11:05 — Chebet wins.', '10:31 — Tadesse wins.', "08:00 — They're off!"]
    """
    times = [i for i, ln in enumerate(lines[:-1])
             if _TIME_LINE.match(ln) and is_sentence(lines[i + 1]) and not _BOILERPLATE.match(lines[i + 1])]
    if len(times) < LIVE_BLOG_TIMES:
        return lines
    out, skip = [], set()
    for i, ln in enumerate(lines):
        if i in skip:
            continue
        if i in times:
            out.append(f"{ln} — {lines[i + 1]}")
            skip.add(i + 1)
        else:
            out.append(ln)
    return out


def _split_byline(rest: str) -> tuple[str | None, str | None]:
    """'Ann Lee and the desk April 3, 2024 2:44 PM 2 min read' -> ('Ann Lee and the desk', '2024-04-03')."""
    date = parse_date(rest)
    author = rest
    for pattern, _ in _DATE_PATTERNS:
        m = pattern.search(author)
        if m:
            author = author[: m.start()]
            break
    author = re.split(r"\s[|•·—-]\s|\d{1,2}:\d{2}", author)[0].strip(" ,;")
    return (author or None), date


def _collect_footer_meta(line: str, meta: dict[str, str]) -> None:
    stripped = line.strip()
    if re.match(r"(?i)^(copyright|©|\(c\))", stripped):
        m = _COPYRIGHT.match(stripped)
        name = (m.group(1) if m else "").strip(" .,")
        name = re.sub(r"(?i)\s*all rights reserved\.?", "", name).strip(" .,")
        name = re.split(r"(?<=[a-z]{2})\.\s", name)[0].strip(" .,")  # "Daily Ltd. Registered in England No. 01"
        if name:
            meta.setdefault("publisher", name)
    elif (m := _SOURCE.match(stripped)) and len(stripped) < 160:
        meta.setdefault("publisher", m.group(1).strip().rstrip("."))


def fallback_title(text: str, limit: int = 90) -> str:
    """No headline on the page: the first sentence, shortened at a word boundary.

    >>> fallback_title("In early 2024, NATO leaders faced a long war. More text.", limit=30)
    'In early 2024, NATO leaders…'
    """
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0] if text.strip() else "Untitled"
    if len(first) <= limit:
        return first.rstrip(".")
    return first[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


# --- other formats -> plain lines ------------------------------------------------------


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg",
            "button", "iframe", "template", "select", "figure", "figcaption", "menu"}  # fmt: skip
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section",
             "blockquote", "tr", "td", "th", "pre", "main", "time", "dd", "dt"}  # fmt: skip
    FRAME = {"html", "body", "main", "article"}  # their classes describe the page, not one box on it
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str, bool]] = []  # (text, inside an element whose class says furniture)
        self.article_parts: list[tuple[str, bool]] | None = None
        self.skip_depth = 0
        self.article_depth = 0
        self.meta: dict[str, str] = {}
        self._in_title = False
        self._title: list[str] = []
        self._furniture: str | None = None  # the tag of the element, whose class says furniture, we are in
        self._furniture_open = 0  # how many of that tag are open inside it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            content = a.get("content", "").strip()
            mapping = {"og:title": "title", "og:site_name": "publisher", "og:url": "url",
                       "article:published_time": "date", "date": "date", "pubdate": "date",
                       "author": "author", "article:author": "author"}  # fmt: skip
            if key in mapping and content:
                self.meta.setdefault(mapping[key], content)
        elif tag == "link" and a.get("rel", "").lower() == "canonical" and a.get("href"):
            self.meta.setdefault("url", a["href"])
        elif tag == "title":
            self._in_title = True
        if self._furniture:
            self._furniture_open += tag == self._furniture
        elif tag not in self.VOID | self.FRAME and _FURNITURE_CLASS.search(f"{a.get('class', '')} {a.get('id', '')}"):
            self._furniture, self._furniture_open = tag, 1
        if tag in self.SKIP:
            self.skip_depth += 1
        if tag == "article":
            self.article_depth += 1
            if self.article_parts is None:
                self.article_parts = []
        if tag in self.BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._furniture and tag == self._furniture:
            self._furniture_open -= 1
            if not self._furniture_open:
                self._furniture = None
        if tag in self.SKIP and self.skip_depth:
            self.skip_depth -= 1
        if tag == "article" and self.article_depth:
            self.article_depth -= 1
        if tag == "title":
            self._in_title = False
        if tag in self.BLOCK:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
            return
        if not self.skip_depth:
            self._emit(re.sub(r"[ \t\r\n]+", " ", data))

    def _emit(self, text: str) -> None:
        part = (text, bool(self._furniture) and not text.isspace())
        self.parts.append(part)
        if self.article_depth and self.article_parts is not None:
            self.article_parts.append(part)


# An element whose class or id names site furniture: share buttons, newsletter boxes, cookie
# banners, ad slots, related links, comments ("share-bar", "newsletter_signup", "ad-slot").
_FURNITURE_CLASS = re.compile(
    r"(?i)(?<![a-z])(?:share|sharing|social|newsletter|subscribe|subscription|signup|cookies?|consent|ads?|advert"
    r"|advertisement|promo|related|recommended|comments?|breadcrumbs?|paywall|popup|modal|caption|credit)(?![a-z])"
)


def html_to_text(html: str) -> tuple[str, dict[str, str]]:
    """Visible text of an HTML page, one block per line, and the metadata in its <head>."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    parts = parser.article_parts if parser.article_parts else parser.parts

    def joined(keep_furniture: bool) -> str:
        kept = "".join(t for t, furniture in parts if keep_furniture or not furniture)
        return "\n".join(ln.strip() for ln in kept.split("\n"))

    text = joined(False)
    if not any(len(ln) >= 40 and is_sentence(ln) for ln in text.splitlines()):
        text = joined(True)  # a class name misread ("has-ads" on a wrapper): better furniture than no article
    meta = dict(parser.meta)
    page_title = re.sub(r"\s+", " ", "".join(parser._title)).strip()
    # "<headline> | Coastal Herald": the page title names the site after the headline
    headline = meta.get("title") or next((ln for ln in text.splitlines() if len(ln) >= 10 and page_title.startswith(ln)), "")
    site = None
    if headline and page_title.startswith(headline):
        site = re.match(r"\s*[|–—-]\s*(.{2,60})$", page_title[len(headline):])
    if site:
        meta.setdefault("title", headline)
        meta.setdefault("publisher", site.group(1).strip())
    elif "title" not in meta and page_title:
        meta["title"] = page_title
    if "date" in meta:
        meta["date"] = parse_date(meta["date"]) or meta["date"][:10]
    return text, meta


def markdown_to_text(md: str) -> tuple[str, dict[str, str]]:
    """Markdown to plain lines; YAML-ish front matter (title/date/url/author/publisher) is read."""
    meta: dict[str, str] = {}
    m = re.match(r"^---\s*\n(.*?)\n---\s*\n", md, re.DOTALL)
    if m:
        for line in m.group(1).splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() in META_FIELDS and value.strip():
                meta[key.strip().lower()] = value.strip().strip("\"'")
        md = md[m.end() :]
    out = []
    for line in md.splitlines():
        line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)  # images
        line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)  # links keep their text
        line = re.sub(r"^\s{0,3}(?:#{1,6}\s+|>\s?)", "", line)  # headings, quotes
        line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)  # bold
        line = re.sub(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])", r"\2", line)  # italics: "*By Ann Lee | May 9*"
        if re.fullmatch(r"\s*([-*_])\s*(\1\s*){2,}", line):  # horizontal rule
            line = ""
        out.append(line)
    if meta.get("date"):
        meta["date"] = parse_date(meta["date"]) or meta["date"]
    return "\n".join(out), meta


# --- the file edge ---------------------------------------------------------------------


def decode_article_bytes(data: bytes, name: str) -> str:
    """Bytes to text, refusing what is not a text article, with a message that says why."""
    if not data.strip():
        raise InvalidInput(f"{name}: the file is empty; add the article text or remove the file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark, as Windows Notepad saves
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{name}: starts like UTF-16 text but does not decode as it; save it as UTF-8") from None
    if b"\x00" in data[:8192]:
        raise InvalidInput(f"{name}: this is a binary file, not a text article; "
                           "export the article as plain text, Markdown or HTML")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidInput(
            f"{name}: not UTF-8 text (bad byte at position {e.start}); "
            f"convert it, e.g. `iconv -f latin1 -t utf-8 {name} > fixed.txt`"
        ) from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.01 * min(len(text), 8192):
        raise InvalidInput(f"{name}: looks like binary data, not a text article")
    return text


def clean_article(text: str, *, article_id: str, source: str, kind: str, overrides: dict[str, str] | None = None) -> Article:
    """Decoded file text -> Article. `kind` is the file suffix; `overrides` come from the sidecar."""
    page_meta: dict[str, str] = {}
    if kind in (".html", ".htm"):
        text, page_meta = html_to_text(text)
    elif kind in (".md", ".markdown"):
        text, page_meta = markdown_to_text(text)
    cleaned = clean_text(text, title=page_meta.get("title"))
    if not cleaned.text.strip():
        raise InvalidInput(f"{source}: no article text left after removing navigation and boilerplate")
    found = {k: getattr(cleaned, k) for k in META_FIELDS}
    meta = {**{k: v for k, v in found.items() if v}, **page_meta, **(overrides or {})}
    date = meta.get("date")
    if date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        date = parse_date(date)
    title = meta.get("title") or fallback_title(cleaned.text)
    if meta.get("publisher"):  # "Pool saved by council vote - Coastal Gazette"
        title = re.sub(rf"\s+[|–—-]\s+{re.escape(meta['publisher'])}\s*$", "", title) or title
    digest = hashlib.sha256()
    for part in (cleaned.text, title, date, meta.get("publisher"), meta.get("author"), meta.get("url")):
        digest.update((part or "").encode() + b"\x1f")
    return Article(
        article_id=article_id,
        source=source,
        title=title,
        text=cleaned.text,
        content_hash=digest.hexdigest(),
        date=date,
        publisher=meta.get("publisher"),
        author=meta.get("author"),
        url=meta.get("url"),
    )


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + ".meta.json")


def load_article(path: Path, *, max_bytes: int) -> Article:
    """Read one article file (and its sidecar `<stem>.meta.json`, if any) into an Article."""
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InvalidInput(f"{name}: unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InvalidInput(
                f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB limit for one article; "
                "split it or raise max_file_mb"
            )
        data = path.read_bytes()
    except PermissionError:
        raise InvalidInput(f"{name}: cannot be read (permission denied); check its permissions") from None
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a directory, not an article file") from None
    text = decode_article_bytes(data, name)
    overrides = read_sidecar(sidecar_path(path))
    return clean_article(text, article_id=path.stem, source=name, kind=suffix, overrides=overrides)


def read_sidecar(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InvalidInput(f"{path.name}: metadata sidecar is not valid JSON ({e}); fix or delete it") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path.name}: metadata sidecar must be a JSON object like {{\"title\": \"...\"}}")
    unknown = set(data) - set(META_FIELDS)
    if unknown:
        raise InvalidInput(f"{path.name}: unknown metadata keys {sorted(unknown)}; allowed: {', '.join(META_FIELDS)}")
    wrong = sorted(k for k, v in data.items() if v is not None and not isinstance(v, str))
    if wrong:
        raise InvalidInput(f"{path.name}: metadata values must be text in quotes; {', '.join(wrong)} is not")
    date = data.get("date")
    if date:
        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            raise InvalidInput(f"{path.name}: date must be a real date like 2024-04-03, not {date!r}") from None
    return {k: v for k, v in data.items() if v not in (None, "")}

