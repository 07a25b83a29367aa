"""Cleaning keeps every sentence of the body and drops site furniture; metadata is found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.clean import clean_article, clean_text, html_to_text, load_article, markdown_to_text, parse_date
from rag.errors import InvalidInput

MB = 5_000_000


def _load(corpus_dir: Path, stem: str):
    return load_article(corpus_dir / f"{stem}.txt", max_bytes=MB)


@pytest.mark.parametrize(
    "stem, gone",
    [
        ("003_16edb1bee11da1a2", ["Skip to content", "Edit post", "indicates required", "Subscribe",
                                  "News from Ukraine in your inbox", "This audio is created with AI assistance",
                                  "News Feed", "IMF approves", "Zelensky meets with CIA director",
                                  "Please, enter correct email", "Getty Images", "2 min read",
                                  "“I know that (NATO’s invitation"]),  # the cut-off tail of the last paragraph
        ("002_fc072bcf967fd6d4", ["No Comments", "Image Credit", "Related Articles", "Leave a comment",
                                  "Copyright", "IRIA is a research institute", "Enter your email",
                                  "Back to Top", "Left to right"]),
        ("004_383273222443319f", ["About The Author", "Leave a Reply", "will not be published",
                                  "Subscribe To Our Newsletter", "Source: Agence"]),
        ("001_cd5e2698af9fcec4", ["End of excerpt", "readers are encouraged to consult"]),
    ],
)
def test_cleaning_drops_site_furniture(corpus_dir, stem, gone):
    text = _load(corpus_dir, stem).text
    for fragment in gone:
        assert fragment not in text, fragment


@pytest.mark.parametrize("stem", ["000_7c0dcdb0c3e64ae2", "001_cd5e2698af9fcec4", "002_fc072bcf967fd6d4",
                                  "003_16edb1bee11da1a2", "004_383273222443319f"])
def test_cleaning_keeps_every_body_sentence(corpus_dir, stem):
    """Every line of the raw file that is a body sentence (ends like a sentence, is long,
    and is neither caption, teaser nor footer) is still in the cleaned text, verbatim."""
    article = _load(corpus_dir, stem)
    raw = (corpus_dir / f"{stem}.txt").read_text(encoding="utf-8")
    furniture = re.compile(r"Image Credit|Getty Images|IRIA is a research|^Media identifies|^According to the outlets|"
                           r"^President Volodymyr Zelensky said on Dec. 21|^Zelensky meets|^IMF approve|^The IMF approved|"
                           r"Thank you for signing up|^End of excerpt|readers are encouraged")
    body = [ln.strip() for ln in raw.splitlines()
            if len(ln.strip()) > 60 and re.search(r"[.!?”\"]$", ln.strip()) and not furniture.search(ln.strip())]
    assert body
    for line in body:
        assert line in article.text, line[:80]


def test_the_repeated_headline_becomes_the_title_once(corpus_dir):
    a = _load(corpus_dir, "002_fc072bcf967fd6d4")
    assert a.title == "NATO Foreign Ministers meet in Brussels to discuss Russia-Ukraine war"
    assert a.title not in a.text


def test_metadata_from_byline_dateline_copyright_and_source(corpus_dir):
    a3 = _load(corpus_dir, "003_16edb1bee11da1a2")
    assert (a3.date, a3.author) == ("2024-04-03", "Kateryna Denisova and The Kyiv Independent news desk")
    a2 = _load(corpus_dir, "002_fc072bcf967fd6d4")
    assert (a2.date, a2.publisher) == ("2023-11-29", "IRIA - International Relations Insights & Analysis")
    a4 = _load(corpus_dir, "004_383273222443319f")
    assert (a4.date, a4.publisher) == ("2024-12-21", "Agence France-Presse and SGP")
    a0 = _load(corpus_dir, "000_7c0dcdb0c3e64ae2")
    assert a0.date is None  # "early 2024" is no date
    assert a0.title.startswith("In early 2024, NATO leaders")


def test_sidecar_overrides_metadata(tmp_path):
    (tmp_path / "a.txt").write_text("Headline here\nBy Ann Lee\nThe minister spoke on May 2, 2024. She said more.\n")
    (tmp_path / "a.meta.json").write_text('{"publisher": "Daily Planet", "date": "2024-05-03", "url": "https://x.test/a"}')
    a = load_article(tmp_path / "a.txt", max_bytes=MB)
    assert (a.title, a.author, a.publisher, a.date, a.url) == ("Headline here", "Ann Lee", "Daily Planet", "2024-05-03", "https://x.test/a")
    (tmp_path / "a.meta.json").write_text('{"colour": "red"}')
    with pytest.raises(InvalidInput, match="unknown metadata keys"):
        load_article(tmp_path / "a.txt", max_bytes=MB)


def test_html_page_keeps_the_article_and_drops_scripts_and_navigation():
    html = """<html><head><title>Site | Story</title>
    <meta property="og:title" content="Allies meet in Riga">
    <meta property="og:site_name" content="Baltic Times">
    <meta property="article:published_time" content="2024-02-10T08:00:00Z">
    <link rel="canonical" href="https://example.test/riga"><script>var x = "<p>evil</p>";</script></head>
    <body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <header>Skip to content</header>
    <article><h1>Allies meet in Riga</h1><p>Ministers met in Riga on Friday.</p>
    <p>They agreed to send more air defence &amp; ammunition.</p><script>alert(1)</script></article>
    <footer>Copyright 2024 Baltic Times</footer></body></html>"""
    text, meta = html_to_text(html)
    a = clean_article(html, article_id="riga", source="riga.html", kind=".html")
    assert a.text == "Ministers met in Riga on Friday.\n\nThey agreed to send more air defence & ammunition."
    assert (a.title, a.publisher, a.date, a.url) == ("Allies meet in Riga", "Baltic Times", "2024-02-10", "https://example.test/riga")
    assert "alert" not in text and "Home" not in text


def test_html_boxes_named_as_furniture_are_dropped_and_the_site_named_in_the_title_is_the_publisher():
    html = """<html><head><title>Harbour bridge reopens | Coastal Herald</title>
    <meta property="og:title" content="Harbour bridge reopens"></head><body><article>
    <h1>Harbour bridge reopens</h1><div class="share-bar">Share on Facebook Share on X Copy link</div>
    <p>The bridge reopened on Thursday after a two-year repair.</p><div class="ad-slot">Advertisement</div>
    <div class="c-newsletter_signup">Sign up for our morning briefing. Get the day's top stories in your inbox.
    <input placeholder="Email address"><button>Sign up</button> By signing up you agree to our Privacy Policy.</div>
    <p>The repair cost 48 million dollars.</p><section id="comments"><p>Join the conversation. Log in to comment.</p></section>
    </article></body></html>"""
    a = clean_article(html, article_id="b", source="b.html", kind=".html")
    assert a.text == "The bridge reopened on Thursday after a two-year repair.\n\nThe repair cost 48 million dollars."
    assert (a.title, a.publisher) == ("Harbour bridge reopens", "Coastal Herald")
    # a wrapper whose class merely mentions ads is no ad box: the article is kept
    page = '<html><body><div class="page has-ads"><p>The council met on Monday and voted to repair the bridge.</p></div></body></html>'
    assert clean_article(page, article_id="c", source="c.html", kind=".html").text == "The council met on Monday and voted to repair the bridge."
    # the same furniture pasted as plain text
    raw = "The bridge reopened on Thursday.\nShare on Facebook\nSign up for our briefing. By signing up you agree to our Privacy Policy.\nIt cost $48 million."
    assert clean_text(raw).text == "The bridge reopened on Thursday.\n\nIt cost $48 million."


def test_mastheads_bylines_and_footers_in_the_forms_users_bring():
    md = ("Harbourton Herald, 3 March 2024\n\n*By Helen Ashdown | March 3, 2024*\n\nShare this story: Facebook | X | Email\n\n"
          "The bakery will close on March 30, its owner said.\n\nThis site uses cookies. Find out more. OK\n\n"
          "It was founded in 1962 and is famous for its pasties.\n\n© 2024 Herald Media Ltd. Registered in England No. 0123456\n")
    a = clean_article(md, article_id="b", source="b.md", kind=".md")
    # the byline is the article's own text, kept where it stands ("Who wrote ...?" cites it); the masthead is not
    assert a.text == ("By Helen Ashdown | March 3, 2024\n\nThe bakery will close on March 30, its owner said.\n\n"
                      "It was founded in 1962 and is famous for its pasties.")
    assert (a.publisher, a.author, a.date) == ("Harbourton Herald", "Helen Ashdown", "2024-03-03")
    # a byline above the headline: the headline is still the title, and no text
    c = clean_text("By Ann Lee\nBig News Today\nThe minister spoke on Monday.")
    assert (c.title, c.author, c.text) == ("Big News Today", "Ann Lee", "By Ann Lee\n\nThe minister spoke on Monday.")
    # a city dateline is dropped too, but a city is no publisher
    assert clean_text("New York, 3 May 2024\nShares rose on Friday after the report.").publisher is None
    # no og:title: the headline is the <h1> the page title starts with; the menu above it is header
    page = """<html><head><title>Marathon: as it happened - Riverside Sport Daily</title></head><body>
    <div>Riverside Sport Daily | Log in</div><div>Football Running Cycling</div><h1>Marathon: as it happened</h1>
    <div>Reporting by Sam Whitfield</div><p>Faith Chebet won the women's race in a course record.</p>
    <footer>© 2024 Riverside Sport Daily. Registered in England No. 0123456</footer></body></html>"""
    a = clean_article(page, article_id="m", source="m.html", kind=".html")
    assert a.text == "Reporting by Sam Whitfield\n\nFaith Chebet won the women's race in a course record."
    assert (a.title, a.publisher, a.author) == ("Marathon: as it happened", "Riverside Sport Daily", "Sam Whitfield")


def test_a_live_blog_keeps_its_entry_times_and_loses_its_sign_off():
    entry = '<div class="entry"><span class="time">{}</span><p>{}</p></div>'
    page = "<html><body><article><h1>Marathon live</h1>" + "".join(entry.format(t, p) for t, p in [
        ("11:42", "That's it from us. Thanks for following our live coverage."),
        ("10:31", "Abebe Tadesse wins the men's race in 2:07:55!"),
        ("08:00", "And they're off! A record 21,400 runners have started."),
        ("07:15", "Good morning and welcome to the race."),
    ]) + '<div class="caption">Tadesse at the finish. Picture: Sport Daily/Getty Images</div></article></body></html>'
    a = clean_article(page, article_id="m", source="m.html", kind=".html")
    assert a.text == ("10:31 — Abebe Tadesse wins the men's race in 2:07:55!\n\n08:00 — And they're off! A record 21,400 "
                      "runners have started.\n\n07:15 — Good morning and welcome to the race.")


def test_utf16_text_as_windows_notepad_saves_it_is_read(tmp_path):
    f = tmp_path / "kestrel.txt"
    f.write_bytes("Kestrels nest on the cathedral roof\n\nTwo chicks hatched there, wardens said.\n".encode("utf-16"))
    a = load_article(f, max_bytes=MB)
    assert (a.title, a.text) == ("Kestrels nest on the cathedral roof", "Two chicks hatched there, wardens said.")


@pytest.mark.parametrize("sidecar, message", [('{"date": "2024-02-30"}', "date must be a real date"),
                                              ('{"publisher": 5}', "must be text in quotes")])
def test_a_sidecar_with_an_impossible_date_or_a_number_is_refused(tmp_path, sidecar, message):
    (tmp_path / "a.txt").write_text("NATO met in Brussels on Tuesday.")
    (tmp_path / "a.meta.json").write_text(sidecar)
    with pytest.raises(InvalidInput, match=message):
        load_article(tmp_path / "a.txt", max_bytes=MB)


def test_markdown_front_matter_and_markup():
    md = "---\ntitle: Talks in Vilnius\ndate: 2023-07-11\n---\n# Talks in Vilnius\n\nLeaders met in **Vilnius** [today](https://x.test).\n\n![pic](a.png)\n"
    text, meta = markdown_to_text(md)
    a = clean_article(md, article_id="v", source="v.md", kind=".md")
    assert meta["title"] == "Talks in Vilnius" and a.date == "2023-07-11"
    assert a.text == "Leaders met in Vilnius today."


def test_parse_date_forms():
    assert parse_date("Posted 3rd April 2024") == "2024-04-03"
    assert parse_date("Sept. 9, 2023") == "2023-09-09"
    assert parse_date("2024-13-45 nothing") is None


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"   \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Caf\u00e9 au lait was served.".encode("latin-1"), "not UTF-8"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        load_article(f, max_bytes=MB)


def test_oversized_and_unsupported_files(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Word. " * 1000)
    with pytest.raises(InvalidInput, match="over the"):
        load_article(big, max_bytes=1000)
    pdf = tmp_path / "x.pdf"
    pdf.write_text("x")
    with pytest.raises(InvalidInput, match="unsupported file type"):
        load_article(pdf, max_bytes=MB)


def test_page_with_only_furniture_has_no_article():
    assert clean_text("Skip to content\nSubscribe\n* indicates required\n").text == ""


def test_a_page_cut_off_mid_sentence_keeps_the_whole_sentences_before_the_cut():
    """A scrape that stopped short, or a teaser of another story at the page's end: its whole
    sentences are text (a question may ask about them); the cut-off rest and the links after
    it are not."""
    raw = ("Bridge reopens\n\nThe Elm Street bridge reopened on Monday after six months of repairs.\n\n"
           "Mayor's plan: two more bridges by 2026\n"
           "The city will repair the Oak Street bridge next, Mayor Ann Lee said on March 3 in the council. "
           "“We have the money for both,” she told reporters at the\n\nRead more\nShare")
    text = clean_text(raw).text
    assert "Mayor Ann Lee said on March 3 in the council." in text
    assert "Elm Street bridge reopened on Monday" in text
    assert "We have the money" not in text and "Read more" not in text

