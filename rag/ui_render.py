"""What the browser UI shows, as HTML strings: answers with linked [n] markers, the sources
panel with the cited passage and supporting quote highlighted, and safe upload names. Pure.

Everything that comes from a user or an article (questions, answer text, titles, article
text, file names) goes through `html.escape` here, and only here, before it meets markup;
nothing from outside is ever placed in HTML unescaped. Offsets follow rag.types.Citation:
`start`/`end` and `quote_start`/`quote_end` all index the cleaned article text.

    >>> render_question("<b>hi</b>")
    '&lt;b&gt;hi&lt;/b&gt;'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from html import escape

from rag.types import Answer, Citation

UNSUPPORTED_LABEL = "not supported by the articles"
_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")


def render_question(question: str) -> str:
    return escape(question)


def render_streaming(text: str) -> str:
    """The answer while it is being written: plain escaped text, markers not yet linked."""
    return f'<div class="rc-answer rc-streaming">{escape(text)}<span class="rc-cursor">▍</span></div>'


def render_stopped() -> str:
    """In place of an answer its asker stopped: what was written so far was never checked, so it is not kept."""
    return ('<div class="rc-refusal rc-stopped">Stopped before the answer was finished '
            '(the unfinished text was not checked against the articles, so it is not kept). Ask again for the whole answer.</div>')


def render_error(message: str) -> str:
    """A RagchatError's message (it says what to do); never a traceback."""
    return f'<div class="rc-error"><strong>Could not answer:</strong> {escape(message)}</div>'


def source_anchor(turn: int, marker: int) -> str:
    """The id of a source entry in the sources panel: unique per answer and marker.

    >>> source_anchor(2, 1)
    'rc-src-2-1'
    """
    return f"rc-src-{turn}-{marker}"


def render_answer(answer: Answer, *, turn: int) -> str:
    """The verified answer for the chat bubble.

    Markers link to their source entry; unsupported sentences carry a warning label;
    a refusal is a neutral note, not an error; a notice (e.g. a fallback) is shown.
    """
    parts = []
    if answer.standalone_question:
        parts.append(f'<div class="rc-understood">Understood as: {escape(answer.standalone_question)}</div>')
    if answer.refused:
        parts.append(f'<div class="rc-refusal"><span class="rc-icon">ℹ</span> {escape(answer.text)}</div>')
    else:
        by_marker = {c.marker: c for c in answer.citations}
        if answer.sentences:
            body = " ".join(_render_sentence(s.text, s.markers, s.supported, by_marker, turn) for s in answer.sentences)
        else:  # an answer without sentence analysis: link the markers in its text
            body = link_markers(escape(answer.text), by_marker, turn)
        parts.append(f'<div class="rc-answer">{body}</div>')
        if answer.citations:
            parts.append(_source_footer(answer.citations, turn))
    if answer.notice:
        parts.append(f'<div class="rc-notice">Note: {escape(answer.notice)}</div>')
    return "".join(parts)


def _render_sentence(text: str, markers: Iterable[int], supported: bool,
                     by_marker: Mapping[int, Citation], turn: int) -> str:
    body = escape(text)
    if not supported:
        return (f'<span class="rc-unsupported" title="{UNSUPPORTED_LABEL}">{body}</span>'
                f'<span class="rc-badge">⚠ {UNSUPPORTED_LABEL}</span>')
    return body + "".join(" " + marker_link(n, by_marker.get(n), turn) for n in markers)


def marker_link(n: int, citation: Citation | None, turn: int) -> str:
    """An [n] marker that jumps to its source entry (plain text if the source is unknown).

    >>> marker_link(3, None, 0)
    '[3]'
    """
    if citation is None:
        return f"[{n}]"
    # whitespace folded: a blank line inside the chat's HTML would end it as Markdown
    # (a quote that spans two paragraphs did)
    tip = escape(f"{citation.title}: “{' '.join(citation.quote.split())}”")
    return f'<a class="rc-cite" href="#{source_anchor(turn, n)}" title="{tip}">[{n}]</a>'


def link_markers(escaped_text: str, by_marker: Mapping[int, Citation], turn: int) -> str:
    """Replace [n] / [n, m] in already escaped text with marker links.

    >>> link_markers("Yes [2].", {}, 0)
    'Yes [2].'
    """

    def one(m: re.Match[str]) -> str:
        numbers = [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]
        return "".join(marker_link(n, by_marker.get(n), turn) for n in numbers)

    return _MARKER.sub(one, escaped_text)


