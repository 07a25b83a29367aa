"""Citation parsing, verification, repair and renumbering on hand-made drafts."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from rag.citations import is_refusal, parse_draft, verify_citations
from rag.evidence import PassageSentence
from rag.types import Chunk, ScoredChunk

BBC = Path(__file__).resolve().parent.parent / "bench" / "data" / "bbc"


def _passages():
    texts = ["Russia lost 300,000 troops. It is weaker.", "NATO met in Brussels. Ministers talked."]
    out, sents, start = [], [], 0
    for i, t in enumerate(texts):
        c = Chunk(f"a{i}", "v", 0, t, start, start + len(t), source=f"a{i}.txt", title=f"T{i}", date="2024-01-0" + str(i + 1))
        out.append(ScoredChunk(c, 1.0 - i / 10))
        first = t.index(".") + 1
        sents.append(PassageSentence(i, start, start + first, t[:first]))
        sents.append(PassageSentence(i, start + first + 1, start + len(t), t[first + 1 :]))
        start += len(t) + 10
    return out, sents


def test_good_citations_are_kept_and_renumbered_in_order_of_use():
    passages, sents = _passages()
    draft = parse_draft("NATO met in Brussels [2]. Russia lost many troops [1].")
    support = np.array([[0.1, 0.1, 0.9, 0.2], [0.9, 0.3, 0.1, 0.1]])
    v = verify_citations(draft, passages, sents, support, threshold=0.5)
    assert v.text == "NATO met in Brussels. [1] Russia lost many troops. [2]"
    assert [c.article_id for c in v.citations] == ["a1", "a0"]
    assert v.citations[0].quote == "NATO met in Brussels."
    assert (v.citations[0].quote_start, v.citations[0].quote_end) == (sents[2].start, sents[2].end)
    assert all(s.supported for s in v.sentences)


def test_a_passage_cited_by_two_sentences_quotes_the_support_of_both():
    """Opening [1] shows the words behind every sentence marked [1], not only the best one's."""
    passages, sents = _passages()
    draft = parse_draft("Russia lost 300,000 troops [1]. Russia is weaker [1].")
    support = np.array([[0.9, 0.3, 0.1, 0.1], [0.3, 0.7, 0.1, 0.1]])
    v = verify_citations(draft, passages, sents, support, threshold=0.5)
    assert v.text == "Russia lost 300,000 troops. [1] Russia is weaker. [1]"
    (c,) = v.citations
    assert c.quote == "Russia lost 300,000 troops. It is weaker."
    assert (c.quote_start, c.quote_end) == (sents[0].start, sents[1].end)
    assert c.score == 0.7  # the weaker of the two claims' support


def test_a_wrong_citation_is_repaired_and_an_unsupported_sentence_is_marked():
    passages, sents = _passages()
    draft = parse_draft("Russia lost many troops [2]. Sweden joined in 1990 [1]. Invented [7].")
    support = np.array([[0.9, 0.2, 0.1, 0.1], [0.2, 0.1, 0.3, 0.1], [0.0, 0.0, 0.0, 0.0]])
    v = verify_citations(draft, passages, sents, support, threshold=0.5)
    assert v.sentences[0].markers == (1,) and v.citations[0].article_id == "a0"  # repaired to the passage that supports it
    assert not v.sentences[1].supported and not v.sentences[2].supported
    assert v.text.endswith("Sweden joined in 1990. Invented.")
    assert len(v.citations) == 1
    assert v.supported_share < 0.5


def test_markers_that_point_nowhere_are_dropped():
    passages, sents = _passages()
    draft = parse_draft("NATO met in Brussels [9][2].")
    v = verify_citations(draft, passages, sents, np.array([[0.0, 0.0, 0.8, 0.0]]), threshold=0.5)
    assert v.text == "NATO met in Brussels. [1]"


def test_parse_draft_variants():
    d = parse_draft("First claim.[1] Second claim [2, 3]\n[4]")
    assert [(s.text, s.markers) for s in d] == [("First claim.", (1,)), ("Second claim", (2, 3, 4))]


