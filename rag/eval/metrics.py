"""Evaluation metrics: pure functions over the answer contract (dicts), recomputable by anyone
from results.jsonl.

Support is judged locally and deterministically by *lexical entailment*: a sentence is
supported by passages when at least SUPPORT_COVERAGE of its content words (lower-cased,
lightly stemmed, stopwords removed; see rag.evidence.content_terms) occur in them. This is
deliberately a different judge from the verifier inside ragchat (which mixes embedding
similarity in), so the metric does not simply grade the verifier against itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from rag.evidence import content_terms

SUPPORT_COVERAGE = 0.75
KS = (1, 3, 5, 10)


def normalize(text: str) -> str:
    """Whitespace folded, curly quotes straightened, lower-cased: how evidence is matched.

    >>> normalize("Ukraine’s  “path”\\n")
    'ukraine\\'s "path"'
    """
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


def evidence_rank(contexts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first context that holds any evidence string, else None.

    >>> evidence_rank(["NATO met.", "Russia lost 300,000 troops."], ["lost 300,000"])
    2
    """
    wanted = [normalize(e) for e in evidence if e.strip()]
    for rank, text in enumerate(contexts, start=1):
        t = normalize(text)
        if any(w in t for w in wanted):
            return rank
    return None


def evidence_char_position(contexts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """Characters of context a reader (or model) must read before the evidence ends.

    >>> evidence_char_position(["abc", "xx lost 300 yy"], ["lost 300"])
    14
    """
    wanted = [normalize(e) for e in evidence if e.strip()]
    read = 0
    for text in contexts:
        t = normalize(text)
        for w in wanted:
            i = t.find(w)
            if i >= 0:
                return read + i + len(w)
        read += len(t)
    return None


def hits_at(rank: int | None, ks: Iterable[int] = KS) -> dict[str, float]:
    """>>> hits_at(3, (1, 3))
    {'hit@1': 0.0, 'hit@3': 1.0}"""
    return {f"hit@{k}": float(rank is not None and rank <= k) for k in ks}


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def fact_recall(answer: str, facts: Sequence[Sequence[str]]) -> tuple[bool, float]:
    """(every fact group matched, share of groups matched); a group matches when one of its
    alternatives occurs in the answer, case-insensitively.

    >>> fact_recall("Russia lost 300,000 troops in 2023.", [["300,000", "300 000"], ["2024"]])
    (False, 0.5)
    """
    if not facts:
        return True, 1.0
    a = normalize(answer)
    got = [any(normalize(alt) in a for alt in group) for group in facts]
    return all(got), sum(got) / len(got)


def supports(passages: Sequence[str], sentence: str) -> bool:
    """Lexical entailment: SUPPORT_COVERAGE of the sentence's content words are in the passages.

    >>> supports(["Russia has incurred more than 300,000 casualties."], "Russia incurred 300,000 casualties.")
    True
    >>> supports(["NATO met in Brussels."], "Russia incurred 300,000 casualties.")
    False
    """
    claim = content_terms(sentence)
    if not claim:
        return True
    have: set[str] = set()
    for p in passages:
        have |= content_terms(p)
    return len(claim & have) / len(claim) >= SUPPORT_COVERAGE


_MARKER = re.compile(r"\[(\d{1,3})\]")


def answer_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """Sentences of an answer with the markers each carries ('Text. [1][2]' style).

    >>> answer_sentences("NATO met. [1] Russia lost troops. [2][3]")
    [('NATO met.', [1]), ('Russia lost troops.', [2, 3])]
    """
    from rag.citations import parse_draft

    return [(d.text, list(d.markers)) for d in parse_draft(answer)]


def citation_quality(answer: str, citations: Sequence[dict[str, Any]]) -> dict[str, float] | None:
    """ALCE citation recall and precision (Gao et al. 2023) with the lexical judge above.

    Recall: share of answer sentences whose cited passages (together) support them.
    Precision: share of citations that are needed: a citation is *irrelevant* when it does
    not support its sentence alone and the sentence's other citations still support it.

    >>> cits = [{"marker": 1, "text": "Russia lost 300,000 troops."}, {"marker": 2, "text": "NATO met in Brussels."}]
    >>> citation_quality("Russia lost 300,000 troops. [1][2]", cits)
    {'citation_recall': 1.0, 'citation_precision': 0.5}
    """
    by_marker = {int(c["marker"]): c["text"] for c in citations}
    sentences = answer_sentences(answer)
    if not sentences:
        return None
    supported = 0
    total_cites = relevant = 0
    for text, markers in sentences:
        cited = [by_marker[m] for m in markers if m in by_marker]
        ok = bool(cited) and supports(cited, text)
        supported += ok
        for i, m in enumerate(markers):
            total_cites += 1
            if not ok or m not in by_marker:
                continue  # a citation of an unsupported sentence is never precise
            rest = [by_marker[x] for j, x in enumerate(markers) if j != i and x in by_marker]
            irrelevant = not supports([by_marker[m]], text) and bool(rest) and supports(rest, text)
            relevant += not irrelevant
    return {
        "citation_recall": supported / len(sentences),
        "citation_precision": relevant / total_cites if total_cites else 0.0,
    }


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile.

    >>> percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)
    10
    """
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[k]


def question_metrics(q: dict[str, Any], result: dict[str, Any], *, context_chars: int = 1500) -> dict[str, Any]:
    """Every per-question metric whose inputs the question provides (others are omitted)."""
    m: dict[str, Any] = {}
    answerable = q.get("answerable")
    contexts = [c["text"] for c in result.get("contexts", [])]
    evidence = q.get("evidence") or []
    if answerable is not False and evidence:
        rank = evidence_rank(contexts, evidence)
        m["evidence_rank"] = rank
        m.update(hits_at(rank))
        m["mrr"] = reciprocal_rank(rank)
        pos = evidence_char_position(contexts, evidence)
        m["evidence_char_pos"] = pos
        m[f"evidence_within_{context_chars}_chars"] = float(pos is not None and pos <= context_chars)
        if not result["refused"]:
            cited = [c["text"] for c in result.get("citations", [])]
            m["cites_evidence"] = float(evidence_rank(cited, evidence) is not None)
    if answerable is not None:
        m["refused"] = float(result["refused"])
    if answerable is not False and q.get("facts") and not result["refused"]:
        all_facts, share = fact_recall(result["answer"], q["facts"])
        m["facts_all"], m["facts_share"] = float(all_facts), share
    elif answerable is not False and q.get("facts"):
        m["facts_all"], m["facts_share"] = 0.0, 0.0
    if q.get("docs") and result.get("citations"):
        docs = set(q["docs"])
        m["citations_right_article"] = sum(c["article_id"] in docs for c in result["citations"]) / len(result["citations"])
    if not result["refused"] and result.get("citations"):
        cq = citation_quality(result["answer"], result["citations"])
        if cq:
            m.update(cq)
    return m


def summarize(questions: Sequence[dict[str, Any]], metrics: Sequence[dict[str, Any]],
              timings: Sequence[dict[str, float]]) -> dict[str, Any]:
    """Averages over the questions each metric applies to, refusal rates and latency percentiles."""
    out: dict[str, Any] = {"questions": len(questions)}
    keys = sorted({k for m in metrics for k, v in m.items() if isinstance(v, float)} - {"refused"})
    for k in keys:
        values = [m[k] for m in metrics if isinstance(m.get(k), float)]
        out[k] = sum(values) / len(values) if values else None
        out[f"{k}_n"] = len(values)
    unanswerable = [m["refused"] for q, m in zip(questions, metrics) if q.get("answerable") is False and "refused" in m]
    answerable = [m["refused"] for q, m in zip(questions, metrics) if q.get("answerable") is True and "refused" in m]
    out["refusal_rate_unanswerable"] = sum(unanswerable) / len(unanswerable) if unanswerable else None
    out["false_refusal_rate_answerable"] = sum(answerable) / len(answerable) if answerable else None
    for stage in sorted({k for t in timings for k in t}):
        values = [t[stage] for t in timings if stage in t]
        out[f"{stage}_p50"] = percentile(values, 50)
        out[f"{stage}_p95"] = percentile(values, 95)
    return out
