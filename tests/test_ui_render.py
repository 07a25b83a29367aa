"""The UI's HTML, from hand-made answers: escaping, marker links, highlights, labels."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from rag.types import Answer, AnswerSentence, Citation
from rag.ui_render import (
    UNSUPPORTED_LABEL,
    highlight_quote,
    render_answer,
    render_article,
    render_error,
    render_question,
    render_sources,
    render_status,
    render_streaming,
    safe_upload_name,
)

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
ARTICLE = f"Headline {IMG}\n\nNATO met in Brussels. Russia lost 300,000 troops, he said. {SCRIPT} The end."
PASSAGE_START = ARTICLE.index("NATO met")
PASSAGE_END = ARTICLE.index(" The end.")
QUOTE = "Russia lost 300,000 troops, he said."


def citation(marker: int = 1, **changes: object) -> Citation:
    values = dict(
        marker=marker, source="a<b>.txt", article_id="a", title=f"Title {IMG}", date="2024-04-03",
        text=ARTICLE[PASSAGE_START:PASSAGE_END], start=PASSAGE_START, end=PASSAGE_END, score=0.9,
        quote=QUOTE, quote_start=ARTICLE.index(QUOTE), quote_end=ARTICLE.index(QUOTE) + len(QUOTE),
        publisher="The <i>Paper</i>",
    )  # fmt: skip
    values.update(changes)
    return Citation(**values)  # type: ignore[arg-type]


def answer(**changes: object) -> Answer:
    values = dict(
        question=f"Why {SCRIPT}?", text=f"Russia lost 300,000 troops {IMG}. [1] Something else.",
        refused=False, citations=(citation(),), contexts=(), backend="extractive", timings={},
        sentences=(AnswerSentence(f"Russia lost 300,000 troops {IMG}.", (1,), True),
                   AnswerSentence("Something else.", (), False)),
    )  # fmt: skip
    values.update(changes)
    return Answer(**values)  # type: ignore[arg-type]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


def no_live_markup(html: str) -> None:
    """Parsed as a browser would, the HTML holds only the renderer's own tags and attributes."""
    parser = _Tags()
    parser.feed(html)
    assert parser.tags <= {"a", "div", "span", "ul", "ol", "li", "mark", "blockquote", "details", "summary", "strong"}
    assert parser.attrs <= {"class", "href", "title", "id"}


def test_question_and_streaming_text_are_escaped():
    assert render_question(SCRIPT) == "&lt;script&gt;window.__pwned=1&lt;/script&gt;"
    html = render_streaming(f"partial {IMG} [1]")
    no_live_markup(html)
    assert "&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;" in html


def test_answer_escapes_text_and_links_markers_to_their_source():
    html = render_answer(answer(), turn=3)
    no_live_markup(html)
    assert "Russia lost 300,000 troops &lt;img" in html
    assert re.search(r'<a class="rc-cite" href="#rc-src-3-1"[^>]*>\[1\]</a>', html)
    # the marker's tooltip (title + quote) is an escaped attribute, and the footer names the source
    assert 'title="Title &lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;: “Russia lost' in html
    assert '<ul class="rc-footer">' in html


def test_the_footer_names_each_article_once_with_all_its_markers():
    other = citation(3, article_id="b", title="Another story")
    html = render_answer(answer(citations=(citation(1), citation(2), other)), turn=0)
    footer = html[html.index('<ul class="rc-footer">'):]
    assert footer.count("<li>") == 2 and footer.count("Title &lt;img") == 1
    assert re.search(r'rc-src-0-1"[^>]*>\[1\]</a><a class="rc-cite" href="#rc-src-0-2"[^>]*>\[2\]</a> Title', footer)
    assert re.search(r'rc-src-0-3"[^>]*>\[3\]</a> Another story', footer)


def test_a_quote_across_paragraphs_keeps_the_answer_one_html_block():
    """The chat renders Markdown, where a blank line ends an HTML block: a quote that spans
    two paragraphs must not carry its blank line into the marker's tooltip."""
    two = "NATO met.\n\nRussia lost 300,000 troops."
    html = render_answer(answer(citations=(citation(quote=two),)), turn=0)
    assert "\n" not in html
    assert "“NATO met. Russia lost 300,000 troops.”" in html


def test_marker_without_a_citation_stays_plain_text():
    html = render_answer(answer(sentences=(AnswerSentence("Claim.", (2,), True),)), turn=0)
    assert "Claim. [2]" in html and 'href="#rc-src-0-2"' not in html


def test_unsupported_sentence_is_marked_with_a_label():
    html = render_answer(answer(), turn=0)
    assert '<span class="rc-unsupported" title="not supported by the articles">Something else.</span>' in html
    assert f"⚠ {UNSUPPORTED_LABEL}" in html
    supported_part = html.split("Something else.")[0]
    assert "rc-unsupported" not in supported_part.split("rc-answer")[1].split("Russia lost")[0]


