"""Chunks: whole sentences, token-bounded, overlapping, with exact offsets."""

from __future__ import annotations

from rag.chunking import chunk_article, split_sentences, token_counter
from rag.clean import clean_article, load_article


def _article(text: str):
    return clean_article(text, article_id="t", source="t.txt", kind=".txt")


def test_chunks_are_exact_slices_within_the_token_limit(corpus_dir):
    count = token_counter()
    for path in sorted(corpus_dir.glob("*.txt")):
        article = load_article(path, max_bytes=5_000_000)
        chunks = chunk_article(article, max_tokens=80, overlap_tokens=30)
        assert chunks
        for c in chunks:
            assert article.text[c.start : c.end] == c.text
            assert count(c.text) <= 80 + 5  # the separators between sentences add a token or two
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        body = {i for i, ch in enumerate(article.text) if not ch.isspace()}
        assert body <= covered, "every character of the article is in some chunk"


def test_neighbouring_chunks_overlap_by_whole_sentences():
    text = " ".join(f"Sentence number {i} says something about the alliance." for i in range(30))
    a = _article(text)
    chunks = chunk_article(a, max_tokens=40, overlap_tokens=15)
    assert len(chunks) > 3
    for left, right in zip(chunks, chunks[1:]):
        assert right.start < left.end, "consecutive chunks share a sentence"
        assert a.text[right.start - 1] == " " or right.start == 0
        assert right.start > left.start


def test_a_heading_starts_the_chunk_it_belongs_to():
    text = ("Alpha sentence one is long enough to matter here. Alpha sentence two is also fairly long.\n"
            "A Heading\n"
            "Beta sentence one follows the heading closely. Beta sentence two ends it.")
    a = _article(text)
    chunks = chunk_article(a, max_tokens=22, overlap_tokens=0)
    for c in chunks:
        assert not c.text.rstrip().endswith("A Heading")
    assert any(c.text.startswith("A Heading") for c in chunks)


def test_sentence_splitter_handles_abbreviations_and_quotes():
    t = "“We must and we will,” Blinken said. U.S. Secretary Antony J. Blinken met Gen. Cavoli on Nov. 28. Done!"
    got = [t[s:e] for s, e in split_sentences(t)]
    assert got == ["“We must and we will,” Blinken said.", "U.S. Secretary Antony J. Blinken met Gen. Cavoli on Nov. 28.", "Done!"]


def test_an_overlong_sentence_is_cut_at_words():
    a = _article("word " * 400 + "end.")
    chunks = chunk_article(a, max_tokens=50, overlap_tokens=0)
    assert len(chunks) >= 8
    assert all(a.text[c.start : c.end] == c.text for c in chunks)