def test_a_draft_that_repeats_one_marker_to_the_token_limit_is_parsed_at_once():
    """Qwen 1.5B once wrote "... Washington, D.C. [4] [4] [4] ..." to its token limit, and
    two optional spaces in the marker pattern split the run 2^n ways: the eval hung for 40
    minutes in one regular expression. Before the fix 20 markers took 0.4 s, doubling with
    each one; 400 would never finish. The alarm turns such a hang into a failure (it is no
    speed test: the fixed parser takes milliseconds)."""
    import signal

    def hung(*_):
        raise TimeoutError("parse_draft hangs on a run of repeated markers")

    draft = "The Council held its first session at the summit in Washington, D.C. " + "[4] " * 400 + "["
    signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        d = parse_draft(draft)
    finally:
        signal.alarm(0)
    assert d[0].markers == (4,) and d[0].text.startswith("The Council held")


def test_the_composer_stops_a_model_stuck_on_one_marker():
    """The same model, stopped after the fourth "[4]" in a row instead of at its token limit
    (~11 s more of nothing)."""
    from rag.llm.composer import LLMComposer

    class StuckModel:  # the real model cannot be made to loop on demand; this replays what it wrote
        name = "stuck"
        n_ctx = 4096
        asked_for = 0

        def stream_chat(self, messages, *, max_tokens, stop=None):
            yield "The Council met in Washington, D.C."
            for _ in range(max_tokens):
                StuckModel.asked_for += 1
                yield " [4]"

    passages, _ = _passages()
    text = "".join(LLMComposer(StuckModel(), context_tokens=1000, max_tokens=200).compose("Where?", passages, []))
    assert text == "The Council met in Washington, D.C. [4] [4] [4] [4]" and StuckModel.asked_for == 4


def test_sentences_about_the_sources_are_no_claims():
    """"Sources [1][2][3] mention the Council." says what the citations show: it is left out,
    and a "He" after it gets its name; a sentence whose subject was a marker ("[4] marks the
    first instance ...") keeps a subject. Drafts the 1.5B model wrote for "Which articles ...?"."""
    d = parse_draft("Sources [1][2][3][4] quote Antony Blinken. He addresses the war in Ukraine [1]. "
                    "[4] marks the first instance of convening in this format. The meeting was productive [3].")
    assert [(s.text, s.markers) for s in d] == [
        ("Antony Blinken addresses the war in Ukraine.", (1,)),
        ("This marks the first instance of convening in this format.", (4,)),
        ("The meeting was productive.", (3,)),
    ]
    # a sentence that starts in lower case on its own (a quoted article sentence) keeps its words
    quoted = " ".join(s.text for s in parse_draft("Sales rose. [1] iPhone sales fell. [2] eBay said so. [1]"))
    assert "This" not in quoted and "iPhone sales fell" in quoted and "eBay said so" in quoted
    alone = parse_draft("The articles [1][2] mention the NATO-Ukraine Council.")
    assert [(s.text, s.markers) for s in alone] == [("The articles mention the NATO-Ukraine Council.", (1, 2))]


def test_refusal_phrases():
    assert is_refusal("The sources do not cover this.")
    assert is_refusal("I cannot answer that from the provided passages.")
    assert not is_refusal("Stoltenberg said Russia cannot win the war [1].")


def test_a_citation_that_is_not_needed_is_dropped_and_a_clearly_better_source_replaces_a_weak_one():
    passages, sents = _passages()
    # claim 1 cites both; [2] supports it only weakly (above the threshold, far below [1])
    # claim 2 cites [1], which passes the threshold, but [2] (uncited) supports it much better
    draft = parse_draft("Russia lost 300,000 troops [1][2]. Ministers met in Brussels [1].")
    support = np.array([[0.95, 0.2, 0.6, 0.1], [0.56, 0.1, 0.92, 0.3]])
    v = verify_citations(draft, passages, sents, support, threshold=0.5)
    assert v.text == "Russia lost 300,000 troops. [1] Ministers met in Brussels. [2]"
    assert [c.article_id for c in v.citations] == ["a0", "a1"]
    # within the margin both citations stay: each is about as good as the other
    close = verify_citations(draft[:1], passages, sents, np.array([[0.9, 0.2, 0.85, 0.1]]), threshold=0.5)
    assert close.text == "Russia lost 300,000 troops. [1][2]"


