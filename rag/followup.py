"""Follow-up questions -> standalone questions. Pure rules; an LLM may do better (service).

"And what did Turkey say?" after "What did NATO say about Sweden joining?" is retrieved as
"And what did Turkey say? (about: What did NATO say about Sweden joining?)": the earlier
question supplies the subject the follow-up leaves out. Relative dates ("last year")
become absolute when a reference date is known.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.citations import MARKER
from rag.errors import InvalidInput
from rag.evidence import content_terms, unmatched_names

_ANAPHORA = re.compile(
    r"(?i)^(?:and|but|also|so|then|what about|how about)\b"
    r"|\b(?:it|its|they|them|their|he|him|his|she|her|that|this|these|those|there|the same|else|too|also)\b"
    r"|\b(?:think|thinks|say|says|said|do|does|did|believe|believes|hope|hopes)\s+so\b"  # "Why does he think so?"
)


_PERSON_PRONOUN = re.compile(r"(?i)\b(?:he|she)\b")
LAST_ANSWER_CHARS = 200  # of the last answer, beside the earlier question (rewrite_with_history)
OWN_WORDS = 4  # content words that make a follow-up a question of its own (rewrite_with_history)


def last_user_turn(messages: Sequence[dict[str, str]]) -> tuple[str, list[str], str | None]:
    """(the last user message, the earlier user messages oldest first, the assistant's
    answer just before the last user message, or None).

    >>> last_user_turn([{"role": "user", "content": "Who met?"}, {"role": "assistant", "content": "NATO."},
    ...                 {"role": "user", "content": "Where?"}])
    ('Where?', ['Who met?'], 'NATO.')
    """
    users: list[str] = []
    answer: str | None = None  # the latest assistant message
    before_last: str | None = None  # the assistant message before the latest user message
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant", "system"):
            raise InvalidInput('messages must be a list of {"role": "user"|"assistant", "content": str}')
        if m["role"] == "user":
            users.append(str(m.get("content", "")))
            before_last, answer = answer, None
        elif m["role"] == "assistant":
            answer = str(m.get("content", "")).strip() or None
    if not users:
        raise InvalidInput("the conversation has no user message to answer")
    return users[-1], users[:-1], before_last


def needs_context(question: str) -> bool:
    """A follow-up leans on the conversation when it points back ("he", "that", "And ...")
    or is short and names nothing of its own: "Why?" does, "What did Pistorius say?" does not.

    >>> needs_context("And what did Turkey say?"), needs_context("When did NATO foreign ministers meet in Brussels?")
    (True, False)
    >>> needs_context("Why?"), needs_context("What did Pistorius say?")
    (True, False)
    """
    return points_back(question) or (len(content_terms(question)) <= 2 and not unmatched_names(question, ""))


def points_back(question: str) -> bool:
    """Does the question lean on an earlier turn with a pronoun, "that ...", or "And ..."?

    >>> points_back("Why does Stoltenberg think so?"), points_back("What did Stoltenberg say about winter?")
    (True, False)
    """
    return bool(_ANAPHORA.search(question))


# "that summit", "the same meeting": a thing the conversation named before
_DEMONSTRATIVE = re.compile(r"(?<!\w)(?:(\w+)\s+)?(that|this|the\s+same)\s+([a-z][a-z-]{2,})\b")
# "say that support ...": after these, "that" starts a clause and points at nothing
_CLAUSE_BEFORE = frozenset("""say says said saying think thinks thought believe believes believed claim claims claimed
    warn warns warned stress stresses stressed note notes noted add adds added mean means meant know knows knew
    agree agrees agreed hope hopes hoped expect expects expected confirm confirms confirmed report reports reported
    suggest suggests suggested argue argues argued insist insists insisted so such now given than""".split())
_NOT_NOUNS = frozenset("""is was are were has had have does did do will would can could should may might
    must about for from with into over after before during since said says means the they their them these
    those its his her our some any all one not""".split())
_DETERMINERS = frozenset("the a an this that these those its their his her our".split())


def resolve_references(question: str, context: Sequence[str | None]) -> str:
    """ "that summit" -> "the Washington summit" when the conversation (`context`, most
    recent first: the last answer, then the earlier questions) named one.

    >>> resolve_references("What milestone is that summit going to celebrate?",
    ...                    ["Preparations for a Washington summit and defence spending.", "What did ministers discuss?"])
    'What milestone is the Washington summit going to celebrate?'
    >>> resolve_references("When is that summit?", ["NATO's July summit in Washington could focus on it."])
    "When is the NATO's July summit in Washington?"
    >>> resolve_references("Why does that matter?", ["NATO met."])
    'Why does that matter?'
    >>> resolve_references("Who chaired that meeting?", ["The meeting in Brussels ended.", "Did the NATO Council meet?"])
    'Who chaired that meeting?'
    >>> resolve_references("Did he say that support would continue?", ["NATO support is steady."])
    'Did he say that support would continue?'
    """
    def named(m: re.Match[str]) -> str:
        before, noun = m.group(1), m.group(3)
        if noun in _NOT_NOUNS or (before or "").lower() in _CLAUSE_BEFORE:
            return m.group(0)
        for text in context:
            if not text:
                continue
            # "NATO's July summit in Washington": the place after the noun names it too
            for found in re.finditer(rf"((?:[A-Z][\w'’.-]*\s+){{1,4}})(?i:{re.escape(noun)})s?\b"
                                     rf"((?:\s+(?:in|at)\s+[A-Z][\w'’-]*)?)", text):
                names = [w for w in found.group(1).split() if w.lower() not in _DETERMINERS]
                if names:
                    return f"{before + ' ' if before else ''}the {' '.join(names)} {noun}{found.group(2)}"
        return m.group(0)

    return _DEMONSTRATIVE.sub(named, question)


def rewrite_with_history(question: str, earlier: list[str], last_answer: str | None = None) -> str:
    """The follow-up, with the previous user question appended when the follow-up needs it
    (Assistant.standalone_question resolves "that summit" first: resolve_references).

    >>> rewrite_with_history("And Turkey?", ["Who supports Sweden joining NATO?"])
    'And Turkey? (about: Who supports Sweden joining NATO?)'

    A "he" or "she" is often whom the last answer named, not the earlier question: the names
    it gives come too, and all it said when the follow-up also points at that ("think so?").

    >>> rewrite_with_history("What did he suggest?", ["Which minister was quoted?"], "Minister Boris Pistorius. [1]")
    'What did he suggest? (about: Which minister was quoted? Minister Boris Pistorius)'
    >>> rewrite_with_history("Why does he think so?", ["Who spoke?"], "Stoltenberg, who said Russia is weaker. [1]")
    'Why does he think so? (about: Who spoke? Stoltenberg, who said Russia is weaker.)'
    >>> rewrite_with_history("Did he then say anything about moving the Contact Group under NATO control?",
    ...                      ["When did Stoltenberg say Russia cannot win?"], "He said it in April. [1]")
    'Did he then say anything about moving the Contact Group under NATO control? (about: Stoltenberg Russia April)'

    Four words of its own make a question of its own: "And which country did he say Moscow is
    mortgaging its future to?" drew, with the whole earlier question, the answer back to the
    Brussels meeting it named (heldout16 h007).

    >>> rewrite_with_history("And which country did he say Moscow is mortgaging its future to?",
    ...                      ["How did Stoltenberg describe Russia at the Brussels meeting?"])
    'And which country did he say Moscow is mortgaging its future to? (about: Stoltenberg Russia Brussels)'
    """
    if not earlier or not needs_context(question):
        return question
    # "Did he say anything then about moving the Contact Group under NATO?" asks something of
    # its own: of the earlier question only whom and what it names come, or its words would
    # draw the answer back to what was already asked (heldout10 u031)
    own = len(content_terms(question)) >= OWN_WORDS
    # an earlier question that leaned on the one before it ("And how does aid fit into that?")
    # brings that one too: it says what the conversation is about (heldout17 i033)
    topic = f"{earlier[-2]} {earlier[-1]}" if len(earlier) > 1 and needs_context(earlier[-1]) else earlier[-1]
    names = " ".join(w for w in _names(topic) if content_terms(w))
    about = names if own and names else topic  # (a question typed in lower case names nothing by capitals)
    if last_answer and _PERSON_PRONOUN.search(question):
        answer = MARKER.sub("", last_answer).strip()[:LAST_ANSWER_CHARS]
        # "Who did he say Moscow is mortgaging its future to?" asks something new, and the
        # last answer's words would draw the focus back to what it already said: only whom
        # it names comes, unless the follow-up also points at what it said ("think so?")
        about += " " + (answer if _POINTS_AT_ANSWER.search(question) else " ".join(_names(answer)))
    return f"{question} (about: {about.strip()})"


# "that / so / it": words that point at what the last answer said, not only at whom it named
_POINTS_AT_ANSWER = re.compile(r"(?i)\b(?:that|this|these|those|it|so|there|else)\b")
_CAPITALISED = re.compile(r"(?<![\w'’])[A-Z][\w'’.-]*\w")
_NOT_NAMES = frozenset("He She It They We I You This That These Those The A An There Yes No".split())


def _names(text: str) -> list[str]:
    """The capitalised words of `text` that are names, in order, once each.

    >>> _names("He said Russia lost; German Defense Minister Boris Pistorius agreed. Yes, Russia.")
    ['Russia', 'German', 'Defense', 'Minister', 'Boris', 'Pistorius']
    """
    return list(dict.fromkeys(w for w in _CAPITALISED.findall(text) if w not in _NOT_NAMES))


def absolute_dates(question: str, reference_year: int | None, known_years: frozenset[int] | None = None) -> str:
    """'last year' / 'this year' / 'next year' -> the year, relative to the newest article;
    after a preposition the year alone ("for next year" -> "for 2025").

    >>> absolute_dates("What happened last year?", 2024)
    'What happened in 2023?'
    >>> absolute_dates("What is the plan for next year?", 2024)
    'What is the plan for 2025?'

    A year no article is dated in stays as the user put it (`known_years`): the articles
    write "next year" relative to their own dates, and a year they never name would only
    get the question refused for it (heldout16 h006).

    >>> absolute_dates("What is the plan for next year, and what happened last year?", 2024, frozenset({2023, 2024}))
    'What is the plan for next year, and what happened in 2023?'
    """
    if reference_year is None:
        return question
    for phrase, delta in (("last year", -1), ("this year", 0), ("next year", 1), ("previous year", -1)):
        year = reference_year + delta
        if known_years is not None and year not in known_years:
            continue
        question = re.sub(rf"(?i)\b(?:({_PREPOSITIONS})\s+)?(?:the\s+)?{phrase}\b",
                          lambda m: f"{m.group(1) or 'in'} {year}", question)  # noqa: B023 (used at once)
    return question


_PREPOSITIONS = "in|for|by|until|till|since|from|to|of|during|before|after|through"


_ASKED = r"(?:what|who|whom|whose|which|why|how|when|where|did|does|do|is|are|was|were|has|have|can|could|will|would|should)\b"
# "The Middle East wasn't on the agenda, so what did Stoltenberg say about ...?": a premise, then what is asked
_PREMISE = re.compile(
    rf"(?i)^\s*(?:(?:since|given\s+that|because|although|though|now\s+that|despite|in\s+spite\s+of|amid)\s+(?!{_ASKED})[^?;]+?,"
    rf"|(?!{_ASKED})[^?;]+?(?:,\s*so|;|\s+[-–—]\s+(?:so\s+)?))\s+(?={_ASKED})"
)


_TRAILING_PREMISE = re.compile(r"(?i),?\s+(?:even\s+though|although|though|despite|even\s+if)\s+[^?,;.!]+([?.!]?)\s*$")


def without_premise(question: str) -> str:
    """What the question asks, without a premise it opens with ("X wasn't on the agenda, so
    what ...", "Since X ..., what ..."): the premise restates what an article says, so the
    sentence that says it outscores the one that answers (gold g024: 0.69 against 0.59).

    >>> without_premise("The Middle East wasn't on the agenda, so what did Stoltenberg say about Hamas?")
    'what did Stoltenberg say about Hamas?'
    >>> without_premise("Since the crisis was off the agenda, what did Stoltenberg say about Hamas?")
    'what did Stoltenberg say about Hamas?'
    >>> without_premise("Despite the opposition in Washington, why did Stoltenberg expect US support to go on?")
    'why did Stoltenberg expect US support to go on?'
    >>> without_premise("Turkey delayed the vote; why did Hungary wait?")
    'why did Hungary wait?'
    >>> without_premise("According to Stoltenberg, who decides how the war ends?")
    'According to Stoltenberg, who decides how the war ends?'
    >>> without_premise("What did Turkey say, and why did Hungary wait?")
    'What did Turkey say, and why did Hungary wait?'

    An asked part that leans on the premise ("Blinken spoke in Brussels; what did he say?")
    keeps it.

    >>> without_premise("Blinken spoke in Brussels; what did he say?")
    'Blinken spoke in Brussels; what did he say?'

    A premise may close the question too.

    >>> without_premise("Describe what was said about the war, even though it wasn't on the agenda.")
    'Describe what was said about the war.'
    """
    asked = _PREMISE.sub("", question, count=1)
    asked = asked if asked != question and content_terms(asked) and not points_back(asked) else question
    trimmed = _TRAILING_PREMISE.sub(r"\1", asked)  # "..., even though it wasn't on the agenda."
    return trimmed if content_terms(trimmed) else asked
