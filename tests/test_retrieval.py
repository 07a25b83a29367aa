"""Fusion is pure; hybrid retrieval is tested on the real store in test_pipeline.py."""

from rag.retrieval import reciprocal_rank_fusion


def test_rrf_rewards_agreement_and_respects_weights():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]])
    assert [i for i, _ in fused][:1] == ["b"]
    weighted = reciprocal_rank_fusion([["a"], ["d"]], weights=[2.0, 1.0])
    assert weighted[0][0] == "a"
