"""The evaluation's own checks: the gold set is sound, and the extractive backend's scores on
it stay above the thresholds recorded in corpus/eval/thresholds.json (the CI regression gate)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.clean import load_article
from rag.eval.metrics import normalize
from rag.eval.runner import load_questions, run_eval

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "corpus" / "eval"
THRESHOLDS = json.loads((EVAL / "thresholds.json").read_text())


def _cleaned_articles() -> dict[str, str]:
    return {p.stem: normalize(load_article(p, max_bytes=10_000_000).text) for p in sorted((ROOT / "corpus").glob("*.txt"))}


# heldout7.jsonl is left out on purpose: r002 and r021 ask what a photo caption says, and cleaning
# removes captions with their credits; so are heldout8.jsonl (s009, s013) and heldout11.jsonl (v020,
# v021): they ask for the credited agency and the copyright holder, lines cleaning turns into
# metadata; and heldout12.jsonl (w002, w003, w025): they ask what the publisher's "About IRIA" footer
# and the Kyiv Independent's "News Feed" sidebar say, page furniture cleaning removes. (Bylines stay
# in the text since stop 25: heldout's h044 is checked.)
@pytest.mark.parametrize("name", ["gold.jsonl", "dev.jsonl", "heldout.jsonl", "heldout2.jsonl", "heldout3.jsonl",
                                  "heldout4.jsonl", "heldout5.jsonl", "heldout6.jsonl", "heldout9.jsonl",
                                  "heldout10.jsonl", "heldout13.jsonl", "heldout14.jsonl", "heldout15.jsonl",
                                  "heldout16.jsonl", "heldout17.jsonl"])
def test_every_evidence_string_occurs_in_a_cleaned_article_it_names(name):
    articles = _cleaned_articles()
    questions = load_questions(EVAL / name)
    bad = []
    for q in questions:
        for evidence in q.get("evidence", []):
            if not any(normalize(evidence) in articles[d] for d in q.get("docs", [])):
                bad.append(f"{q['id']}: {evidence!r} is in none of {q.get('docs')}")
    assert not bad, "\n".join(bad)


def test_gold_set_has_the_kinds_of_questions_it_needs():
    qs = load_questions(EVAL / "gold.jsonl")
    kinds = {q.get("type") for q in qs}
    assert len(qs) >= 50
    assert sum(q.get("answerable") is False for q in qs) >= 12
    assert {"single_fact", "multi_sentence", "multi_article", "date", "near_miss", "follow_up"} <= kinds
    assert len({q["id"] for q in qs}) == len(qs)


def test_extractive_backend_on_the_gold_set_meets_the_recorded_thresholds(tmp_path):
    report = run_eval(
        ROOT / THRESHOLDS["questions"], out_dir=tmp_path / "run", show_progress=False,
        base={"data_dir": tmp_path / "index", "backend": THRESHOLDS["backend"], "corpus_dir": ROOT / "corpus"},
    )  # fmt: skip
    got = report["configs"]["default"]
    failures = [f"{m} = {got.get(m)} fell below its threshold {t}" for m, t in THRESHOLDS["min"].items()
                if got.get(m) is None or got[m] < t]  # fmt: skip
    failures += [f"{m} = {got.get(m)} rose above its threshold {t}" for m, t in THRESHOLDS["max"].items()
                 if got.get(m) is None or got[m] > t]  # fmt: skip
    assert not failures, "evaluation gate (corpus/eval/thresholds.json): " + "; ".join(failures)
    rows = [json.loads(line) for line in (tmp_path / "run" / "results.jsonl").read_text().splitlines()]
    assert len(rows) == got["questions"] and all("contexts" in r and "gold" in r for r in rows)
    assert (tmp_path / "run" / "report.md").exists() and (tmp_path / "run" / "hit_at_k.png").exists()
