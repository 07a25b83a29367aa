"""Parse, verify, repair and renumber the [n] citations of a drafted answer. Pure logic.

A draft (from an LLM or the extractive composer) cites passages by their number in the
prompt ([1] is the first retrieved passage). For each sentence of the draft:
  - markers pointing to no passage are dropped;
  - a cited passage is kept only if one of its sentences supports the claim (score >= threshold)
    about as well as the best cited one (within CITATION_MARGIN: a citation must be needed);
  - a sentence whose citations all fail, or that an uncited passage supports clearly better,
    gets that passage ("repair"); otherwise it is marked unsupported and keeps no marker.
The final citations are renumbered 1, 2, ... in order of first use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from rag.chunking import split_sentences
from rag.evidence import PassageSentence
from rag.types import AnswerSentence, Citation, ScoredChunk

# A cited passage whose support trails the claim's best supporter by more than this is
# dropped; an uncited passage that beats every cited one by more than this replaces them.
CITATION_MARGIN = 0.1
MARKER = re.compile(r"\s*\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_REFUSAL = re.compile(
    r"(?i)\b(?:(?:do|does|did)\s*n[o']t\s+(?:contain|cover|mention|provide|say|include|address|specify|state)"
    r"|not\s+(?:mentioned|covered|specified|stated|provided|addressed)\s+in\s+the\s+(?:sources|articles|passages)"
    r"|no\s+information|cannot\s+(?:answer|be\s+answered|determine)|unable\s+to\s+(?:answer|find|determine)"
    r"|(?:sources|articles|passages)\s+(?:do\s+not|don't)\b)"
)


@dataclass(frozen=True)
class DraftSentence:
    text: str  # without markers
    markers: tuple[int, ...]  # as written by the composer (1-based passage numbers)


_MARKER_VERB = r"[a-z]+s\b"  # "[4] marks ...", "[2] concludes ...": a verb in the third person, not "iPhone" or "eBay"


def parse_draft(text: str) -> list[DraftSentence]:
    """Split a draft into sentences and the markers each carries (markers after a sentence
    belong to it; markers inside it too).

    >>> parse_draft("Russia lost troops [2]. NATO met in Brussels [1][3].")
    [DraftSentence(text='Russia lost troops.', markers=(2,)), DraftSentence(text='NATO met in Brussels.', markers=(1, 3))]
    >>> parse_draft('He said it is "more powerful." [2] He left. [1]')
    [DraftSentence(text='He said it is "more powerful."', markers=(2,)), DraftSentence(text='He left.', markers=(1,))]

    A marker a sentence opens with names its source ("[2] states that ...", "According to
    [2], ..."): it stays with that sentence, and the sentence reads as the claim alone.

    >>> parse_draft("NATO met. [2] states that the talks were productive. According to [1], Kyiv asked.")
    [DraftSentence(text='NATO met.', markers=()), DraftSentence(text='The talks were productive.', markers=(2,)), DraftSentence(text='Kyiv asked.', markers=(1,))]
    >>> parse_draft("NATO met [1]. [2] mentions talks.")[1]  # no subject left (see _without_asides)
    DraftSentence(text='This mentions talks.', markers=(2,))
    >>> parse_draft("[1] says that the U.S. gave $77 billion. It helped [2].")
    [DraftSentence(text='The U.S. gave $77 billion.', markers=(1,)), DraftSentence(text='It helped.', markers=(2,))]
    """
    out: list[DraftSentence] = []
    text = _SOURCE_AS_SUBJECT.sub(_claim_first, text.strip())
    # Move markers that follow the full stop in front of it, so sentences split cleanly.
    # (also past closing quotes: 'more powerful." [2]' keeps [2] with its sentence)
    # (not when a verb follows: "[3] concludes two days ..." made the marker the next sentence's subject)
    text = re.sub(r"([.!?][\"'”’)]*)((?:\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\])+)(?!\s*" + _MARKER_VERB + ")", r"\2\1", text)
    for s, e in split_sentences(text):
        piece = text[s:e]
        markers: list[int] = []
        for m in MARKER.finditer(piece):
            for n in re.split(r"\s*[,;]\s*", m.group(1)):
                if int(n) not in markers:
                    markers.append(int(n))
        clean = MARKER.sub("", piece).strip()
        clean = re.sub(r"\s+([.!?,;:])", r"\1", clean)
        if re.match(r"\s*\[\d", piece) and re.match(_MARKER_VERB, clean):  # "[4] marks the first ...": the marker was its subject
            clean = "This " + clean
        if clean and re.search(r"\w", clean):
            out.append(DraftSentence(clean, tuple(markers)))
        elif markers and out:  # a stray marker on its own line belongs to the sentence before
            out[-1] = DraftSentence(out[-1].text, tuple(dict.fromkeys(out[-1].markers + tuple(markers))))
    return _without_asides(out)


# "Sources [1][2] mention the NATO-Ukraine Council.": a sentence about the sources, which
# the citations already show.
_ABOUT_SOURCES = re.compile(
    r"(?i)^(?:the\s+|both\s+|all\s+|several\s+)?(?:sources|articles|passages)\s+(?:all\s+|both\s+)?"
    r"(?:mention|quote|discuss|cover|cite|describe|report(?:\s+on)?|refer\s+to|talk\s+about|address|note)\b"
)


def _without_asides(sentences: list[DraftSentence]) -> list[DraftSentence]:
    """The draft without sentences about the sources (unless nothing else would remain); a
    "He" that opens the next sentence gets the name the dropped one gave ("Sources quote
    Antony Blinken. He addresses ..."). (A sentence whose subject was a marker, "[3] marks
    the first instance ...", already opens with "This": parse_draft.)

    >>> [(s.text, s.markers) for s in parse_draft("Sources [1][2] quote Antony Blinken. He addresses the war [1]. "
    ...                                            "[2] marks the first such talks. Talks ended [2].")]
    [('Antony Blinken addresses the war.', (1,)), ('This marks the first such talks.', (2,)), ('Talks ended.', (2,))]
    """
    keep_all = all(_ABOUT_SOURCES.match(s.text) for s in sentences)
    out: list[DraftSentence] = []
    named = None
    for s in sentences:
        if _ABOUT_SOURCES.match(s.text) and not keep_all:
            m = re.search(r"\b((?:[A-Z][\w’'-]+\s)*[A-Z][\w’'-]+)\.?$", s.text)
            named = m.group(1) if m else None
            continue
        if named and re.match(r"(?:He|She)\b", s.text):
            s = DraftSentence(named + s.text[s.text.index(" "):], s.markers)
        named = None
        out.append(s)
    return out


# possessive (*+): a model that repeats "[4] [4] [4] ..." to its token limit made the two
# optional spaces split every run of markers 2^n ways (a stuck eval, stop 21)
_MARKERS = r"\[\d{1,3}\](?:\s*+(?:(?:,|and|&)\s*+)?\[\d{1,3}\])*+"
_SOURCE_AS_SUBJECT = re.compile(
    rf"(?i)(?:^|(?<=[.!?])|(?<=[.!?][\"'”’)]))(\s*)"
    rf"(?:(?:according\s+to\s+(?:(?:the\s+)?(?:source|article|passage)s?\s*)?(?P<by>{_MARKERS})\s*,?)"
    rf"|(?:(?:the\s+)?(?:source|article|passage)s?\s*)?(?P<subject>{_MARKERS})\s+(?:also\s+)?"
    rf"(?:states?|says?|mentions?|notes?|reports?|adds?|explains?|writes?|highlights?|indicates?|confirms?)\s+that)"
    rf"\s+(.+?)([.!?])(?=\s+[A-Z\[\"“]|\s*$)"  # to the sentence's end, past "U.S." and "Nov. 29"
)


def _claim_first(m: re.Match[str]) -> str:
    markers = m.group("by") or m.group("subject")
    claim = m.group(4)
    return f"{m.group(1)}{claim[:1].upper()}{claim[1:]} {markers}{m.group(5)}"


def is_refusal(text: str) -> bool:
    """Does the model say the sources do not cover the question?

    >>> is_refusal("The articles do not mention Taiwan."), is_refusal("NATO met in Brussels [1].")
    (True, False)
    """
    return bool(_REFUSAL.search(text))


def repeats_a_title(text: str, titles: Iterable[str]) -> bool:
    """Is this draft sentence just a source's heading line, as the prompt lists it
    ("Title (2024-04-03)")? A small model sometimes answers with one; it answers nothing.

    >>> repeats_a_title("Stoltenberg: support can win (2024-04-03).", ["Stoltenberg: Support can win"])
    True
    >>> repeats_a_title("Stoltenberg said support can win.", ["Stoltenberg: Support can win"])
    False
    """
    def norm(x: str) -> str:
        return re.sub(r"\W+", " ", x).strip().lower()

    bare = norm(re.sub(r"\(\d{4}-\d\d-\d\d\)", " ", text))
    return any(bare == norm(t) for t in titles if t)


@dataclass(frozen=True)
class Verified:
    text: str  # final answer text with renumbered markers
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]

    @property
    def supported_share(self) -> float:
        if not self.sentences:
            return 0.0
        return sum(s.supported for s in self.sentences) / len(self.sentences)


def verify_citations(
    draft: list[DraftSentence],
    passages: list[ScoredChunk],
    sentences: list[PassageSentence],
    support: np.ndarray,
    *,
    threshold: float,
    margin: float = CITATION_MARGIN,
    publisher_of: Callable[[str], str | None] = lambda _id: None,
) -> Verified:
    """Check every claim against the passages it cites; see the module docstring.

    `support[i, j]` scores how well `sentences[j]` supports `draft[i]` (rag.evidence.support_matrix).
    """
    by_passage: dict[int, list[int]] = {}
    for j, s in enumerate(sentences):
        by_passage.setdefault(s.passage, []).append(j)

    kept: list[tuple[DraftSentence, list[tuple[int, int, float]]]] = []  # (passage, sentence j, score)
    for i, claim in enumerate(draft):
        cited = [m - 1 for m in claim.markers if 1 <= m <= len(passages)]
        good: list[tuple[int, int, float]] = []
        for p in cited:
            js = by_passage.get(p, [])
            if js:
                j = max(js, key=lambda j: support[i, j])
                if support[i, j] >= threshold:
                    good.append((p, j, float(support[i, j])))
        if len(sentences):
            j = int(np.argmax(support[i]))
            best = float(support[i, j])
            top = max((g[2] for g in good), default=0.0)
            if best >= threshold and best - top > margin:  # nothing cited, or the wrong passage
                good = [(sentences[j].passage, j, best)]
            else:  # a citation is kept only if it is needed: as good as the best one, near enough
                good = [g for g in good if g[2] >= top - margin]
        kept.append((claim, good))

    numbers: dict[int, int] = {}  # passage index -> new marker
    quotes: dict[int, list[tuple[int, float]]] = {}  # passage -> (supporting sentence j, score) per claim citing it
    out_sentences: list[AnswerSentence] = []
    parts: list[str] = []
    for claim, good in kept:
        markers = []
        for p, j, score in good:
            numbers.setdefault(p, len(numbers) + 1)
            markers.append(numbers[p])
            quotes.setdefault(p, []).append((j, score))
        markers = sorted(set(markers))
        out_sentences.append(AnswerSentence(claim.text, tuple(markers), supported=bool(markers)))
        parts.append(_with_markers(claim.text, markers))

    citations = []
    for p, marker in sorted(numbers.items(), key=lambda kv: kv[1]):
        c = passages[p].chunk
        # The quote spans every sentence that supports a claim citing this passage, so a
        # reader who opens [1] sees the words behind each sentence marked [1], not only the
        # best one's; its score is the weakest of those claims' support.
        spans = [sentences[j] for j, _ in quotes[p]]
        q_start, q_end = min(s.start for s in spans), max(s.end for s in spans)
        citations.append(
            Citation(
                marker=marker, source=c.source, article_id=c.article_id, title=c.title, date=c.date,
                text=c.text, start=c.start, end=c.end, score=round(min(score for _, score in quotes[p]), 4),
                quote=c.text[q_start - c.start : q_end - c.start], quote_start=q_start, quote_end=q_end,
                publisher=publisher_of(c.article_id),
            )  # fmt: skip
        )
    return Verified(" ".join(parts), tuple(out_sentences), tuple(citations))


def _with_markers(sentence: str, markers: list[int]) -> str:
    """'NATO met.' + [1, 2] -> 'NATO met. [1][2]': every sentence is followed by its sources."""
    if not markers:
        return sentence
    return sentence + " " + "".join(f"[{m}]" for m in markers)
