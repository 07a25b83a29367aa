"""How well does a sentence support a question or a claim? Pure scoring, no model calls.

Two signals, both local and deterministic:
- the cosine similarity of MiniLM embeddings (computed by the caller, passed in);
- lexical support: the share of the claim's content words that the passage sentence holds.
Used three ways: to pick the sentences of an extractive answer, to decide a refusal, and
to verify the citations of an LLM answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from rag.chunking import split_sentences
from rag.types import ScoredChunk

_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not now of off on once only or other our out
    over own same she should so some such than that the their them then there these they
    this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours according said say says told tell did
    many much one two per us ever""".split()
)
_WORD = re.compile(r"[\w$€£%]+(?:[.,'’-][\w]+)*", re.UNICODE)


@cache
def _stem(word: str) -> str:
    """A light stemmer: enough to match 'pledged'/'pledge', 'countries'/'country'.

    >>> [_stem(w) for w in ("pledged", "countries", "talks", "ministers", "news")]
    ['pledg', 'countr', 'talk', 'minist', 'news']
    """
    for suffix in ("ies", "ied", "ing", "ers", "ed", "es", "er", "s", "e", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> frozenset[str]:
    """Lower-cased, stemmed words that carry meaning.

    >>> sorted(content_terms("What did the U.S. pledge to Ukraine's army?"))
    ['army', 'pledg', 'u.s', 'ukrain']
    """
    terms = set()
    for m in _WORD.finditer(text.lower().replace("’", "'")):
        word = m.group(0).removesuffix("'s").strip(".,'-")
        if word and word not in _STOPWORDS and (len(word) > 1 or word.isdigit()):
            terms.add(_stem(word.replace(",", "")))
    return frozenset(terms)


def lexical_support(claim: frozenset[str], passage: frozenset[str]) -> float:
    """Share of the claim's terms found in the passage (1.0 for a claim with no terms).

    >>> lexical_support(frozenset({"a", "b"}), frozenset({"a", "c"}))
    0.5
    """
    if not claim:
        return 1.0
    return len(claim & passage) / len(claim)


@dataclass(frozen=True)
class PassageSentence:
    """A sentence inside a retrieved passage; offsets are in the cleaned article text."""

    passage: int  # index into the retrieved passages
    start: int
    end: int
    text: str


def passage_sentences(passages: list[ScoredChunk]) -> list[PassageSentence]:
    """Every sentence of every passage, in passage order (repeats in overlaps are kept:
    each belongs to its own passage)."""
    out = []
    for i, sc in enumerate(passages):
        c = sc.chunk
        for s, e in split_sentences(c.text, offset=c.start):
            out.append(PassageSentence(i, s, e, c.text[s - c.start : e - c.start]))
    return out


def support_matrix(
    claims: list[str],
    claim_vectors: np.ndarray,
    sentences: list[PassageSentence],
    sentence_vectors: np.ndarray,
    *,
    semantic_weight: float = 0.5,
) -> np.ndarray:
    """scores[i, j]: how well sentence j (with its neighbours in the same passage, for the
    words) supports claim i; `semantic_weight` * cosine + the rest * lexical support."""
    if not claims or not sentences:
        return np.zeros((len(claims), len(sentences)), dtype=np.float32)
    cos = np.clip(claim_vectors @ sentence_vectors.T, 0.0, 1.0)
    terms = [content_terms(s.text) for s in sentences]
    windows = []
    for j, s in enumerate(sentences):
        window = set(terms[j])
        for k in (j - 1, j + 1):
            if 0 <= k < len(sentences) and sentences[k].passage == s.passage:
                window |= terms[k]
        windows.append(frozenset(window))
    lex = np.array(
        [[lexical_support(content_terms(c), w) for w in windows] for c in claims], dtype=np.float32
    )
    # A sentence that alone holds the words counts fully; its neighbours' words count half.
    own = np.array([[lexical_support(content_terms(c), t) for t in terms] for c in claims], dtype=np.float32)
    lexical = np.maximum(own, 0.5 * (own + lex))
    return semantic_weight * cos + (1 - semantic_weight) * lexical


_WHEN = re.compile(r"(?i)^\s*(?:when|what (?:date|day|year|month|time)|which (?:date|day|year|month)|by when|since when)\b|\bwhat date\b|\bscheduled\b")
_HOW_MANY = re.compile(r"(?i)\b(?:how (?:many|much|large|big|long|far)|what (?:percentage|share|number|amount|sum|figure)|what is the (?:number|amount|total|value|cost))\b")
_DATE_IN = re.compile(
    r"(?i)\b(?:jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?\s*\d"
    r"|\b(?:19|20)\d\d\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\b(?:yesterday|today|tomorrow)\b"
)
_NUMBER_IN = re.compile(r"\d|(?i:\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?|billions?)\b)")
ANSWER_TYPE_BONUS = 0.06


def answer_type_bonus(question: str, sentence: str) -> float:
    """A small bonus when the sentence holds the kind of thing the question asks for
    (a date for "when", a number for "how many/much").

    >>> answer_type_bonus("When is the summit?", "The summit is scheduled for July 9-11.")
    0.06
    >>> answer_type_bonus("How many troops?", "Troops were sent."), answer_type_bonus("Who spoke?", "He spoke in 2023.")
    (0.0, 0.0)
    """
    if _WHEN.search(question):
        return ANSWER_TYPE_BONUS if _DATE_IN.search(sentence) else 0.0
    if _HOW_MANY.search(question):
        return ANSWER_TYPE_BONUS if _NUMBER_IN.search(sentence) else 0.0
    return 0.0