def _source_footer(citations: Iterable[Citation], turn: int) -> str:
    """One line per cited article, with the markers of all its passages: "[1][3] Title"."""
    by_article: dict[str, list[Citation]] = {}
    for c in citations:
        by_article.setdefault(c.article_id, []).append(c)
    items = "".join(
        "<li>" + "".join(f'<a class="rc-cite" href="#{source_anchor(turn, c.marker)}">[{c.marker}]</a>' for c in cs)
        + f" {escape(cs[0].title)}</li>"
        for cs in by_article.values()
    )
    return f'<ul class="rc-footer">{items}</ul>'


# -- the sources panel -------------------------------------------------------------------


def render_sources(answer: Answer | None, article_texts: Mapping[str, str | None], *, turn: int) -> str:
    """The sources panel for one answer: each cited article with its passage, the
    supporting quote in <mark>, and the whole article (passage highlighted) to unfold."""
    if answer is None:
        return '<div class="rc-sources-empty">Ask a question: the sources of the answer appear here.</div>'
    head = f'<div class="rc-sources-q">Sources for: {escape(answer.question)}</div>'
    if not answer.citations:
        note = "No sources: the articles do not answer this question." if answer.refused else "No sources."
        return head + f'<div class="rc-sources-empty">{note}</div>'
    entries = "".join(_source_entry(c, article_texts.get(c.article_id), turn) for c in answer.citations)
    return head + f'<ol class="rc-sources">{entries}</ol>'


def _source_entry(c: Citation, article_text: str | None, turn: int) -> str:
    file = f'<span class="rc-file">{escape(c.source)}</span>'
    meta = " · ".join([escape(x) for x in (c.date, c.publisher) if x] + [file])
    passage = highlight_quote(c.text, c.quote_start - c.start, c.quote_end - c.start, c.quote)
    return (
        f'<li class="rc-source" id="{source_anchor(turn, c.marker)}">'
        f'<div class="rc-src-title"><span class="rc-src-n">[{c.marker}]</span> {escape(c.title)}</div>'
        f'<div class="rc-src-meta">{meta}</div>'
        f'<blockquote class="rc-passage">{passage}</blockquote>'
        f'<details class="rc-article"><summary>Read the whole article</summary>'
        f'{render_article(article_text, c)}</details>'
        "</li>"
    )


def highlight_quote(passage: str, quote_start: int, quote_end: int, quote: str = "") -> str:
    """The passage, escaped, with the supporting quote in <mark> (offsets within the passage;
    if they do not fit, the quote is looked up by its text; failing that nothing is marked).

    >>> highlight_quote("A <b>. Russia lost 300,000.", 7, 27)
    'A &lt;b&gt;. <mark>Russia lost 300,000.</mark>'
    """
    if not (0 <= quote_start < quote_end <= len(passage)) or (quote and passage[quote_start:quote_end] != quote):
        found = passage.find(quote) if quote else -1
        if found < 0:
            return escape(passage)
        quote_start, quote_end = found, found + len(quote)
    return (escape(passage[:quote_start]) + "<mark>" + escape(passage[quote_start:quote_end]) + "</mark>"
            + escape(passage[quote_end:]))


def render_article(text: str | None, c: Citation) -> str:
    """The whole cleaned article, escaped, with the cited passage and quote highlighted."""
    if text is None:
        return '<div class="rc-article-text rc-missing">This article is no longer in the index.</div>'
    start, end = c.start, c.end
    if text[start:end] != c.text:  # the article was re-ingested with other text since the answer
        start = text.find(c.text)
        end = start + len(c.text)
        if start < 0:
            return ('<div class="rc-missing">The article changed since this answer; the passage is not '
                    f'highlighted.</div><div class="rc-article-text">{escape(text)}</div>')
    inner = highlight_quote(text[start:end], c.quote_start - c.start, c.quote_end - c.start, c.quote)
    return (f'<div class="rc-article-text">{escape(text[:start])}<span class="rc-passage-hl">{inner}</span>'
            f"{escape(text[end:])}</div>")


# -- corpus tab --------------------------------------------------------------------------

