"""LLMComposer: the Composer seam (rag.compose) filled by a chat model; and the follow-up
rewriter that uses the same model.

The composer only prompts and streams: it does not judge the draft. The service verifies
every [n] against the passages afterwards and falls back to the extractive answer when
the model drifts, so a weak model can make an answer worse but never make it lie unseen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cached_property

from rag.compose import RankedSentence
from rag.errors import LLMUnavailable
from rag.evidence import content_terms
from rag.followup import points_back
from rag.llm.base import ChatModel
from rag.prompting import answer_messages, rewrite_messages
from rag.types import ScoredChunk

REWRITE_MAX_TOKENS = 64
# The worked example in the prompt is laid out as "Question: ... Answer: ..."; a model that
# goes on to invent the next question is cut off there.
ANSWER_STOP = ["\nQuestion:", "\nSources:"]
# "[4] [4] [4] [4]": a small model stuck on one marker writes it to its token limit (heldout3, stop 21)
_MARKER_LOOP = re.compile(r"(\[\d{1,3}\])(?:\s*\1){3}\s*$")


class LLMComposer:
    def __init__(self, model: ChatModel, *, context_tokens: int, max_tokens: int, n_ctx: int | None = None,
                 focus_sentences: int = 0) -> None:
        self.model = model
        self.focus_sentences = focus_sentences  # > 0: the model reads only the best sentences (focus_on)
        self.name = model.name
        self.context_tokens = context_tokens
        self.max_tokens = max_tokens
        self.n_ctx = n_ctx  # the model's window, when known (llama.cpp); a server's is its own business

    @cached_property
    def count_tokens(self) -> Callable[[str], int]:
        from rag.chunking import token_counter

        return token_counter()

    def warm_up(self) -> bool:
        """Have a local model read the fixed part of the answer prompt now (its rules and
        worked example, ~300 tokens: ~2 s on 2 cores), so the first question does not pay
        for it. False when the model keeps no such cache (a server, a test double)."""
        prime = getattr(self.model, "prime", None)
        if prime is None:
            return False
        messages, _ = answer_messages("", [], context_tokens=self.context_tokens, max_tokens=self.max_tokens,
                                      n_ctx=self.n_ctx, count_tokens=self.count_tokens)  # fmt: skip
        prime(messages)
        return True

    def compose(self, question: str, passages: list[ScoredChunk], ranked: list[RankedSentence]) -> Iterator[str]:
        """Yield the model's answer as it writes it; [n] refers to passages[n - 1]."""
        messages, included = answer_messages(
            question, passages, context_tokens=self.context_tokens, max_tokens=self.max_tokens,
            n_ctx=self.n_ctx, count_tokens=self.count_tokens,
            focus=focus_on(ranked, self.focus_sentences) if self.focus_sentences else None,
        )  # fmt: skip
        if passages and not included:
            raise LLMUnavailable("not even one passage fits the model's window: raise llm_n_ctx or lower llm_max_tokens")
        started, written = False, ""
        for piece in self.model.stream_chat(messages, max_tokens=self.max_tokens, stop=ANSWER_STOP):
            if not started:  # models often open with a newline or a space
                piece = piece.lstrip()
                started = bool(piece)
            if piece:
                yield piece
                written = (written + piece)[-80:]
                if _MARKER_LOOP.search(written):
                    return  # closing the stream stops the model


def focus_on(ranked: list[RankedSentence], most: int) -> dict[int, list[str]]:
    """The `most` best sentences, grouped by passage, in article order within each.

    On 2 CPU cores the model reads ~50-150 prompt tokens/s: six sentences instead of five
    whole passages halve the time to the first word, and the answer's evidence is in them.

    >>> from rag.evidence import PassageSentence as S
    >>> r = [RankedSentence(S(1, 50, 60, "B."), 0.9), RankedSentence(S(0, 0, 5, "A."), 0.8), RankedSentence(S(1, 10, 20, "C."), 0.7)]
    >>> focus_on(r, 3)
    {1: ['C.', 'B.'], 0: ['A.']}
    """
    chosen: dict[int, list[tuple[int, str]]] = {}
    seen: set[str] = set()
    for r in ranked:
        if len(seen) >= most:
            break
        if r.sentence.text in seen:  # overlapping chunks repeat sentences
            continue
        seen.add(r.sentence.text)
        chosen.setdefault(r.sentence.passage, []).append((r.sentence.start, r.sentence.text))
    return {p: [t for _, t in sorted(items)] for p, items in chosen.items()}


def rewrite_question(model: ChatModel, question: str, earlier_user_questions: list[str],
                     last_answer: str | None = None) -> str | None:
    """The last question rewritten to stand alone, or None when the model fails, rambles or
    gives it back unchanged (the caller then uses the rule in rag.followup)."""
    if not earlier_user_questions:
        return question
    messages = rewrite_messages(question, earlier_user_questions[-3:], last_answer=last_answer)
    try:
        text = "".join(model.stream_chat(messages, max_tokens=REWRITE_MAX_TOKENS, stop=["\n\n"]))
    except LLMUnavailable:
        return None
    rewritten = clean_rewrite(text, question)
    if (rewritten is None or rewritten in earlier_user_questions or not keeps_terms(question, rewritten)
            or points_back(rewritten)):  # unchanged, or it still points back
        return None
    return rewritten


def keeps_terms(question: str, rewritten: str) -> bool:
    """Does the rewrite still ask the follow-up's question? Most of its content words must
    survive (a small model tends to repeat the earlier question instead).

    >>> keeps_terms("And what did Stoltenberg say about winter?", "What did Stoltenberg say about the war?")
    False
    >>> keeps_terms("Why does he think so?", "Why does Stoltenberg think the U.S. will keep supporting Ukraine?")
    True

    Every name the follow-up gives must survive too: it is what the follow-up asks about.

    >>> keeps_terms("And what did Turkey's own foreign minister tell his counterparts?",
    ...             "What did Sweden's foreign minister tell his counterparts?")
    False
    """
    terms = content_terms(question)
    names = {w.removesuffix("'s").removesuffix("’s") for w in re.findall(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'’-]+", question.strip())}
    if any(name.lower() not in rewritten.lower() for name in names):
        return False
    return not terms or len(terms & content_terms(rewritten)) / len(terms) >= 0.6


def clean_rewrite(text: str, question: str) -> str | None:
    """The first line of the model's reply, without a label or quotes; None if unusable.

    >>> clean_rewrite('Rewritten question: "What did Turkey say about Sweden joining NATO?"', "And Turkey?")
    'What did Turkey say about Sweden joining NATO?'
    >>> clean_rewrite("I cannot help with that.", "And Turkey?") is None
    True
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    line = re.sub(r"(?i)^(?:rewritten|standalone)?\s*question\s*:\s*", "", lines[0]).strip().strip("\"'“”` ").strip()
    asked = question.rstrip().endswith("?")
    if (asked and not line.endswith("?")) or not re.search(r"[A-Za-z]", line) or len(line) > max(300, 3 * len(question)):
        return None
    return line