def test_names_in_common_are_not_support(shared_bot):
    """A claim that shares only names with the passages ("Stoltenberg", "NATO", "Secretary
    General") is unsupported, however close the two read; one that says what a passage
    says is supported. Real embedder and store: the verifier's own scores."""
    question = "Is Stoltenberg staying on as NATO's Secretary General?"
    _, passages, sentences, vectors, _ = shared_bot.evidence(question)
    false = shared_bot._verify("Yes, Stoltenberg is staying on as NATO's Secretary General. [1]", passages, sentences, vectors)
    assert not false.sentences[0].supported and not false.citations
    _, passages, sentences, vectors, _ = shared_bot.evidence("What casualty figure did Stoltenberg give for Russia?")
    true = shared_bot._verify("Stoltenberg said Russia has incurred more than 300,000 casualties. [1]", passages, sentences, vectors)
    assert true.sentences[0].supported and "300,000" in true.citations[0].quote


def test_words_said_by_someone_else_are_not_support(shared_bot):
    """A claim that puts the right words in the wrong mouth is unsupported: the passage's
    "Meanwhile, he said ... 300,000 casualties" is Stoltenberg's (named before it), and
    "Blinken said there is strong bipartisan support" is not Stoltenberg's, however close
    the sentences read. Real embedder and store."""
    _, passages, sentences, vectors, _ = shared_bot.evidence("What casualty figure did Stoltenberg give for Russia?")
    for wrong in ("Blinken", "Zelensky"):
        v = shared_bot._verify(f"{wrong} said Russia has incurred more than 300,000 casualties. [1]", passages, sentences, vectors)
        assert not v.sentences[0].supported, wrong
    right = shared_bot._verify("Stoltenberg said Russia has incurred more than 300,000 casualties. [1]", passages, sentences, vectors)
    assert right.sentences[0].supported
    _, passages, sentences, vectors, _ = shared_bot.evidence("How did Blinken characterize backing for Ukraine across party lines?")
    for claim, supported in [("Stoltenberg believes there is strong bipartisan support for Ukraine in the United States.", False),
                             ("Blinken said there is strong bipartisan support for Ukraine in the United States.", True)]:
        v = shared_bot._verify(claim + " [1]", passages, sentences, vectors)
        assert v.sentences[0].supported is supported, claim
        assert all("bipartisan" in c.quote for c in v.citations) or not supported


def test_the_person_a_he_means_counts_as_named(shared_bot):
    """"Meanwhile, he said that Russia ... has incurred more than 300,000 casualties" names
    Stoltenberg through its "he": a short claim that names him and gives the figure is
    supported by it (it read 0.50 before, under the 0.55 threshold, and the model's right
    answer was replaced). Naming someone else still is not support."""
    _, passages, sentences, vectors, _ = shared_bot.evidence("What casualty figure did Stoltenberg give for Russia's losses in the war?")
    right = shared_bot._verify("Stoltenberg gave 300,000 casualties for Russia's losses in the war [1].", passages, sentences, vectors)
    assert right.sentences[0].supported and "300,000" in right.citations[0].quote
    wrong = shared_bot._verify("Blinken gave 300,000 casualties for Russia's losses in the war [1].", passages, sentences, vectors)
    assert not wrong.sentences[0].supported


