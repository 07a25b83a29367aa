"""Passages -> a drafted answer with [n] markers (n = the passage's number, 1-based).

Two composers fill the same seam:
- ExtractiveComposer: no model; the best-supported sentences of the passages, verbatim;
- LLMComposer: a chat model (llama.cpp or any OpenAI-compatible server) prompted from
  the files under prompts/.
Drafts are checked and renumbered by rag.citations afterwards, whichever wrote them.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from rag.evidence import (
    PassageSentence, antecedent_count, answer_type_bonus, asked_noun, asks_for_a_kind, content_terms, continues,
    dated_next_to_asked, is_when_question, only_announces, own_turn, without_source_pointer,
)
from rag.types import ScoredChunk


@dataclass(frozen=True)
class RankedSentence:
    """A passage sentence scored against the question (rag.evidence.support_matrix)."""

    sentence: PassageSentence
    score: float


class Composer(Protocol):
    name: str

    def compose(self, question: str, passages: list[ScoredChunk], ranked: list[RankedSentence]) -> Iterator[str]:
        """Yield the draft as it is written; markers refer to `passages` by 1-based index."""
        ...


SIBLING_MARGIN, SAME_ARTICLE_MARGIN = 0.05, 0.12  # see select_sentences
_ACROSS_ARTICLES = re.compile(r"(?i)\b(?:articles|sources|reports|coverage|outlets)\b")


def asks_across_articles(question: str) -> bool:
    """Does the question ask what several articles say? (Then sentences from other articles
    are wanted, not near-copies to skip: gold facts 0.63 -> 0.67, dev 0.67 -> 0.70.)

    >>> asks_across_articles("What aid figures are cited across the articles?"), asks_across_articles("Who won?")
    (True, False)
    """
    return bool(_ACROSS_ARTICLES.search(question))


def select_sentences(ranked: list[RankedSentence], *, articles: list[str] | None = None, margin: float = SIBLING_MARGIN,
                     same_article_margin: float = SAME_ARTICLE_MARGIN, most: int = 3, max_chars: int = 600) -> list[RankedSentence]:
    """The best sentence, plus up to `most - 1` near-best ones that add something new.

    `articles[i]` is the article of passage i. A sentence from the best sentence's own
    article may score up to `same_article_margin` below it; one from another article only
    `margin`: the articles retell the same events, and a sibling's sentence is more often
    a near-copy than the rest of the answer (against 3 from anywhere within 0.08: citations
    to the right article gold 0.79 -> 0.81, dev 0.82 -> 0.89; answers citing the evidence
    0.88 -> 0.90, 0.84 -> 0.88; docs/NOTES.md).

    >>> from rag.evidence import PassageSentence as S
    >>> r = [RankedSentence(S(0, 0, 9, "NATO met."), 0.9), RankedSentence(S(1, 0, 9, "NATO met."), 0.88),
    ...      RankedSentence(S(1, 20, 40, "Allies pledged aid."), 0.84), RankedSentence(S(0, 20, 30, "Kyiv asked."), 0.8),
    ...      RankedSentence(S(2, 0, 5, "Rain."), 0.3)]
    >>> [x.sentence.text for x in select_sentences(r, articles=["a", "b", "c"])]
    ['NATO met.', 'Kyiv asked.']
    """
    if not ranked:
        return []
    best = ranked[0]

    def article(r: RankedSentence) -> str | None:
        return articles[r.sentence.passage] if articles else None

    chosen = [best]
    chars = len(best.sentence.text)
    for cand in ranked[1:]:
        if len(chosen) >= most or cand.score < best.score - max(margin, same_article_margin):
            break
        if cand.score < best.score - (same_article_margin if article(cand) == article(best) else margin):
            continue
        terms = content_terms(cand.sentence.text)
        if any(_same_claim(terms, content_terms(c.sentence.text)) for c in chosen):
            continue
        if chars + len(cand.sentence.text) > max_chars:
            continue
        chosen.append(cand)
        chars += len(cand.sentence.text)
    return chosen


def _same_claim(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) > 0.6


def on_topic(question: str, candidates: list[RankedSentence], ranked: list[RankedSentence]) -> list[RankedSentence]:
    """The candidates that hold one of the question's words that most of `ranked` lack
    ("summit", "Washington" for "When is the NATO summit in Washington ...?": "NATO Foreign
    Ministers concluded ... on November 29, 2023" gives a date, but of another meeting).
    All of them when every word of the question is common.

    >>> from rag.evidence import PassageSentence as S
    >>> r = [RankedSentence(S(0, 0, 9, t), 0.5) for t in ("NATO's July summit in Washington.", "NATO met on 29 November.",
    ...                                                 "NATO grew.")]
    >>> [x.sentence.text for x in on_topic("When is the NATO summit in Washington?", r[1:], r)]
    []
    """
    asked = content_terms(without_source_pointer(question))
    held = [content_terms(r.sentence.text) for r in ranked]
    rare = {t for t in asked if 2 * sum(t in h for h in held) <= len(held)}
    if not rare:
        return candidates
    return [c for c in candidates if content_terms(c.sentence.text) & rare]


class ExtractiveComposer:
    """The deterministic backend: quotes the sentences that best answer the question."""

    name = "extractive"

    def compose(self, question: str, passages: list[ScoredChunk], ranked: list[RankedSentence]) -> Iterator[str]:
        articles = [p.chunk.article_id for p in passages]
        # "What do the articles say about ...": other articles' sentences are what is asked for
        margin = SAME_ARTICLE_MARGIN if asks_across_articles(question) else SIBLING_MARGIN
        candidates = _dated_answers(question, ranked)  # what may answer; `ranked` stays whole for the sentences around them
        if candidates and asks_for_a_kind(question):  # "When ...?", "How many ...?": so must the extra sentences
            candidates = candidates[:1] + [r for r in candidates[1:] if answer_type_bonus(question, r.sentence.text) > 0]
            if not asks_across_articles(question):  # ... and be about what is asked (not another meeting's date)
                candidates = candidates[:1] + on_topic(question, candidates[1:], candidates)
        # "Which anniversary ...?": a sentence that names it, as near the best as another
        # article's may be, answers first, and so must the extra sentences name it
        noun = asked_noun(question)
        naming = [r for r in candidates if noun and noun in content_terms(r.sentence.text)
                  and r.score >= candidates[0].score - SIBLING_MARGIN]  # fmt: skip
        if naming:
            candidates = naming[:1] + [r for r in candidates if r != naming[0] and noun in content_terms(r.sentence.text)]
        chosen = with_details(question, select_sentences(candidates, articles=articles, margin=margin), ranked, articles)
        for n, r in enumerate(chosen):
            yield ("" if n == 0 else " ") + f"{closed_quotes(r.sentence.text)} [{r.sentence.passage + 1}]"


DATED_MARGIN = 0.25  # see _dated_answers


def _dated_answers(question: str, ranked: list[RankedSentence], margin: float = DATED_MARGIN) -> list[RankedSentence]:
    """The sentences that may answer: for a one-part "when" question, those that date what
    it asks about (`dated_next_to_asked`, scoring at most `margin` below the best) when there
    are some, else all of `ranked`. "What are the dates of the Washington summit?" was
    answered by "... ministers focused on ... preparations for a Washington summit ..."
    before "... the Washington meeting, scheduled for July 9-11, ..." (five held-out sets
    asked it, four missed it), and then by "Rasmussen said on Jan. 30".

    >>> from rag.evidence import PassageSentence as S
    >>> r = [RankedSentence(S(0, 0, 9, "Ministers prepared the Washington summit."), 0.57),
    ...      RankedSentence(S(1, 0, 9, "The Washington meeting, scheduled for July 9-11, may help."), 0.35)]
    >>> [x.score for x in _dated_answers("What are the dates of the Washington summit?", r)]
    [0.35]
    >>> [x.score for x in _dated_answers("Who prepared the Washington summit?", r)]
    [0.57, 0.35]
    """
    if not ranked or not is_when_question(question):
        return ranked
    dated = [r for r in ranked if r.score >= ranked[0].score - margin and dated_next_to_asked(question, r.sentence.text)]
    return dated or ranked


def with_details(question: str, chosen: list[RankedSentence], ranked: list[RankedSentence],
                 articles: list[str] | None = None) -> list[RankedSentence]:
    """Each chosen sentence that adds at most one word to the question ("Economic pressure on
    Russia has intensified as well.": a topic sentence) followed by the next sentence of its
    article (`articles[i]`: the article of passage i), which says what it only announces
    ("Oil and gas revenues are down, ...").

    >>> from rag.evidence import PassageSentence as S
    >>> r = [RankedSentence(S(0, 0, 40, "Economic pressure on Russia has intensified."), 0.8),
    ...      RankedSentence(S(0, 41, 80, "Oil and gas revenues are down."), 0.5)]
    >>> [x.sentence.text for x in with_details("Describe the economic pressure on Russia.", r[:1], r)]
    ['Economic pressure on Russia has intensified.', 'Oil and gas revenues are down.']
    >>> [x.sentence.text for x in with_details("What is the pressure on Russia?", r[1:], r)]
    ['Oil and gas revenues are down.']

    A sentence that names aspects ("political, military, and economic setbacks") is followed
    by the sentences of its passage that take them up in turn ("Politically, ...",
    "Militarily, ..."): they are what it announces (heldout11 v026). Only the best sentence's,
    and of those only the aspects the question names when it names some ("And militarily?").

    >>> r = [RankedSentence(S(0, 0, 40, "Russia faces political and military setbacks."), 0.8),
    ...      RankedSentence(S(0, 41, 80, "Politically, it lost influence."), 0.4),
    ...      RankedSentence(S(0, 81, 99, "Militarily, it lost tanks."), 0.3)]
    >>> [x.sentence.text for x in with_details("Why is Russia worse off?", r[:1], r)][1:]
    ['Politically, it lost influence.', 'Militarily, it lost tanks.']
    >>> [x.sentence.text for x in with_details("And militarily?", r[:1], r)][1:]
    ['Militarily, it lost tanks.']
    >>> [x.sentence.text for x in with_details("What military losses?", r[:1], r[:2])][1:]
    []

    A sentence that opens a quotation comes with the rest of it (`rest_of_quote`).

    A sentence that opens by pointing back ("Those fears ...", "This step ...") comes after the
    sentence of its passage it points to, which says what it means (heldout11 v013).

    >>> r = [RankedSentence(S(0, 0, 30, "Some feared Kyiv would fall."), 0.2),
    ...      RankedSentence(S(0, 31, 60, "Those fears did not materialize."), 0.8)]
    >>> [x.sentence.text for x in with_details("What fears were there?", r[1:], r)]
    ['Some feared Kyiv would fall.', 'Those fears did not materialize.']

    ... and a sentence followed by one that points back to it or sets itself against it ("This
    step ...", "However, ...") comes with it: that sentence is the other half of its point.

    >>> r = [RankedSentence(S(0, 0, 30, "Leaders set up a council."), 0.8),
    ...      RankedSentence(S(0, 31, 60, "This step gives Kyiv a seat."), 0.3)]
    >>> [x.sentence.text for x in with_details("What council was set up?", r[:1], r)]
    ['Leaders set up a council.', 'This step gives Kyiv a seat.']

    ... and so does the one that goes on from that ("Some feared Kyiv would fall. Those fears
    did not materialize. Instead, ...").

    >>> r = [RankedSentence(S(0, 0, 30, "Some feared Kyiv would fall."), 0.8),
    ...      RankedSentence(S(0, 31, 60, "Those fears did not materialize."), 0.3),
    ...      RankedSentence(S(0, 61, 90, "Instead, Kyiv pushed them back."), 0.2)]
    >>> [x.sentence.text for x in with_details("What was feared?", r[:1], r)][1:]
    ['Those fears did not materialize.', 'Instead, Kyiv pushed them back.']
    """
    def article(x: RankedSentence) -> str | int:
        return articles[x.sentence.passage] if articles else x.sentence.passage

    def place(x: RankedSentence) -> tuple[str | int, int]:
        return article(x), x.sentence.start

    def new(x: RankedSentence) -> bool:  # not yet in the answer (passages overlap: a sentence may recur)
        return place(x) not in {place(y) for y in out}

    out: list[RankedSentence] = []
    for n, r in enumerate(chosen):
        # "Those fears did not materialize." says nothing alone: what it points to comes first
        out.extend(x for x in pointed_back_to(r, ranked, article) if new(x))
        if new(r):  # (else already in: before a sentence that points back to it, or after one it announces)
            out.append(r)
        after: list[RankedSentence] = []  # the sentences after it in its article, once each (passages overlap)
        for x in sorted(ranked, key=lambda x: (x.sentence.start, x.sentence.passage)):
            if article(x) == article(r) and x.sentence.start >= r.sentence.end and place(x) not in map(place, after):
                after.append(x)
        out.extend(x for x in rest_of_quote(r, after) if new(x))
        taken_up = _aspects_taken_up(question, r, after) if n == 0 else []  # (the best sentence's only)
        if len(taken_up) < 2 and (only_announces(question, r.sentence.text) or _goes_on_from(after[:1], r)):
            taken_up = after[:1]  # what it announces, or "This step signifies ...", "However, ..." after it
            if after and _goes_on_from(after[1:2], after[0]):  # "... Those fears did not materialize. Instead, ..."
                taken_up = after[:2]
        out.extend(x for x in taken_up if new(x))
    return out


def _goes_on_from(following: list[RankedSentence], r: RankedSentence) -> bool:
    """Does the sentence in `following`, right after `r`, open by pointing back to it ("This
    step ...") or by setting itself against it ("However, ...")?"""
    return bool(following) and 0 <= following[0].sentence.start - r.sentence.end <= 3 and (
        continues(following[0].sentence.text))


def pointed_back_to(r: RankedSentence, ranked: list[RankedSentence], article: Callable[[RankedSentence], object] | None = None,
                    most: int = 3) -> list[RankedSentence]:
    """The sentences just before `r` in its article (`article`; by default: in its passage), in
    order, that `r` points back to when it opens by pointing back (`antecedent_count`): the one
    before "Those fears did not materialize."; up to `most` before "These factors are cited as
    evidence ..." (a word that sums up several sentences: heldout12 w010); none for any other.

    >>> from rag.evidence import PassageSentence as S
    >>> r = [RankedSentence(S(0, 0, 20, "Pressure rose."), 0.1), RankedSentence(S(0, 21, 40, "Oil revenue fell."), 0.2),
    ...      RankedSentence(S(0, 41, 60, "Many left."), 0.3), RankedSentence(S(0, 61, 90, "These factors show a misstep."), 0.9)]
    >>> [x.sentence.text for x in pointed_back_to(r[3], r)]
    ['Pressure rose.', 'Oil revenue fell.', 'Many left.']
    >>> r[3] = RankedSentence(S(0, 61, 90, "This factor shows a misstep."), 0.9)
    >>> [x.sentence.text for x in pointed_back_to(r[3], r)], pointed_back_to(r[2], r)
    (['Many left.'], [])
    """
    where = article or (lambda x: x.sentence.passage)
    back, start = [], r.sentence.start
    for _ in range(antecedent_count(r.sentence.text, most)):
        before = next((x for x in ranked if where(x) == where(r) and 0 <= start - x.sentence.end <= 3), None)
        if before is None:
            break
        back.insert(0, before)
        start = before.sentence.start
    return back


def rest_of_quote(r: RankedSentence, after: list[RankedSentence], most: int = 2) -> list[RankedSentence]:
    """The sentences that follow `r` (`after`: those after it in its article, in order) up
    to the one that closes the quotation `r` opens, when one of the next `most` does: a
    speaker's words cut at the first sentence can say the opposite of what he meant
    (“Some are questioning whether ... should continue to stand with Ukraine ... But the
    answer here today at NATO is clear, and it is unwavering. ...,” Blinken said: heldout12
    w031).

    >>> from rag.evidence import PassageSentence as S
    >>> r = RankedSentence(S(0, 0, 30, "“Some doubt we will stay."), 0.8)
    >>> after = [RankedSentence(S(0, 31, 60, "But we will."), 0.2), RankedSentence(S(0, 61, 90, "We must,” he said."), 0.3),
    ...          RankedSentence(S(0, 91, 99, "Rain fell."), 0.1)]
    >>> [x.sentence.text for x in rest_of_quote(r, after)]
    ['But we will.', 'We must,” he said.']
    >>> rest_of_quote(RankedSentence(S(0, 0, 30, "“We will stay,” he said."), 0.8), after)
    []
    >>> after = [RankedSentence(S(0, 31, 60, 'We must," he said.'), 0.2)]
    >>> [x.sentence.text for x in rest_of_quote(RankedSentence(S(0, 0, 30, '"Some doubt we will stay.'), 0.8), after)]
    ['We must," he said.']
    """
    if not _opens_quote(r.sentence.text):
        return []
    run, end = [], r.sentence.end
    for x in after[:most]:
        if x.sentence.start - end > 3:  # not the next sentence: the passage has a gap
            return []
        run.append(x)
        if _closes_quote(x.sentence.text):
            return run
        end = x.sentence.end
    return []


def _opens_quote(text: str) -> bool:
    """Does the sentence open a quotation it does not close (curly marks, or straight ones)?"""
    straight = text.count('"') % 2 == 1 and text.lstrip().startswith('"')
    return text.count("“") > text.count("”") or straight


def _closes_quote(text: str) -> bool:
    straight = text.count('"') % 2 == 1 and not text.lstrip().startswith('"')
    return text.count("”") > text.count("“") or straight


def _aspects_taken_up(question: str, r: RankedSentence, after: list[RankedSentence]) -> list[RankedSentence]:
    """The run of sentences `after` r that open with an adverb of one of its adjectives
    ("Politically, ..." after "political, military, and economic setbacks"); only those the
    question names when it names some ("And militarily?", "What military losses?")."""
    aspects = {a for w in re.findall(r"\b[a-z]+(?:al|ic|ary|ive|ous)\b", r.sentence.text) for a in _adverbs(w)}
    taken_up = list(itertools.takewhile(lambda x: _lead_word(x) in aspects, after))
    named = {a for a in aspects if a[:5] in own_turn(question).lower()}
    return [x for x in taken_up if _lead_word(x) in named] if named else taken_up


def _lead_word(r: RankedSentence) -> str:
    return r.sentence.text.split(",")[0].strip().lower()


def _adverbs(adjective: str) -> set[str]:
    """The adverbs an adjective makes: "political" -> "politically", "military" -> "militarily"."""
    return {adjective + "ly", adjective + "ally", adjective[:-1] + "ily" if adjective.endswith("y") else adjective + "ly"}


def closed_quotes(sentence: str) -> str:
    """A sentence cut from inside a quotation gets back the curly mark it lost at the cut
    (the article opened the quotation sentences earlier, or closes it sentences later).

    >>> closed_quotes("We must support Ukraine,” Blinken said.")
    '“We must support Ukraine,” Blinken said.'
    >>> closed_quotes("“We just have to stay the course."), closed_quotes("He said “no”.")
    ('“We just have to stay the course.”', 'He said “no”.')
    """
    opened, closed = sentence.count("“"), sentence.count("”")
    if closed > opened:
        return "“" + sentence
    if opened > closed:
        return sentence + "”"
    return sentence


def byline_sentence(asked: str, title: str, date: str | None, publisher: str | None, author: str | None) -> str | None:
    """The sentence that answers who wrote (`asked` = "author") or who published ("publisher")
    an article, from its metadata, with the day it was published as people write it; None when
    the metadata does not say.

    >>> byline_sentence("author", "NATO meets", "2024-04-03", None, "Kateryna Denisova")
    '"NATO meets" was written by Kateryna Denisova, published on April 3, 2024.'
    >>> byline_sentence("publisher", "NATO meets", None, "IRIA", None)
    '"NATO meets" was published by IRIA.'
    >>> byline_sentence("author", "NATO meets", "2024-02-30", None, "A. Writer")  # a sidecar's bad date
    '"NATO meets" was written by A. Writer.'
    >>> byline_sentence("author", "NATO meets", None, None, None) is None
    True
    """
    when = ""
    try:
        day = datetime.date.fromisoformat(date or "")
        when = f" on {day:%B} {day.day}, {day.year}"
    except ValueError:  # no date, or one a sidecar wrote badly: say none
        pass
    if asked == "author" and author:
        return f'"{title}" was written by {author}' + (f" for {publisher}" if publisher else "") + (
            f", published{when}." if when else ".")
    if publisher:
        return f'"{title}" was published by {publisher}{when}' + (f", written by {author}." if author else ".")
    if author:
        return f'"{title}" was written by {author}' + (f", published{when}." if when else ".")
    return None