_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def safe_upload_name(name: str, allowed_suffixes: Iterable[str]) -> str | None:
    """A file name that is safe to create inside the uploads folder, or None if the type is
    not allowed. Keeps the base name only (no folders, no '..'), ASCII letters, digits, '.',
    '_' and '-', no leading dot, at most 100 characters; the suffix is lower-cased.

    >>> safe_upload_name("../../etc/passwd.txt", [".txt"])
    'passwd.txt'
    >>> safe_upload_name("C:\\\\Users\\\\me\\\\Mon article (1).MD", [".md"])
    'Mon_article_1_.md'
    >>> safe_upload_name("evil.sh", [".txt"]) is None
    True
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot or "." + suffix.lower() not in {s.lower() for s in allowed_suffixes}:
        return None
    stem = "".join(ch for ch in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(ch))  # é -> e
    stem = _UNSAFE_NAME_CHARS.sub("_", stem)
    stem = stem.lstrip("._-")[:100] or "upload"
    return f"{stem}.{suffix.lower()}"


def render_status(message: str, *, ok: bool) -> str:
    """A one-line status for the corpus tab (file names in it are escaped)."""
    kind = "rc-ok" if ok else "rc-error"
    return f'<div class="{kind}">{escape(message)}</div>'


# -- page assets -------------------------------------------------------------------------

CSS = """
.rc-answer { line-height: 1.55; }
.rc-streaming { color: var(--body-text-color-subdued); }
.rc-cursor { animation: rc-blink 1s steps(2) infinite; }
@keyframes rc-blink { 50% { opacity: 0; } }
a.rc-cite { font-weight: 600; text-decoration: none; color: var(--color-accent); cursor: pointer; }
a.rc-cite:hover { text-decoration: underline; }
.rc-unsupported { background: #fff3cd; color: #664d03; border-bottom: 2px dotted #d39e00; }
.rc-badge { display: inline-block; margin: 0 .35em; padding: 0 .4em; font-size: .78em; border-radius: 4px;
  background: #ffe69c; color: #664d03; font-weight: 600; }
.rc-refusal { background: #eef2f7; color: #2b3a4a; border-left: 4px solid #8aa0b8; padding: .5em .75em;
  border-radius: 4px; }
.rc-notice { margin-top: .5em; font-size: .9em; color: #41464b; background: #f1f3f5; padding: .3em .6em;
  border-radius: 4px; }
.rc-error { background: #f8d7da; color: #58151c; border-left: 4px solid #dc3545; padding: .5em .75em;
  border-radius: 4px; }
.rc-ok { background: #d1e7dd; color: #0a3622; border-left: 4px solid #198754; padding: .5em .75em;
  border-radius: 4px; }
.rc-understood { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .3em; }
.rc-footer { list-style: none; padding: 0; margin: .6em 0 0 0; font-size: .85em;
  border-top: 1px solid var(--border-color-primary); padding-top: .4em; }
.rc-footer li { margin: .1em 0; }
.rc-sources-q { font-weight: 600; margin-bottom: .5em; }
.rc-sources { padding-left: 0; list-style: none; margin: 0; }
.rc-source { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: .6em .8em;
  margin-bottom: .7em; scroll-margin-top: 1em; }
.rc-source.rc-flash { outline: 3px solid var(--color-accent); }
.rc-src-title { font-weight: 600; }
.rc-src-n { color: var(--color-accent); }
.rc-src-meta { font-size: .82em; color: var(--body-text-color-subdued); margin: .15em 0 .4em 0; }
.rc-file { font-family: var(--font-mono); }
.rc-passage { white-space: pre-wrap; margin: 0; padding: .4em .6em; border-left: 3px solid #adb5bd;
  background: var(--background-fill-secondary); font-size: .92em; }
.rc-passage mark, .rc-article-text mark { background: #ffe066; color: inherit; padding: 0 1px; }
.rc-article summary { cursor: pointer; font-size: .88em; margin-top: .4em; color: var(--color-accent); }
.rc-article-text { white-space: pre-wrap; max-height: 24em; overflow-y: auto; font-size: .9em;
  padding: .5em; border: 1px solid var(--border-color-primary); border-radius: 4px; margin-top: .3em; }
.rc-passage-hl { background: #e7f1ff; }
.rc-missing { font-style: italic; color: var(--body-text-color-subdued); }
.rc-sources-empty { color: var(--body-text-color-subdued); }
"""

# Marker clicks scroll the sources panel to the entry (a plain #anchor would be opened in a
# new tab by the chat's link handling). If the panel still shows another answer, it waits
# for the panel to switch (the chat's select event does that) for up to 3 s.
CLICK_SCRIPT = """
<script>
document.addEventListener('click', function (event) {
  var link = event.target.closest && event.target.closest('a.rc-cite');
  if (!link) return;
  event.preventDefault();
  var id = (link.getAttribute('href') || '').slice(1);
  var tries = 0;
  (function jump() {
    var entry = document.getElementById(id);
    if (!entry) { if (tries++ < 30) setTimeout(jump, 100); return; }
    entry.scrollIntoView({behavior: 'smooth', block: 'start'});
    entry.classList.add('rc-flash');
    setTimeout(function () { entry.classList.remove('rc-flash'); }, 1600);
  })();
}, true);
// "Read the whole article" opens at the cited passage, a third down its box, not at the top
document.addEventListener('toggle', function (event) {
  var details = event.target;
  if (!details.classList || !details.classList.contains('rc-article') || !details.open) return;
  var box = details.querySelector('.rc-article-text'), hl = details.querySelector('.rc-passage-hl');
  if (!box || !hl) return;
  box.scrollTop += hl.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 3;
}, true);
</script>
"""