def test_a_place_or_date_tied_to_other_words_is_not_support(shared_bot):
    """The manual read's two wrong claims: the passage names the Netherlands and the
    opening of a training centre, but as two facts ("Germany and the Netherlands had
    pledged ..., a training center ... had opened"), and April 3 is when Stoltenberg spoke,
    not a deadline. A place the passage ties to the same words still supports."""
    for question, wrong, right in [
        ("Which two allies pledged substantial assistance, and what training centre opened?",
         "The training center for Ukrainian pilots opened in the Netherlands.",
         "Germany and the Netherlands had pledged substantial assistance to Ukraine."),
        ("What did Stoltenberg say on April 3 about Russia realizing it cannot win?",
         "Stoltenberg said Russia would have to realize it cannot win by April 3.",
         "Stoltenberg said on April 3 that Russia would have to realize it cannot win the war."),
    ]:
        _, passages, sentences, vectors, _ = shared_bot.evidence(question)
        assert not shared_bot._verify(wrong + " [1]", passages, sentences, vectors).sentences[0].supported, wrong
        assert shared_bot._verify(right + " [1]", passages, sentences, vectors).sentences[0].supported, right


def test_a_figure_given_to_another_owner_is_not_support(shared_bot):
    """The local model's "The new NATO-Ukraine Council would give Kyiv more than $110
    billion" (heldout10 u012): the passage states the figure, and names the Council in the
    next sentence, but the $110 billion is the European allies'. The claim that gives it to
    them is supported, and so is one whose figure's sentence names no owner ("The initial
    goal was to allocate 500 million euros annually for this program"). Real embedder."""
    cases = [
        ("What would the new NATO-Ukraine Council give Kyiv, and why did some see it as not enough?",
         "The new NATO-Ukraine Council would give Kyiv more than $110 billion in support of Kyiv. [1]",
         "Ukraine's European allies have provided more than $110 billion in support of Kyiv. [1]"),
        ("How much money per year was the multi-year package Stoltenberg advocated meant to have?", None,
         "The annual goal for the multi-year assistance package Stoltenberg advocated was 500 million euros. [1]"),
    ]  # fmt: skip
    for question, wrong, right in cases:
        _, passages, sentences, vectors, _ = shared_bot.evidence(question)
        if wrong:
            assert not shared_bot._verify(wrong, passages, sentences, vectors).sentences[0].supported, wrong
        ok = shared_bot._verify(right, passages, sentences, vectors)
        assert ok.sentences[0].supported and ok.citations[0].quote, right


def test_a_different_number_or_month_is_not_support(shared_bot):
    """A claim whose figure the passage does not state is unsupported, however close it reads
    ("200,000 casualties" against "more than 300,000 casualties", "$44 billion" against
    "$77 billion", "$77 million" or "77 billion euros" against "$77 billion", "June" against
    "July"), or bounds it the other way ("fewer than 300,000");
    the right figure is supported. Real embedder."""
    cases = [
        ("What casualty figure did Stoltenberg give for Russia?",
         "Stoltenberg said Russia has incurred {} casualties. [1]", "more than 300,000",
         ["more than 200,000", "more than 3,000", "fewer than 300,000", "nearly 300,000"]),
        ("How much assistance has Washington provided to Ukraine in total?",
         "The U.S. has provided {} in assistance to Ukraine. [1]", "$77 billion",
         ["$44 billion", "$77.5 billion", "$77 million", "77 billion euros"]),
    ]  # fmt: skip
    for question, claim, right, wrongs in cases:
        _, passages, sentences, vectors, _ = shared_bot.evidence(question)
        ok = shared_bot._verify(claim.format(right), passages, sentences, vectors)
        assert ok.sentences[0].supported and right in ok.citations[0].quote
        for wrong in wrongs:
            assert not shared_bot._verify(claim.format(wrong), passages, sentences, vectors).sentences[0].supported, wrong
    _, passages, sentences, vectors, _ = shared_bot.evidence("When is the NATO summit in Washington due to take place?")
    assert shared_bot._verify("NATO's summit in Washington is in July. [1]", passages, sentences, vectors).sentences[0].supported
    assert not shared_bot._verify("NATO's summit in Washington is in June. [1]", passages, sentences, vectors).sentences[0].supported


