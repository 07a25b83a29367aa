"""How well does a sentence support a question or a claim? Pure scoring, no model calls.

Two signals, both local and deterministic:
- the cosine similarity of MiniLM embeddings (computed by the caller, passed in);
- lexical support: the share of the claim's content words that the passage sentence holds.
Used three ways: to pick the sentences of an extractive answer, to decide a refusal, and
to verify the citations of an LLM answer.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from rag.chunking import split_sentences
from rag.clean import is_sentence
from rag.types import Chunk, ScoredChunk

if TYPE_CHECKING:
    from rag.compose import RankedSentence  # compose imports this module

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
_US = re.compile(r"\bUS\b|\bUnited\s+States\b")


# English verbs whose past forms the suffix rules cannot reach ("won" / "wins" / "win"),
# base: past [participle]; each form and the base's -s form map to the base
_IRREGULAR_VERBS = """win won|give gave given|take took taken|make made|hold held|meet met|pay paid|send sent
    begin began begun|leave left|fall fell fallen|rise rose risen|sell sold|buy bought|spend spent|lose lost
    choose chose chosen|know knew known|see saw seen|go went gone|come came|run ran|strike struck|lead led
    bring brought|think thought|find found|build built|keep kept|stand stood|speak spoke spoken|break broke broken
    drive drove driven|write wrote written|grow grew grown|draw drew drawn|fly flew flown|shut|cut|hit|put|set|quit"""
_IRREGULAR = {form: line.split()[0] for line in _IRREGULAR_VERBS.replace("\n", "|").split("|")
              for form in (*line.split(), line.split()[0] + "s")}


# British spellings read as American ones: "defence" / "defense", "organised" / "organized",
# "labour" / "labor", "centre" / "center" (one writer's question, another's article)
_BRITISH = ((re.compile(r"^((?:de|of)fen|licen|preten)c(e|es)$"), r"\1s\2"),
            (re.compile(r"^(\w{4,})([iy])s(e|ed|es|ing|ation|ations|er|ers)$"), r"\1\2z\3"),
            (re.compile(r"^(\w{3,})tre(s?)$"), r"\1ter\2"),
            (re.compile(r"^(favo|labo|hono|colo|rumo|humo|armo|harbo|behavio|neighbo|endeavo|vigo|flavo)u(r\w*)$"), r"\1\2"))
_NOT_BRITISH = frozenset("""promise premise exercise advise revise surprise compromise otherwise enterprise franchise
    merchandise expertise supervise televise devise despise comprise noise raise praise cruise bruise poise paradise
    treatise disguise chastise circumcise incise excise concise precise reprise""".split())


def american(word: str) -> str:
    """A lower-case word in its American spelling.

    >>> [american(w) for w in ("defence", "organised", "analyses", "centres", "labourers", "promise", "metre")]
    ['defense', 'organized', 'analyzes', 'centers', 'laborers', 'promise', 'metre']
    """
    if any(word.startswith(w) for w in _NOT_BRITISH):
        return word
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


@cache
def _stem(word: str) -> str:
    """A light stemmer: enough to match 'pledged'/'pledge', 'countries'/'country',
    'defence'/'defense'.

    >>> [_stem(w) for w in ("pledged", "countries", "talks", "ministers", "news", "defence")]
    ['pledg', 'countr', 'talk', 'minist', 'news', 'defens']
    >>> [_stem(w) for w in ("won", "wins", "win", "paid", "pays", "held")]
    ['win', 'win', 'win', 'pay', 'pay', 'hold']

    A noun in "-sion" meets its verb: "who decides" is answered by "decisions ... would be made
    by Kyiv" (gold g016, heldout9 t039, heldout14 y015). Not "mission" or "tension".

    >>> [_stem(w) for w in ("decisions", "decide", "invasion", "invaded", "provision", "mission", "tension")]
    ['decid', 'decid', 'invad', 'invad', 'provid', 'mission', 'tension']
    """
    word = american(_IRREGULAR.get(word, word))
    if re.search(r"[aeiou]sions?$", word) and len(word) >= 7:  # "decisions" as "decide", "invasion" as "invaded"
        return word[: word.rindex("sion")] + "d"
    for suffix in ("ies", "ied", "ing", "ers", "ed", "es", "er", "s", "e", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> frozenset[str]:
    """Lower-cased, stemmed words that carry meaning.

    >>> sorted(content_terms("What did the U.S. pledge to Ukraine's army?"))
    ['army', 'pledg', 'u.s', 'ukrain']
    """
    return frozenset(term_list(text))


def term_list(text: str) -> list[str]:
    """content_terms in the order the text has them (repeats kept).

    >>> term_list("Kyiv asked; the allies pledged.")
    ['kyiv', 'asked', 'alli', 'pledg']
    >>> term_list("Did the US give us what the United States pledged?")  # "US" in capitals is the U.S.
    ['u.s', 'give', 'u.s', 'pledg']
    """
    out = []
    for m in _WORD.finditer(_US.sub("U.S.", text).lower().replace("’", "'")):
        word = m.group(0).removesuffix("'s").strip(".,'-")
        if word and word not in _STOPWORDS and (len(word) > 1 or word.isdigit()):
            out.append(_stem(word.replace(",", "")))
    return out


def lexical_support(claim: frozenset[str], passage: frozenset[str], weights: dict[str, float] | None = None) -> float:
    """Share of the claim's terms found in the passage (1.0 for a claim with no terms),
    each term counted by its weight when `weights` is given (see term_weights).

    >>> lexical_support(frozenset({"a", "b"}), frozenset({"a", "c"}))
    0.5
    >>> lexical_support(frozenset({"a", "b"}), frozenset({"a", "c"}), {"a": 3.0, "b": 1.0})
    0.75
    """
    if not claim:
        return 1.0
    if weights is None:
        return len(claim & passage) / len(claim)
    return sum(weights.get(t, 1.0) for t in claim & passage) / sum(weights.get(t, 1.0) for t in claim)


def term_weights(term_sets: list[frozenset[str]]) -> dict[str, float]:
    """Inverse document frequency over the given sentences, scaled so an unseen term weighs
    1.0: a word every candidate sentence shares ("NATO", "Ukraine") tells them apart less
    than one only a few hold ("negotiations", "Netherlands").

    >>> w = term_weights([frozenset({"nato", "met"}), frozenset({"nato", "paus"})])
    >>> round(w["nato"], 2), round(w["met"], 2)
    (0.63, 1.0)
    """
    n = len(term_sets)
    df: dict[str, int] = {}
    for terms in term_sets:
        for t in terms:
            df[t] = df.get(t, 0) + 1
    top = math.log(1 + n)
    return {t: math.log(1 + n / c) / top for t, c in df.items()}


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


def sentence_windows(sentences: list[PassageSentence], reach: int = 1) -> list[str]:
    """Each sentence with its neighbours (`reach` on each side) in the same passage: what
    it says in context ("He warned ..." reads as Stoltenberg's words only beside the
    sentence before).

    >>> ss = [PassageSentence(0, 0, 2, "A."), PassageSentence(0, 3, 5, "B."), PassageSentence(1, 0, 2, "C.")]
    >>> sentence_windows(ss)
    ['A. B.', 'A. B.', 'C.']
    """
    out = []
    for j, s in enumerate(sentences):
        parts = [sentences[k].text for k in range(j - reach, j + reach + 1)
                 if 0 <= k < len(sentences) and sentences[k].passage == s.passage]  # fmt: skip
        out.append(" ".join(parts))
    return out


def support_matrix(
    claims: list[str],
    claim_vectors: np.ndarray,
    sentences: list[PassageSentence],
    sentence_vectors: np.ndarray,
    *,
    semantic_weight: float = 0.5,
    weighted: bool = False,
    window_vectors: np.ndarray | None = None,
    meant: list[str | None] | None = None,
) -> np.ndarray:
    """scores[i, j]: how well sentence j (with its neighbours in the same passage, for the
    words) supports claim i; `semantic_weight` * cosine + the rest * lexical support.

    With `window_vectors` (embeddings of sentence_windows), the cosine is the better of
    the sentence alone and the sentence in its window: hit@1 gold 0.76 -> 0.82, dev 0.74 ->
    0.78; citations to the right article gold 0.78 -> 0.80, dev 0.76 -> 0.82 (docs/NOTES.md).

    `meant[j]`: whom the he/she of sentence j means (person_meant); that name counts as
    one of its words ("Meanwhile, he said that Russia ... 300,000 casualties" holds
    "Stoltenberg" for "Stoltenberg gave 300,000 casualties")."""
    if not claims or not sentences:
        return np.zeros((len(claims), len(sentences)), dtype=np.float32)
    cos = np.clip(claim_vectors @ sentence_vectors.T, 0.0, 1.0)
    if window_vectors is not None:
        cos = np.maximum(cos, np.clip(claim_vectors @ window_vectors.T, 0.0, 1.0))
    terms = [content_terms(s.text) | (content_terms(meant[j]) if meant and meant[j] else frozenset())
             for j, s in enumerate(sentences)]
    windows = []
    for j, s in enumerate(sentences):
        window = set(terms[j])
        for k in (j - 1, j + 1):
            if 0 <= k < len(sentences) and sentences[k].passage == s.passage:
                window |= terms[k]
        windows.append(frozenset(window))
    weights = term_weights(terms) if weighted else None
    lex = np.array(
        [[lexical_support(content_terms(c), w, weights) for w in windows] for c in claims], dtype=np.float32
    )
    # A sentence that alone holds the words counts fully; its neighbours' words count half.
    own = np.array([[lexical_support(content_terms(c), t, weights) for t in terms] for c in claims], dtype=np.float32)
    lexical = np.maximum(own, 0.5 * (own + lex))
    return semantic_weight * cos + (1 - semantic_weight) * lexical


_ANSWER_WORD = re.compile(r"(?i)^\s*(?:yes|no)\b[,.;:]?\s*")


def what_is_said(claim: str) -> frozenset[str]:
    """The content terms of a claim that say what happened, not who or where: capitalised
    words (names, and a sentence's first word), numbers and a leading "Yes," / "No," left out.

    >>> sorted(what_is_said("Yes, Stoltenberg is staying on as NATO's Secretary General."))
    ['stay']
    >>> sorted(what_is_said("Tobias Billstrom."))
    []
    """
    words = re.findall(r"[\w'’.-]+", _ANSWER_WORD.sub("", claim))
    plain = [w for w in words if not w[:1].isupper() and not w[:1].isdigit()]
    return content_terms(" ".join(plain))


def says_nothing_of(claims: list[str], sentences: list[PassageSentence]) -> np.ndarray:
    """mask[i, j]: claim i shares no word of what it says (what_is_said) with sentence j
    in its window, only names. "Yes, Stoltenberg is staying on as NATO's Secretary General"
    is not supported by "The Secretary General of NATO, Jens Stoltenberg, stressed ...",
    however close the two read; a claim made of names alone is never masked.

    >>> ss = [PassageSentence(0, 0, 40, "Stoltenberg, NATO's Secretary General, spoke."),
    ...       PassageSentence(1, 0, 30, "Stoltenberg will stay until October.")]
    >>> says_nothing_of(["Yes, Stoltenberg is staying on as NATO's Secretary General."], ss).tolist()
    [[True, False]]
    """
    windows = [content_terms(w) for w in sentence_windows(sentences)]
    said = [what_is_said(c) for c in claims]
    return np.array([[bool(t) and not (t & w) for w in windows] for t in said], dtype=bool).reshape(len(claims), len(sentences))


def cause_unsaid(claims: list[str], sentences: list[PassageSentence]) -> np.ndarray:
    """mask[i, j]: claim i gives a cause ("... because ...", "... due to ...") and sentence j,
    in its window, says nothing of one. A model answering "why" joins the question's premise to
    a passage's words with a "because" of its own: "The head of the alliance thinks the Kremlin
    can't just outlast the West's backing for Kyiv because the Kremlin remains a regional actor
    ... [1]" (heldout16 h010), "Russia's economy is feeling the pressure due to political,
    military, and economic setbacks [1]" (gold g022). Each word of it is in the passages; the
    "because" is not.

    >>> ss = [PassageSentence(0, 0, 40, "Moscow remains a regional actor with ambitions."),
    ...       PassageSentence(1, 0, 60, "He is confident because it is in the U.S. security interest.")]
    >>> cause_unsaid(["Russia cannot win because Moscow remains a regional actor."], ss[:1]).tolist()
    [[True]]
    >>> cause_unsaid(["He is confident because it is in the U.S. interest.", "The summit is due to take place in July."],
    ...              ss[1:]).tolist()
    [[False], [False]]
    """
    gives = [_CAUSE_CLAIMED.search(c) is not None for c in claims]
    said = [_CAUSE_SAID.search(w) is not None for w in sentence_windows(sentences)]
    return np.array([[g and not w for w in said] for g in gives], dtype=bool).reshape(len(claims), len(sentences))


# a cause a claim gives ("because", "due to" a thing, not "due to take place"), and the words in
# which a passage gives one or a consequence ("so that", "will also send a message ...")
_CAUSE_CLAIMED = re.compile(r"(?i)\bbecause\b|(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<!\bbe )\bdue\s+to\b"
                            r"(?!\s+(?:take|be|begin|start|meet|hold|open|close|end|arrive|visit|sign|vote|run|launch)\b)"
                            r"|\bas\s+a\s+result\s+of\b")
_CAUSE_SAID = re.compile(r"(?i)\b(?:because|since|as\s+a\s+result|due\s+to|thanks\s+to|owing\s+to|so\s+that"
                         r"|in\s+order\s+to|therefore|thus|hence|reasons?|why|caus\w*|result(?:s|ed)?\s+in"
                         r"|lead(?:s|ing)?\s+to|led\s+to|means?\s+that|send\w*\s+a\s+message|in\s+the\s+interest)\b|,\s+so\b")


_NEGATION = re.compile(
    r"(?i)^(?:no|not|never|nor|neither|none|nothing|without|cannot|\w+n[’']t|refus(?:e|es|ed)|declin(?:e|es|ed)"
    r"|fail(?:s|ed)?|lack(?:s|ed)?)$"
)
NEGATED_WORDS = 2  # content words in a row after "not" / "no" / "refused to" ... that it negates


def negated(text: str, reach: int = NEGATED_WORDS) -> tuple[frozenset[str], frozenset[str]]:
    """(what a text negates, what it asserts): the content terms of the first words after
    each negation ("no", "did not", "refused to", ...), up to `reach` of them in a row,
    and the other content terms. A leading "Yes," / "No," is an answer word, not a negation.

    >>> [sorted(x) for x in negated("Kyiv did not receive an invitation, but allies pledged support.")]
    [['invitation', 'receiv'], ['alli', 'kyiv', 'pledg', 'support']]
    >>> [sorted(x) for x in negated("No, he refused to go into details. There are no obvious signs of talks.")]
    [['go', 'obviou', 'sign'], ['detail', 'talk']]
    >>> [sorted(x) for x in negated("‘No fatigue’ in Ukraine’s support")]
    [['fatigu'], ['support', 'ukrain']]

    Articles, a particle and "of" do not end it: the object is what is denied.

    >>> [sorted(x) for x in negated("Ankara has not laid out a timetable. He sees no sense of fatigue among allies.")]
    [['fatigu', 'laid', 'sens', 'timetabl'], ['alli', 'among', 'ankara', 'see']]
    """
    neg: set[str] = set()
    pos: set[str] = set()
    left, started = 0, False
    for token in re.findall(r"[\w'’.-]+|[,;:.!?()“”\"]", _ANSWER_WORD.sub("", text)):
        terms = content_terms(token) if re.match(r"\w", token) else frozenset()
        if _NEGATION.match(token):
            left, started = reach, False
        elif left and terms:
            neg |= terms
            left, started = left - 1, True
        elif left and started and token.lower() in _NEGATION_GOES_ON:
            continue  # "has not laid out a timetable", "no sense of fatigue": the object is negated too
        else:
            pos |= terms
            if started or not re.match(r"\w", token):  # the negated words end at the first word or mark after them
                left = 0
    return frozenset(neg), frozenset(pos - neg)


# the words between a negated word and the next that do not end what is negated: articles,
# a phrasal verb's particle, "of" ("to" does end it: "nor a firm deadline to join")
_NEGATION_GOES_ON = frozenset("a an the any out up of".split())


def denies(claims: list[str], sentences: list[PassageSentence], *, both: bool = True) -> np.ndarray:
    """mask[i, j]: claim i asserts what sentence j negates, or negates what it asserts and
    shares no negated word with it. "Kyiv received an invitation" is not supported by "Kyiv
    did not receive the much-desired invitation", however close the two read; "Allies
    pledged support" still is by "Kyiv did not receive it, but allies pledged support".

    >>> ss = [PassageSentence(0, 0, 40, "Kyiv did not receive the invitation, but allies pledged support.")]
    >>> denies(["Kyiv received an invitation.", "Allies pledged support.", "Kyiv was not given an invitation.",
    ...         "Allies did not pledge support."], ss).ravel().tolist()
    [True, False, False, True]

    A claim that something is "already" so is denied by a sentence that says it is "not yet"
    so, when the two share two words (the local model: "Sweden was already a member of NATO"
    from "... it had not yet joined the alliance as a full member", heldout9 t001).

    >>> ss = [PassageSentence(0, 0, 90, "Sweden's path was progressing; it had not yet joined the alliance as a full member.")]
    >>> denies(["Sweden was already a member of NATO.", "Sweden had already applied."], ss).ravel().tolist()
    [True, False]
    """
    c = [negated(x) for x in claims]
    s = [negated(x.text) for x in sentences]
    mask = np.array([[bool((sn & ca) and not (sn & cn)) or (both and bool((cn & sa) and not (cn & sn))) for sn, sa in s]
                     for cn, ca in c], dtype=bool).reshape(len(claims), len(sentences))  # fmt: skip
    for i, claim in enumerate(claims):
        if _ALREADY.search(claim) and not c[i][0]:
            said = content_terms(claim) - _YET_WORDS
            for j, sentence in enumerate(sentences):
                if _NOT_YET.search(sentence.text) and len(said & content_terms(sentence.text)) >= 2:
                    mask[i, j] = True
    return mask


_ALREADY = re.compile(r"(?i)\balready\b")
_NOT_YET = re.compile(r"(?i)\b(?:not|never|n[’']t)\s+(?:\w+\s+)?yet\b|\byet\s+to\b|\bnot\s+yet\b")
_YET_WORDS = frozenset(term_list("already yet"))


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# a month's name or its usual short form: "Mayor" is no May, "Decision" no December
_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?:(?<=Jan)uary|(?<=Feb)ruary|(?<=Mar)ch|(?<=Apr)il"
                    r"|(?<=Jun)e|(?<=Jul)y|(?<=Aug)ust|(?<=Sep)t(?:ember)?|(?<=Oct)ober|(?<=Nov)ember|(?<=Dec)ember)?\b")
_UNIT = re.compile(r"(?i)\b(?:thousands?|millions?|billions?|trillions?|dollars?|euros?|pounds?)\b|[$€£]")
_CURRENCY = {"$": "dollar", "€": "euro", "£": "pound"}
_SCALED = re.compile(r"(?i)\d(?:[.,]\d+)*\s?(bn|m|tn|k)\b")
_SCALE = {"k": "thousand", "m": "million", "bn": "billion", "tn": "trillion"}


def figures(text: str) -> set[str]:
    """The numbers, months, scales ("billion") and currencies a text states ("300,000" also
    as "300", as in "300 thousand").

    >>> sorted(figures("More than 300,000 casualties by July 9-11."))
    ['11', '300', '300000', '9', 'Jul', 'thousand']
    >>> sorted(figures("$77 billion")) == sorted(figures("77 billion dollars")), sorted(figures("77 million euros"))
    (True, ['77', 'euro', 'million'])
    >>> sorted(figures("Mayor Okafor's Decision in Sept. and June"))
    ['Jun', 'Sep']
    >>> sorted(figures("$17m")) == sorted(figures("$17 million")), sorted(figures("£1.8bn"))
    (True, ['1', '1.8', 'billion', 'pound'])
    """
    out = {m.group(1) for m in _MONTH.finditer(text)}
    units = {m.group(0).lower().rstrip("s") for m in _UNIT.finditer(text)}  # "billions" -> "billion", "$" -> "dollar"
    out |= {_CURRENCY.get(u, u) for u in units}
    out |= {_SCALE[m.group(1).lower()] for m in _SCALED.finditer(text)}  # "$17m", "£1.8bn"
    for m in _NUMBER.finditer(text):
        n = m.group(0)
        out.add(n.replace(",", ""))
        out.add(re.split(r"[.,]", n)[0])
        groups = re.findall(r",\d{3}", n)  # "300,000" is also "300 thousand"
        if groups:
            out.add(("thousand", "million", "billion", "trillion")[min(len(groups), 4) - 1])
    return out


def article_times(years: frozenset[str], date: str | None) -> set[str]:
    """What a claim may say of when without its sentence saying it: the years its article
    names anywhere ("In early 2024, ..."; ArticleFacts.years) and its date's year and month.

    >>> sorted(article_times(article_facts("In early 2024, NATO met. It had 32 members.").years, "2023-11-29"))
    ['2023', '2024', 'Nov']
    """
    out = set(years)
    if date and re.fullmatch(r"\d{4}-\d\d-\d\d", date):
        out |= {date[:4], _MONTHS[int(date[5:7]) - 1]}
    return out


def figures_not_in(claims: list[str], sentences: list[PassageSentence], times: list[set[str]]) -> np.ndarray:
    """mask[i, j]: claim i states a number or month that sentence j's wide window does not, nor
    `times[j]` (what its article states for the whole story: its times, see article_times,
    and the figures of its lead), or bounds a number the other way.
    "Russia has incurred more than 200,000 casualties" is not supported by "... has incurred
    more than 300,000 casualties", however close the two read, nor "the summit is on July
    19-21" by "the July summit", nor "fewer than 300,000" by "more than 300,000".

    >>> ss = [PassageSentence(0, 0, 30, "Russia lost 300,000 troops."), PassageSentence(1, 0, 20, "The summit is in July.")]
    >>> figures_not_in(["Russia lost 200,000 troops.", "The July 2024 summit.", "Russia lost troops."], ss,
    ...                [set(), {"2024"}]).tolist()
    [[True, True], [True, False], [False, False]]
    """
    stated = [(figures(c), bounds(c)) for c in claims]
    # two sentences each side: a claim may take its subject from one sentence and its date
    # from the next but one ("... expand the Baltic air policing mission ..." / "The
    # expansion will begin in May")
    windows = [(figures(w) | t, bounds(w)) for w, t in zip(sentence_windows(sentences, reach=2), times)]
    return np.array([[bool(f - wf) or any((n, -d) in wb and (n, d) not in wb for n, d in b) for wf, wb in windows]
                     for f, b in stated], dtype=bool).reshape(len(claims), len(sentences))  # fmt: skip


_AMOUNT = re.compile(r"\d[\d,.]*\d|\d")


def _amounts(text: str) -> dict[str, int]:
    """The numbers of two digits or more that are not years, each with where it first stands."""
    out: dict[str, int] = {}
    for m in _AMOUNT.finditer(text):
        n = m.group(0).rstrip(".,").replace(",", "")
        if len(n.split(".")[0]) >= 2 and not re.fullmatch(r"(?:19|20)\d\d", n):
            out.setdefault(n, m.start())
    return out


def figure_owned_elsewhere(claims: list[str], sentences: list[PassageSentence], names: set[str],
                           window_people: list[set[str]] | None = None) -> np.ndarray:
    """mask[i, j]: claim i gives a figure to names (in the figure's own clause) that no
    sentence stating that figure in sentence j's wide window names, while each such sentence
    names, before the figure, someone the claim's clause does not: the figure is another's.
    "The new NATO-Ukraine Council would give Kyiv more than $110 billion" is not supported by
    "Ukraine's European allies have provided more than $110 billion in support of Kyiv. ...
    the first ... meeting of the NATO-Ukraine Council", however close the two read (the local
    model, heldout10 u012); figures_not_in reads the window and finds both. A sentence that
    names no one before its figure ("The initial goal was to allocate 500 million euros")
    is not judged: its owner may be named the sentence before. `names`: the articles'
    lower-cased names (a claim's first word counts when it is one); `window_people[j]`: whom
    sentence j's window names or means by he/she.

    >>> ss = [PassageSentence(0, 0, 80, "Ukraine's European allies have provided more than $110 billion in support of Kyiv."),
    ...       PassageSentence(0, 81, 150, "The NATO-Ukraine Council met for the first time.")]
    >>> figure_owned_elsewhere(["The NATO-Ukraine Council would give Kyiv $110 billion.",
    ...                         "Ukraine's European allies gave Kyiv $110 billion."], ss, {"kyiv", "ukraine"}).tolist()
    [[True, True], [False, False]]
    """
    mask = np.zeros((len(claims), len(sentences)), dtype=bool)
    stated = [_amounts(s.text) for s in sentences]
    for i, claim in enumerate(claims):
        for clause in _CLAUSE.split(claim):
            first = re.match(r"\s*([A-Z][\w’'-]+)", clause)
            named = ("X " if first and first.group(1).lower() in names else "") + clause
            for n in _amounts(clause):
                for j, s in enumerate(sentences):
                    holders = [k for k in range(j - 2, j + 3)
                               if 0 <= k < len(sentences) and sentences[k].passage == s.passage and n in stated[k]]
                    people = " ".join(window_people[j]) if window_people else ""

                    def another_owner(k: int) -> bool:
                        ours = [x for x in unmatched_names(named, f"{sentences[k].text} {people}") if not x[0].isdigit()]
                        theirs = unmatched_names(sentences[k].text[: stated[k][n]], clause)
                        return bool(ours) and any(not x[0].isdigit() for x in theirs)

                    if holders and all(another_owner(k) for k in holders):
                        mask[i, j] = True
    return mask


_BOUND = re.compile(
    r"(?i)\b(?:(more\s+than|over|above|at\s+least|exceeding|in\s+excess\s+of)|(fewer\s+than|less\s+than|under|below"
    r"|at\s+most|nearly|almost|up\s+to))\s+(?:some\s+|about\s+)?[$€£]?(\d[\d,.]*\d|\d)"
)


def bounds(text: str) -> set[tuple[str, int]]:
    """The numbers a text bounds, each with its direction: +1 for "more than / over / at
    least N", -1 for "fewer than / under / nearly / up to N".

    >>> sorted(bounds("more than 300,000 casualties, nearly $77 billion"))
    [('300000', 1), ('77', -1)]
    """
    return {(m.group(3).replace(",", ""), 1 if m.group(1) else -1) for m in _BOUND.finditer(text)}


# "..., according to the early-2024 account?": words that point at an article, not at what
# it says (see without_source_pointer)
_ARTICLE_NOUN = (r"(?:account|article|report|story|piece|coverage|write-?up|preview|overview|round-?up|explainer"
                 r"|dispatch)")
_SOURCE_POINTER = re.compile(
    r"(?i)(?:^\s*|,\s*|\s+)(?:according\s+to|in|from|per|as\s+(?:told|reported|described)\s+in)\s+(?:the|that|this)\s+"
    rf"(?:[\w’'-]+\s+){{0,3}}?{_ARTICLE_NOUN}\b"
    r"(?:\s+(?:of|from|on|by|in|about|covering|describing|(?:looking\s+)?(?:back\s+)?at)\s+[^,;?!.]*)?"
    r"(?=\s*[,;?!.]|$)"
)
# "the NATO-briefings piece", "the early-2024 overview" anywhere in the question: an article
# named by a word with a capital or a digit
_NAMED_ARTICLE = re.compile(rf"\b(?:[Tt]he|[Tt]hat|[Tt]his)\s+(?=(?:[\w’'-]+\s+){{0,2}}?[\w’'-]*[A-Z0-9])"
                            rf"(?:[\w’'-]+\s+){{1,3}}?{_ARTICLE_NOUN}\b")


def without_source_pointer(question: str) -> str:
    """The question without the words that say which article to read ("according to the
    early-2024 account"): they name no fact a passage sentence could hold, and only
    dilute how close the answering sentence reads (dev: 2 answerable questions were refused).

    >>> without_source_pointer("How has progress developed, according to the early-2024 account?")
    'How has progress developed?'
    >>> without_source_pointer("What was the mood in the early-2024 account, and what did it imply?")
    'What was the mood, and what did it imply?'
    >>> without_source_pointer("When did it begin, according to the coverage of the November ministerial?")
    'When did it begin?'
    >>> without_source_pointer("What did Stoltenberg say, according to the report by Reuters?")
    'What did Stoltenberg say?'
    >>> without_source_pointer("What did Stoltenberg say in his report to the ministers?")
    'What did Stoltenberg say in his report to the ministers?'
    >>> without_source_pointer("How do the NATO-briefings piece and the IRIA report each put Russia's ties with China?")
    "How do the article and the article each put Russia's ties with China?"
    >>> without_source_pointer("when did the invasion start per the iria piece")
    'when did the invasion start'
    >>> without_source_pointer("According to the article on the Vilnius summit, in what year was it made?")
    'in what year was it made?'
    >>> without_source_pointer("Which two had pledged help, according to the piece looking back at the start of 2024?")
    'Which two had pledged help?'
    """
    stripped = _NAMED_ARTICLE.sub("the article", _SOURCE_POINTER.sub("", question))
    stripped = re.sub(r"([:;,])\s*,", r"\1", stripped).strip(" ,;")  # "For my segment:, was ..." -> "...: was ..."
    return stripped if content_terms(stripped) else question


_POINTER_TERMS = frozenset(content_terms("account article report story piece coverage writeup write-up preview overview"
                                          " roundup round-up explainer dispatch"))


def titled_articles(question: str, titles: dict[str, str]) -> set[str]:
    """The article a question points at by what its title says ("according to the report on
    the Brussels ministers' meeting"): the one article whose title (`titles`: article id ->
    title) holds every word, and at least two, of the pointer. (Two thirds of them pointed
    heldout3 m005's "report on the two-day foreign ministers' meeting" at the wrong article.)

    >>> titles = {"a": "NATO Foreign Ministers meet in Brussels to discuss the war", "b": "NATO aims to woo Ukraine"}
    >>> titled_articles("When did it begin, according to the report on the Brussels ministers' meeting?", titles)
    {'a'}
    >>> titled_articles("When was it, according to the report on the two-day ministers' meeting?", titles)
    set()
    >>> titled_articles("What did he say, according to the piece on NATO?", titles)  # one word: too few
    set()
    """
    out: set[str] = set()
    for m in list(_SOURCE_POINTER.finditer(question)) + list(_NAMED_ARTICLE.finditer(question)):
        said = content_terms(m.group(0)) - _POINTER_TERMS
        holders = {aid for aid, title in titles.items() if said <= content_terms(title)}
        if len(said) >= 2 and len(holders) == 1:
            out |= holders
    return out


_NAME_RUN = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of\s+)?[A-Z][\w’'-]*)+|\b[A-Z]{3,}\b")


def pointed_articles(question: str, articles: dict[str, tuple[str | None, str]], passages_text: str,
                     leads: dict[str, str] | None = None) -> set[str]:
    """The articles a question points at by when they came out ("at the November
    ministerial", "in the December 2024 report") or by who published them ("according to
    the Kyiv Independent"). `articles` maps an article id to its date and byline; a name
    points at an article only if its byline holds it and no passage text does ("NATO" is
    what the articles are about, not who wrote them). A time the question gives as "early
    2024" or "November 2023" also points at the article whose lead (`leads`) frames its
    story so ("In early 2024, NATO leaders faced ...": an article with no date).

    >>> arts = {"a": ("2023-11-29", "IRIA"), "b": ("2024-04-03", "The Kyiv Independent news desk"),
    ...         "c": (None, "Agence France-Presse")}
    >>> (sorted(pointed_articles("What did he say at the November ministerial?", arts, "")),
    ...  sorted(pointed_articles("When was it, according to the Kyiv Independent?", arts, "Kyiv said")))
    (['a'], ['b'])
    >>> pointed_articles("What happened in November 2024?", arts, ""), pointed_articles("What did NATO say?", arts, "NATO")
    (set(), set())
    >>> pointed_articles("What did the AFP report say?", arts, "")
    {'c'}
    >>> pointed_articles("when was it per the iria piece", arts, "")  # an acronym typed small
    {'a'}
    >>> pointed_articles("Who pledged aid in early 2024?", arts, "", {"c": "In early 2024, NATO met.", "a": "NATO met."})
    {'c'}
    """
    out: set[str] = set()
    body = question[1:]  # a capital that opens the question is no name ("May NATO ...")
    for m in _MONTH.finditer(body):
        year = re.match(r"\.?\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?((?:19|20)\d\d)\b", body[m.end():])
        for aid, (day, _) in articles.items():
            if day and re.fullmatch(r"\d{4}-\d\d-\d\d", day) and _MONTHS[int(day[5:7]) - 1] == m.group(1) \
                    and (not year or year.group(1) == day[:4]):
                out.add(aid)
    for m in re.finditer(r"(?i)\b(early|mid|late|(?:jan|febr)uary|march|april|may|june|july|august|september|october"
                         r"|november|december)[\s-]+((?:19|20)\d\d)\b", question):
        said = f"{m.group(1)} {m.group(2)}".lower()
        out |= {aid for aid, lead in (leads or {}).items() if said in re.sub(r"[\s-]+", " ", lead.lower())}
    low_text = passages_text.lower()
    for m in _NAME_RUN.finditer(body):
        name = re.sub(r"^(?:The|According|In|At)\s+", "", m.group(0))
        if len(name) < 3 or name.lower() in low_text:
            continue
        out |= {aid for aid, (_, byline) in articles.items()
                if re.search(rf"(?i)\b{re.escape(name)}\b", byline) or (name.isupper() and name in initials(byline))}
    for word in set(re.findall(r"\b[a-z]{3,}\b", question)) - _STOPWORDS:  # "per the iria piece"
        out |= {aid for aid, (_, byline) in articles.items() if word.upper() in initials(byline)}
    return out


def initials(byline: str) -> set[str]:
    """The acronyms a byline's names make ("AFP" for "Agence France-Presse"), so a question
    may name the publisher the way people do.

    >>> sorted(initials("Agence France-Presse and SGP"))
    ['AFP', 'SGP']
    >>> "IRIA" in initials("IRIA - International Relations Insights & Analysis"), "IRIA" in initials("International Relations Insights & Analysis")
    (True, True)
    """
    out = set()
    for run in re.findall(r"[A-Z][\w'’]*(?:[\s-]+(?:&\s+)?[A-Z][\w'’]*)+", byline):
        words = re.split(r"[\s-]+(?:&\s+)?", run)
        out.add("".join(w[0] for w in words))
    return out | set(re.findall(r"\b[A-Z]{2,}\b", byline))


# "On what day ...", "Give me the date when ...": asks for a day, not a year
_WHAT_DAY = (r"\b(?:on\s+)?(?:what|which)\s+(?:(?:exact|precise|specific)\s+)?(?:date|day)\b"
             r"|\bthe\s+(?:exact\s+)?date\s+(?:when|on\s+which|that)\b"
             r"|\bwhat\s+(?:is|are|was|were)\s+the\s+(?:exact\s+)?dates?\s+(?:of|for)\b")  # "what are the dates of ...?"
_ON_WHAT_DATE = re.compile(rf"(?i){_WHAT_DAY}")
# "When ...", and "According to the IRIA report, when ..." / "the summit - when is it?"
_WHEN = re.compile(r"(?i)(?:^|[,;:]\s|\s[-–—]\s)\s*(?:when|(?:(?:in|by|since|until)\s+)?(?:what|which) "
                   r"(?:date|day|year|month|time)s?|by when|since when)\b"
                   rf"|{_WHAT_DAY}|\bscheduled\b"
                   r"|\b(?:dates?|when)\s*\??\s*$")  # "washington summit dates?", "sweden nato when"
_HOW_MANY = re.compile(r"(?i)\b(?:how (?:many|much|large|big|long|far)|what (?:[a-z]+ )?(?:percentage|share|number|amount|sum|figures?)"
                       r"|what is the (?:number|amount|total|value|cost)"
                       r"|(?:estimates?|tally|toll|(?:number|amount|count)\s+of))\b")  # "Stoltenberg estimate of ..."
# "What is NATO's annual budget ...?" (not "cost" or "revenue": "the cost of the war", "revenues are
# down" are often told in words)
_ASKS_MONEY = re.compile(r"(?i)\bwhat\s+(?:is|was|are|were)\s+(?:the\s+|[\w’'-]+['’]s\s+)?(?:[a-z]+\s+)?"
                         r"(?:budget|price|salary)s?\b")
_DATE_IN = re.compile(
    r"(?i)\b(?:jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?\s*\d"
    r"|\b(?:19|20)\d\d\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\b(?:yesterday|today|tomorrow)\b"
)
# "Exactly how many ...?", "How much money exactly ...?", "the precise number of ..."
_EXACTLY = re.compile(r"(?i)\b(?:exact(?:ly)?|precise(?:ly)?)\s+(?:how\s+(?:many|much)|number|figure|amount|count|sum|total)\b"
                      r"|\bhow\s+(?:many|much)\b[^?.]{0,40}?\b(?:exactly|precisely)\b")
_YEAR = re.compile(r"(?<![\d,.$€£])\b(?:19|20)\d\d\b(?![,.]?\d)")
_NUMBER_IN = re.compile(r"\d|(?i:\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?|billions?)\b)")
ANSWER_TYPE_BONUS, CALENDAR_DATE_BONUS = 0.06, 0.09
ROLE_BONUS = 0.15  # a sentence giving the asked person's post: the question's only other word is the name
# "Why did he say the amount of aid matters?": a reason is asked for, not a number (heldout12 w011)
_ASKS_REASON = re.compile(r"(?i)^\s*(?:and\s+)?(?:why|how\s+come|for\s+what\s+reasons?)\b")


# "When asked about ..., which body ...?": a clause that sets the scene, not a question of when
_WHEN_CLAUSE = re.compile(r"(?i)^\s*when\b[^?]*?,\s*(?:what|which|who|whom|whose|how|why|where|did|does|do|is|was|were"
                          r"|are|can|could|would|will|has|have)\b")


def _asks_when(question: str) -> bool:
    """
    >>> _asks_when("When asked about aid, which body did he name?"), _asks_when("When is the summit?")
    (False, True)
    """
    return bool(_WHEN.search(question)) and not _WHEN_CLAUSE.match(question) and not asks_reason(question)


def asks_reason(question: str) -> bool:
    """Does the question ask why? Then it asks for no date or number, whatever words it holds.

    >>> asks_reason("According to the report, why did he say the amount of aid matters?"), asks_reason("How much?")
    (True, False)
    """
    return bool(_ASKS_REASON.match(without_source_pointer(own_turn(question))))


_PART_OPENER = r"(?:what|why|how|who|where|when|which|whose|is|are|does|did|do|will)\b"
_ANOTHER_PART = re.compile(rf"(?i)\band\s+(?:(?:on|in|at|by|for|from|to|with|since|until)\s+)?{_PART_OPENER}")
_NEXT_PART = re.compile(  # "..., and (on) what ...", "..., and besides Turkey, which ..."
    rf"(?i),\s*and\s+(?=(?:(?:besides|apart\s+from|aside\s+from|other\s+than|beyond)\s+[^,?]{{1,40}},\s*)?"
    rf"(?:(?:on|in|at|by|for|from|to|with|since|until)\s+)?{_PART_OPENER})")


# "How does what he said in November compare with April?": each side has its own passage
_COMPARES = re.compile(r"(?i)\b(?:compar(?:e[sd]?|ing|ison)|contrast|differ(?:s|ed|ences?)?|versus|vs\.?"
                       r"|changed?\s+between|each)\b")
# "Which came first: ... or ...?", "How many months between X and Y?", "By how much did X exceed Y?":
# the answer is worked out from two facts, each in its own sentence, often of its own article
_RELATES = re.compile(
    r"(?i)\b(?:which|what)\s+(?:came|happened|was|comes|come|happens)\s+(?:first|earlier|later|last)\b"
    r"|\bhow\s+(?:long|many\s+(?:years|months|weeks|days))\b[^?]*\b(?:between|after|before|since|elapsed|passed)\b"
    r"|\bexceed(?:s|ed)?\b|\bby\s+how\s+(?:much|many)\b"
    r"|\bhow\s+(?:much|many)\s+(?:\w+\s+)?(?:more|less|fewer|larger|bigger|smaller|higher|lower)\b")


def compares(question: str) -> bool:
    """Does the question ask how two things compare, or how they relate (which came first, how
    long between them, by how much one exceeds the other)? Then the names of both sides need
    not meet in one sentence (refusal rule 5), and a time between them is not stated as one.

    >>> compares("How does what Blinken said in 2023 compare with April 2024?"), compares("What did Blinken say?")
    (True, False)
    >>> compares("Which came first: the council's first session or its ministers' meeting?")
    True
    >>> compares("How many months passed between the Brussels meeting and the summit?"), compares("How long is the war?")
    (True, False)
    """
    return bool(_COMPARES.search(question) or _RELATES.search(question))


# "What did Stoltenberg say about the Gaza truce": what a first part is about, to the end of that part
_ABOUT_TOPIC = re.compile(r"(?i)\b(?:say|said|says|think|thinks|thought|write|wrote|report|reported)\s+"
                          r"(?:about|regarding)\s+((?:the\s+)?[^,;?]{3,60}?)\s*$")


def question_parts(question: str) -> list[str]:
    """The parts of a question that asks two things (", and how ..."), each as a question of
    its own; a one-part question gives itself. One sentence answers each part, and the whole
    question reads far from either (0.41 against 0.49 for the first part alone: docs/NOTES.md).

    >>> question_parts("What fears did he recall, and how did things turn out?")
    ['What fears did he recall?', 'how did things turn out?']
    >>> question_parts("Which summit did NATO plan, and on what dates?")
    ['Which summit did NATO plan?', 'on what dates?']
    >>> question_parts("Who relayed it, and besides Turkey, which ally was watched?")
    ['Who relayed it?', 'besides Turkey, which ally was watched?']
    >>> question_parts("Who met in Brussels and Vilnius?")
    ['Who met in Brussels and Vilnius?']

    The person whose words the first part asks for is the "he" or "she" of the second.

    >>> question_parts("What did Antony Blinken say of Kyiv, and what did he say of the summit?")[1]
    'what did Antony Blinken say of the summit?'

    ... and what the first part asks about is the "it" of the second (heldout16 h020).

    >>> question_parts("What did Stoltenberg say about the Gaza truce, and what did he say it had achieved?")[1]
    'what did Stoltenberg say the Gaza truce had achieved?'
    """
    m = _NEXT_PART.search(question)
    if not m:
        return [question]
    first, second = question[: m.start()].strip(), question[m.end():].strip()
    speaker = _ASKED_SPEAKER.search(first)
    if speaker:
        second = re.sub(r"\b(?:he|she)\b", speaker.group(1) or speaker.group(2), second, count=1)
    topic = _ABOUT_TOPIC.search(first)
    if topic:
        second = re.sub(r"\bit\b", topic.group(1), second, count=1)
    return [f"{first}?", second if second.endswith("?") else f"{second}?"]


_SIDES = (
    re.compile(r"(?i)\b(?:came|happened|was|comes|come|happens)\s+(?:first|earlier|later|last)\b[\s:,-]*"
               r"(?P<a>[^?]+?),?\s+or\s+(?P<b>[^?]+)"),
    re.compile(r"(?i)\bbetween\s+(?P<a>[^?]+?)\s+and\s+(?P<b>[^?]+)"),
    re.compile(r"(?i)\b(?:did|does|do|has|have|had|was|were|is|are)\s+(?P<a>[^?]+?)\s+exceed(?:ed|s)?\s+(?P<b>[^?]+)"),
    re.compile(r"(?i)\b(?:more|less|fewer|larger|bigger|smaller|higher|lower)\s+(?P<a>[^?]+?)\s+than\s+(?P<b>[^?]+)"),
)


_IN_TIME = re.compile(r"(?i)\b(?:first|earlier|later|last|long|years|months|weeks|days)\b")
_GENERIC_NOUN = re.compile(r"(?i)\b(?:figure|amount|number|total|sum|level|one)s?\b")
_POSSESSED = re.compile(r"^(?:the\s+)?[^?]+?['’]s?\s+(?P<head>[^?]+)$")


def sides(question: str) -> list[str]:
    """The two things a question relates (`compares`: which came first, how long between
    them, by how much one exceeds the other), each asked as a question of its own ("When
    was ...?", "How much was ...?") to be answered by a sentence of its own; [] for any
    other question. "the US figure" is the US's of what the other side measures.

    >>> sides("Which came first: the council's inaugural session, or its first ministers' meeting?")
    ["When was the council's inaugural session?", "When was its first ministers' meeting?"]
    >>> sides("How many months between the Brussels meeting and the start of the summit?")
    ['When was the Brussels meeting?', 'When was the start of the summit?']
    >>> sides("By how much did the European allies' support for Ukraine exceed the US figure?")
    ["How much was the European allies' support for Ukraine?", 'How much was the US support for Ukraine?']
    >>> sides("What happened between Brussels and Vilnius?")
    []
    """
    if not _RELATES.search(question):
        return []
    for pattern in _SIDES:
        m = pattern.search(question)
        if m and content_terms(m.group("a")) and content_terms(m.group("b")):
            a, b = m.group("a").strip(" ,:;"), m.group("b").strip(" ,:;.")
            owned = _POSSESSED.match(a)
            if owned and _GENERIC_NOUN.search(b):
                b = _GENERIC_NOUN.sub(owned.group("head"), b, count=1)
            ask = "When was" if _IN_TIME.search(question) else "How much was"
            return [f"{ask} {a}?", f"{ask} {b}?"]
    return []


def asks_for_a_kind(question: str) -> bool:
    """Does the question ask for one thing of a kind a sentence holds or lacks (a date for
    "when", a number for "how many"), and nothing else? Then an extractive answer's extra
    sentences must hold that kind too (answer_type_bonus): "NATO Foreign Ministers concluded
    ... in Brussels" adds nothing to an answer of "In which year ...?" but a sibling
    article's citation. Stop 14: gold right article 0.86 -> 0.89 (with "In which year"
    read as a "when"); BBC business cites the evidence 0.88 -> 0.94, facts 0.56 -> 0.61;
    nothing lost on dev or the other BBC sets. A question of two parts ("When ..., and what
    will it cost?") keeps its second part's answer.

    >>> asks_for_a_kind("In which year was the Vilnius summit?"), asks_for_a_kind("When does it open, and what will it cost?")
    (True, False)
    >>> asks_for_a_kind("What casualty figure did he give?"), asks_for_a_kind("What did he say?")
    (True, False)
    >>> asks_for_a_kind("According to the report, when did it start?"), asks_for_a_kind("what dates is the summit")
    (True, True)
    >>> asks_for_a_kind("washington summit dates?"), asks_for_a_kind("sweden nato when")
    (True, True)
    >>> asks_for_a_kind("what are the dates of the washington summit?"), asks_for_a_kind("Why does the amount of aid matter?")
    (True, False)
    """
    return bool((_asks_when(question) or _HOW_MANY.search(question)) and not _ANOTHER_PART.search(question)
                and not asks_reason(question))


def is_when_question(question: str) -> bool:
    """Does the question ask when, or on what date, and nothing else?

    >>> is_when_question("washington summit dates?"), is_when_question("When did it start, and who led?")
    (True, False)
    >>> is_when_question("ok and when exactly is it?"), is_when_question("And which one? (about: When is it?)")
    (True, False)
    """
    question = own_words(question)  # "ok and when ...": one part
    return bool(_asks_when(question) and not _ANOTHER_PART.search(question))


_OPENER = re.compile(r"(?i)^\s*(?:(?:ok(?:ay)?|so|well|alright|right|oh|and|but|also)\b[,.!]?\s*)+")


_WHICH_NOUN = re.compile(r"(?i)\b(?:which|what)\s+([a-z]{3,})\s+(?:is|was|are|were|did|does|do|has|had|will|would"
                         r"|can|could)\b")


def asked_noun(question: str) -> str | None:
    """The thing a one-part "which <noun> ...?" question asks for, as a content term
    ("anniversary"); None for any other question. An extractive answer's extra sentences
    must name it too (ExtractiveComposer): "Which anniversary is the alliance marking?" was
    answered by the 75th anniversary, then two sentences of another article about the summit.

    >>> asked_noun("And which anniversary is the alliance marking there?"), asked_noun("What did he say?")
    ('anniversar', None)
    >>> asked_noun("Which summit did NATO plan, and on what dates?") is None
    True
    """
    question = re.sub(r"(?i)^\s*and\s+", "", question)  # a follow-up's "And which ..."
    m = _WHICH_NOUN.search(question)
    if not m or _ANOTHER_PART.search(question) or _NEXT_PART.search(question):
        return None
    terms = term_list(m.group(1))
    return terms[0] if terms else None


_DATE_WORDS = content_terms("date dates day days when exact exactly scheduled planned held")


def dated_next_to_asked(question: str, sentence: str, reach: int = 60, *, day: bool = False) -> bool:
    """Does the sentence give a calendar date or a year (with `day`: a calendar date) right
    after a word of what a "when" question asks about (within `reach` characters before it)? "... the Washington meeting, scheduled
    for July 9-11, ..." dates the summit asked about; "... the Washington Summit in July, ...,
    Rasmussen said on Jan. 30 in Kyiv" dates only what Rasmussen said (heldout12 w013).

    >>> dated_next_to_asked("When was the pledge made?", "Allies stand by the pledge made in 2014.")
    True
    >>> q = "What are the dates of the Washington summit?"
    >>> dated_next_to_asked(q, "Officials hope the Washington meeting, scheduled for July 9-11, brings a signal.")
    True
    >>> dated_next_to_asked(q, "NATO should invite Ukraine at the Washington Summit in July, as it could serve as an "
    ...                            "instrument, the alliance's former chief, Anders Fogh Rasmussen, said on Jan. 30.")
    False
    """
    asked = content_terms(without_source_pointer(own_turn(question))) - _DATE_WORDS
    dates = _CALENDAR_DATE.finditer(sentence) if day else itertools.chain(
        _CALENDAR_DATE.finditer(sentence), _YEAR.finditer(sentence))
    return any(content_terms(sentence[max(0, m.start() - reach): m.start()]) & asked for m in dates)


def undated(question: str, sentences: list[str]) -> bool:
    """Does the question ask on what date or day, and none of `sentences` give a calendar
    date right after a word of what it asks about (`dated_next_to_asked`)? "What were the exact
    dates of the Vilnius summit where Ukraine was denied an invitation?" is not answered by
    "... Rasmussen said on Jan. 30 in Kyiv" (heldout10 u042).

    >>> q = "What were the exact dates of the Vilnius summit?"
    >>> undated(q, ["At the Vilnius Summit, no invitation.", "Rasmussen, the former chief, said on Jan. 30 in Kyiv."])
    True
    >>> undated(q, ["The Vilnius summit, held on July 11-12, ended."]), undated("Why the summit?", ["No date."])
    (False, False)

    A question in two parts is left to its parts ("... in which city, and on what dates?").

    >>> undated("On what dates was it held?", ["No date."]), undated("Where was it, and on what dates?", ["No date."])
    (True, False)
    """
    asked = own_words(question)
    return bool(_DAY_ASKED.search(asked)) and not _ANOTHER_PART.search(asked) and not any(
        dated_next_to_asked(question, s, day=True) for s in sentences)


def only_foreseen(question: str, best: str) -> bool:
    """Does the question ask how something turned out ("did X end up ...", "in the end",
    "the final vote"), while the sentence that answers it best only foresees it ("would
    decide", "should extend", "expects to ratify", "might involve")? An article tells what was
    expected on the day it was written, not what came after (heldout13 x032, heldout14 y010
    and y020). "What did Kyiv end up getting?" beside "Kyiv did not receive the invitation"
    is answered.

    >>> only_foreseen("How did the parliament end up voting?", "Fidan said parliament would decide.")
    True
    >>> only_foreseen("What did Kyiv end up getting?", "Kyiv did not receive the invitation.")
    False
    >>> only_foreseen("How will parliament vote?", "Parliament would decide.")
    False

    A question in two parts is left alone: its other part may ask what was foreseen ("What
    was said beforehand about an invitation, and what did Kyiv end up getting?", heldout5 p022).

    >>> only_foreseen("What was said beforehand, and what did Kyiv end up getting?", "We will not discuss it.")
    False
    """
    asked = own_turn(question)
    return bool(_OUTCOME.search(asked)) and not _ANOTHER_PART.search(asked) and bool(_FORESEES.search(best))


_OUTCOME = re.compile(r"(?i)\b(?:end(?:ed|s)?\s+up|in\s+the\s+end|final\s+(?:vote|tally|result|outcome|decision|count)"
                      r"|(?:actually|ultimately|eventually|finally)\s+(?:decided?|agreed?|happen(?:ed)?|do|did|done"
                      r"|vote[ds]?|approved?|offer(?:ed)?|get|got|deliver(?:ed)?|sign(?:ed)?|adopt(?:ed)?|announced?"
                      r"|ratif(?:y|ied)))\b")
_FORESEES = re.compile(r"(?i)\b(?:would|will|should|could|might|may|can|shall|[\w’']+[’']ll"
                       r"|(?:expects?|expected|hopes?|hoped|plans?|planned|intends?|intended|aims?|set|due|going)\s+to)\b")


def premise_denied(question: str, near: list[str]) -> str | None:
    """The sentence among those answering best (`near`) that denies what a why / when / how
    question takes for granted, or None. "Why did NATO invite Ukraine to join at Vilnius?"
    beside "Kyiv did not receive the much-desired invitation ... in Vilnius" asks the reason
    for what did not happen (heldout14 y016, heldout15 z041); "When did Sweden become a full
    member?" beside "it had not yet joined the alliance as a full member" asks the date of it
    (z040). A word the question asserts is among the first PREMISE_REACH the sentence negates
    (a noun meets its verb by a shared opening of five letters: "invite", "invitation"); for
    "when", a "not yet" sentence shares two words of what it asks happened.

    >>> near = ["Kyiv did not receive the much-desired invitation nor a firm deadline at Vilnius."]
    >>> premise_denied("Why did NATO invite Ukraine at the Vilnius summit?", near) == near[0]
    True
    >>> premise_denied("Why did Kyiv not receive an invitation at Vilnius?", near) is None  # asks of the denial
    True
    >>> premise_denied("Why did NATO tighten cooperation with Kyiv at Vilnius?", near) is None
    True
    >>> yet = ["Sweden's path was progressing; it had not yet joined the alliance as a full member."]
    >>> premise_denied("When did Sweden officially become a full member of NATO?", yet) == yet[0]
    True
    >>> premise_denied("Why did Hungary delay Sweden's membership?", yet) is None
    True

    What the question says ends, a sentence may say goes on.

    >>> on = ["“We must and we will continue to support Ukraine,” Blinken said in Brussels."]
    >>> premise_denied("Why did Blinken announce the US would wind down its aid to Ukraine?", on) == on[0]
    True
    >>> premise_denied("Why did Blinken announce new aid to Ukraine?", on) is None
    True
    """
    asked = own_words(question)
    m = _PRESUPPOSES.match(asked)
    if not m or _ANOTHER_PART.search(asked) or any(_NEGATION.match(w) for w in re.findall(r"[\w'’]+", asked)):
        return None
    claim = what_is_said(m.group(2))
    stop = _STOPS.search(m.group(2))
    stopped = content_terms(stop.group(1)) if stop else frozenset()  # what it says ends: "its aid to Ukraine"
    for sentence in near:
        denied = negated(sentence, PREMISE_REACH)[0]
        if any(a == d or min(len(a), len(d)) >= 5 and a[:5] == d[:5] for a in claim for d in denied):
            return sentence
        if m.group(1).lower() == "when" and _NOT_YET.search(sentence) and len(claim & what_is_said(sentence)) >= 2:
            return sentence
        if stopped and _GOES_ON.search(sentence) and stopped & content_terms(sentence) and (
                len(content_terms(m.group(2)) & content_terms(sentence)) >= 2):
            return sentence
    return None


# "... would stop / wind down its aid": what a premise says ends, which a sentence that says
# it goes on ("We will continue to support Ukraine") denies without a "not" (heldout17 i039;
# heldout16 h039 asks the same, but that sentence is not among its best three)
_STOPS = re.compile(r"(?i)\b(?:stop(?:s|ped|ping)?|halt(?:s|ed|ing)?|ended|ending|cease[sd]?|ceasing"
                    r"|(?:wind(?:s|ing)?|wound)\s+down|cut(?:s|ting)?\s+off|suspend(?:s|ed|ing)?|withdr[ae]w\w*"
                    r"|scal(?:e|es|ed|ing)\s+back|pull(?:s|ed|ing)?\s+back|abandon\w*)\s+((?:[\w’'-]+\s*){1,4})")
_GOES_ON = re.compile(r"(?i)\b(?:continu(?:e|es|ed|ing)|keep(?:s|ing)?|kept|maintain(?:s|ed|ing)?|sustain(?:s|ed|ing)?"
                      r"|persist(?:s|ed|ing)?)\b")


# "Why did X ...", "When was Y ...", "How did Z ...": asks of an event it takes for granted
_PRESUPPOSES = re.compile(r"(?i)^\s*(why|when|how)\s+(?:did|was|were|has|have|had)\s+(.+)$")
PREMISE_REACH = 3  # content words after a negation that a premise rule reads as denied


_DAY_ASKED = re.compile(rf"(?i){_WHAT_DAY}|\b(?:what|which)\s+(?:(?:exact|precise|specific)\s+)?dates\b")


def answer_type_bonus(question: str, sentence: str) -> float:
    """A small bonus when the sentence holds the kind of thing the question asks for
    (a date for "when", a number for "how many/much"). A date that names the day answers
    "when" more fully than a bare year or month, and gets more (gold top-5 0.94 -> 0.96,
    dev unchanged: docs/NOTES.md).

    >>> answer_type_bonus("When is the summit?", "The summit is scheduled for July 9-11.")
    0.09
    >>> answer_type_bonus("When is the summit?", "The 2023 summit in Vilnius set no date.")
    0.06
    >>> answer_type_bonus("How many troops?", "Troops were sent."), answer_type_bonus("Who spoke?", "He spoke in 2023.")
    (0.0, 0.0)
    >>> answer_type_bonus("Which reform areas did they focus on?", "They focus on graft, law, and rights.")
    0.06

    A question asking a person's post is answered by the sentence that gives it beside the
    name, however little else the two share ("What post does Tobias Billstrom hold?" beside
    "According to Swedish Foreign Minister Tobias Billstrom, ...", heldout15 z017).

    >>> answer_type_bonus("What post does Tobias Billstrom hold?", "Swedish Foreign Minister Tobias Billstrom spoke.")
    0.15
    """
    if asks_reason(question):
        return 0.0
    if _ASKS_ROLE.search(question):
        return ROLE_BONUS if gives_role_of(question, sentence) else 0.0
    if _asks_when(question):
        if _CALENDAR_DATE.search(sentence):
            return CALENDAR_DATE_BONUS
        return ANSWER_TYPE_BONUS if _DATE_IN.search(sentence) else 0.0
    if _HOW_MANY.search(question):
        return ANSWER_TYPE_BONUS if _NUMBER_IN.search(sentence) else 0.0
    if _WHAT_KINDS.search(question):
        return ANSWER_TYPE_BONUS if _LIST.search(sentence) else 0.0
    return 0.0


def _names_asked(question: str) -> set[str]:
    """The question's names (`unmatched_names`) that may be a person's: no titles, acronyms or numbers."""
    return {n for n in unmatched_names(question, "") if not _is_title(n) and not n.isupper() and not n[0].isdigit()}


# "What post does Tobias Billstrom hold?", "What was Rasmussen's job?", "Who is Kuleba?": a
# person's post; not "What position does Turkey hold on Sweden's bid?" nor "What role did NATO play?"
_ASKS_ROLE = re.compile(r"(?i:\b(?:what|which)\s+(?:[\w-]+\s+){0,2}?(?:post|position|title|role|job|office|rank)s?\s+"
                        r"(?:does|did|do|is|was|has|had)\s+[^?]*?\b(?:hold|have|occupy|fill)(?:\s+[a-z]+)?"
                        r"|^\s*(?:and\s+)?what\s+(?:is|was)\s+[^?]*?['’]s\s+(?:role|job|title|position|post|office)"
                        r"(?:\s+[a-z]+)?"
                        r"|\b(?:what|which)\s+(?:post|position|title|role|job|office|rank)\s+(?:is|was)\s+given\s+to\s+[^?]+"
                        r"|^\s*(?:and\s+)?who\s+(?:is|was)(?=\s+(?-i:[A-Z][a-z]))(?:\s+(?-i:[A-Z])[\w’'-]+)+)"
                        r"\s*[?.]?\s*$")


def gives_role_of(question: str, sentence: str) -> bool:
    """Does the sentence give a post (minister, secretary general, chief, ...) within six
    words of a name the question gives (a person's surname, mostly)?

    >>> q = "What post did Anders Fogh Rasmussen previously hold?"
    >>> gives_role_of(q, "Invite Ukraine, the alliance’s former Secretary General, Anders Fogh Rasmussen, said.")
    True
    >>> gives_role_of(q, "Rasmussen said NATO should invite Ukraine to the summit in Washington in July.")
    False
    """
    names = _names_asked(question)
    words = [re.sub(r"['’]s$", "", w.strip(".,’'")) for w in re.findall(r"[\w’'.-]+", sentence)]
    return any(w in names and any(_HOLDER.fullmatch(x) for x in words[max(0, i - 6): i + 7])
               for i, w in enumerate(words))


# "What areas did the recommendations focus on?", "Which themes ...": asks for several things,
# which a sentence lists ("fighting corruption, reinforcing the rule of law, and protecting ...")
_WHAT_KINDS = re.compile(r"(?i)\b(?:what|which)\s+(?:[\w-]+\s+)?(?:areas|themes|topics|issues|fields|sectors"
                         r"|priorities|regions|kinds|types|steps|measures|reforms|points)\b")
_LIST = re.compile(r",[^,.;]{1,80},?\s+(?:and|or)\s+\w")


_CALENDAR_DATE = re.compile(
    r"(?i)\b(?:jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?"
    r"|nov(?:ember)?|dec(?:ember)?)\.?\s+\d{1,2}\b|\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\b\d{4}-\d\d-\d\d\b"
)


def gives_count(sentence: str) -> bool:
    """Does the sentence hold a number, in digits or words, other than a year? A year alone
    counts nothing: "the vague pledge made in 2014" is no amount.

    >>> gives_count("The pledge made in 2014."), gives_count("In 2023 it gave $77 billion."), gives_count("tens of billions")
    (False, True, True)
    """
    return bool(_NUMBER_IN.search(_YEAR.sub("", sentence)))


def _without_figures_of(question: str, sentence: str) -> str:
    """The sentence without the figures the question gives itself: "By how much did allies
    fall short of the 500 million euro target?" is not answered by "The goal was 500 million
    euros." (heldout12 w039).

    >>> _without_figures_of("How far short of the 500 million euro target?", "The goal was 500 million euros.")
    'The goal was  euros.'
    """
    for figure in set(re.findall(r"\d[\d,.]*\d|\d", question)):
        sentence = re.sub(rf"(?<![\d,.]){re.escape(figure)}(?![,.]?\d)(?:\s*(?:million|billion|thousand|trillion|bn|m|k)\b)?",
                          "", sentence, flags=re.IGNORECASE)
    return sentence


def own_turn(question: str) -> str:
    """A follow-up's own words, without the earlier question rag.followup appends to it.

    >>> own_turn("And who decides? (about: How long has the war lasted?)")
    'And who decides?'
    """
    return question.split(" (about:")[0]


def own_words(question: str) -> str:
    """A question's own turn (own_turn) without the chat opener ("ok and", "so", "well").

    >>> own_words("ok and when is it? (about: Where is the summit?)")
    'when is it?'
    """
    return _OPENER.sub("", own_turn(question))


def lacks_answer_type(question: str, sentences: list[str], people: set[str] | frozenset[str] = frozenset()) -> str | None:
    """"a number" when the question asks how many or how much and none of `sentences` holds
    one, or none gives the currency it counts in ("How many euros" answered in dollars); "a date"
    when it asks on what date or day and none names a day; a name when it asks who was chosen
    and none names a person it does not (`lacks_person`; `people`: the articles' speakers). (A
    plain "when" is not checked: it is often answered as "in February of last year" or "within
    weeks".)

    >>> lacks_answer_type("How many hostages were freed?", ["The pause let aid in."])
    'a number'
    >>> lacks_answer_type("How much aid?", ["Aid worth $77 billion."]) is None
    True
    >>> lacks_answer_type("What is NATO's annual budget for its headquarters?", ["NATO met on November 29, 2023."])
    'an amount of money'
    >>> lacks_answer_type("How many countries lead?", ["The United States, France, and Germany lead."]) is None
    True
    >>> lacks_answer_type("On what date did parliament ratify it?", ["It expects to ratify within weeks."])
    'a date'
    >>> lacks_answer_type("On what day did he speak?", ["He spoke on April 3 in Brussels."]) is None
    True
    >>> lacks_answer_type("Give me the date when parliament approved it.", ["Parliament would decide soon."])
    'a date'
    >>> lacks_answer_type("On what exact date is the vote?", ["Parliament would decide soon."])
    'a date'
    >>> lacks_answer_type("How much money did Germany pledge?", ["Germany held back the pledge made in 2014."])
    'a number'
    >>> lacks_answer_type("How many euros did Germany pledge?", ["The U.S. gave $77 billion."])
    'an amount in euros'
    >>> lacks_answer_type("How many euros did Germany pledge?", ["Germany pledged €5 billion."]) is None
    True
    >>> lacks_answer_type("Stoltenberg estimate of Ukrainian soldiers killed", ["The goal was 500 million euros."])
    'a count of people'
    >>> lacks_answer_type("How many troops died?", ["It cost $5bn.", "Some 300,000 troops died."]) is None
    True
    >>> lacks_answer_type("How many years will the package run?", ["A multi-year package worth $5 billion."])
    'a number of years'
    >>> lacks_answer_type("How many years will it run?", ["It runs for four years."]) is None
    True
    >>> lacks_answer_type("Why did he say the amount of aid matters?", ["Aid wins battles."]) is None
    True
    >>> lacks_answer_type("By how much did allies fall short of the 500 million euro target?", ["The goal was 500 million euros."])
    'a number'

    "Exactly how many ...?" asks for a figure: "millions of Russians" is none (heldout14 y004).

    >>> lacks_answer_type("Exactly how many Russians left?", ["Millions of Russians left the country."])
    'an exact number'
    >>> lacks_answer_type("How many Russians left?", ["Millions of Russians left the country."]) is None
    True
    >>> lacks_answer_type("How much exactly did the US give?", ["The U.S. has provided $77 billion."]) is None
    True

    "What post does Putin hold?" is not answered by "the second winter of Putin's brutality".

    >>> lacks_answer_type("What post does Putin hold?", ["We enter the second winter of Putin’s brutality."])
    'the post of whoever it names'
    >>> lacks_answer_type("Who is Kuleba?", ["Ukrainian Foreign Minister Dmytro Kuleba attended."]) is None
    True

    A verdict between people or things needs a sentence that compares or rates them.

    >>> lacks_answer_type("Was Stoltenberg a better secretary general than Rasmussen?", ["Rasmussen said NATO should act."])
    'a verdict on which is better'
    >>> lacks_answer_type("Is Russia worse off than before the invasion?", ["Russia faces setbacks."]) is None
    True

    ... and an opinion or a forecast, a sentence that reports one.

    >>> lacks_answer_type("Do you think the allies will hit the target?", ["The allies have yet to reach it."])
    'an opinion or a forecast'
    >>> lacks_answer_type("Do you think Turkey will ratify soon?", ["Turkey expects to ratify within weeks."]) is None
    True
    """
    question = own_turn(question)  # "who ...? (about: how long the war lasted)" asks for no number
    if asks_reason(question):
        return None
    counts = _HOW_MANY.search(question)
    listed = re.search(r"(?i)\bhow\s+many\b", question) and any(_ENUMERATION.search(s) for s in sentences)
    if counts and not listed and not any(gives_count(_without_figures_of(question, s)) for s in sentences):
        return "a number"
    if counts and _PEOPLE_COUNTED.search(question) and not any(gives_count(_MONEY.sub("", s)) for s in sentences):
        return "a count of people"
    if _EXACTLY.search(question) and not any(re.search(r"\d", _YEAR.sub("", _without_figures_of(question, s)))
                                             for s in sentences):  # fmt: skip
        return "an exact number"
    if _ON_WHAT_DATE.search(question) and not any(_CALENDAR_DATE.search(s) for s in sentences):
        return "a date"
    unit = _HOW_MANY_UNITS.search(question)
    if unit and not _RELATES.search(question) and not any(re.search(rf"(?i)\b{_COUNT_WORD}[\s-]+{unit.group(1)}s?\b", s) for s in sentences):
        return f"a number of {unit.group(1)}s"
    if _ASKS_MONEY.search(question) and not any(_MONEY.search(s) for s in sentences):
        return "an amount of money"
    currency = _currency_asked(question)
    if currency and not any(re.search(_CURRENCIES[currency], s) for s in sentences):
        return f"an amount in {currency}s"
    if lacks_person(question, sentences, people):
        return "the name of whoever was chosen"
    if _WHERE.search(question) and not any(_gives_place(question, s, people) for s in sentences):
        return "a place"
    if _ASKS_ROLE.search(question) and _names_asked(question) and not any(gives_role_of(question, s)
                                                                           for s in sentences):
        return "the post of whoever it names"
    if _RATES.search(question) and not any(_COMPARATIVE.search(s) for s in sentences):
        return "a verdict on which is better"
    if _ASKS_OPINION.search(question) and not any(_GIVES_VIEW.search(s) for s in sentences):
        return "an opinion or a forecast"
    return None


# "In your opinion, should Ukraine accept ...?", "Do you think the allies will manage ...?": ragchat
# has no view of its own; a sentence that reports one ("... should extend an invitation, Rasmussen
# said", "Turkey expects to ratify ...") answers, one that only reports facts does not (heldout17
# i044, i045; heldout15 z044 and heldout16 h044 ask the same way)
_ASKS_OPINION = re.compile(r"(?i)^\s*(?:(?:and|so|but|ok|okay)\s+)?(?:in\s+your\s+(?:own\s+)?(?:opinion|view)"
                           r"|(?:do|would)\s+you\s+(?:think|believe|reckon|expect|say)\b|what\s+do\s+you\s+(?:think|make|reckon))"
                           r"|\byour\s+(?:own\s+)?(?:opinion|view|take|prediction|guess)\b")
_GIVES_VIEW = re.compile(r"(?i)\b(?:should|must|ought|believes?|believed|thinks?|thought|expects?|expected|predict\w*"
                         r"|forecast\w*|likely|hopes?|hoped|confident|recommend\w*|urged?|calls?\s+for|called\s+for"
                         r"|warn\w*)\b")


# "Was Stoltenberg a better secretary general than Rasmussen?", "Who is the best leader?": a
# verdict, which only a sentence that itself compares or rates can give (heldout16 h045);
# not "Is Russia worse off than before?", which a sentence of setbacks answers
_RATES = re.compile(r"(?i)\b(?:a|the)\s+(?:better|worse|best|worst|greater|greatest|more\s+effective"
                    r"|most\s+effective|more\s+successful|most\s+successful)\s+(?!off\b)[a-z]")
_COMPARATIVE = re.compile(r"(?i)\b(?:better|worse|best|worst|greater|greatest|than|compar\w*|rank\w*|outperform\w*)\b")


# "How many Russian tanks and aircraft have been lost ...": the words for what is counted
_COUNTED = re.compile(r"(?i)\bhow\s+many\s+((?:[\w’'-]+\s+){0,4}?)(?:have|has|had|did|does|do|is|are|was|were"
                      r"|will|would|can|could|in|on|at|of|to|from|since|according|per|by)\b")
_COUNT_REACH = 6  # words on either side of a number that may say what it counts ("deaths in Riverton rose to 11")


def count_of_another(question: str, sentences: list[str], best: list[str]) -> str | None:
    """What a "how many" question counts ("tanks or aircraft") when the `best` sentences name
    it without a number and none of `sentences` (all those found) gives a number within a few
    words of it: the numbers they give count other things. "How many Russian tanks and
    aircraft have been lost?" is not answered by "... a marked reduction in conventional
    forces, including aircraft, tanks, and personnel" beside "more than 300,000 casualties"
    (heldout13 x036). None when the best sentences do not name it (they may count it in other
    words: "9,000 under 18s" for children), when one of them lists names ("How many countries
    lead?": "The US, France, and Germany lead."), or when it counts people and a number counts
    people. Of "phone numbers", "numbers" is what is counted: a generic word, never checked.

    >>> s = ["Russia lost aircraft, tanks, and personnel.", "It has more than 300,000 casualties."]
    >>> count_of_another("Exactly how many Russian tanks and aircraft have been lost?", s, s[:1])
    'tanks or aircraft'
    >>> count_of_another("how many tanks has russia lost", ["Russia lost 2,000 tanks and 9 aircraft."], s[:1]) is None
    True
    >>> count_of_another("How many children came?", ["Children came.", "9,000 under 18s came."], ["9,000 under 18s."])
    >>> count_of_another("How many soldiers did it lose?", ["Soldiers fled.", "300,000 casualties."], ["Soldiers fled."])
    >>> count_of_another("How many allies are leading?", ["Allies lead.", "The US, France, and Germany lead."], ["Allies"])
    'allies'
    >>> count_of_another("How many phone numbers are on the lists?", ["Phone lists grew."], ["Phone lists grew."])
    """
    m = _COUNTED.search(own_turn(question))
    if not m or any(_ENUMERATION.search(s) for s in best):
        return None
    words = re.findall(r"[\w’'-]+", m.group(1))
    words = list(itertools.takewhile(lambda w: not re.search(r"(?i)..(?:ed|ing)$", w), words))  # "songs hosted ..."
    # the head of each noun phrase: "Russian tanks and aircraft" counts tanks and aircraft
    heads = [w for w, after in zip(words, [*words[1:], "and"]) if after.lower() in ("and", "or")]
    things = [w for w in heads if not w[0].isupper() and w.lower() not in _STOPWORDS and not _GENERIC_NOUN.fullmatch(w)]
    asked = {_stem(w.lower()) for w in things}
    if not asked or not any(asked & set(term_list(s)) for s in best):
        return None
    people = bool(_PEOPLE_COUNTED.search(" ".join(things)))
    for s in sentences:
        words = re.findall(r"[\w’'.,-]+", _YEAR.sub("", s))
        stems = [_stem(w.lower().strip(".,’'-")) for w in words]
        for i, w in enumerate(words):
            if not _NUMBER_IN.search(w):
                continue
            near = slice(max(0, i - _COUNT_REACH), i + _COUNT_REACH + 1)
            if asked & set(stems[near]) or people and _PEOPLE_COUNTED.search(" ".join(words[near])):
                return None
    return " or ".join(things)


# "How many countries lead?" is answered by naming them: "The United States, France, and Germany"
_ENUMERATION = re.compile(r"[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*(?:,\s+(?:and\s+)?[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*){2,}")
# "How many years will it run?" is answered by "four years" or "a 10-year plan", not by "multi-year"
_HOW_MANY_UNITS = re.compile(r"(?i)\bhow\s+many\s+(year|month|week|day|hour)s?\b")
_COUNT_WORD = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)"

# "Where is the centre located?", "In which country did it open?": asks for a place
_WHERE = re.compile(r"(?i)^\s*(?:where\s+(?:is|was|are|were|did|does|will|has|had)\b"
                    r"|in\s+(?:which|what)\s+(?:country|city|town|capital|region)\b)")
_PLACE_NOUN = re.compile(r"(?i)\b(?:capital|city|town|country|region|sea|border|front|abroad)\b")
_CLAUSE_CUT = re.compile(r",|;|:|\s[-–—]\s|\band\b")


def _gives_place(question: str, sentence: str, people: set[str] | frozenset[str]) -> bool:
    """Does the clause of `sentence` that says most of what the question asks name a place:
    a name the question does not hold (not a person), or a word like "capital" or "sea"?
    "..., a training center for Ukrainian pilots had opened, and ..." names none, though
    the sentence names four countries.

    >>> q = "In which country did the training centre for pilots open?"
    >>> _gives_place(q, "Germany pledged aid, a training center for pilots had opened, and Finland helped.", set())
    False
    >>> _gives_place(q, "A training center for pilots opened in Romania.", set())
    True
    """
    asked = content_terms(question)
    clauses = [c for c in _CLAUSE_CUT.split(sentence) if c.strip()]
    if not clauses:
        return False
    best = max(clauses, key=lambda c: len(content_terms(c) & asked))
    named = [w for w in re.findall(r"(?<![\w'’])[A-Z][\w'’-]+", best)
             if w.lower() not in question.lower() and w not in people and w not in _NOT_A_NAME and not _is_title(w)]
    return bool(named or _PLACE_NOUN.search(best))


# a count of people is asked for ("how many soldiers were killed"), and a sum of money is no answer
_PEOPLE_COUNTED = re.compile(r"(?i)\b(?:killed|dead|deaths?|died|casualt(?:y|ies)|wounded|injured|soldiers|troops"
                             r"|people|refugees|victims|civilians|fatalities|lives|personnel|staff|workers"
                             r"|employees)\b")
_MONEY = re.compile(
    r"(?i)[$€£¥]\s?[\d.,]+(?:\s*(?:million|billion|trillion|bn|m|k)\b)?"
    r"|\b[\d.,]+\s*(?:(?:million|billion|trillion|bn|m)\s+)?(?:euros?|dollars?|pounds?|yen|r[ou]bles?)\b"
    r"|\b(?:tens|hundreds|thousands|millions|billions)\s+of\s+(?:(?:millions|billions)\s+of\s+)?"
    r"(?:euros?|dollars?|pounds?)\b"
    r"|\b[\d.]+\s*(?:%|per\s*cent\b)"
)


# "How many casualties has Ukraine('s army) suffered": the name whose figure is asked for,
# and the words after it (a person there makes it someone's title: "has Parmalat's administrator
# Enrico Bondi taken")
_FIGURE_OWNER = re.compile(
    r"(?i:\bhow\s+(?:many|much)\b[^?]*?\b(?:has|have|had|did|does|do|will|would|is|are|was|were)\s+(?:the\s+)?)"
    r"((?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*)((?:['’]s)?(?:\s+[\w’'.-]+){0,3})"
)


# "What casualty figure did he give for Ukrainian forces?": the same, asked as a figure for a name
_FIGURE_FOR = re.compile(
    r"(?i:\b(?:what|which)\b[^?]*?\b(?:figures?|numbers?|counts?|totals?|toll|amounts?|sums?|tally)\b[^?]*?\bfor\s+(?:the\s+)?)"
    r"((?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*)((?:['’]s)?(?:\s+[\w’'.-]+){0,3})"
)


# "How many casualties did Stoltenberg say Ukraine has suffered?": the figure is Ukraine's, not Stoltenberg's
_REPORTED_FIGURE = re.compile(
    r"\b(?:did|does|do)\s+(?:[A-Z][\w.'’-]*\s+){1,3}(?:say|claim|estimate|think|believe|report)\s+(?:that\s+)?"
    r"((?:the\s+)?(?:[A-Z][\w.'’-]*\s+)+)(has|have|had|is|are|was|were|will|would)\s+")


def figure_of_another(question: str, sentences: list[str], people: set[str]) -> str | None:
    """The name a "how many" question asks the figure of, when every one of `sentences` that
    gives a number leaves that name out and names something else instead: "How many casualties
    has Ukraine suffered?" against "he said that Russia ... has incurred more than 300,000
    casualties". A person asked about is left to the other rules (`people`: they are "he" in
    the next sentence). None when a sentence may answer.

    >>> figure_of_another("How many casualties has Ukraine suffered?", ["He said Russia has 300,000 casualties."], set())
    'Ukraine'
    >>> figure_of_another("How many casualties has Ukraine's army suffered?", ["So Russia has 300,000 casualties."], set())
    'Ukraine'
    >>> figure_of_another("How many casualties has Russia suffered?", ["He said Russia has 300,000 casualties."], set())
    >>> figure_of_another("How many casualties did Stoltenberg say Ukraine has suffered so far?",
    ...                   ["He said Russia has 300,000 casualties."], {"Stoltenberg"})
    'Ukraine'
    >>> figure_of_another("How much has the United States given?", ["The U.S. has given $77 billion."], set())
    >>> figure_of_another("How much aid has Washington sent Kyiv?", ["The U.S. has given $77 billion."], set())
    >>> figure_of_another("How much did NATO target?", ["The goal was 500 million euros a year."], set())
    >>> figure_of_another("How many banks has Parmalat's administrator Enrico Bondi sued?",
    ...                   ["Enrico Bondi sued Morgan Stanley: 49 banks."], {"Bondi"})
    >>> figure_of_another("What casualty figure did he give for Ukrainian forces?", ["So Russia has 300,000 casualties."], set())
    'Ukrainian'
    >>> figure_of_another("What casualty figure did he give for Ukrainian forces?",
    ...                   ["So Russia has 300,000 casualties.", "The goal was 500 million euros a year."], set())
    'Ukrainian'
    """
    question = _REPORTED_FIGURE.sub(r"\2 \1", question)  # "did Stoltenberg say Ukraine has" -> "has Ukraine"
    m = _FIGURE_OWNER.search(question) or _FIGURE_FOR.search(question)
    if not m:
        return None
    owner, after = m.group(1).strip(), m.group(2)
    if owner.split()[-1] in people or any(w in people for w in re.findall(r"[A-Z][\w'’-]+", after)):
        return None
    # a sum of money is no count of the soldiers or people asked about
    counts_people = bool(_PEOPLE_COUNTED.search(question))
    numbered = [s for s in sentences if gives_count(_MONEY.sub("", s) if counts_people else s)]
    if not numbered:
        return None
    # a capital stands for its government: "how much has Washington sent" is what "the U.S." gave
    owners = [owner.lower(), *(_CAPITALS[owner.lower()][:1] if owner.lower() in _CAPITALS else ())]
    for s in numbered:
        if any(_mentioned(o, s.lower().replace("’", "'")) for o in owners):
            return None
        others = [n for n in unmatched_names(s, question)
                  if n not in people and not n[0].isdigit() and not _is_title(n)]
        if not others:
            return None
    return owner


# "Who was picked to replace Stoltenberg?", "Who will succeed him?": asks which person was chosen
_WHO_CHOSEN = re.compile(
    r"(?i)^\s*who\s+(?:(?:was|is|has\s+been|had\s+been|will\s+be|were|are)\s+(?:\w+\s+)?"
    r"(?:chosen|picked|named|appointed|elected|selected|nominated|tapped)"
    r"|(?:will|would|is\s+going\s+to|is\s+to|is\s+set\s+to)\s+(?:succeed|replace)"
    r"|(?:replaced|succeeded|took\s+over\s+from)"  # "Who replaced Kuleba as foreign minister?"
    # "Who were the candidates to replace Stoltenberg?"
    r"|(?:was|is|were|are)\s+the\s+(?:\w+\s+)?(?:candidates?|nominees?|contenders?|front-?runners?))\b"
    # "Who did NATO pick to succeed Stoltenberg?", "Who have the allies named as chief?"
    r"|^\s*who\s+(?:did|has|have|had|will|would)\s+(?:[\w’'-]+\s+){1,3}?(?:choose|pick|name|appoint|elect|select"
    r"|nominate|tap)\s+(?:to\s+(?:succeed|replace|lead|head|run)|as)\b"
    # "Which candidate did he name as his successor?", "Who is Stoltenberg's likely successor?"
    r"|^\s*(?:who|which\s+(?:candidate|person|official|politician|man|woman))\b[^?]*\bsuccessor\b"
    r"|^\s*which\s+(?:candidates|nominees|contenders)\b"
    # "stoltenberg successor candidates names?", "the names of the candidates"
    r"|\b(?:successors?|candidates?|nominees?)\b[^?]*\bnames?\b"
    r"|\bnames?\s+of\s+(?:the\s+)?(?:candidates?|successors?|nominees?)\b"
)
# a run of two or three capitalised words that names a person ("Mark Rutte"), not a body ("Defense Contact Group")
_FULL_NAME = re.compile(r"(?<![\w’'-])([A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+){1,2})(?![\w’'-]|\s+[A-Z])")
_BODY = re.compile(r"(?i)\b(?:group|council|summit|union|organi[sz]ation|alliance|ministry|committee|agency|parliament"
                   r"|commission|forces|office|house|news|times|post|desk|day|week|year)s?\b")


def lacks_member(question: str, sentences: list[str], names: frozenset[str] | set[str]) -> bool:
    """Does a one-part "Which <kind of> countries ...?" question (or nations, allies, members,
    states, governments) meet sentences (those that answer best) that name none of them: no
    word of `names` (the articles' proper nouns, lower case) or "U.S."/"UK" that the question
    does not give, "NATO" aside? A sentence after the best that sets itself against the one before
    ("However, major allies such as the United States and Germany are hesitant ...") names
    another group; as the best, it answers "Which major allies were reluctant ...?" (heldout7
    r028). "Which Eastern European countries were pushing for a clearer roadmap?" is not
    answered by "Eastern European NATO nations have been pushing for a more defined roadmap"
    (heldout14 y043, heldout7 r036).

    >>> names = {"eastern", "european", "nato", "ukraine", "germany", "france"}
    >>> lacks_member("Which Eastern European countries pushed?", ["Eastern European NATO nations pushed."], names)
    True
    >>> lacks_member("Which countries lead the talks?", ["France and Germany lead the talks."], names)
    False
    >>> lacks_member("Which Eastern European allies backed Ukraine?", ["European nations backed Ukraine’s entry."], names)
    True
    >>> lacks_member("Which countries lead, and why?", ["Eastern European NATO nations pushed."], names)
    False
    >>> lacks_member("Which Eastern European countries pushed?", ["Eastern nations pushed.", "However, France waits."], names)
    True
    >>> lacks_member("Which countries wait?", ["However, France waits."], names)
    False
    >>> lacks_member("Which countries gave most?", ["The U.S. gave most."], names)
    False
    """
    asked = own_words(question)
    if not _WHICH_GROUP.match(asked) or _ANOTHER_PART.search(asked):
        return False

    def words(text: str) -> list[str]:
        return [re.sub(r"[’']s$", "", w) for w in re.findall(r"(?:[A-Z]\.){2,}|[\w’'-]+", text)]

    def names_one(word: str) -> bool:  # "U.S.", "UK" name a country; "NATO" (4 capitals or more) does not
        if re.fullmatch(r"(?:[A-Z]\.){2,}|[A-Z]{2,3}", word):
            return True
        return not word.isupper() and word.lower() in names

    given = {w.lower() for w in words(asked)}
    kept = sentences[:1] + [s for s in sentences[1:] if not _CONTRASTS.match(s)]
    return not any(names_one(w) and w.lower() not in given for s in kept for w in words(s))


_WHICH_GROUP = re.compile(r"(?i)^\s*(?:which|what)\s+(?:[\w-]+\s+){0,3}?(?:countries|nations|allies|members|states|governments)\b")


def lacks_person(question: str, sentences: list[str], people: set[str]) -> bool:
    """Does a question that asks who was chosen ("Who was picked to replace Stoltenberg?") meet
    sentences that name no person it does not name itself? Then none says who. A person is
    one of `people` (the articles' speakers and title holders) or a full name ("Mark Rutte"),
    and a "she" or "he" that opens a sentence may be the person chosen ("She replaces Tom Reed").

    >>> q = "Who was picked to replace Stoltenberg as NATO Secretary General?"
    >>> lacks_person(q, ["The Secretary General of NATO, Jens Stoltenberg, said Kyiv decides."], {"Stoltenberg"})
    True
    >>> lacks_person(q, ["NATO allies chose Mark Rutte to succeed Jens Stoltenberg."], {"Stoltenberg"})
    False
    >>> lacks_person("Who decides how the war ends?", ["Kyiv decides."], set())
    False
    >>> lacks_person("Which candidate did he name as his successor?", ["Several candidates were considered."], set())
    True
    >>> lacks_person("stoltenberg successor candidates names?", ["Several candidates were considered."], set())
    True
    >>> lacks_person("Who did NATO pick to succeed Stoltenberg?", ["Stoltenberg steps down next year."], set())
    True
    >>> lacks_person("Who was picked as Tom Reed's successor?", ["She replaces Tom Reed in June."], set())
    False
    >>> lacks_person("Who were the candidates to replace him?", ["Several candidates were considered."], set())
    True
    """
    if not _WHO_CHOSEN.search(question):
        return False
    asked = question.lower()
    for s in sentences:
        if re.match(r"\s*(?:She|He)\b", s):
            return False
        named = {p for p in people if re.search(rf"\b{re.escape(p)}\b", s)}
        named |= {m.group(1) for m in _FULL_NAME.finditer(s) if _OPENS_A_SENTENCE.search(s[: m.start()]) is None
                  and not _BODY.search(m.group(1)) and not any(_is_title(w) for w in m.group(1).split())}
        if any(all(w.lower() not in asked for w in n.split()) for n in named):
            return False
    return True


# A count in one currency is not an answer in another: "How many euros" met "$77 billion".
_CURRENCIES = {
    "euro": r"(?i)\beuros?\b|€|\bEUR\b", "dollar": r"(?i)\bdollars?\b|\$|\bUSD\b",
    "pound": r"(?i)\bpounds?\b|£|\bGBP\b", "rouble": r"(?i)\br[ou]bles?\b|₽", "yen": r"(?i)\byen\b|¥",
}
_HOW_MANY_CURRENCY = re.compile(r"(?i)\bhow\s+(?:many|much)\s+(?:more\s+)?(euro|dollar|pound|rouble|ruble|yen)s?\b")


def _currency_asked(question: str) -> str | None:
    """The currency a "how many euros / dollars ..." question counts in, or None.

    >>> _currency_asked("How many euros' worth of aid did Germany pledge?"), _currency_asked("How much money?")
    ('euro', None)
    """
    m = _HOW_MANY_CURRENCY.search(question)
    return None if not m else "rouble" if m.group(1).lower() == "ruble" else m.group(1).lower()


_ROLES = (r"minister|president|chancellor|secretary|spokes(?:man|woman|person)|ambassador|commander|mayor|governor|ceo"
          r"|director|chairman|chairwoman")
_ROLE = re.compile(rf"(?i)\b({_ROLES})\b")
# a word for someone's post, beside a name (gives_role_of)
_HOLDER = re.compile(rf"(?i:\b(?:{_ROLES}|chief|head|leader|envoy|official|diplomat|senator|general)\b)")
_QUALIFIED_ROLE = re.compile(rf"\b([A-Z][a-z]{{3,}})(?:['’]s)?\s+(?i:(?:foreign|defen[cs]e|prime|finance|deputy|interior"
                             rf"|economy|justice)\s+)?((?i:{_ROLES}))\b")


_ROLE_OF = re.compile(rf"\b((?i:{_ROLES}))\s+(?:[A-Z][\w’'-]+\s+){{0,2}}([A-Z][\w’'-]+)\b(?!\s+[A-Z])")


def names_apart(question: str, windows: list[str], leads: list[str] | None = None) -> list[str]:
    """The question's names (see unmatched_names) and roles ("foreign minister") when no
    single window mentions them all, else []. "What did Zelensky say at Vilnius?" is not
    answered by one sentence about Zelensky and another about Vilnius, nor "What did
    Hungary's foreign minister say?" by one on Hungary and another on Turkey's minister.

    `leads[i]`, the opening of window i's article, counts for every name but the one the
    question asks to have spoken ("What did Sara Lind say ..."): a news lead names who and
    what the whole story is about, and later sentences say "the firm" or "Mr Bondi".

    >>> names_apart("What did Zelensky say at Vilnius?", ["Zelensky will attend.", "At Vilnius, no invitation."])
    ['Zelensky', 'Vilnius']
    >>> names_apart("What did Zelensky say at Vilnius?", ["At Vilnius, Zelensky said no.", "Other."])
    []
    >>> names_apart("What did Hakan Fidan tell Blinken?", ["Fidan spoke.", "Blinken spoke."])
    ['Hakan Fidan', 'Blinken']
    >>> names_apart("What did Hungary's foreign minister say?", ["Hungary waits.", "Turkey's Foreign Minister spoke."])
    ['Hungary', 'minister']
    >>> names_apart("How much did BA's surcharge raise in London?", ["The firm's surcharge raised £10m."], ["London: BA said ..."])
    []
    >>> names_apart("What did Lind say about Boston?", ["Wanjiru will run in Boston."], ["Lind was third."])
    ['Lind', 'Boston']
    >>> names_apart("Which Hungarian minister spoke of Sweden?", ["Turkish Foreign Minister Fidan spoke. Hungary and Sweden wait."])
    ['Hungarian', 'Sweden', 'minister']
    >>> names_apart("Which Turkish minister spoke of Sweden?", ["Turkish Foreign Minister Fidan spoke of Sweden."])
    []
    >>> names_apart("Which defence minister spoke of Sweden?", ["German Defense Minister Pistorius spoke of Sweden."])
    []
    """
    roles = list(dict.fromkeys(m.group(1).lower() for m in _ROLE.finditer(question)))
    speakers = {m.group(1) or m.group(2) for m in _ASKED_SPEAKER.finditer(question)}
    # "Which Hungarian minister ...": the role of that country, a few words apart at most
    qualified = [re.compile(rf"(?i)\b{re.escape(m.group(1)[:4])}[\w’'-]*\s+(?:[\w’'-]+\s+){{0,2}}{m.group(2)}")
                 for m in _QUALIFIED_ROLE.finditer(question) if m.group(1).lower() not in _STOPWORDS]

    def names_all(window: str, lead: str) -> bool:
        missing = unmatched_names(question, f"{window} {lead}")
        unsaid = [n for n in unmatched_names(question, window) if any(n in s for s in speakers)]
        return not missing and not unsaid and all(re.search(rf"(?i)\b{r}", f"{window} {lead}") for r in roles) \
            and all(q.search(window) for q in qualified)

    if not windows or any(names_all(w, ld) for w, ld in zip(windows, leads or [""] * len(windows))):
        return []
    # each name whole ("Hakan Fidan", not "Hakan", "Fidan"), in the question's order
    words = "|".join(re.escape(n) for n in sorted(set(unmatched_names(question, "")), key=len, reverse=True))
    names = [m.group(0) for m in re.finditer(rf"\b(?:{words})(?:\s+(?:{words}))*\b", question)] if words else []
    # a country and its people are one name ("Hungarian ... Hungary's"), counted once (MANY_NAMES)
    firsts: dict[str, str] = {}
    for n in names:
        firsts.setdefault(n[:4].lower(), n)
    return list(firsts.values()) + roles


# "What did Sara Lind say", "according to Stoltenberg": the person whose words are asked for
_ASKED_SPEAKER = re.compile(
    r"\b(?:did|does|do|has|have|had|would|will)\s+(?:the\s+)?((?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’.-]*)\s+"
    r"(?:(?:himself|herself|themselves|personally|actually|really|ever|also)\s+)?"  # "What did Kuleba himself say"
    r"(?:say|tell|think|believe|claim|argue|warn|mean|call|want|describe|see|expect|predict|suggest|admit|insist"
    r"|react|respond|reply|answer)\b"
    r"|\baccording to\s+((?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’.-]*)"
)


_PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he|[Hh]is|[Hh]er|[Hh]im)\b")
_SAYS = (r"(?:said|says|stated|told|added|noted|urged|warned|stressed|affirmed"
         r"|announced|highlighted|underlined|explained|argued|insisted|suggested|recalled|emphasized|emphasised)\b")
_SPEAKER = re.compile(
    # "The Secretary General of NATO, Jens Stoltenberg, stressed": the name set off by commas speaks
    rf"\b(?:[A-Z][\w’'-]+),\s(?:[A-Z][\w’'-]+\s){{0,2}}([A-Z][\w’'-]+),\s{_SAYS}"
    rf"|\b([A-Z][\w’'-]+)(?:,\s[^,]{{1,60}},)?\s{_SAYS}"
    r"|\b(?:President|Minister|Secretary|General|[Cc]hief|Director|Chancellor|Ambassador|Senator|Mr|Ms|Mrs|Dr)\.?,?\s"
    r"(?:[A-Z][\w’'-]+\s)?([A-Z][\w’'-]+)"
)


def unquoted(question: str, people: set[str] | frozenset[str], quoted: set[str] | frozenset[str]) -> str | None:
    """The person a question asks the words of ("What did Dmytro Kuleba say ...?") when the
    articles know that person (`people`: their speakers and title holders) but report nothing
    they said (`quoted`: quoted_people): they only name them ("talks with Foreign Minister
    Dmytro Kuleba"). None otherwise.

    >>> unquoted("What did Dmytro Kuleba say after the talks?", {"Kuleba", "Blinken"}, {"Blinken"})
    'Kuleba'
    >>> unquoted("What did Kuleba himself say at the meeting?", {"Kuleba", "Blinken"}, {"Blinken"})
    'Kuleba'
    >>> unquoted("What did Blinken tell Kuleba?", {"Kuleba", "Blinken"}, {"Blinken"}) is None
    True
    >>> unquoted("What did Cameron say?", {"Blinken"}, {"Blinken"}) is None  # left to the other rules
    True

    A reaction is asked of anyone the articles name, speaker or not ("the Kremlin").

    >>> unquoted("How did the Kremlin react to his words?", {"Blinken"}, {"Blinken"})
    'Kremlin'
    >>> unquoted("How did Turkey respond?", {"Blinken"}, {"Blinken", "Turkey"}) is None
    True
    """
    for m in _ASKED_SPEAKER.finditer(question):
        if m.group(1):
            name = m.group(1).split()[-1]
            reacts = re.search(rf"\b{re.escape(name)}\s+(?:react|respond|reply|answer)\b", question)
            if (name in people or reacts) and name not in quoted:
                return name
    return None


# the verbs that report someone's words, in any tense a news story uses
_REPORTS = (r"(?:say|said|says|state[sd]?|told|tells?|add(?:s|ed)?|note[sd]?|urge[sd]?|warn(?:s|ed)?|stress(?:es|ed)?"
            r"|affirm(?:s|ed)?|announce[sd]?|highlight(?:s|ed)?|underline[sd]?|explain(?:s|ed)?|argue[sd]?"
            r"|insist(?:s|ed)?|suggest(?:s|ed)?|recall(?:s|ed)?|emphasi[sz]e[sd]?|call(?:s|ed)|pledge[sd]?"
            r"|express(?:es|ed)|believe[sd]?|think|thinks|thought|claim(?:s|ed)?|describe[sd]?|acknowledge[sd]?"
            r"|admit(?:s|ted)?|accuse[sd]?|caution(?:s|ed)?|promise[sd]?|vow(?:s|ed)?|declare[sd]?|assert(?:s|ed)?"
            r"|remark(?:s|ed)?|reiterate[sd]?|concede[sd]?|indicate[sd]?|signall?(?:s|ed)?|pointed\s+out"
            r"|welcome[sd]?|critici[sz]e[sd]?|dismiss(?:es|ed)?|reject(?:s|ed)?|ask(?:s|ed)?|question(?:s|ed)"
            r"|predict(?:s|ed)?|repl(?:y|ies|ied)|respond(?:s|ed)?|wrote|writes|tweet(?:s|ed)?|comment(?:s|ed)?"
            r"|confirm(?:s|ed)?|den(?:y|ies|ied)|hope[sd]?|expect(?:s|ed)?|voice[sd]?|praise[sd]?|mention(?:s|ed)?"
            r"|reveal(?:s|ed)?|estimate[sd]?|maintain(?:s|ed)?|observe[sd]?|agree[sd]?|spoke|speaks|speaking"
            r"|recommend(?:s|ed)?|propose[sd]?|floated|reckons?|feared|fears|doubts?|doubted)\b")
# '"...," said Stoltenberg': the verbs that come before their speaker (not "told Sweden": a listener)
_REPORTED_BY = r"(?:said|says|added|noted|asked|wrote|warned|stressed|explained|continued)"
_NAME_WORD = r"[A-Z][\w’'-]+"
_QUOTED = re.compile(
    # "Blinken said", "Blinken, the envoy, has warned", "said Stoltenberg", "said NATO chief Jens Stoltenberg"
    rf"\b({_NAME_WORD})(?:,\s[^,]{{1,60}},)?\s"
    rf"(?:(?:has|had|have|also|later|then|again|once|would|will|further)\s){{0,2}}{_REPORTS}"
    rf"|\b{_REPORTED_BY}\s(?:[\w’'-]+\s){{0,4}}?({_NAME_WORD})\b(?!\s+[A-Z])"
    # "according to Foreign Minister Tobias Billstrom", "in Blinken's words"
    rf"|\b(?i:according\s+to)\s(?:[\w’'-]+\s){{0,4}}?({_NAME_WORD})\b(?!\s+[A-Z])"
    rf"|\b({_NAME_WORD})['’]s\s+"
    r"(?:remarks|comments|words|statement|view|views|speech|message|warning|reply|response)\b"
)
_PRONOUN_REPORTS = re.compile(rf"\b(?:[Hh]e|[Ss]he)\s(?:(?:has|had|also|later|then|again|further)\s){{0,2}}{_REPORTS}")


def quoted_people(article_text: str) -> set[str]:
    """The surnames of those an article reports saying something: "Blinken said", "said
    Stoltenberg", "according to Billstrom", "in Blinken's words", or a "he said" that means
    them (person_meant). A person it only names ("talks with Foreign Minister Dmytro Kuleba")
    is not among them.

    >>> sorted(quoted_people("Minister Ana Diaz met Lee Park. She warned of cuts. Blinken, the envoy, said so. "
    ...                      "Talks with Foreign Minister Dmytro Kuleba went on, according to Jens Stoltenberg."))
    ['Blinken', 'Diaz', 'Stoltenberg']
    """
    said = [(m.start(), next(g for g in m.groups() if g)) for m in _QUOTED.finditer(article_text)]
    said = [(at, n) for at, n in said if n not in _NOT_A_NAME and not _is_title(n) and not n.isupper()]
    found = {n for _, n in said}
    for m in _PRONOUN_REPORTS.finditer(article_text):
        # "he said" is the last one quoted before it, else the last one named
        before = [n for at, n in said if at < m.start()]
        start = article_text.rfind(".", 0, m.start()) + 1
        meant = before[-1] if before else person_meant(article_text[start:m.end()], article_text[:start])
        if meant:
            found.add(meant)
    return found


def roles_named(article_text: str) -> dict[str, set[str]]:
    """Who holds which role, from where the article gives it ("Mayor Daniel Okafor",
    "Foreign Minister Dmytro Kuleba"): surname -> roles, so a later "Okafor said" or "he
    added" still answers a question about the mayor.

    >>> roles_named("Mayor Daniel Okafor said so. Later, German Defense Minister Boris Pistorius spoke.")
    {'Okafor': {'mayor'}, 'Pistorius': {'minister'}}
    """
    out: dict[str, set[str]] = {}
    for m in _ROLE_OF.finditer(article_text):
        out.setdefault(m.group(2), set()).add(m.group(1).lower())
    return out


def person_meant(window: str, text_before: str) -> str | None:
    """Whom a he/she in `window` most likely means: the last person the article named
    before it (in `text_before`), as a speaker ("Stoltenberg said")
    or with a title ("Secretary General Stoltenberg"). None when the window has no such
    pronoun or no person came before.

    >>> person_meant("Meanwhile, he said Russia lost 300,000.", "Secretary General Stoltenberg said at the meeting.")
    'Stoltenberg'
    >>> person_meant("Russia lost 300,000.", "Stoltenberg said so.") is None
    True
    >>> person_meant("He recalled it.", "The Secretary General of NATO, Jens Stoltenberg, stressed that ... He warned.")
    'Stoltenberg'
    """
    if not _PRONOUN.search(window):
        return None
    found = _people_named(text_before)
    return found[-1] if found else None


def _people_named(text: str) -> list[str]:
    """The names `_SPEAKER` finds in `text`, in order, without pronouns ("He warned"),
    titles ("Secretary General") and acronyms ("NATO said")."""
    found = (next(g for g in m.groups() if g) for m in _SPEAKER.finditer(text))
    return [n for n in found if n not in _NOT_A_NAME and not _is_title(n) and not n.isupper()]


def _is_title(word: str) -> bool:
    """ "Secretary", "Minister", "Mr": a word that goes before a name, not a name."""
    return bool(_TITLE.fullmatch(word) or _ROLE.fullmatch(word))


_TITLE = re.compile(r"(?i)President|Minister|Secretary|General|Chief|Director|Chancellor|Ambassador|Senator|Mr|Ms|Mrs|Dr")
_NOT_A_NAME = frozenset({"He", "She", "It", "They", "We", "I", "You", "This", "That", "Who", "The", "A", "An", "There"})


def speakers(article_text: str) -> set[str]:
    """The surnames of an article's speakers and title holders, as `person_meant` finds
    them; not titles ("the Secretary General noted"), acronyms ("NATO said") or first names
    (a name the article always follows with another: "Jens Stoltenberg").

    >>> sorted(speakers("Secretary General Jens Stoltenberg said so. He added more. Blinken, the envoy, warned. "
    ...                 "The Secretary General noted it. NATO said no. Jens Stoltenberg urged."))
    ['Blinken', 'Stoltenberg']
    """
    return {n for n in _people_named(article_text) if re.search(rf"\b{re.escape(n)}\b(?!\s+[A-Z])", article_text)}


def window_people(sentences: list[PassageSentence], before: list[str], people: set[str]) -> list[set[str]]:
    """For each sentence, the `people` its window names, and whom the he/she of each
    sentence in the window means (`person_meant`, read against `before[j]`: the article's
    text before sentence j). "He said that he sees no sense of fatigue" after "Blinken said
    ..." is Blinken's.

    >>> ss = [PassageSentence(0, 0, 20, "Blinken said so."), PassageSentence(0, 21, 40, "He sees no fatigue.")]
    >>> window_people(ss, ["", "Blinken said so. "], {"Blinken", "Stoltenberg"})
    [{'Blinken'}, {'Blinken'}]
    """
    meant = [person_meant(s.text, b) for s, b in zip(sentences, before)]
    out = []
    for j, (s, window) in enumerate(zip(sentences, sentence_windows(sentences))):
        near = [k for k in (j - 1, j, j + 1) if 0 <= k < len(sentences) and sentences[k].passage == s.passage]
        named = {p for p in people if re.search(rf"\b{re.escape(p)}\b", window)}
        out.append(named | {m for k in near if (m := meant[k])})
    return out


def names_someone_else(claims: list[str], window_people: list[set[str]], people: set[str]) -> np.ndarray:
    """mask[i, j]: claim i names a speaker (one of `people`) whom sentence j's window
    neither names nor means, while the window names or means someone the claim does not.
    "Stoltenberg said there is strong bipartisan support" is not supported by "Blinken said
    that there is strong bipartisan support", however close the two read; a window with no
    speaker is not judged.

    `window_people[j]`: the people named in sentence j's window or meant by its he/she.

    >>> names_someone_else(["Stoltenberg said aid works.", "Blinken met Kuleba."],
    ...                    [{"Blinken"}, {"Stoltenberg", "Kuleba"}, set(), {"Kuleba", "Blinken"}],
    ...                    {"Blinken", "Stoltenberg", "Kuleba"}).tolist()
    [[True, False, False, True], [False, True, False, False]]
    """
    named = [{p for p in people if re.search(rf"\b{re.escape(p)}\b", c)} for c in claims]
    return np.array([[bool(n - w) and bool(w - n) for w in window_people] for n in named],
                    dtype=bool).reshape(len(claims), len(window_people))  # fmt: skip


def rerank_passages(candidates: list[ScoredChunk], ranked: list[RankedSentence], k: int) -> list[ScoredChunk]:
    """The k candidates whose best sentence answers best, each scored by that sentence.

    `ranked` holds the candidates' sentences, best first (rag.service.rank_sentences). A
    candidate whose best sentence lies inside a passage already kept (chunks overlap) adds
    nothing and is skipped. Candidates without a ranked sentence keep their fused order after.

    >>> from rag.types import Chunk
    >>> from types import SimpleNamespace as R
    >>> c = [ScoredChunk(Chunk("a", "v", i, "t", 10 * i, 10 * i + 15), 0.1) for i in range(3)]
    >>> r = [R(sentence=PassageSentence(2, 20, 30, "x"), score=0.9), R(sentence=PassageSentence(1, 12, 15, "y"), score=0.8),
    ...      R(sentence=PassageSentence(0, 12, 15, "y"), score=0.8)]
    >>> [(p.chunk.index, p.score) for p in rerank_passages(c, r, 3)]
    [(2, 0.9), (0, 0.8)]
    """
    best: dict[int, RankedSentence] = {}
    for r in ranked:
        best.setdefault(r.sentence.passage, r)
    order = sorted(range(len(candidates)), key=lambda i: (-best[i].score if i in best else 1.0, i))
    kept: list[ScoredChunk] = []
    for i in order:
        if len(kept) >= k:
            break
        chunk = candidates[i].chunk
        top = best.get(i)
        if top is not None:
            s = top.sentence
            if any(p.chunk.article_id == chunk.article_id and p.chunk.start <= s.start and s.end <= p.chunk.end for p in kept):
                continue
        kept.append(replace(candidates[i], score=round(top.score, 4)) if top is not None else candidates[i])
    return kept


def joined_passages(passages: list[ScoredChunk], article_text: Callable[[Chunk], str]) -> list[ScoredChunk]:
    """The passages with every group of overlapping or touching ones of one article joined
    into one, at the place of its best member (chunks overlap, so two neighbours retrieved
    together are one stretch of text: "That brought to 49 the number of banks that Mr Bondi
    has sued" reads right after the sentence it follows). `article_text(chunk)` is the
    cleaned text the offsets index.

    >>> from rag.types import Chunk
    >>> text = "A b. C d. E f. G h. I j."
    >>> spans = [(5, 14), (0, 9), (20, 24)]
    >>> c = [ScoredChunk(Chunk("a", "v", i, text[s:e], s, e), 1 - i / 10) for i, (s, e) in enumerate(spans)]
    >>> [(p.chunk.text, p.score) for p in joined_passages(c, lambda chunk: text)]
    [('A b. C d. E f.', 1.0), ('I j.', 0.8)]
    >>> [p.chunk.text for p in joined_passages(c, lambda chunk: "X" + text)]  # another version of the text
    ['C d. E f.', 'A b. C d.', 'I j.']
    """
    out: list[ScoredChunk] = []
    for p in passages:
        hits = [i for i, q in enumerate(out) if _touch(q.chunk, p.chunk, article_text)]
        if not hits:
            out.append(p)
            continue
        group = [out[i].chunk for i in hits] + [p.chunk]
        first = out[hits[0]]
        start, end = min(c.start for c in group), max(c.end for c in group)
        out[hits[0]] = replace(first, chunk=replace(first.chunk, index=min(c.index for c in group), start=start, end=end,
                                                     text=article_text(first.chunk)[start:end]))  # fmt: skip
        out = [q for i, q in enumerate(out) if i not in hits[1:]]  # p joined them: they are one stretch now
    return out


# A sentence that opens by pointing back ("Those fears ...", "Nevertheless, this step ..."), not at a time
# ("This year ...")
_CONTRAST_WORDS = r"But|Yet|Still|However|Nevertheless|Nonetheless"  # (see also `continues`)
_AFTER_CONNECTIVE = rf"(?:(?:{_CONTRAST_WORDS}|Instead),?\s+)?"
_POINTS_BACK = re.compile(_AFTER_CONNECTIVE + r"(?:[Tt]his|[Tt]hese|[Tt]hose|[Ss]uch)\s+"
                          r"(?!(?:year|week|month|time|spring|summer|autumn|fall|winter|morning|evening)s?\b)[a-z]+\b")
# "These factors ...": words that sum up what several sentences said ("Those fears" mostly sums up one)
_POINTS_BACK_TO_MANY = re.compile(_AFTER_CONNECTIVE + r"(?:[Tt]hese|[Tt]hose)\s+(?:[a-z]+\s+)?(?:factors|reasons|signs"
                                  r"|developments|measures|steps|trends|changes|figures|numbers|facts|points|indicators"
                                  r"|examples|setbacks|losses)\b")


def antecedent_count(sentence: str, most: int = 3) -> int:
    """How many sentences before it a sentence that opens by pointing back points to: one
    for "Those fears did not materialize.", up to `most` for "These factors are cited as
    evidence ..." (a word that sums up what several sentences said), none for any other.

    >>> antecedent_count("Those fears faded."), antecedent_count("These factors show it."), antecedent_count("This year it grew.")
    (1, 3, 0)
    >>> antecedent_count("Nevertheless, this development falls short."), antecedent_count("But these steps help.")
    (1, 3)
    """
    if not _POINTS_BACK.match(sentence):
        return 0
    return most if _POINTS_BACK_TO_MANY.match(sentence) else 1


def with_antecedents(passage: ScoredChunk, article_text: str, chars: int = 600) -> ScoredChunk:
    """The passage grown back by the sentences (within `chars` characters, none across a
    heading) that one of its first two sentences points back to (`antecedent_count`): a passage cut to open
    with "In the past year, millions of Russians left the country. These factors are cited
    as evidence that the invasion was a strategic misstep." lacks the factors before it
    (heldout12 w010).

    >>> from rag.types import Chunk
    >>> text = "Pressure\\nOil revenue fell. Firms left. Many left. These factors show a misstep. Rain."
    >>> p = ScoredChunk(Chunk("a", "v", 0, text[39:], 39, len(text)), 0.9)
    >>> with_antecedents(p, text).chunk.text
    'Oil revenue fell. Firms left. Many left. These factors show a misstep. Rain.'
    >>> with_antecedents(p, text, chars=12).chunk.text
    'Many left. These factors show a misstep. Rain.'
    """
    c = passage.chunk
    if article_text[c.start : c.end] != c.text:
        return passage
    firsts = split_sentences(c.text, offset=c.start)[:2]
    wanted = next((antecedent_count(article_text[s:e]) - k for k, (s, e) in enumerate(firsts)
                   if antecedent_count(article_text[s:e])), 0)
    if wanted <= 0:
        return passage
    window = max(0, c.start - chars)
    before = split_sentences(article_text[window : c.start], offset=window)[1 if window else 0 :]  # whole sentences
    taken: list[tuple[int, int]] = []
    for s, e in reversed(before):
        if len(taken) == wanted or not is_sentence(article_text[s:e]):  # a heading ends the run
            break
        taken.insert(0, (s, e))
    if not taken:
        return passage
    start = taken[0][0]
    return replace(passage, chunk=replace(c, start=start, text=article_text[start : c.end]))


_FILLER = content_terms("as well, too, again, meanwhile, moreover, indeed, however, currently")


def only_announces(question: str, sentence: str) -> bool:
    """Does the sentence add at most one word to the question? Then it is a topic sentence
    ("Economic pressure on Russia has intensified as well." for "In what ways is Russia under
    economic pressure?"), and the next sentence of its article says what it only announces.

    >>> q = "In what ways is Russia under economic pressure?"
    >>> only_announces(q, "Economic pressure on Russia has intensified as well."), only_announces(q, "Oil revenue is down.")
    (True, False)
    >>> only_announces("In what ways is Russia's economy under pressure?", "Economic pressure on Russia has intensified.")
    True
    """
    asked = content_terms(question) | _FILLER
    added = [t for t in content_terms(sentence) - asked if not any(_same_stem(t, a) for a in asked)]
    return len(added) <= 1


def _same_stem(a: str, b: str) -> bool:
    """Two stems of one word the stemmer left apart ("economic", "econom")?"""
    return min(len(a), len(b)) >= 5 and (a.startswith(b) or b.startswith(a))


_CONTRASTS = re.compile(rf"(?:{_CONTRAST_WORDS}|Instead|Rather|In\s+contrast|On\s+the\s+contrary)\b")


def continues(sentence: str) -> bool:
    """Does the sentence open by going on from the one before it: pointing back to it ("This
    step signifies ...": `antecedent_count`) or setting itself against it ("However, major
    allies such as the United States and Germany are hesitant ...")? Then it is the other
    half of that sentence's point.

    >>> continues("However, Germany is hesitant."), continues("This step helps."), continues("Germany, however, waits.")
    (True, True, False)
    >>> continues("Instead, Ukrainian forces pushed back."), continues("Rather, it waits.")
    (True, True)
    >>> continues("Butter rose."), continues("This year it grew.")
    (False, False)
    """
    return antecedent_count(sentence) > 0 or _CONTRASTS.match(sentence) is not None


def with_sequel(question: str, passage: ScoredChunk, article_text: str) -> ScoredChunk:
    """The passage with the sentence after it in the article when that sentence goes on with
    the passage's last one: the last only announces (`only_announces`), or the next opens by
    pointing back to it or by setting itself against it (`continues`).
    A passage cut after "Economic pressure on Russia has intensified as well." lacks the "Oil
    and gas revenues are down, ..." it announces (heldout h023); one cut after "... convene
    the inaugural session of a NATO-Ukraine Council ..." lacks "This step ... will provide
    Kyiv with a more equal position ..." (gold g028 and three held-out sets); one cut after
    "Eastern European NATO nations have been pushing for a more defined roadmap ..." lacks
    "However, major allies such as the United States and Germany are hesitant ..."
    (heldout13 x045).

    >>> from rag.types import Chunk
    >>> text = "NATO met. Economic pressure on Russia rose. Oil revenue fell. Rain."
    >>> p = ScoredChunk(Chunk("a", "v", 0, text[:43], 0, 43), 0.9)
    >>> with_sequel("How is Russia under economic pressure?", p, text).chunk.text
    'NATO met. Economic pressure on Russia rose. Oil revenue fell.'
    >>> text = "NATO met. Leaders set up a council. This step gives Kyiv a seat. Rain."
    >>> p = ScoredChunk(Chunk("a", "v", 0, text[:35], 0, 35), 0.9)
    >>> with_sequel("What does the council give Kyiv?", p, text).chunk.text
    'NATO met. Leaders set up a council. This step gives Kyiv a seat.'
    """
    c = passage.chunk
    spans = split_sentences(c.text, offset=c.start)
    if not spans or article_text[c.start : c.end] != c.text:
        return passage
    following = split_sentences(article_text[c.end : c.end + 1000], offset=c.end)[:1]
    nxt = article_text[slice(*following[0])].strip() if following else ""
    aspect = takes_up_aspect(nxt, c.text, question)
    goes_on = bool(following) and following[0][0] - c.end <= 3 and (continues(nxt) or aspect)
    if not goes_on and not only_announces(question, c.text[spans[-1][0] - c.start :]):
        return passage
    grown = with_following(passage, article_text, 1)
    return with_sequel(question, grown, article_text) if goes_on and aspect else grown


_ASPECT = re.compile(r"^([A-Z][a-z]{3,})ly,")


def takes_up_aspect(sentence: str, before: str, question: str) -> bool:
    """Does the sentence open with the adverb of an adjective the text before it uses, as
    the next of a run ("Militarily, ..." after "political, military, and economic setbacks.
    Politically, ..."), and the question names that aspect? A passage cut inside the run
    lacks the aspects it did not reach (heldout16 h022: "What military losses has Russia
    suffered?"); those the question does not name would crowd out what it asks.

    >>> run = "It faces political and military setbacks. Politically, it lost."
    >>> takes_up_aspect("Militarily, it lost tanks.", run, "What military losses?")
    True
    >>> takes_up_aspect("Militarily, it lost tanks.", run, "What about Russia and China?")
    False
    >>> takes_up_aspect("Finally, it rained.", "The final vote.", "Final?"), takes_up_aspect("Rain.", "Political.", "Rain?")
    (False, False)
    """
    m = _ASPECT.match(sentence)
    stem = m.group(1)[:5].lower() if m else ""  # "Militarily" -> "milit"
    adjective = rf"\b{stem}\w*(?:al|ic|ary|ive|ous)\b"  # "military", as the run's first sentence names it
    return bool(stem) and stem in question.lower() and re.search(adjective, before.lower()) is not None


def with_following(passage: ScoredChunk, article_text: str, chars: int) -> ScoredChunk:
    """The passage grown by the whole sentences that follow it in the article, up to `chars`
    characters (at least one sentence): the point a news sentence makes often goes on in the
    next one ("That brought to 49 the number of banks that Mr Bondi has sued").

    >>> from rag.types import Chunk
    >>> text = "Bondi sued Morgan Stanley. That brought the count to 49. Banks object. Rain fell."
    >>> p = ScoredChunk(Chunk("a", "v", 0, text[:26], 0, 26), 0.9)
    >>> with_following(p, text, 45).chunk.text
    'Bondi sued Morgan Stanley. That brought the count to 49. Banks object.'
    >>> with_following(p, text, 1).chunk.text
    'Bondi sued Morgan Stanley. That brought the count to 49.'
    """
    c = passage.chunk
    if chars <= 0 or article_text[c.start : c.end] != c.text:
        return passage
    end = c.end
    for _, e in split_sentences(article_text[c.end : c.end + chars + 2000], offset=c.end):  # not the whole rest
        if end > c.end and e - c.end > chars:
            break
        end = e
    return replace(passage, chunk=replace(c, end=end, text=article_text[c.start : end]))


def _touch(a: Chunk, b: Chunk, article_text: Callable[[Chunk], str]) -> bool:
    """Do the chunks overlap, or is there only white space (a paragraph break) between them?
    Never when the text at hand is not the one they were cut from (re-ingested meanwhile)."""
    if (a.article_id, a.version) != (b.article_id, b.version):
        return False
    text = article_text(a)
    if any(text[c.start : c.end] != c.text for c in (a, b)):
        return False
    first, second = sorted((a, b), key=lambda c: c.start)
    return second.start <= first.end or not text[first.end : second.start].strip()


# What comes before a sentence's first word: nothing but quotes, or the end of a sentence
# ("?", "!", or a period after a lower-case word or a digit: not "U.S." before "Congress")
_OPENS_A_SENTENCE = re.compile(r"(?:^|[!?]|(?<=[a-z]{3})\.|(?<=\d)\.)[\"'”’)]*\s*[\"'“‘(]*$")
_NAME = re.compile(r"(?<![\w'’])(?:[A-Z][\w'’.-]*\w|\d[\d,.]*\d|[A-Z]\w*-\d+)")
_NOT_NAMES = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday i i'm i've i'd i'll
    mr mrs ms dr prof sir madam""".split()  # (honorifics: "Mr. Stoltenberg", heldout17 i016)
)
_DEMONYM = re.compile(r"(?:ian|ish|ese|an|i)$")
_ALIASES = {"u.s": ("united states", "america", "washington"), "us": ("united states", "u.s", "america"),
            "america": ("us", "u.s", "united states"), "american": ("us", "u.s", "united states", "america"),
            "uk": ("united kingdom", "britain", "british", "u.k"), "britain": ("uk", "u.k", "united kingdom"),
            "british": ("uk", "u.k", "united kingdom", "britain"), "eu": ("european union",),
            "united states": ("u.s", "us", "america", "washington"), "united kingdom": ("uk", "u.k", "britain"),
            "european union": ("eu",),
            # names that stand for a government or a camp ("the Kremlin", "the West": heldout16 h010)
            "kremlin": ("russia", "russian", "moscow", "putin"), "west": ("nato", "allies", "allied", "western"),
            "western": ("nato", "allies", "allied", "west")}  # fmt: skip
# "the Lithuanian capital" names Vilnius: capitals, their countries and their peoples' adjectives
_CAPITALS = {city: (country, people) for city, country, people in (line.split(":") for line in """
amsterdam:netherlands:dutch ankara:turkey:turkish athens:greece:greek baku:azerbaijan:azerbaijani
beijing:china:chinese belgrade:serbia:serbian berlin:germany:german bern:switzerland:swiss
bratislava:slovakia:slovak brussels:belgium:belgian bucharest:romania:romanian budapest:hungary:hungarian
canberra:australia:australian chisinau:moldova:moldovan copenhagen:denmark:danish damascus:syria:syrian
dublin:ireland:irish helsinki:finland:finnish islamabad:pakistan:pakistani kabul:afghanistan:afghan
kyiv:ukraine:ukrainian kiev:ukraine:ukrainian lisbon:portugal:portuguese ljubljana:slovenia:slovenian
london:britain:british madrid:spain:spanish minsk:belarus:belarusian moscow:russia:russian nairobi:kenya:kenyan
oslo:norway:norwegian ottawa:canada:canadian paris:france:french prague:czech:czech pyongyang:korea:korean
riga:latvia:latvian rome:italy:italian seoul:korea:korean skopje:macedonia:macedonian sofia:bulgaria:bulgarian
stockholm:sweden:swedish tallinn:estonia:estonian tbilisi:georgia:georgian tehran:iran:iranian
tirana:albania:albanian tokyo:japan:japanese vienna:austria:austrian vilnius:lithuania:lithuanian
warsaw:poland:polish washington:america:american yerevan:armenia:armenian zagreb:croatia:croatian""".split())}


def names_capital(city: str, text: str) -> bool:
    """Does the (lower-case) text name the capital `city` by its country ("the Lithuanian
    capital", "Poland's capital", "the capital of Ukraine")?

    >>> names_capital("vilnius", "in the lithuanian capital"), names_capital("vilnius", "in the polish capital")
    (True, False)
    """
    if city not in _CAPITALS:
        return False
    country, people = _CAPITALS[city]
    named = rf"\b(?:{people}|{country}(?:'s)?)\s+capital\b|\bcapital\s+of\s+(?:the\s+)?{country}\b"
    return re.search(named, text) is not None


# names of two words that one alias stands for ("United States" ~ "the U.S."): read as one name
_TWO_WORD_NAME = re.compile(r"\b(?:United\s+States|United\s+Kingdom|European\s+Union)\b")


def reads_as_english(question: str) -> bool:
    """Do at least a fifth of the question's words (of four or more) belong to English's
    small words? The articles and models read English; a refusal of a question in another
    language says so rather than naming its words as missing.

    >>> reads_as_english("Wie viel Volumen haben die Schweizer Gletscher 2023 verloren?")
    False
    >>> reads_as_english("How much volume did Swiss glaciers lose?"), reads_as_english("Kuleba's role?")
    (True, True)

    Names past the first word are no words of any language: "Did Hungary's parliament finally
    approve Sweden's NATO membership?" is English.

    >>> reads_as_english("Did Hungary's parliament finally approve Sweden's NATO membership?")
    True
    """
    tokens = re.findall(r"[^\W\d_]{2,}", question)
    words = [w.lower() for i, w in enumerate(tokens) if i == 0 or not w[0].isupper()]
    return len(words) < 4 or sum(w in _STOPWORDS for w in words) >= 0.2 * len(words)


def unmatched_names(question: str, evidence_text: str) -> list[str]:
    """Names and numbers of the question that the evidence never mentions.

    A question about "Georgia's bid" or "the 2025 summit" is not answered by passages that
    never say Georgia or 2025, however close the rest sounds. Names are capitalised words
    past the first (demonyms match their country: "Ukrainian" ~ "Ukraine"); numbers need
    at least two digits; months, weekdays and the question's first word are ignored.

    >>> unmatched_names("What did Stoltenberg say about Georgia's bid in 2025?", "Stoltenberg spoke in 2024.")
    ['Georgia', '2025']
    >>> unmatched_names("Did Ukrainian and Turkish officials meet Israel-Hamas envoys?", "Ukraine, Turkey, Israel and Hamas")
    []
    >>> unmatched_names("How many F-16 jets?", "16 jets")
    ['F-16']

    Each sentence's first word is ignored, and a question in capitals has only its numbers
    checked (every word looks like a name there).

    >>> unmatched_names("Hello! I'm new here. Could you tell me what the roof cost?", "The roof cost $2m.")
    []
    >>> unmatched_names("HOW MUCH DID THE ROOF COST IN 2023?", "The roof cost $2m in 2024.")
    ['2023']
    >>> unmatched_names("What did the U.S. Congress decide?", "The U.S. Senate voted.")
    ['Congress']

    A capitalised small word is no name, even where a sentence seems not to end before it
    ("... within NATO. What would ..."), and "the United States" is one name, which "the
    U.S." mentions.

    >>> unmatched_names("He spoke in NATO. What would that make it?", "He spoke in NATO.")
    []
    >>> unmatched_names("What did he NOT want to discuss in the US?", "He would not discuss it in Brussels.")
    ['US']
    >>> unmatched_names("How much has the United States given?", "The U.S. has given $77 billion.")
    []
    >>> unmatched_names("Did Germany pledge 5 billion euros?", "Germany pledged 500 million euros.")
    ['5 billion']
    >>> unmatched_names("Did Germany pledge 5 billion euros?", "Germany pledged €5bn.")
    []
    >>> unmatched_names("nato 2% gdp target", "NATO met."), unmatched_names("a 2 percent target", "a 2% target")
    (['2%'], [])
    >>> unmatched_names("What did Mr. Stoltenberg recall?", "Stoltenberg recalled the fears.")
    []
    """
    head = own_turn(question)
    text = evidence_text.lower().replace("’", "'")
    words = re.findall(r"[A-Za-z]{2,}", head)
    shouted = len(words) >= 3 and sum(w.isupper() for w in words) > 0.6 * len(words)
    missing = [" ".join(m.group(0).split()) for m in _TWO_WORD_NAME.finditer(head)
               if not shouted and not _mentioned(" ".join(m.group(0).lower().split()), text)]
    head = _TWO_WORD_NAME.sub(lambda m: " " * len(m.group(0)), head)  # read once, as above
    for m in _NAME.finditer(head):
        word = m.group(0).replace("’", "'").removesuffix("'s").rstrip(".,")
        low = word.lower()
        first = _OPENS_A_SENTENCE.search(head[: m.start()]) is not None
        # "What", not "US"; but "NOT" or "ONLY" in capitals is a small word said loudly
        small = low in _STOPWORDS and (not word.isupper() or len(word) > 2 and low not in _ALIASES)
        if first or small or low in _NOT_NAMES or not word or (low.isdigit() and len(low) < 2):
            continue
        if shouted and not low[0].isdigit():
            continue
        if _mentioned(low, text):
            continue
        missing.append(word)
    for m in _ONE_DIGIT_SUM.finditer(head):  # "5 billion euros": one digit, but a figure
        unit = r"(?:%|per\s*cent)" if m.group(2)[0] in "%pP" else m.group(2)[0].lower()
        if not re.search(rf"(?<![\d.,]){m.group(1)}\s*{unit}", text):
            missing.append(m.group(0))
    return missing


_ONE_DIGIT_SUM = re.compile(r"(?<![\w.,])(\d)\s*(million|billion|trillion|bn|%|percent\b|per\s*cent\b)(?:\b|(?<=%))",
                            re.IGNORECASE)


# "A colleague wrote that ... Is that right?", "Is it true that ...?", "Did he really say ...?"
_CHECKS_CLAIM = re.compile(
    r"(?i)\bis\s+(?:that|this|it)\s+(?:really\s+)?(?:right|true|correct|accurate|so)\b|\breally\b"
    r"|\bfact[- ]?check|\b(?:true|right|correct)\s*\?\s*$")
_CLAIM_CLAUSE = re.compile(r"[.?!;:]")


def corrects_figures(question: str, figures: list[str], sentences: list[str]) -> bool:
    """Does a question that checks a claim ("A colleague put the casualties at more than
    200,000. Is that right?") name figures the articles never give (`figures`) only where
    one of `sentences` gives another figure for the same thing? Then that sentence corrects
    the claim, and the question is answered, not refused. The same thing: the nearest words
    on each side of the figure, units and small words aside, all in the sentence.

    >>> q = "A colleague put Russian casualties at more than 200,000. Is that right?"
    >>> corrects_figures(q, ["200,000"], ["Russia has incurred more than 300,000 casualties."])
    True
    >>> corrects_figures(q, ["200,000"], ["Russia lost 300,000 tanks."])
    False
    >>> q = "Is it true Germany pledged 5 billion euros to Ukraine?"
    >>> corrects_figures(q, ["5"], ["The goal was 500 million euros a year for Ukraine."])
    False
    >>> corrects_figures("How did 200,000 troops fare?", ["200,000"], ["300,000 troops were lost."])
    False
    """
    if not figures or not _CHECKS_CLAIM.search(question) or not all(f[0].isdigit() for f in figures):
        return False
    for figure in figures:
        at = question.find(figure)
        if at < 0:
            return False
        before = _CLAIM_CLAUSE.split(question[:at])[-1]
        after = _CLAIM_CLAUSE.split(question[at + len(figure):])[0]
        near = term_list(_UNIT.sub(" ", before))[-1:] + term_list(_UNIT.sub(" ", after))[:1]
        if not near or not any(gives_count(s) and set(near) <= content_terms(s) for s in sentences):
            return False
    return True


def _mentioned(word: str, text: str) -> bool:
    if re.search(rf"(?<!\w){re.escape(word)}", text):
        return True
    if any(re.search(rf"(?<!\w){re.escape(a)}(?!\w)", text) for a in _ALIASES.get(word.strip("."), ())):
        return True
    if names_capital(word, text):
        return True
    if word in _CAPITALS and any(re.search(rf"(?<!\w){n}(?!\w)", text) for n in _CAPITALS[word]):
        return True  # "Kyiv" for its government: "Ukraine" / "Ukrainian"
    if "-" in word and not any(ch.isdigit() for ch in word):
        parts = [p for p in word.split("-") if len(p) >= 3]
        return bool(parts) and all(_mentioned(p, text) for p in parts)
    stem = _DEMONYM.sub("", word)
    return word.isalpha() and len(stem) >= 4 and stem != word and re.search(rf"(?<!\w){re.escape(stem)}", text) is not None


def proper_nouns(texts: list[str]) -> set[str]:
    """The words `texts` capitalise in mid-sentence (lower-cased): names, as opposed to
    words capitalised only because they open a sentence.

    >>> sorted(proper_nouns(["Additionally, Hungary waits. Turkey and Hungary met.\\nAccording to him, ok. He said"]))
    ['hungary']
    """
    found = {m.group(1).lower() for t in texts for m in re.finditer(r"(?<=[a-z0-9,]\s)([A-Z][\w’'-]+)", t)}
    return {w for w in found if w not in _STOPWORDS}


def names_not_in(claims: list[str], sentences: list[PassageSentence], context: list[str], proper: set[str],
                 common: frozenset[str] = frozenset()) -> np.ndarray:
    """mask[i, j]: claim i names something (a name past its first word, or a first word that
    `proper` knows as a name) that sentence j's wide window and `context[j]` (its article's
    title and lead, the people its he/she means) never mention. "Hungary has told Sweden that it
    expects to ratify" is not supported by "Turkey has told Sweden that it expects to
    ratify", however close the two read. A capitalised word the articles also write in lower
    case (`common`: "the Alliance" / "the alliance") is no name.

    >>> ss = [PassageSentence(0, 0, 50, "Turkey has told Sweden it will ratify within weeks.")]
    >>> names_not_in(["Hungary has told Sweden it will ratify.", "Turkey told Sweden so.", "Soon, Sweden joins.",
    ...               "The Alliance told Sweden."], ss, [""], {"hungary", "turkey", "sweden"}, frozenset({"alliance"})
    ...              ).ravel().tolist()
    [True, False, False, False]
    """
    def named(claim: str) -> str:
        first = re.match(r"\s*([A-Z][\w’'-]+)", claim)
        lead = "X " if first and first.group(1).lower() in proper else ""  # keep a name that opens the claim
        return lead + claim

    said = [f"{w} {c}" for w, c in zip(sentence_windows(sentences, reach=2), context)]
    return np.array([[any(n.lower() not in common for n in unmatched_names(named(claim), text)) for text in said]
                     for claim in claims], dtype=bool).reshape(len(claims), len(sentences))  # fmt: skip


_CLAUSE = re.compile(r"[,;:()\u2014\u2013\"“”]|\s-\s|(?<=[.!?])\s+")
_PLACED = re.compile(r"\b(in|at|from|by|near|outside|before|until)\s+(?:the\s+)?([A-Z][\w'’-]+)")
_DEADLINE = frozenset({"by", "before", "until"})
PLACE_REACH = 3  # content words before "in / at / by <Name>" that must share the name's clause
PLACE_CLAUSE_COSINE = 0.47  # ... or the clause must read this close to the claim's (docs/NOTES.md)


def placed_elsewhere(claims: list[str], sentences: list[PassageSentence], names: set[str],
                     leads: list[str] | None = None,
                     embed: Callable[[list[str]], np.ndarray] | None = None) -> np.ndarray:
    """mask[i, j]: claim i puts something "in / at / from / by / near <Name>" (a name or a
    month), and sentence j names it only in clauses that say something else: none holds
    the words the claim ties to it (the PLACE_REACH content words before the preposition, in
    the claim's own clause), and, with `embed`, none reads within PLACE_CLAUSE_COSINE of the
    claim's clause ("goes on sale in Europe" / "will launch in Europe" share no word).
    Sentence j is read with two sentences on each side and `leads[j]` (its article's lead,
    which licenses names and figures everywhere), as for figures_not_in. "The training
    center for Ukrainian pilots opened in the Netherlands" is not supported by "Germany and
    the Netherlands had pledged substantial assistance, a training center for Ukrainian
    pilots had opened, ...", however close the two read. A month after "by / before / until"
    is a deadline: the window must give it one too ("Russia cannot win by April 3" is not
    supported by "... cannot win the war, ... Stoltenberg said on April 3"). `names`: the lower-cased
    names of the articles (ArticleFacts.proper less the words they also write in lower
    case). A window that does not name it is left to names_not_in.

    >>> ss = [PassageSentence(0, 0, 90, "Germany and the Netherlands pledged aid, a training center for pilots had opened."),
    ...       PassageSentence(1, 0, 50, "A training center for pilots opened in the Netherlands.")]
    >>> placed_elsewhere(["The training center for pilots opened in the Netherlands."], ss, {"netherlands"}).tolist()
    [[True, False]]
    >>> ss = [PassageSentence(0, 0, 40, "Russia cannot win, he said on April 3."), PassageSentence(1, 0, 30, "Kyiv must act by April 3.")]
    >>> placed_elsewhere(["Russia cannot win by April 3.", "Kyiv must act by April 3."], ss, {"april"}).tolist()
    [[True, True], [True, False]]
    """
    said = [f"{w} {leads[j] if leads else ''}" for j, w in enumerate(sentence_windows(sentences, reach=2))]
    clauses = [[(c.strip(), set(term_list(c))) for c in _CLAUSE.split(w)] for w in said]
    suspects: list[tuple[int, int, str, list[str]]] = []  # claim, sentence, the claim's clause, the window's clauses
    mask = np.zeros((len(claims), len(sentences)), dtype=bool)
    for i, claim in enumerate(claims):
        for part in _CLAUSE.split(claim):
            for m in _PLACED.finditer(part):
                name = m.group(2).replace("’", "'").removesuffix("'s").lower()
                head = set(term_list(part[: m.start()])[-PLACE_REACH:])
                if name not in names or not head:
                    continue
                deadline = m.group(1) in _DEADLINE and _MONTH.fullmatch(m.group(2)) is not None
                for j, parts in enumerate(clauses):
                    spots = [(c, t) for c, t in parts if re.search(rf"(?i)(?<!\w){re.escape(name)}(?!\w)", c)]
                    if deadline and spots and not re.search(rf"(?i)\b(?:by|before|until)\s+{re.escape(name)}\b", said[j]):
                        mask[i, j] = True  # a date the window gives is no deadline it sets
                    elif spots and not any(head & t for _, t in spots):
                        suspects.append((i, j, part.strip(), [c for c, _ in spots]))
    if embed is not None and suspects:
        texts = sorted({t for _, _, part, spots in suspects for t in (part, *spots)})
        vector = dict(zip(texts, embed(texts)))
        suspects = [x for x in suspects if max(float(vector[x[2]] @ vector[c]) for c in x[3]) < PLACE_CLAUSE_COSINE]
    for i, j, _, _ in suspects:
        mask[i, j] = True
    return mask


@dataclass(frozen=True)
class ArticleFacts:
    """What the verifier and the refusal rules read from a whole article, derived once per
    article version: its text, who holds which role (roles_named), its speakers (speakers),
    the words it capitalises mid-sentence (proper_nouns), the words it writes in lower case,
    the years it names, and its lead: the opening, which names who and what the whole story
    is about, so "the firm" and "Mr Bondi" further down read as what it named. Its
    protagonist, the one speaker it names most (three times or more, and more often than all
    the others together), is the voice of the paragraphs between his quotes too: "These
    factors are cited as evidence ..." in a story of what Stoltenberg said."""

    text: str
    roles: dict[str, set[str]]
    speakers: frozenset[str]
    proper: frozenset[str]
    lower: frozenset[str]
    years: frozenset[str]
    lead: str
    lead_figures: frozenset[str]  # figures(lead)
    protagonist: str | None = None
    quoted: frozenset[str] = frozenset()  # quoted_people(text)


LEAD_CHARS = 300  # an article's lead (ArticleFacts): its first sentences (docs/NOTES.md, "Another domain")


def article_facts(text: str) -> ArticleFacts:
    """The facts of one article (see ArticleFacts).

    >>> f = article_facts("Minister Ana Diaz said so in 2024. The alliance met Turkey and Diaz.")
    >>> f.roles, sorted(f.speakers), sorted(f.proper), sorted(f.years), "alliance" in f.lower
    ({'Diaz': {'minister'}}, ['Diaz'], ['ana', 'diaz', 'turkey'], ['2024'], True)
    >>> article_facts("Diaz said a. Diaz said b. Lee said c. Diaz added d.").protagonist
    'Diaz'
    """
    named = Counter(_people_named(text)).most_common()
    protagonist = named[0][0] if named and named[0][1] >= 3 and 2 * named[0][1] > sum(n for _, n in named) else None
    return ArticleFacts(
        text=text, roles=roles_named(text), speakers=frozenset(speakers(text)), proper=frozenset(proper_nouns([text])),
        lower=frozenset(re.findall(r"\b[a-z][\w’'-]+", text)), years=frozenset(re.findall(r"\b(?:19|20)\d\d\b", text)),
        lead=text[:LEAD_CHARS], lead_figures=frozenset(figures(text[:LEAD_CHARS])), protagonist=protagonist,
        quoted=frozenset(quoted_people(text)),
    )  # fmt: skip


_MID_SENTENCE_WORD = re.compile(r"(?<=[a-z0-9,;]\s)([A-Za-z]{2,})\b")
_LOWER_WORD = re.compile(r"\b[a-z]{2,}\b")


def truecased(question: str, texts: list[str]) -> str:
    """A question typed all in lower case with each word spelt as `texts` always spell it in
    mid-sentence ("nato" -> "NATO", "black sea" -> "Black Sea"); a word they also write in
    lower case, a stopword, or a word they lack stays as typed. Users type names in lower
    case, and the refusal rules know names by their capitals. A question with a capital past
    its first letter is left as it is: its writer chose its capitals ("software patent
    directive" is no name even where one article writes "the Directive").

    >>> truecased("what did stoltenberg say about nato and the black sea", ["Jens Stoltenberg met NATO allies near the Black Sea.", "the Black Sea coast"])
    'what did Stoltenberg say about NATO and the Black Sea'
    >>> truecased("is the alliance divided", ["the Alliance met", "the alliance said"])
    'is the alliance divided'
    >>> truecased("What did Stoltenberg say about nato", ["NATO met"])
    'What did Stoltenberg say about nato'
    """
    if any(ch.isupper() for ch in question[1:]):
        return question
    forms: dict[str, dict[str, int]] = {}
    for text in texts:
        for m in _MID_SENTENCE_WORD.finditer(text):
            word = m.group(1)
            seen = forms.setdefault(word.lower(), {})
            seen[word] = seen.get(word, 0) + 1

    def spelt(m: re.Match[str]) -> str:
        word = m.group(0)
        seen = forms.get(word)
        if word in _STOPWORDS or not seen or word in seen:
            return word
        return max(seen, key=lambda form: seen[form])

    return _LOWER_WORD.sub(spelt, question)


_TEXT_WORD = re.compile(r"[A-Za-z]{5,}")
_TYPO_LENGTH = 6  # shorter words have too many neighbours one edit away ("lose" / "lost")


def respelled(question: str, texts: list[str], words: frozenset[str] = frozenset()) -> str:
    """The question with each word of six letters or more that neither `texts` nor `words` (a
    dictionary, lower case) hold replaced by the one word of the texts it is a single typo
    away from (a letter left out, added, changed or two swapped): "casulties" -> "casualties",
    "Stoltenbrg" -> "Stoltenberg". A word with no such neighbour, or with two, stays as typed;
    so does "yearly" beside "early", and "hosted" beside "posted", when `words` has them.

    >>> respelled("how many casulties has russia taken according to stoltenbrg",
    ...           ["Russia has incurred more than 300,000 casualties, Stoltenberg said."])
    'how many casualties has russia taken according to stoltenberg'
    >>> respelled("What was the yearly target?", ["The early target was met."], frozenset({"yearly"}))
    'What was the yearly target?'
    """
    known: dict[str, str] = {}
    for text in texts:
        for w in _TEXT_WORD.findall(text):
            known.setdefault(w.lower(), w)
    by_length: dict[int, list[str]] = {}
    for w in known:
        by_length.setdefault(len(w), []).append(w)

    def fixed(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if len(low) < _TYPO_LENGTH or low in known or low in words or low in _STOPWORDS:
            return word
        near = [w for n in (len(low) - 1, len(low), len(low) + 1) for w in by_length.get(n, ())
                if _one_typo(low, w) and not (low.startswith(w) or w.startswith(low))]  # "Californian" is no typo
        if len(near) != 1:
            return word
        return near[0].capitalize() if word[0].isupper() and not word.isupper() else near[0]

    return _TEXT_WORD.sub(fixed, question)


def _one_typo(a: str, b: str) -> bool:
    """Are two different words one deletion, insertion, substitution or swap of neighbours apart?"""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    return a[i + 1 :] == b[i + 1 :] or (a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :])


_YES_NO = re.compile(r"(?i)^\s*(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b")


def only_restates(question: str, claims: list[str]) -> bool:
    """Does an answer say nothing the question did not? "Stoltenberg listed economic pressures
    on Russia as evidence that the invasion was a misstep" answers "What economic pressures did
    Stoltenberg list as evidence that the invasion was a misstep?" with its own words (heldout3
    m016, the local model). Never for a yes / no question: "It was not on the agenda" may be
    all its answer needs.

    >>> only_restates("What pressures did Stoltenberg list?", ["Stoltenberg listed pressures."])
    True
    >>> only_restates("What pressures did Stoltenberg list?", ["Stoltenberg listed sanctions."])
    False
    >>> only_restates("Was the war on the agenda?", ["The war was not on the agenda."])
    False

    An answer to "who" that names no one the question does not says nothing either:
    "According to the sources above only, there is 'strong bipartisan support' for Ukraine in
    the US" for "According to whom is there 'strong bipartisan support' ...?" (heldout15 z016).

    >>> q = "According to whom is there strong support for Ukraine in the US?"
    >>> only_restates(q, ["According to the sources, there is strong support in the US."])
    True
    >>> only_restates(q, ["Blinken said so."]), only_restates(q, ["The U.S. Secretary of State said so."])
    (False, False)
    """
    if not claims or _YES_NO.match(question):
        return False
    asked = content_terms(question)
    if _ASKS_WHO.match(own_words(question)):
        named = {w for c in claims for w in re.findall(r"\b[A-Z][\w’'.-]*\w", c)}
        return all(w in question or w.lower() in _STOPWORDS or w in _NOT_A_NAME for w in named)
    return all(not (content_terms(c) - asked) for c in claims)


# "Who said ...?", "According to whom ...?", "By whom was ...?"
_ASKS_WHO = re.compile(r"(?i)^\s*(?:who|whom|(?:according\s+to|by|from)\s+whom)\b")


def words_unquoted(question: str, answer: str, near: list[str]) -> bool:
    """Does a question asking for the words someone used ("What phrase did Stoltenberg use
    ...?") get an answer that quotes none, while a sentence answering it best holds a
    quotation? The local model put "stay the course" in its own words ("urged for persistent
    support", gold g017).

    >>> near = ["“We just have to stay the course.", "He urged persistent support."]
    >>> words_unquoted("What phrase did he use to urge support?", "He urged persistent support. [1]", near)
    True
    >>> words_unquoted("What phrase did he use to urge support?", "He said “stay the course”. [1]", near)
    False
    >>> words_unquoted("What did he urge?", "He urged persistent support. [1]", near)
    False
    """
    return bool(_ASKS_WORDS.search(own_words(question))) and not _QUOTE_MARK.search(answer) and any(
        _QUOTE_MARK.search(s) for s in near)


# "What phrase / words / expression did X use?", "in his own words", "verbatim"
_ASKS_WORDS = re.compile(r"(?i)\b(?:what|which)\s+(?:exact\s+)?(?:phrase|words|expression|slogan)\b"
                         r"|\bin\s+(?:his|her|their)\s+(?:own\s+)?words\b|\bverbatim\b")
_QUOTE_MARK = re.compile(r"[“”\"]")


def yes_denied(question: str, answer: str, near: list[str]) -> bool:
    """Does an answer open with "Yes" to a yes / no question that a sentence answering it
    best denies (`denies`)? "Yes, Antony Blinken said there is strong bipartisan support"
    answers "Did Blinken say allies were showing fatigue?" beside "... he sees 'no sense of
    fatigue' among NATO allies": its claim is supported, its "Yes" is not (heldout13 x006,
    the local model).

    >>> near = ["He said that he sees “no sense of fatigue” among NATO allies."]
    >>> yes_denied("Did Blinken say allies were showing fatigue?", "Yes, Blinken said support is strong.", near)
    True
    >>> yes_denied("Did Blinken say allies were showing fatigue?", "No, he sees no sense of fatigue.", near)
    False
    >>> yes_denied("Did Blinken say allies showed no fatigue?", "Yes, he sees no sense of fatigue.", near)
    False
    """
    asked = own_words(question)
    if not _YES_NO.match(asked) or not re.match(r"(?i)\s*yes\b", answer):
        return False
    asked = re.sub(r"(?i)^\s*is\s+it\s+true\s+that\b", "", asked)  # (its "true" is no claim)
    sentences = [PassageSentence(0, 0, len(t), t) for t in near]
    return bool(denies([asked], sentences).any())


def leaves_unsaid(part: str, sentence: str, claims: list[str], share: float = 0.5) -> bool:
    """Does an answer (its `claims`) leave out what `sentence` says in answer to one part of a
    two-part question? It does when it holds fewer than `share` of the words the sentence
    adds to the part: "Kyiv did not receive the invitation" says nothing of "Ukrainian officials
    hope the Washington meeting will bring a more definite signal".

    >>> part = "What do Ukrainian officials expect from the Washington meeting?"
    >>> hope = "Ukrainian officials hope the Washington meeting, on July 9-11, will bring a more definite signal."
    >>> leaves_unsaid(part, hope, ["Kyiv did not receive an invitation at Vilnius."])
    True
    >>> leaves_unsaid(part, hope, ["They hope for a more definite signal in July."])
    False
    """
    new = content_terms(sentence) - content_terms(part)
    said = frozenset().union(*(content_terms(c) for c in claims))
    return bool(new) and len(new & said) < share * len(new)


# "Who wrote the Kyiv Independent article on ...?", "Which outlet published the report quoting ...?"
_ASKS_AUTHOR = re.compile(r"(?i)\bwho\s+(?:wrote|authored|penned)\b"
                          r"|\bwho\s+(?:is|was|were|are)\s+the\s+(?:author|writer|reporter)s?\b"
                          r"|\b(?:author|writer|byline)s?\s+of\s+the\b")
_ASKS_PUBLISHER = re.compile(
    # (not "which agency / site / paper": "Which site was shelled?" asks the story, not its byline)
    r"(?i)\b(?:which|what)\s+(?:outlet|publication|newspaper|website|publisher|magazine|news\s+(?:site|agency))s?\b"
    r"|\bwho\s+(?:published|ran|carried)\s+(?:the|that|this)\b"
    r"|\b(?:which|what)\s+(?:[\w-]+\s+)?(?:organi[sz]ation|agency|site|company|group|institute|paper)\s+"
    r"(?:published|ran|carried|put\s+out|issued)\s+(?:the|that|this)\b"
    r"|\bwhat\s+sources?\s+does\s+(?:the|that|this)\b[^?]*\bcredit\b"
)


def asks_for_byline(question: str) -> str | None:
    """"author" when the question asks who wrote an article, "publisher" when it asks which
    outlet published it; None for any other question. The answer is then the article's
    metadata, which its text does not hold.

    >>> asks_for_byline("Who wrote the Kyiv Independent article on Stoltenberg?")
    'author'
    >>> asks_for_byline("Which outlet published the report quoting Blinken?"), asks_for_byline("Who wrote to NATO?")
    ('publisher', None)
    >>> asks_for_byline("Which site was shelled?"), asks_for_byline("Which news agency ran the story?")
    (None, 'publisher')
    >>> asks_for_byline("Which organisation published the write-up of the meeting?")
    'publisher'
    """
    if _ASKS_AUTHOR.search(question) and re.search(rf"(?i)\b{_ARTICLE_NOUN}\b", question):
        return "author"
    if _ASKS_PUBLISHER.search(question):
        return "publisher"
    return None