def test_refusal_is_a_neutral_note_not_an_error():
    refusal = answer(text="The articles don't cover this question.", refused=True, citations=(), sentences=())
    html = render_answer(refusal, turn=0)
    assert 'class="rc-refusal"' in html and "rc-error" not in html and "rc-cite" not in html
    assert "No sources: the articles do not answer" in render_sources(refusal, {}, turn=0)
    assert 'class="rc-error"' in render_error("the question is empty")


def test_notice_and_standalone_question_are_shown_escaped():
    html = render_answer(answer(notice=f"model down {SCRIPT}", standalone_question=f"What about {IMG}?"), turn=0)
    no_live_markup(html)
    assert '<div class="rc-notice">Note: model down &lt;script&gt;' in html
    assert "Understood as: What about &lt;img" in html


def test_answer_without_sentence_analysis_links_markers_in_text():
    html = render_answer(answer(sentences=(), text="Yes [1]. And [1, 2]."), turn=1)
    assert html.count('href="#rc-src-1-1"') >= 2  # the footer links too
    assert "[2]" in html and 'href="#rc-src-1-2"' not in html


def test_quote_highlight_uses_offsets_inside_the_passage():
    c = citation()
    html = highlight_quote(c.text, c.quote_start - c.start, c.quote_end - c.start, c.quote)
    assert html == "NATO met in Brussels. <mark>Russia lost 300,000 troops, he said.</mark> " + (
        "&lt;script&gt;window.__pwned=1&lt;/script&gt;"
    )


def test_quote_highlight_falls_back_to_the_quote_text_then_to_nothing():
    assert highlight_quote("a b c", 50, 60, "b") == "a <mark>b</mark> c"
    assert highlight_quote("a <b> c", 0, 1, "zzz") == "a &lt;b&gt; c"


def test_sources_panel_lists_each_citation_with_metadata_passage_and_article():
    c1, c2 = citation(1), citation(2, article_id="gone", title="Other")
    html = render_sources(answer(citations=(c1, c2)), {"a": ARTICLE, "gone": None}, turn=4)
    no_live_markup(html)
    assert '<li class="rc-source" id="rc-src-4-1">' in html and 'id="rc-src-4-2"' in html
    assert "2024-04-03 · The &lt;i&gt;Paper&lt;/i&gt; · " in html and "a&lt;b&gt;.txt" in html
    assert "<mark>Russia lost 300,000 troops, he said.</mark>" in html
    assert "Read the whole article" in html and "no longer in the index" in html
    assert "Sources for: Why &lt;script&gt;" in html


def test_whole_article_highlights_the_passage_and_quote_at_their_offsets():
    html = render_article(ARTICLE, citation())
    no_live_markup(html)
    before, rest = html.split('<span class="rc-passage-hl">')
    assert before.endswith("Headline &lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;\n\n")
    assert rest.startswith("NATO met in Brussels. <mark>Russia lost 300,000 troops, he said.</mark>")
    assert rest.endswith("</span> The end.</div>")


def test_whole_article_that_changed_is_shown_unhighlighted_with_a_note():
    html = render_article("A completely different text <b>x</b>.", citation())
    assert "changed since this answer" in html and "rc-passage-hl" not in html
    no_live_markup(html)
    moved = "Intro added. " + ARTICLE  # same passage, other offsets: found by its text
    assert '<span class="rc-passage-hl">NATO met' in render_article(moved, citation())


def test_status_line_escapes_file_names():
    html = render_status('added "<img src=x onerror=alert(1)>.txt"', ok=True)
    assert html.startswith('<div class="rc-ok">') and "<img" not in html


def test_upload_names_are_base_names_with_safe_characters():
    allowed = [".txt", ".md", ".html"]
    assert safe_upload_name("../../etc/cron.d/x.txt", allowed) == "x.txt"
    assert safe_upload_name("..\\..\\boot.ini.txt", allowed) == "boot.ini.txt"
    assert safe_upload_name("/abs/path/Report 2024 (final).HTML", allowed) == "Report_2024_final_.html"
    assert safe_upload_name(".hidden.md", allowed) == "hidden.md"
    assert safe_upload_name("...txt", allowed) == "upload.txt"
    assert safe_upload_name("Ünïcödé—news.txt", allowed) == "Unicode_news.txt"
    assert safe_upload_name('<img src=x onerror="a">.txt', allowed) == "img_src_x_onerror_a_.txt"
    assert safe_upload_name("a" * 300 + ".txt", allowed) == "a" * 100 + ".txt"
    for bad in ("run.sh", "archive.tar.gz", "noext", "article.txt.exe", ""):
        assert safe_upload_name(bad, allowed) is None, bad
