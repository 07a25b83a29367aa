"""Follow-up questions -> standalone questions. Pure rules; an LLM may do better (service).

"And what did Turkey say?" after "What did NATO say about Sweden joining?" is retrieved as
"And what did Turkey say? (about: What did NATO say about Sweden joining?)": the earlier
question supplies the subject the follow-up leaves out. Relative dates ("last year")
become absolute when a reference date is known.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.errors import InvalidInput

_ANAPHORA = re.compile(
    r"(?i)^(?:and|but|also|so|then|what about|how about)\b"
    r"|\b(?:it|its|they|them|their|he|him|his|she|her|that|this|these|those|there|the same|else|too|also)\b"
)


def last_user_turn(messages: Sequence[dict[str, str]]) -> tuple[str, list[str]]:
    """(the last user message, the earlier user messages, oldest first)."""
    users = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant", "system"):
            raise InvalidInput('messages must be a list of {"role": "user"|"assistant", "content": str}')
        if m["role"] == "user":
            users.append(str(m.get("content", "")))
    if not users:
        raise InvalidInput("the conversation has no user message to answer")
    return users[-1], users[:-1]


def needs_context(question: str, content_terms: int) -> bool:
    """A follow-up leans on the conversation when it is short or points back with a pronoun.

    >>> needs_context("And what did Turkey say?", 2), needs_context("When did NATO foreign ministers meet in Brussels?", 5)
    (True, False)
    """
    return content_terms <= 2 or bool(_ANAPHORA.search(question))


def rewrite_with_history(question: str, earlier: list[str], *, content_terms: int) -> str:
    """The follow-up, with the previous user question appended when the follow-up needs it.

    >>> rewrite_with_history("And Turkey?", ["Who supports Sweden joining NATO?"], content_terms=1)
    'And Turkey? (about: Who supports Sweden joining NATO?)'
    """
    if not earlier or not needs_context(question, content_terms):
        return question
    return f"{question} (about: {earlier[-1]})"


def absolute_dates(question: str, reference_year: int | None) -> str:
    """'last year' / 'this year' / 'next year' -> the year, relative to the newest article.

    >>> absolute_dates("What happened last year?", 2024)
    'What happened in 2023?'
    """
    if reference_year is None:
        return question
    for phrase, delta in (("last year", -1), ("this year", 0), ("next year", 1), ("previous year", -1)):
        question = re.sub(rf"(?i)\b(?:in\s+)?(?:the\s+)?{phrase}\b", f"in {reference_year + delta}", question)
    return question