def test_the_opposite_of_what_a_passage_says_is_not_support(shared_bot):
    """A claim that drops or adds the passage's "not" / "no" is unsupported, however close
    it reads (it scored 0.83-0.89 before), and no other passage stands in for the one that
    says it is not so; the claim that keeps the negation is supported. Real embedder."""
    cases = [
        ("Did Stoltenberg think Russia was ready to negotiate any time soon?",
         "Stoltenberg said there are {}obvious signs that Moscow intends to seek negotiations soon. [1]", "no "),
        ("Did Blinken think allies were growing tired of backing Ukraine?",
         "Blinken said he sees {}sense of fatigue among NATO allies. [1]", "no "),
        ("Did Kyiv receive an invitation to join NATO at Vilnius?",
         "Kyiv {} an invitation to join the alliance at the Vilnius summit. [1]", ("did not receive", "received")),
    ]  # fmt: skip
    for question, claim, negation in cases:
        _, passages, sentences, vectors, _ = shared_bot.evidence(question)
        said, opposite = negation if isinstance(negation, tuple) else (negation, "a " if "sense" in claim else "")
        right = shared_bot._verify(claim.format(said), passages, sentences, vectors)
        assert right.sentences[0].supported, claim.format(said)
        wrong = shared_bot._verify(claim.format(opposite), passages, sentences, vectors)
        assert not wrong.sentences[0].supported and not wrong.citations, claim.format(opposite)


def test_another_name_is_not_support(shared_bot):
    """A claim that swaps a name for another is unsupported, however close it reads
    ("Hungary has told Sweden ..." against "Turkey has told Sweden ..."; "France and Poland
    had pledged" against "Germany and the Netherlands had pledged"); with the right names it
    is supported. Real embedder."""
    cases = [
        ("When does Turkey expect to ratify Sweden's NATO accession?",
         "{} has told {} that it expects to ratify its accession within weeks. [1]",
         ("Turkey", "Sweden"), [("Hungary", "Sweden"), ("Turkey", "Finland")]),
        ("Which allies pledged substantial assistance?", "{} and {} had pledged substantial assistance. [1]",
         ("Germany", "the Netherlands"), [("France", "Poland")]),
    ]  # fmt: skip
    for question, claim, right, wrongs in cases:
        _, passages, sentences, vectors, _ = shared_bot.evidence(question)
        assert shared_bot._verify(claim.format(*right), passages, sentences, vectors).sentences[0].supported, right
        for wrong in wrongs:
            v = shared_bot._verify(claim.format(*wrong), passages, sentences, vectors)
            assert not v.sentences[0].supported and not v.citations, wrong


def test_the_lead_names_who_a_later_sentence_means(tmp_path):
    """BBC style: the lead names "Leading British computer games maker Peter Molyneux", and
    the sentence that holds the fact says "He left Bullfrog in 1997". A claim naming him is
    supported by it (before, the names check wanted "Peter Molyneux" in the sentence's own
    window); one naming a man of another article is not. "£1.8bn" states "£1.8 billion",
    not "£1.8 million". Real embedder and store, two real BBC articles."""
    from rag import Assistant

    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("tech_100", "tech_082", "politics_085"):
        shutil.copy(BBC / f"{name}.txt", folder)
    bot = Assistant(data_dir=tmp_path / "data", backend="extractive")
    assert bot.ingest([folder]).added == 3
    cases = [
        ("When did Peter Molyneux leave Bullfrog?", "{} left Bullfrog in 1997 to set up Lionhead Studios. [1]",
         "Peter Molyneux", ["Fred Hasson"]),
        ("What annual cost did Dan Lewis put on the regional development agencies?",
         "According to Dan Lewis, the regional development agencies cost {} a year. [1]", "£1.8 billion",
         ["£1.8 million", "£2.8 billion"]),
    ]  # fmt: skip
    for question, claim, right, wrongs in cases:
        _, passages, sentences, vectors, _ = bot.evidence(question)
        assert bot._verify(claim.format(right), passages, sentences, vectors).sentences[0].supported, right
        for wrong in wrongs:
            assert not bot._verify(claim.format(wrong), passages, sentences, vectors).sentences[0].supported, wrong
