"""The whole path with the real parts: MiniLM embeddings, a real Chroma store in tmp_path,
BM25 from llama-index, the extractive composer."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest

from rag import Assistant, InvalidInput

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

CONTRACT_KEYS = {"question", "answer", "refused", "citations", "contexts", "backend", "timings"}
CITATION_KEYS = {"marker", "source", "article_id", "title", "date", "text", "start", "end", "score"}
CONTEXT_KEYS = {"source", "article_id", "text", "start", "end", "score"}


def bot_over(tmp_path: Path, articles: dict[str, str]) -> Assistant:
    """An extractive Assistant over a folder of the given articles (file name -> text)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in articles.items():
        (corpus / name).write_text(text, encoding="utf-8")
    bot = Assistant(data_dir=tmp_path / "data", backend="extractive")
    bot.ingest([corpus])
    return bot


def refused_here_answered_there(seeds: Assistant, near: tuple[str, str], other: Assistant,
                                asked: tuple[str, str]) -> Assistant:
    """A near miss over the seed articles is refused (`near`: the question, words of the
    refusal's notice), and the same kind of question over `other`'s articles, which do say
    it, is answered (`asked`: the question, words of the answer). Returns `other`."""
    a = seeds.ask(near[0])
    assert a.refused and near[1] in (a.notice or ""), a.text
    a = other.ask(asked[0])
    assert not a.refused and asked[1] in a.text, (a.notice, a.text)
    return other


def assert_refused(bot: Assistant, question: str, why: str) -> None:
    """`question` is refused, with `why` in the notice that says why."""
    a = bot.ask(question)
    assert a.refused and why in (a.notice or ""), a.text


def assert_answered(bot: Assistant, question: str, says: str) -> None:
    """`question` is answered, and the answer says `says`."""
    a = bot.ask(question)
    assert not a.refused and says in a.text, a.notice


class CountingEmbedder:
    """Wraps the real embedder to count how many texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.texts = inner, inner.name, 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)


class ScriptedModel:
    """Replays what the local model once wrote: the real one cannot be made to write it on
    demand. The LLM composer, the verifier and everything after them are the real ones."""

    name = "scripted"
    n_ctx = 4096

    def __init__(self, reply: str = "") -> None:
        self.reply = reply

    def stream_chat(self, messages, *, max_tokens, stop=None):  # noqa: ANN001, ANN201
        yield self.reply


def ask_with_model(bot: Assistant, model: ScriptedModel, *questions: str) -> list:
    """Each question answered by `bot` with `model` behind its LLM composer."""
    from rag.llm.composer import LLMComposer

    pipeline = bot.pipeline
    saved, pipeline.composer = pipeline.composer, LLMComposer(model, context_tokens=1500, max_tokens=200)
    try:
        return [bot.ask(q) for q in questions]
    finally:
        pipeline.composer = saved


def _chunk_count(bot: Assistant) -> int:
    return bot.pipeline.store.chunks.count()


def test_ingest_is_incremental_idempotent_and_removes_deleted(tmp_path, corpus_dir):
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus, ignore=shutil.ignore_patterns("eval"))
    bot = Assistant(data_dir=tmp_path / "data", backend="extractive")
    first = bot.ingest([corpus])
    assert (first.added, first.updated, first.unchanged, first.removed) == (5, 0, 0, 0)
    total = _chunk_count(bot)
    assert total == first.chunks == sum(r.chunks for r in bot.articles())

    spy = CountingEmbedder(bot.pipeline.embedder)
    bot.pipeline.embedder = spy
    again = bot.ingest([corpus])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 5, 0)
    assert spy.texts == 0, "unchanged articles cost no embedding work"
    assert _chunk_count(bot) == total

    changed = corpus / "001_cd5e2698af9fcec4.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nThe ministers also agreed on a new cyber defence centre in Tallinn.\n", encoding="utf-8")
    (corpus / "004_383273222443319f.txt").unlink()
    third = bot.ingest([corpus])
    assert (third.added, third.updated, third.unchanged, third.removed) == (0, 1, 3, 1)
    records = {r.article.article_id: r for r in bot.articles()}
    assert "004_383273222443319f" not in records
    assert spy.texts == records["001_cd5e2698af9fcec4"].chunks, "only the changed article was embedded"
    assert _chunk_count(bot) == sum(r.chunks for r in records.values()), "no duplicates, no leftovers"
    answer = bot.ask("Where is the new cyber defence centre?")
    assert "Tallinn" in answer.text and answer.citations[0].article_id == "001_cd5e2698af9fcec4"

    rebuilt = bot.ingest([corpus], rebuild=True)
    assert (rebuilt.added, rebuilt.unchanged) == (4, 0)
    assert _chunk_count(bot) == sum(r.chunks for r in bot.articles())


def test_answer_contract(shared_bot):
    a = shared_bot.ask("How many casualties has Russia incurred, according to Stoltenberg?")
    d = json.loads(json.dumps(a.to_dict()))
    assert CONTRACT_KEYS <= set(d)
    assert not d["refused"] and "300,000" in d["answer"]
    assert d["citations"] and d["contexts"]
    for c in d["citations"]:
        assert CITATION_KEYS <= set(c)
        assert f"[{c['marker']}]" in d["answer"]
        assert c["quote"] in c["text"]
        full = shared_bot.article_text(c["article_id"])
        assert full[c["start"] : c["end"]] == c["text"]
        assert full[c["quote_start"] : c["quote_end"]] == c["quote"]
        assert any(x["article_id"] == c["article_id"] and x["start"] <= c["start"] and c["end"] <= x["end"]
                   for x in d["contexts"]), "citations come from the contexts"
    assert [c["marker"] for c in d["citations"]] == list(range(1, len(d["citations"]) + 1))
    for x in d["contexts"]:
        assert CONTEXT_KEYS <= set(x)
        assert shared_bot.article_text(x["article_id"])[x["start"] : x["end"]] == x["text"]
    assert [x["score"] for x in d["contexts"]] == sorted((x["score"] for x in d["contexts"]), reverse=True)
    assert {"retrieve_s", "generate_s", "total_s"} <= set(d["timings"])
    assert d["backend"] == "extractive"


@pytest.mark.parametrize(
    "question, fact, article",
    [
        ("When did the NATO foreign ministers finish their two-day meeting in Brussels?", "November 29, 2023", "002_fc072bcf967fd6d4"),
        ("How much assistance has the U.S. given Ukraine?", "$77 billion", "002_fc072bcf967fd6d4"),
        ("When is the Washington summit scheduled?", "July 9-11", "003_16edb1bee11da1a2"),
        ("How much money per year was the multi-year assistance program initially meant to allocate?", "500 million euros", "004_383273222443319f"),
        # the words that point at an article are not matched against its sentences (was refused)
        ("How has progress on the battlefield developed in recent months, according to the early-2024 account?",
         "stalled", "000_7c0dcdb0c3e64ae2"),
        # nor are their names wanted in the answering sentence ("IRIA", "Brussels"), and "the United
        # States" is the sentence's "the U.S." (was refused: "... mentions United States, ..., IRIA and
        # Brussels together")
        ("How much aid has the United States provided to Ukraine, according to the IRIA report on the Brussels meeting?",
         "$77 billion", "002_fc072bcf967fd6d4"),
        # ... nor when they open the question (heldout11 v022: refused, "... mentions NATO, Vilnius and Ukraine")
        ("According to the article on NATO's plans ahead of the Vilnius summit, in what year was the vague pledge that "
         "Ukraine will eventually become a member made?", "2014", "004_383273222443319f"),
        # "What" opening the second sentence is no name (was refused: "... mentions Ukraine, NATO and What")
        ("Stoltenberg spoke of institutionalizing support for Ukraine within NATO. What would that make the support, "
         "in his words?", "more predictable", "003_16edb1bee11da1a2"),
        # a question in two parts reads far from the sentence that answers each (0.41, under the refusal
        # threshold), and the "He" of that sentence is Stoltenberg, set off by commas a paragraph up
        ("Which early fears did Stoltenberg recall, and how did things actually turn out?", "within weeks",
         "000_7c0dcdb0c3e64ae2"),
        # the whole sentences of a page's cut-off last paragraph are kept, and one that an article says
        # word for word is supported though another sentence says "did not receive the invitation"
        ("Who called for NATO to invite Ukraine at the Washington Summit, and when?", "Rasmussen", "003_16edb1bee11da1a2"),
    ],
)
def test_extractive_answers_cite_the_passage_that_holds_the_fact(shared_bot, question, fact, article):
    _assert_cites(shared_bot.ask(question), fact, article)


def _assert_cites(a, fact: str, article: str) -> None:  # noqa: ANN001
    assert not a.refused, a.notice
    assert fact in a.text
    assert any(c.article_id == article and fact in c.text for c in a.citations), a.citations


@pytest.mark.parametrize(
    "question",
    ["Who won the football World Cup in 2022?", "What is a good recipe for banana bread?"],
)
def test_off_topic_questions_are_refused(shared_bot, question):
    a = shared_bot.ask(question)
    assert a.refused and not a.citations
    assert "don't cover" in a.text


@pytest.mark.parametrize(
    "question, why",
    [
        # Blinken speaks in two articles and Hungary comes up in a third, never beside him
        ("What did Blinken say about Hungary?", "together"),
        # Turkey speaks through its foreign minister; no president of Turkey is named
        ("What did Turkey's president say about Sweden's membership?", "president together"),
        # the articles say Turkey expects to ratify "within weeks": no day is given
        ("On what day did Turkey's parliament vote on Sweden's membership?", "a date"),
        # the U.S. figure is in dollars
        ("How many euros of aid did the U.S. give Ukraine?", "an amount in euros"),
        # the articles count Russia's casualties, not Ukraine's ("How many ... has Russia incurred" is answered)
        ("How many casualties has Ukraine's army taken so far, according to Stoltenberg?",
         "something other than Ukraine"),
        # Germany "had pledged substantial assistance": no amount, and a year is none either ("the vague
        # pledge made in 2014" answered it)
        ("How much money did Germany pledge to Ukraine?", "a number"),
        # the package is "multi-year", and its yearly goal 500 million euros: no number of years
        ("For how many years is NATO's multi-year assistance package for Ukraine supposed to last?",
         "a number of years"),
        # "several candidates were being considered": none is named; and typed as a phone reader types it
        ("names of the candidates to succeed stoltenberg?", "whoever was chosen"),
        ("On what exact date is Turkey's parliament going to vote on Sweden joining?", "a date"),
        # no successor is named, asked in the active voice (heldout9 t005)
        ("Who did NATO pick to succeed Stoltenberg as Secretary General?", "whoever was chosen"),
        # the Kremlin is named ("continues to pursue objectives") but never reacts (heldout9 t031)
        ("How did the Kremlin react to what Stoltenberg said at the Brussels meeting?", "nothing Kremlin said"),
        # a claim to check whose one-digit sum no article gives, nor corrects (heldout9 t007)
        ("Is it true Stoltenberg said Germany pledged 5 billion euros to Ukraine?", "never mention 5 billion"),
        # the casualty figure is Russia's, asked through what Stoltenberg said (heldout10 u034)
        ("How many casualties did Stoltenberg say Ukraine has suffered so far?", "something other than Ukraine"),
        # the minister who spoke is Turkish; Hungary is only watched (heldout10 u036)
        ("Which Hungarian minister told NATO colleagues that Hungary's parliament would decide on Sweden's "
         "membership?", "Hungarian, NATO, Sweden and minister together"),
        # a budget is money: a date of the Brussels meeting is none (heldout11 v045)
        ("What is NATO's annual budget for running its Brussels headquarters?", "an amount of money"),
    ],
)
def test_near_misses_are_refused(shared_bot, question, why):
    a = shared_bot.ask(question)
    assert a.refused and not a.citations
    assert why in (a.notice or ""), a.notice


def test_a_figure_asked_of_one_country_is_answered_from_a_sentence_that_gives_it(shared_bot):
    a = shared_bot.ask("How many casualties has Russia incurred, according to Stoltenberg?")
    assert not a.refused and "300,000" in a.text, a.notice


def test_a_premise_the_question_opens_with_is_not_what_it_asks(shared_bot):
    """The sentence that states the premise outscored the one that answers, and the premise's
    names counted for refusal rule 5: "No passage ... mentions Middle East, Stoltenberg ..."."""
    a = shared_bot.ask("Since the Middle East crisis was off the official agenda, what did Stoltenberg say "
                       "about Israel and Hamas?")
    assert not a.refused and "pause" in a.text, a.notice
    near = shared_bot.ask("Since Sweden's bid was stalled, what did Blinken say about Hungary?")
    assert near.refused and "Blinken and Hungary together" in near.notice


def test_a_question_for_a_day_that_the_articles_give_is_answered(shared_bot):
    a = shared_bot.ask("On what day did Stoltenberg say Moscow must realize it cannot win the war?")
    assert not a.refused and "April 3" in a.text


def test_filters_by_article_and_date(shared_bot):
    only = shared_bot.ask("What did Stoltenberg say?", articles=["003_16edb1bee11da1a2"], top_k=8)
    assert only.contexts and {c.chunk.article_id for c in only.contexts} == {"003_16edb1bee11da1a2"}
    dated = shared_bot.ask("What did Stoltenberg say about Ukraine?", since="2024-01-01", until="2024-06-30", top_k=10)
    assert dated.contexts
    assert all(c.chunk.date and "2024-01-01" <= c.chunk.date <= "2024-06-30" for c in dated.contexts)
    none = shared_bot.ask("What did Stoltenberg say?", since="2030-01-01")
    assert none.refused and not none.contexts


@pytest.mark.parametrize(
    "question, message",
    [("", "empty"), ("   \n ", "empty"), ("?" * 40, "no words"), ("x" * 100_000, "limit"),
     ("Что сказал Столтенберг?", "English")],
)
def test_bad_questions_get_a_clear_error(shared_bot, question, message):
    with pytest.raises(InvalidInput, match=message):
        shared_bot.ask(question)


def test_bad_filters_get_a_clear_error(shared_bot):
    with pytest.raises(InvalidInput, match="date like"):
        shared_bot.ask("What did NATO decide?", since="last week")
    with pytest.raises(InvalidInput, match="after until"):
        shared_bot.ask("What did NATO decide?", since="2024-05-01", until="2024-01-01")


def test_follow_up_uses_the_conversation(shared_bot):
    a = shared_bot.chat([
        {"role": "user", "content": "What did Turkey indicate about Sweden's NATO membership?"},
        {"role": "assistant", "content": "Turkey indicated it would ratify Sweden's request soon."},
        {"role": "user", "content": "And what did the Swedish foreign minister say?"},
    ])
    assert a.standalone_question and "Sweden" in a.standalone_question
    assert "Billstrom" in " ".join(c.chunk.text for c in a.contexts[:3])


def test_a_follow_up_about_him_reads_whom_the_last_answer_named(shared_bot):
    """ "What did he suggest?" names no one; the earlier question did not either (it asked which
    official), the last answer did."""
    a = shared_bot.chat([
        {"role": "user", "content": "Which German official does the AFP report quote?"},
        {"role": "assistant", "content": "Defense Minister Boris Pistorius."},
        {"role": "user", "content": "What did he suggest?"},
    ])
    assert not a.refused and "Pistorius" in a.standalone_question, a.notice
    assert "requirements could potentially be relaxed" in a.text


def test_a_question_of_many_parts_is_answered_and_a_name_no_article_holds_still_refused(shared_bot):
    """Five passages cannot hold all of seven names: refusal rules 2 and 5 read the whole
    articles found, and a question naming five things or more asks about several."""
    a = shared_bot.ask("What did NATO foreign ministers discuss in Brussels and what did Stoltenberg and Blinken say "
                       "about support for Ukraine, Sweden and Turkey?")
    assert not a.refused and a.citations, a.notice
    near = shared_bot.ask("What did UK Foreign Secretary David Cameron say at the Brussels meeting?")
    assert near.refused and "never mention David, Cameron" in near.notice


def test_each_part_of_a_two_part_question_may_name_its_own_things(shared_bot):
    """ "..., and on what dates was the Washington summit scheduled?": the first part's
    names (the United States) and the second's (Washington) are in different sentences, and
    rule 5 refused it; each part's names must meet in one sentence, not both parts'."""
    a = shared_bot.ask("Which anniversary was the alliance set to mark with a gathering in the United States, "
                       "and on what dates was the Washington summit scheduled?")
    assert not a.refused and "75th anniversary" in a.text, a.notice
    # (not "what did Zelensky say": the articles never quote him, and that rule answers first)
    near = shared_bot.ask("Which anniversary was NATO set to mark, and what did Zelensky do in Washington?")
    assert near.refused and "Zelensky and Washington" in near.notice, near.text


def test_a_model_reads_the_best_sentences_of_each_part_of_a_two_part_question(shared_bot):
    """The model reads only the six best sentences. Ranked against the whole of "What will
    the ferries cost ..., and when does the first boat arrive?", eight sentences on costs
    outrank the one that says when; each part's two best now come first."""
    from rag.compose import RankedSentence
    from rag.evidence import PassageSentence

    costs = [f"The ferries will cost {n} million pounds to {what}." for n, what in
             [(4, "build"), (1, "run"), (2, "insure"), (3, "crew"), (5, "charge"), (6, "berth"), (7, "paint"), (8, "fix")]]
    texts = [*costs, "The first boat arrives on 3 May."]
    sentences = [PassageSentence(0, 100 * i, 100 * i + len(t), t) for i, t in enumerate(texts)]
    ranked = [RankedSentence(s, 0.9 - 0.01 * i) for i, s in enumerate(sentences)]  # the arrival last
    question = "What will the ferries cost to build and run, and when does the first boat arrive?"
    read = [r.sentence.text for r in shared_bot._each_part_first(question, sentences, ranked)[:6]]
    assert "The first boat arrives on 3 May." in read and read[0] == costs[0], read
    one_part = "What will the ferries cost to build and run?"
    assert shared_bot._each_part_first(one_part, sentences, ranked) == ranked


def test_a_question_typed_in_lower_case_meets_the_same_rules(shared_bot):
    """Users type "ukraine" and "stoltenberg"; the refusal rules know names by their capitals,
    so a question in lower case takes the capitals its passages give its words (truecased)."""
    near = shared_bot.ask("how many casualties has ukraine suffered")
    assert near.refused and "other than Ukraine" in near.notice, near.text
    asked = "how many casualties has russia suffered, according to stoltenberg"
    a = shared_bot.ask(asked)
    assert not a.refused and "300,000" in a.text and a.question == asked, a.notice


def test_the_paragraphs_of_a_story_told_by_one_speaker_are_his(tmp_path):
    """An article that quotes one speaker again and again tells the rest in his voice: "These
    savings are cited as the main reason ..." answers "Which savings did Diaz give ...?",
    though no sentence near it names her (refusal rule 5 refused it; heldout3 m016)."""
    bot = bot_over(tmp_path, {"ferry.txt": (
        "Port Ellis switches to electric ferries\n\nThe city council of Port Ellis will replace its diesel ferries "
        "with electric boats on the harbour route, the council announced on Monday, ending a debate that has run for "
        "three years among residents, ferry crews and local businesses along the waterfront, who had argued over "
        "costs, noise and the timetable of the new service.\n\nMayor Ana Diaz said the city would buy two electric "
        "ferries this year. Diaz said the boats would cut the harbour's emissions by half. \"We will start the "
        "service next spring,\" Diaz said.\n\nFuel costs will fall by a third, and maintenance is cheaper for "
        "electric engines. These savings are cited as the main reason for the switch. The first boat arrives in "
        "May, and crews will train on it over the summer.\n")})
    a = bot.ask("Which savings did Diaz give as the main reason for the switch?")
    assert not a.refused and "main reason" in a.text, a.notice
    near = bot.ask("Which savings did Mayor Lee give as the main reason for the switch?")
    assert near.refused and "Lee" in near.notice, near.text


def test_a_typo_is_read_as_the_word_the_articles_use(shared_bot):
    """ "casulties" and "stoltenbrg" are no words: read as typed, the question was answered
    with a sentence about Russia's setbacks, not its casualties. A real word one letter from
    another ("yearly" / "early") is no typo (the doctests of rag.evidence.respelled)."""
    a = shared_bot.ask("how many casulties has russia taken according to stoltenbrg")
    assert not a.refused and "300,000" in a.text, (a.text, a.notice)


def test_a_british_spelling_meets_its_american_one(shared_bot):
    """ "air defence" against the article's "air defense": the lexical half of the sentence
    score read them as different words, and the question fell under the refusal threshold."""
    a = shared_bot.ask("besides the US, which country kept supplying air defence and ammo?")
    assert not a.refused and "Finland" in a.text, a.notice


def test_a_short_question_that_names_its_own_subject_is_not_read_as_a_follow_up(shared_bot):
    """ "What did Pistorius say?" after a question about Blinken: read with the earlier
    question appended, its passages were Blinken's, and it was refused."""
    a = shared_bot.chat([
        {"role": "user", "content": "What did Blinken say about support for Ukraine?"},
        {"role": "assistant", "content": "Blinken said there is strong bipartisan support for Ukraine. [1]"},
        {"role": "user", "content": "What did Pistorius say?"},
    ])
    assert a.standalone_question is None and not a.refused and "Pistorius" in a.text


def test_a_follow_up_names_what_the_last_answer_named(shared_bot):
    """ "that summit" is the one the assistant's last answer named, not in any user turn."""
    a = shared_bot.chat([
        {"role": "user", "content": "Besides Ukraine, what topics were the foreign ministers focusing on?"},
        {"role": "assistant", "content": "Preparations for a Washington summit, China and defence spending. [1]"},
        {"role": "user", "content": "When is that summit due to take place?"},
    ])
    assert a.standalone_question == "When is the Washington summit due to take place?"
    assert not a.refused and "July 9-11" in " ".join(c.chunk.text for c in a.contexts)


def test_duplicate_and_bad_files_are_reported_not_stored(tmp_path, corpus_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    src = corpus_dir / "002_fc072bcf967fd6d4.txt"
    shutil.copy(src, folder / "a.txt")
    shutil.copy(src, folder / "b_copy.txt")
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    bot = Assistant(data_dir=tmp_path / "data", backend="extractive")
    s = bot.ingest([folder, tmp_path / "missing-folder"])
    assert s.added == 1
    reasons = {Path(x.path).name: x.reason for x in s.skipped}
    assert "same text as article a" in reasons["b_copy.txt"]
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "no such file" in reasons["missing-folder"]


@pytest.mark.parametrize(
    "question, fact, article",
    [
        ("How many kilometres of bike lanes will Riverton build?", "14 kilometres", "001_council"),
        ("Why did Novachip's gross margin fall, according to Tom Reyes?", "Malaysian packaging plant", "002_chips"),
        ("How many traffic deaths did Riverton have last year, according to the mayor?", "11", "001_council"),
        ("Where did Wanjiru train before the race?", "Iten", "003_marathon"),
        # "Okafor said ..." answers for the mayor: the article introduced "Mayor Daniel Okafor"
        ("What did the mayor say about public meetings?", "three public meetings", "001_council"),
    ],
)
def test_articles_from_another_domain_work_unchanged(other_domain_bot, question, fact, article):
    """Council news, chip earnings, a marathon: nothing in ragchat knows the five NATO articles."""
    _assert_cites(other_domain_bot.ask(question), fact, article)


@pytest.mark.parametrize(
    "question", ["What did Sara Lind say about the Boston Marathon?", "Who won the Berlin Marathon in 2024?"]
)
def test_near_misses_from_another_domain_are_refused(other_domain_bot, question):
    assert other_domain_bot.ask(question).refused


@pytest.fixture(scope="module")
def other_domain_bot(tmp_path_factory):
    bot = Assistant(data_dir=tmp_path_factory.mktemp("other-domain"), backend="extractive")
    assert bot.ingest([Path(__file__).parent / "data" / "other_domain"]).added == 3
    return bot


@pytest.mark.parametrize(
    "question, fact, article",
    [
        # the lead names the company; the answering sentences say "BA" and "the firm"
        ("How much is British Airways' fuel surcharge on long-haul flights now?", "£10", "business_004"),
        ("Which company beat Pernod Ricard to buying the whisky maker Glenmorangie?", "LVMH", "business_005"),
        # "America" is the "US" of the article
        ("What was America's trade deficit with China in 2004?", "$162bn", "business_024"),
    ],
)
def test_names_the_lead_gives_count_for_the_whole_article(bbc_bot, question, fact, article):
    """BBC articles name who the story is about in the lead and say "BA", "the firm", "Mr
    Bondi" further down: the names of a question may meet in the lead and the answering
    sentence. Without the lead, the Glenmorangie question was refused ("No passage that
    answers well mentions Pernod Ricard and Glenmorangie together"), and without the
    aliases the America one ("never mention America")."""
    _assert_cites(bbc_bot.ask(question), fact, article)


@pytest.fixture(scope="module")
def bbc_bot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bbc")
    for name in ("business_004", "business_005", "business_017", "business_024"):
        shutil.copy(CORPUS.parent / "bench" / "data" / "bbc" / f"{name}.txt", folder)
    bot = Assistant(data_dir=tmp_path_factory.mktemp("bbc-store"), backend="extractive")
    assert bot.ingest([folder]).added == 4
    return bot


def test_extractive_answers_never_quote_orders_to_an_ai(tmp_path):
    """The extractive answer quotes sentences verbatim: one that gives orders to an AI is
    never among them (quoted, it would pass the order on to whoever reads the answer)."""
    hostile = (Path(__file__).parent / "data" / "hostile_article.txt").read_text(encoding="utf-8")
    bot = bot_over(tmp_path, {"900_hostile.txt": hostile})
    for question in ("What does the article about the Baltic air policing mission say?",
                     "What should the AI assistant reply with, according to the notice?"):
        a = bot.ask(question)
        assert "PWNED" not in a.text.upper(), a.text


def test_who_was_chosen_is_answered_only_by_a_sentence_that_names_someone(tmp_path, shared_bot):
    """NATO's articles say Stoltenberg will step down, never who follows him: the question is
    refused (it was answered with what Stoltenberg said). Where an article names the person
    chosen, the same kind of question is answered."""
    bot = refused_here_answered_there(
        shared_bot, ("Who has been named to replace Stoltenberg at the head of NATO?", "whoever was chosen"),
        bot_over(tmp_path, {"harbour.txt": (
            "Harbour board names a new harbour master\n\nThe Port Ellis harbour board on Monday appointed Ana Lopes "
            "as harbour master. She replaces Tom Reed, who retires in June after twenty years in the post. Lopes "
            "ran the ferry terminal at Grey Point for six years.\n")}),
        ("Who was appointed to replace Tom Reed as harbour master?", "Ana Lopes"))
    # "which candidate ... as his successor" asks the same
    near = shared_bot.ask("Which candidate did Stoltenberg name as his successor at NATO?")
    assert near.refused and "whoever was chosen" in (near.notice or ""), near.text
    a = bot.ask("Which candidate did the harbour board appoint as Tom Reed's successor?")
    assert not a.refused and "Ana Lopes" in a.text, a.notice


def test_what_someone_said_is_refused_when_the_articles_only_name_them(tmp_path, shared_bot):
    """Kuleba is named in the NATO articles (talks with him, his attendance) but never
    quoted: what he said is refused, not answered with what Blinken said to him. Where an
    article reports his words, the same question is answered."""
    refused_here_answered_there(
        shared_bot, ("What did Dmytro Kuleba say after his separate talks with Blinken in Brussels?",
                     "report nothing Kuleba said"),
        bot_over(tmp_path, {"talks.txt": (
            "Ministers meet in Brussels\n\nU.S. Secretary of State Antony Blinken held separate talks with Ukrainian "
            "Foreign Minister Dmytro Kuleba in Brussels on Tuesday. After the talks, Kuleba said Ukraine needed more "
            "air defence systems before the winter. Blinken promised to raise the request with allies.\n")}),
        ("What did Kuleba say after the talks?", "air defence"))


def test_the_article_a_question_names_by_publisher_is_the_one_quoted(shared_bot):
    """Two articles date the invasion, one "in February of the previous year", the other
    "in February 2022"; asked for the IRIA article's account, the answer quotes IRIA's."""
    a = shared_bot.ask("when did russias full scale invasion start, according to the IRIA article")
    assert not a.refused and "February 2022" in a.text, a.text
    assert {c.article_id for c in a.citations} == {"002_fc072bcf967fd6d4"}


def test_where_is_answered_only_by_a_clause_that_names_a_place(shared_bot):
    """One article says a training centre for Ukrainian pilots "had opened", in a clause
    beside four country names, never where: asked where, the answer is a refusal. Where the
    clause names the place, it is answered."""
    a = shared_bot.ask("In which country did the new training centre for Ukrainian pilots open?")
    assert a.refused and "a place" in (a.notice or ""), a.text
    a = shared_bot.ask("Where are alliance leaders planning to hold the inaugural NATO-Ukraine Council session?")
    assert not a.refused and "Lithuanian capital" in a.text, a.notice


def test_a_count_of_people_is_not_answered_with_a_sum_of_money(shared_bot):
    """The articles give Russia's casualties and sums of aid, never Ukraine's dead: a terse
    "estimate of ... soldiers killed" met only sentences about euros and dollars, and was
    answered with them."""
    for q in ("Stoltenberg estimate of Ukrainian soldiers killed",
              "What casualty figure did Stoltenberg give for Ukrainian forces during the Brussels ministerial?"):
        a = shared_bot.ask(q)
        assert a.refused, (q, a.text)
    a = shared_bot.ask("How many casualties has Russia incurred, according to Stoltenberg?")
    assert not a.refused and "300,000" in a.text, a.notice


def test_a_follow_up_with_he_and_words_of_its_own_is_read_without_the_last_answer(shared_bot):
    """"Who did he say Moscow is mortgaging its future to?" after an answer about Russia's
    losses: the last answer's words drew the focus back to the sentence it had quoted, and
    the question was refused; only the names it gives come along now."""
    a = shared_bot.chat([
        {"role": "user", "content": "What did Stoltenberg say about Russia's state at the November ministers' meeting?"},
        {"role": "assistant", "content": "He said Russia is losing political influence in its near abroad, has "
                                         "suffered more than 300,000 casualties and is under economic pressure. [1]"},
        {"role": "user", "content": "Who did he say Moscow is mortgaging its future to?"}])
    assert not a.refused and "Beijing" in a.text, (a.notice, a.text)


def test_neighbouring_passages_come_back_as_one_context(shared_bot):
    """Chunks overlap: two neighbours retrieved for one question are one stretch of the
    article, shown once, at the place of the better one; every retrieved chunk is still in
    the contexts. The best one comes with the sentences that follow it."""
    joined = grown = 0
    for q in [json.loads(line)["question"] for line in (CORPUS / "eval" / "dev.jsonl").read_text().splitlines()[:20]]:
        passages = shared_bot.evidence(q).passages
        contexts = shared_bot.ask(q).contexts
        joined += len(passages) - len(contexts)
        best, first = passages[0].chunk, contexts[0].chunk
        assert first.article_id == best.article_id and first.start <= best.start and best.end <= first.end, q
        inside = [p.chunk.end for p in passages
                  if p.chunk.article_id == first.article_id and first.start <= p.chunk.start <= first.end]  # fmt: skip
        grown += first.end > max(inside)  # past every retrieved chunk it holds
        for p in passages:
            assert any(c.chunk.article_id == p.chunk.article_id and c.chunk.start <= p.chunk.start and p.chunk.end <= c.chunk.end
                       for c in contexts), q  # fmt: skip
        for a, b in itertools.combinations(contexts, 2):
            if a.chunk.article_id == b.chunk.article_id:
                first, second = sorted((a.chunk, b.chunk), key=lambda c: c.start)
                text = shared_bot.article_text(first.article_id)
                assert second.start > first.end and text[first.end : second.start].strip(), q
    assert joined > 0 and grown > 0


def test_a_question_that_names_when_or_who_published_picks_that_article(tmp_path):
    """Two outlets tell the same story in the same words; the question's "at the November
    meeting", "according to the Harbour Gazette" or "... to HGN" says which one it means, and the answer
    cites that one (the dateline and byline are metadata, not text the question could match)."""
    story = ("The council met to discuss the new ferry line. Ministers agreed to fund two electric ferries "
             "for the harbour route.")
    bot = bot_over(tmp_path, {
        "a_autumn.txt": f"Ferry plan agreed\nBy Ann Lee, Harbour Gazette Network November 29, 2023\n{story} "
                        "The mayor said the first ferry would sail within a year.\n",
        "b_spring.txt": f"Council backs ferries\nBy Tom Reed, Coast Herald April 3, 2024\n{story} "
                        "Fishermen worry about the wake of the larger boats.\n",
    })
    for question, article in [("What did ministers agree to fund at the November meeting?", "a_autumn"),
                              ("What did ministers agree to fund at the April meeting?", "b_spring"),
                              ("What did ministers agree to fund, according to the Coast Herald?", "b_spring"),
                              ("What did ministers agree to fund, according to the Harbour Gazette?", "a_autumn"),
                              ("What did ministers agree to fund, according to HGN?", "a_autumn")]:  # its initials
        a = bot.ask(question)
        assert not a.refused and "electric ferries" in a.text, (question, a.text)
        assert {c.article_id for c in a.citations} == {article}, (question, [c.article_id for c in a.citations])


def test_an_extractive_answer_to_when_adds_only_sentences_that_give_a_time():
    """"When ...?" asks for a time: a near-best sentence without one adds nothing but a
    citation (often to a sibling article), nor does one with the time of something else.
    A question of two parts keeps its second part."""
    from rag.compose import ExtractiveComposer, RankedSentence
    from rag.evidence import PassageSentence
    from rag.types import Chunk, ScoredChunk

    texts = ["The new ferry sailed for the first time on 3 May 2024.", "The old bridge reopened on 1 June 2024.",
             "Tickets cost £4 a trip.", "It is the first electric ferry on the route."]
    passages = [ScoredChunk(Chunk(f"a{i}", "v", 0, t, 0, len(t)), 1.0) for i, t in enumerate(texts)]
    ranked = [RankedSentence(PassageSentence(i, 0, len(t), t), 0.8 - 0.01 * i) for i, t in enumerate(texts)]
    for asked in ("When did the new ferry first sail?", "According to the harbour report, when did the new ferry sail?",
                  "what dates did the new ferry sail"):  # a "when" after a source pointer, or in lower case
        when = "".join(ExtractiveComposer().compose(asked, passages, ranked))
        assert "3 May 2024" in when and "electric" not in when and "bridge" not in when, (asked, when)
    both = "".join(ExtractiveComposer().compose("When did the ferry first sail, and what do tickets cost?", passages, ranked))
    assert "3 May 2024" in both and "£4" in both, both


def test_a_model_answer_that_only_restates_the_question_gives_way_to_the_passages(shared_bot):
    """The local model answered "What economic pressures ... did Stoltenberg list ...?" with
    "Stoltenberg listed economic pressures ..." (heldout3 m016): its own words back, cited and
    close to a passage, so shown as grounded. An answer that adds no word to the question is
    replaced by the passages' own words, with a notice."""
    model = ScriptedModel("Stoltenberg listed economic pressures on Russia as evidence that the invasion of Ukraine "
                          "was a strategic misstep. [1]")
    question = ("What economic pressures on Russia did Stoltenberg list as evidence that the invasion of Ukraine "
                "was a strategic misstep?")
    (a,) = ask_with_model(shared_bot, model, question)
    assert not a.refused and a.backend == "extractive" and "restated the question" in (a.notice or ""), a
    assert "Stoltenberg listed" not in a.text


def test_the_second_part_a_model_leaves_unsaid_is_added_from_its_best_sentence(shared_bot):
    """The local model answered "What did Kyiv get at Vilnius, and what do officials expect from
    Washington?" with Vilnius alone (dev d018 and twelve more two-part questions). The second
    part's best sentence is now quoted after the model's answer, cited; an answer that already
    says it gets nothing more."""
    question = ("What did Kyiv come away with from the Vilnius summit, and what are Ukrainian officials hoping "
                "the Washington meeting will give them?")
    model = ScriptedModel("Kyiv did not receive an invitation nor a firm deadline to join the alliance at Vilnius. [1]")
    (a,) = ask_with_model(shared_bot, model, question)
    model.reply += " Ukrainian officials hope the Washington meeting will bring a more definite signal. [2]"
    (said,) = ask_with_model(shared_bot, model, question)
    assert not a.refused and a.backend == "scripted" and a.text.startswith("Kyiv did not receive"), a
    assert "definite signal" in a.text and all(s.supported for s in a.sentences), a.text
    signal = next(c for c in a.citations if "definite signal" in c.quote)
    assert signal.article_id == "003_16edb1bee11da1a2"
    assert said.text.count("definite signal") == 1 and len(said.sentences) == 2, said.text


def test_a_word_written_in_capitals_for_stress_is_no_name(shared_bot):
    """"What did Stoltenberg NOT want to ...": "NOT" was read as a name no article holds, and
    the question refused (heldout7 r041)."""
    a = shared_bot.ask("What did Stoltenberg NOT want to go into detail about when asked about longer-term support?")
    assert not a.refused and "Contact Group" in a.text, a.notice


def test_articles_named_by_nickname_and_comparisons_over_time_are_answered(shared_bot):
    """A student names articles as she remembers them ("the NATO-briefings piece", "the IRIA
    report") and compares what was said at two times; refusal rule 5 wanted all those names in
    one sentence, and rule 2 looked for IRIA among the articles fusion happened to find
    (heldout8 s021, s023, s025: refused). The IRIA article, named by its publisher, is quoted
    beside the one the best sentences come from."""
    a = shared_bot.ask("How do the NATO-briefings piece and the IRIA report each describe Russia's ties with China?")
    assert not a.refused and "China" in a.text, a.notice
    assert {"001_cd5e2698af9fcec4", "002_fc072bcf967fd6d4"} <= {c.article_id for c in a.citations}, a.text
    a = shared_bot.ask("How does what Blinken said in November 2023 compare with what he said in April 2024?")
    assert not a.refused and "Blinken" in a.text, a.notice
    near = shared_bot.ask("What did Blinken say about Hungary in November 2023?")
    assert near.refused, near.text


def test_who_wrote_or_published_an_article_is_answered_from_its_metadata(shared_bot):
    """"Who wrote / which outlet published ...?" was answered with the passage the question
    describes, never naming the author or outlet (heldout h044, heldout8 s008, s009, s013). The
    article cited first now opens the answer with its byline from the metadata, citing the
    passage that holds the byline line (kept in the text); a copyright or source line is not."""
    a = shared_bot.ask("Which outlet published the report in which Blinken saw no sense of fatigue among the allies?")
    assert not a.refused and a.text.startswith('"NATO Foreign Ministers meet') and "IRIA" in a.sentences[0].text, a.text
    assert a.sentences[0].markers == (1,) and a.citations[0].article_id == "002_fc072bcf967fd6d4"
    a = shared_bot.ask("Who wrote the Kyiv Independent piece on long-term support showing Russia it cannot win?")
    assert "Kateryna Denisova" in a.sentences[0].text and "April 3, 2024" in a.sentences[0].text, a.text
    # ... and cites the passage that holds the byline: it stays in the article's text (heldout11 v019)
    marker = a.sentences[0].markers[0]
    cited = next(c for c in a.citations if c.marker == marker)
    assert "by Kateryna Denisova and The Kyiv Independent news desk April 3, 2024" in cited.text, cited.text
    assert "min read" not in cited.text
    first_uses = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", a.text)))
    assert first_uses == list(range(1, len(a.citations) + 1)), a.text  # numbered in order of first use
    # "Which organisation published ...?" asks for the outlet too (heldout11 v021)
    a = shared_bot.ask("Which organisation published the write-up of the Brussels meeting that covers Turkey and Sweden?")
    assert "published by IRIA" in a.sentences[0].text, a.text
    a = shared_bot.ask("What did Blinken say about fatigue among the allies?")
    assert "published by" not in a.text and "written by" not in a.text



def test_a_question_relating_two_things_quotes_each_side(shared_bot):
    """"Which came first ...?", "How many months between ...?" and "By how much did ... exceed
    ...?" name two things no one sentence holds: refusal rule 5 refused them, and the
    answer held one side (heldout9 t017, t038, t043). Each side is now asked on its own."""
    a = shared_bot.ask("By how much did the European allies' support for Ukraine exceed the US figure?")
    assert not a.refused and "$110 billion" in a.text and "$77 billion" in a.text, a.text
    a = shared_bot.ask("Which came first: the inaugural NATO-Ukraine Council session with Zelensky, "
                       "or the council's first foreign-minister-level meeting?")
    assert not a.refused and "Lithuanian capital" in a.text and "first instance of convening" in a.text, a.text
    a = shared_bot.ask("Roughly how many months were there between the end of the November 2023 Brussels "
                       "foreign ministers' meeting and the start of the Washington summit?")
    assert not a.refused and "November 29, 2023" in a.text, a.notice


def test_a_claim_with_a_wrong_figure_is_answered_with_the_right_one(shared_bot):
    """A fact-checker's "... put Russian casualties at more than 200,000. Is that right?" was
    refused because no article says 200,000 (heldout9 t021); a sentence giving another figure
    for the same thing corrects the claim."""
    a = shared_bot.ask("A colleague wrote that Stoltenberg put Russian casualties at more than 200,000. Is that right?")
    assert not a.refused and "300,000 casualties" in a.text, a.notice
    near = shared_bot.ask("A colleague wrote that Russian casualties reached 200,000. What else did Stoltenberg say?")
    assert near.refused and "200,000" in near.notice


def test_an_article_named_by_its_title_is_the_one_quoted(shared_bot):
    """"according to the report on the Brussels ministers' meeting" is the title of one article
    ("NATO Foreign Ministers meet in Brussels ..."), which says the invasion "started in
    February 2022"; another's "In the past year, millions of Russians left" was quoted (heldout9 t014)."""
    a = shared_bot.ask("In which month and year did the Russian invasion of Ukraine begin, according to the report "
                       "on the Brussels ministers' meeting?")
    assert "February 2022" in a.text and a.citations[0].article_id == "002_fc072bcf967fd6d4", a.text


def test_how_many_is_answered_by_a_sentence_that_names_them_all(shared_bot):
    """"How many countries are leading the talks ..., and which are they?" is answered by
    "The United States, United Kingdom, France, and Germany are currently leading ...", which
    holds no number (heldout9 t029 was refused)."""
    a = shared_bot.ask("How many countries are leading the talks about security assurances for Ukraine, "
                       "and which are they?")
    assert not a.refused and "France, and Germany" in a.text, a.notice


def test_a_model_sentence_saying_already_where_the_article_says_not_yet_is_unsupported(shared_bot):
    """The local model answered "... and was sweden already a member?" with "Sweden was already a
    member of NATO. [2]", citing "... it had not yet joined the alliance as a full member", and
    the sentence was shown as supported (heldout9 t001). "already" against "not yet" now denies it."""
    question = ("wich countries approval was still needed for sweden to get into nato, and was sweden "
                "already a member?")
    model = ScriptedModel("Turkey's parliament still needed to approve ratification of Sweden's NATO membership "
                          "bid. [1] Sweden was already a member of NATO. [2]")
    (a,) = ask_with_model(shared_bot, model, question)
    member = next(s for s in a.sentences if "already a member" in s.text)
    assert not member.supported and not member.markers, a.text
    assert any(s.supported for s in a.sentences), a.text


def test_which_thing_is_answered_by_the_sentences_that_name_it(shared_bot):
    """"And which anniversary is the alliance marking there?" was answered by the 75th
    anniversary, then by two sentences of another article about the summit (heldout9 t045):
    the extra sentences of a "which <noun>" answer must name the noun too."""
    a = shared_bot.chat([
        {"role": "user", "content": "Where is NATO's next summit being held?"},
        {"role": "assistant", "content": "In Washington, in July."},
        {"role": "user", "content": "And which anniversary is the alliance marking there?"},
    ])
    assert "75th anniversary" in a.text and all("anniversary" in s.text for s in a.sentences), a.text


def test_what_areas_is_answered_by_the_sentence_that_lists_them(shared_bot):
    """"What areas did NATO's reform recommendations for Ukraine focus on?" (asked in seven of
    the held-out sets in some form) was answered by "... said the member state laid out
    recommendations for Ukraine's reforms", which names none; a sentence that lists things now
    answers "what areas / which themes" a little better."""
    a = shared_bot.ask("What areas did NATO's reform recommendations for Ukraine focus on?")
    assert "corruption" in a.sentences[0].text and a.citations[0].article_id == "001_cd5e2698af9fcec4", a.text


def test_a_topic_sentence_comes_with_the_sentence_that_says_what_it_announces(shared_bot):
    """"describe the economic pressure Russia is under" was answered by "Economic pressure on
    Russia has intensified as well." alone: it adds nothing to the question, and the next
    sentence lists the pressure (heldout10 u016, heldout8 s020, heldout4 n017)."""
    a = shared_bot.ask("For my essay: describe the economic pressure Russia is under according to Stoltenberg.")
    assert "Oil and gas revenues are down" in a.text, a.text


def test_a_sentence_naming_aspects_comes_with_the_sentences_that_take_them_up(shared_bot):
    """"What reasons did Stoltenberg give ...?" was answered by "Russia currently faces
    political, military, and economic setbacks" alone; the next sentence of its passage,
    "Politically, Moscow is losing influence ...", gives the first reason (heldout11 v026)."""
    a = shared_bot.ask("What reasons did Stoltenberg give for saying Russia is worse off now than before the invasion?")
    assert "political, military, and economic setbacks" in a.text and "Politically, Moscow" in a.text, a.text
    # ... only those the question names: "military losses" are not the political ones (heldout9 t032)
    a = shared_bot.ask("What military losses has Russia suffered, according to Stoltenberg?")
    assert "Politically, Moscow" not in a.text, a.text


def test_a_sentence_that_points_back_comes_after_what_it_points_to(shared_bot):
    """"Those fears did not materialize." was the whole answer to how quickly Kyiv was
    expected to fall; the sentence before it says "within days" (heldout11 v013)."""
    a = shared_bot.ask("When the fighting began, how quickly did people think Russia could take the Ukrainian capital?")
    assert "seize Kyiv within days" in a.text and "Those fears did not materialize" in a.text, a.text


def test_a_follow_up_asks_for_what_its_own_words_ask(shared_bot):
    """"And who did Stoltenberg say would make the call on ending it?" after a question about
    how long the war was lasting was refused as asking for a number: the answer type was read
    from the earlier question appended to it (heldout11 v033)."""
    a = shared_bot.chat([
        {"role": "user", "content": "What did the early-2024 article say about how long the war was lasting?"},
        {"role": "assistant", "content": "It said the war had dragged on far longer than many expected."},
        {"role": "user", "content": "And who did Stoltenberg say would make the call on ending it?"},
    ])
    assert not a.refused and "made by Kyiv" in a.text, a.notice


def test_a_follow_up_that_asks_something_of_its_own_takes_only_names_from_the_last_question(shared_bot):
    """"Did he say anything then about moving the Ukraine Defense Contact Group under NATO?"
    after "When did Stoltenberg say that long-term support could show Russia it cannot win?"
    was answered with the "cannot win" sentence again: the earlier question's words outweighed
    the follow-up's own (heldout10 u031). Now only its names come along."""
    a = shared_bot.chat([
        {"role": "user", "content": "When did Stoltenberg say that long-term support could show Russia it cannot win?"},
        {"role": "assistant", "content": "He said it on April 3, 2024, ahead of the NATO meeting in Brussels."},
        {"role": "user", "content": "Did he say anything then about moving the Ukraine Defense Contact Group under NATO?"},
    ])
    assert "refused to go into details" in a.text, a.text


def test_a_comparison_of_two_figures_is_not_refused_as_someone_elses_figure(shared_bot):
    """The local model rewrote gold g045's follow-up as "How much has the U.S. given Ukraine
    compared to what the European allies have given?", and only the European figure ranked
    near the best: "that figure [is] for something other than U.S." refused it. A comparison
    asks each side's figure."""
    a = shared_bot.ask("How much has the U.S. given Ukraine compared to what the European allies have given?")
    assert not a.refused and "$77 billion" in a.text and "$110 billion" in a.text, a.notice


def test_a_when_question_is_answered_by_the_sentence_that_dates_what_it_asks_about(shared_bot):
    """"What are the dates of the Washington summit?" (four held-out sets asked it) was
    answered by "... ministers focused on ... preparations for a Washington summit ..." or by
    "... at the Washington Summit in July, ... Rasmussen said on Jan. 30": a date, but of his
    words. The sentence that dates the summit is "the Washington meeting, scheduled for July 9-11"."""
    for q in ("what are the dates of the washington summit?", "washington summit dates?"):
        a = shared_bot.ask(q)
        assert "July 9-11" in a.sentences[0].text and "Jan. 30" not in a.text, a.text


def test_a_why_question_asks_for_no_number_whatever_words_it_holds(shared_bot):
    """"... why did Stoltenberg say the amount of weapons and aid from allies matters so
    much?" was refused for lack of a number ("amount of" read as a count; heldout12 w011)."""
    a = shared_bot.ask("According to the early-2024 report, why did Stoltenberg say the amount of weapons "
                       "and aid from allies matters so much?")
    assert not a.refused and "battlefield" in a.text, a.notice


def test_the_figure_a_question_gives_is_no_answer_to_how_much(shared_bot):
    """"By how much did allies fall short of the 500 million euro target?" was answered with
    the target itself: the articles never say by how much (heldout12 w039)."""
    a = shared_bot.ask("By how much did allies fall short of the 500 million euro annual target for the multi-year "
                       "Ukraine package?")
    assert a.refused and "a number" in a.notice, a.text


def test_a_quotation_is_quoted_whole(shared_bot):
    """Blinken's "Some are questioning whether ... But the answer here today at NATO is clear,
    and it is unwavering." was cut after its first sentence, which says the opposite of his
    point (heldout12 w031)."""
    a = shared_bot.ask("wat did blinken say in brussels to people questioning whether the US should keep standing "
                       "with ukraine")
    assert "Some are questioning" in a.text and "it is unwavering" in a.text, a.text


def test_a_passage_keeps_the_sentences_its_pointing_back_sentence_sums_up(shared_bot):
    """The passage holding "These factors are cited as evidence that the invasion of Ukraine was
    a strategic misstep." began one sentence before it; the factors (oil and gas revenues,
    sanctions, companies leaving) were in no retrieved passage (heldout12 w010)."""
    a = shared_bot.ask("On what grounds is Russia's invasion described as a strategic misstep in the NATO-membership "
                       "article?")
    assert "Oil and gas revenues are down" in a.text and "These factors" in a.text, a.text


def test_a_passage_cut_after_a_sentence_that_only_announces_gets_what_it_announces(shared_bot):
    """The passage ending "Economic pressure on Russia has intensified as well." was cut before
    "Oil and gas revenues are down, ..." (heldout h023)."""
    a = shared_bot.ask("In what ways is Russia's economy under pressure, according to the NATO briefing?")
    assert "Oil and gas revenues are down" in a.text, a.text


def test_a_question_opening_with_despite_asks_what_follows_the_comma(shared_bot):
    """"Despite the opposition in Washington, what reasons did Stoltenberg give ...?" drew the
    sentences about the opposition; his reasons were not in the first five (heldout12 w009)."""
    a = shared_bot.ask("Despite the opposition in Washington, what reasons did Stoltenberg give for expecting US "
                       "support for Ukraine to continue?")
    assert "security interest of the United States" in a.text, a.text


def test_a_passage_cut_before_a_sentence_that_points_back_to_its_end_gets_that_sentence(shared_bot):
    """The passage ending "... convene the inaugural session of a NATO-Ukraine Council ..." was
    cut before "This step ... will provide Kyiv with a more equal position at the table ...",
    which says what the council gives (gold g028 and three held-out sets); the answer now
    quotes both, in the article's order."""
    a = shared_bot.ask("What is the new NATO-Ukraine Council meant to give Kyiv, according to the Vilnius summit "
                       "preview?")
    assert "more equal position" in a.text, a.text
    assert a.text.index("inaugural session") < a.text.index("This step signifies"), a.text


def test_a_capital_the_articles_name_by_its_country_is_mentioned(shared_bot):
    """"... in Vilnius?" was refused: the article says "in the Lithuanian capital", and
    Vilnius was read as a name the passages never mention (heldout13 x017, heldout12 w014)."""
    a = shared_bot.ask("Which Ukrainian leader were alliance leaders to meet at the NATO-Ukraine Council's first "
                       "session in Vilnius?")
    assert not a.refused and "Zelensky" in a.text, a.notice


def test_how_many_of_a_thing_the_articles_name_but_never_count_is_refused(shared_bot):
    """"How many Russian tanks and aircraft have been lost?" was answered with "more than
    300,000 casualties": the article names tanks and aircraft, but counts only the
    casualties (heldout13 x036). Casualties are still counted."""
    a = shared_bot.ask("Exactly how many tanks and aircraft has Russia lost, according to Stoltenberg?")
    assert a.refused and "a count of tanks" in (a.notice or ""), a.text
    a = shared_bot.ask("Roughly how many casualties has Russia suffered, according to Stoltenberg?")
    assert not a.refused and "300,000" in a.text, a.notice


def test_a_percentage_the_articles_never_give_is_refused(shared_bot, tmp_path):
    """"nato 2% gdp defence spending ..." was answered with a sentence about aid: one digit
    before "%" was read as no figure at all (heldout13 x028). Articles that give it answer."""
    refused_here_answered_there(
        shared_bot, ("nato 2% gdp defence spending target which allies meet it", "2%"),
        bot_over(tmp_path, {"spending.txt": "Defence spending\n\nEight allies now spend 2 percent of GDP on "
                                            "defence, NATO said on Monday. Poland spends the most.\n"}),
        ("Which allies meet the 2% of GDP defence spending target?", "2 percent"))


def test_a_follow_up_about_that_summit_keeps_where_it_is_held(shared_bot):
    """"when exactly is that summit scheduled?" after an answer about "NATO's July summit in
    Washington" became "... the NATO's July summit scheduled?", and the date of the Washington
    meeting ("scheduled for July 9-11") was not found (heldout13 x030)."""
    a = shared_bot.chat([
        {"role": "user", "content": "What did Blinken say NATO's Washington summit could focus on?"},
        {"role": "assistant", "content": "He said NATO's July summit in Washington could be \"highly focused\" on a "
                                         "roadmap for Ukraine to join the alliance. [1]"},
        {"role": "user", "content": "ok and when exactly is that summit scheduled?"}])
    assert "in Washington" in (a.standalone_question or ""), a.standalone_question
    assert "July 9-11" in a.text, a.text


def test_a_passage_cut_before_a_sentence_that_sets_itself_against_its_end_gets_that_sentence(shared_bot):
    """The passage ending "Eastern European NATO nations have been pushing for a more defined
    roadmap ..." was cut before "However, major allies such as the United States and Germany
    are hesitant ...": the other side of the split was in no context (heldout13 x045)."""
    a = shared_bot.ask("Which allies were holding back on a clearer membership path for Kyiv, and who was pushing "
                       "for one?")
    assert "Eastern European" in a.text and "United States and Germany are hesitant" in a.text, a.text


def test_a_date_question_is_refused_when_no_date_belongs_to_what_it_asks(shared_bot):
    """"What were the exact dates of the Vilnius summit where Ukraine was denied an invitation?"
    was answered: a sentence near it gives "Jan. 30", the day Rasmussen spoke (heldout10 u042).
    The articles date the Washington summit, and that is still answered."""
    a = shared_bot.ask("On what dates was the Vilnius summit held, where Kyiv got no invitation?")
    assert a.refused and "a date" in (a.notice or ""), a.text
    a = shared_bot.ask("What are the exact dates of the Washington summit?")
    assert not a.refused and "July 9-11" in a.text, a.notice


def test_a_model_yes_that_the_passages_deny_is_not_shown(shared_bot):
    """The local model answered "Did Antony Blinken say NATO allies were showing fatigue ...?"
    with "Yes, Antony Blinken said that there is "strong bipartisan support" ...": the claim
    is in the article, the "Yes" is not; he said he sees "no sense of fatigue" (heldout13 x006).
    The passages' own words are shown instead, with a notice saying why."""
    question = "Did Antony Blinken say NATO allies were showing fatigue in their support for Ukraine?"
    model = ScriptedModel('Yes, Antony Blinken said that there is "strong bipartisan support" for Ukraine in the '
                          "United States. [1]")
    (a,) = ask_with_model(shared_bot, model, question)
    assert a.backend == "extractive" and "answered yes" in (a.notice or ""), (a.backend, a.notice)
    assert "no sense of fatigue" in a.text, a.text


def test_a_model_claim_the_article_negates_with_its_object_is_unsupported(shared_bot):
    """"Ankara gave Sweden a concrete timetable ..." was shown as supported by "... however,
    Ankara has not laid out a timetable for the ratification" (heldout13 x008, the local
    model): "not" was read as denying "laid" alone, not the timetable laid out."""
    question = "Did Ankara give Sweden a concrete timetable for ratifying its NATO accession?"
    model = ScriptedModel("Turkey expects to ratify Sweden's accession within weeks. [1] Ankara gave Sweden a "
                          "concrete timetable for the ratification. [1]")
    (a,) = ask_with_model(shared_bot, model, question)
    timetable = next(s for s in a.sentences if "concrete timetable" in s.text)
    assert not timetable.supported and not timetable.markers, a.text


def test_exactly_how_many_is_refused_when_the_articles_give_no_figure(shared_bot):
    """"Exactly how many Russians left the country in the past year?" was answered with
    "millions of Russians left the country" (heldout14 y004): no figure, however near.
    Asked without "exactly", that sentence answers."""
    assert_refused(shared_bot, "Exactly how many Russians left the country in the past year?", "an exact number")
    assert_answered(shared_bot, "How many Russians left the country in the past year?", "millions of Russians")


def test_how_something_turned_out_is_refused_when_the_articles_only_foresee_it(shared_bot):
    """"Did the Washington summit in July end up inviting Ukraine to join NATO?" was answered
    with "NATO should extend an invitation ... at the Washington Summit" (heldout14 y010); the
    articles were written before it. What Kyiv got at Vilnius, which they report, is answered."""
    assert_refused(shared_bot, "Did the Washington summit in July end up inviting Ukraine to join NATO?", "turned out")
    assert_refused(shared_bot, "So how did Turkey's parliament end up voting on Sweden's membership?", "turned out")
    assert_answered(shared_bot, "What did Kyiv end up getting at the 2023 Vilnius summit?", "did not receive")
    # (its best sentence foresees: "we will not be discussing ...")
    assert_answered(shared_bot, "The Vilnius summit: what was said beforehand about an invitation for Ukraine, and "
                                "what did Kyiv end up getting?", "did not receive")


def test_which_thing_is_answered_first_by_a_sentence_that_names_it(shared_bot):
    """"Which anniversary was NATO going to celebrate with its meeting in the US?" opened with
    "The meeting was focused on ... the NATO Washington Summit ..." from another article,
    which scored as high as "The alliance was set to mark its 75th anniversary ..." (heldout14
    y037)."""
    a = shared_bot.ask("Which anniversary was NATO going to celebrate with its meeting in the US?")
    assert "75th anniversary" in a.sentences[0].text and all("anniversary" in s.text for s in a.sentences), a.text


def test_who_decides_is_answered_by_the_sentence_about_decisions(shared_bot):
    """"Who, according to Stoltenberg, gets to decide how the war should end?" was answered
    with his "if you want this war to end ..." quote from another article: "decide" and
    "decisions" were two words, and "decisions about ending the conflict would be made by
    Kyiv" shared too few with the question (gold g016, heldout9 t039, heldout14 y015)."""
    a = shared_bot.ask("Who, according to Stoltenberg, gets to decide how the war should end?")
    assert "would be made by Kyiv" in a.sentences[0].text, a.text


def test_a_model_answer_citing_only_what_answers_less_well_gives_way(shared_bot):
    """"With which Ukrainian leader did alliance leaders plan to hold the inaugural NATO-Ukraine
    Council session in Vilnius?" was answered by the local model with "Ukraine's Foreign
    Minister Dmytro Kuleba in attendance. [1]", copied from a passage about another council
    meeting: supported by its passage, but no answer (heldout13 x017). The sentence that
    answers names Zelensky."""
    question = ("With which Ukrainian leader did alliance leaders plan to hold the inaugural NATO-Ukraine Council "
                "session in Vilnius?")
    (a,) = ask_with_model(shared_bot, ScriptedModel("Ukraine's Foreign Minister Dmytro Kuleba in attendance. [1]"),
                          question)
    assert a.backend == "extractive" and "less well" in (a.notice or ""), (a.backend, a.notice, a.text)
    assert "Zelensky" in a.text and "Kuleba" not in a.text, a.text


def test_which_countries_is_refused_when_the_best_sentence_names_none(shared_bot):
    """"Which Eastern European countries were pushing for a clearer membership roadmap for
    Ukraine?" was answered with "Eastern European NATO nations have been pushing for a more
    defined roadmap ...": the article never says which (heldout14 y043, heldout7 r036). The
    countries leading the talks on security assurances are named, and answered."""
    assert_refused(shared_bot, "Which Eastern European countries were pushing for a clearer membership roadmap for "
                               "Ukraine?", "by name")
    # (the next sentence, "However, major allies such as the United States and Germany are hesitant ...", names others)
    assert_refused(shared_bot, "Which Eastern European members were pressing hardest for a defined membership roadmap "
                               "for Ukraine?", "by name")
    assert_answered(shared_bot, "Which countries are leading the talks on security assurances for Ukraine?",
                    "France, and Germany")
    # (answered by "However, major allies such as ...")
    assert_answered(shared_bot, "Which major allies were reluctant to go beyond the vague promise that Ukraine would "
                                "one day become a member?", "United States and Germany")


def test_a_question_whose_premise_the_passages_deny_is_refused_with_the_denial(shared_bot):
    """"Why did NATO decide to invite Ukraine to join the alliance at the Vilnius summit?" was
    answered with "Kyiv did not receive the much-desired invitation ..." and "When did Sweden
    officially become a full member of NATO?" with "... it had not yet joined the alliance as a
    full member" (heldout15 z041, z040, heldout14 y016): the reason or date of what did not
    happen. They are refused, and the notice quotes the denial and names its article. What did
    happen is answered."""
    a = shared_bot.ask("Why did NATO choose to invite Ukraine into the alliance at the Vilnius summit?")
    # (quoting "Kyiv did not receive the much-desired invitation ..." or "we will not be discussing an invitation")
    assert a.refused and "takes for granted" in a.notice and "not" in a.notice and "invitation" in a.notice, a.notice
    a = shared_bot.ask("When did Sweden formally become a full NATO member?")
    # (and names the article it quotes)
    assert a.refused and "not yet joined" in a.notice and "(In early 2024, NATO leaders faced" in a.notice, a.notice
    assert_answered(shared_bot, "Why did Kyiv not get an invitation to join NATO at the Vilnius summit?", "Vilnius")
    assert_answered(shared_bot, "When did NATO foreign ministers conclude their meetings in Brussels?", "November 29")


def test_what_was_actually_decided_is_refused_when_the_articles_only_foresee_it(shared_bot):
    """"What did NATO leaders actually decide about Ukraine at the July 2024 Washington
    summit?" was answered with what Blinken said it could focus on (heldout15 z039). A
    question that names several countries still reads as English."""
    assert_refused(shared_bot, "What did the allies ultimately agree on for Ukraine at the Washington summit in July?",
                   "turned out")
    # (heldout3 m041: "What annual amount did NATO allies finally agree to ...?")
    a = shared_bot.ask("Did Hungary's parliament finally approve Sweden's NATO membership?")
    assert a.refused and "turned out" in a.notice and "English" not in a.notice, a.notice


def test_a_persons_post_is_answered_by_the_sentence_that_gives_it(shared_bot):
    """"What government post does Tobias Billstrom hold?" and "What post did Anders Fogh
    Rasmussen previously hold?" were refused: the sentences naming them ("According to Swedish
    Foreign Minister Tobias Billstrom, ...") share only the name with the question (heldout15
    z017, z027). A name the articles never give a post is still refused."""
    assert_answered(shared_bot, "what position does tobias billstrom have?", "Foreign Minister Tobias Billstrom")
    assert_answered(shared_bot, "What was Rasmussen's job before?", "former Secretary General")
    assert_refused(shared_bot, "What position does Putin hold?", "the post of")


def test_a_capital_asked_for_its_governments_figure_is_answered_with_it(shared_bot):
    """"how much aid has washington sent kyiv in total?" was refused as a figure for someone
    else: the sentence gives it for "The U.S." (heldout15 z015)."""
    assert_answered(shared_bot, "How much assistance has Washington provided to Kyiv overall?", "$77 billion")


def test_a_model_answer_to_who_that_names_no_one_gives_way(shared_bot):
    """"According to whom is there 'strong bipartisan support' for Ukraine in the US?" was
    answered by the local model with "According to the sources above only, there is 'strong
    bipartisan support' ... [1]": supported, and no answer (heldout15 z016). The passages' own
    words name Blinken; a model answer that names him stands."""
    question = "According to whom is there “strong bipartisan support” for Ukraine in the US?"
    restating = "According to the sources above only, there is “strong bipartisan support” for Ukraine in the US. [1]"
    (a,) = ask_with_model(shared_bot, ScriptedModel(restating), question)
    assert a.backend == "extractive" and "restated" in (a.notice or "") and "Blinken" in a.text, (a.notice, a.text)
    naming = "U.S. Secretary of State Antony Blinken said there is “strong bipartisan support” for Ukraine. [1]"
    (a,) = ask_with_model(shared_bot, ScriptedModel(naming), question)
    assert a.backend == "scripted" and "Blinken" in a.text, (a.notice, a.text)


def test_a_model_answer_that_puts_the_asked_words_in_its_own_gives_way(shared_bot):
    """"What phrase did Stoltenberg use at the November ministerial to urge allies to keep
    backing Ukraine?" was answered by the local model with "NATO chief Jens Stoltenberg urged
    for persistent support ... [1]": supported, but not the phrase (gold g017). The passages'
    own words quote "We just have to stay the course"."""
    question = "What phrase did Stoltenberg use at the November ministerial to urge allies to keep backing Ukraine?"
    paraphrase = "NATO chief Jens Stoltenberg urged for persistent support for Ukraine in its resistance. [1]"
    (a,) = ask_with_model(shared_bot, ScriptedModel(paraphrase), question)
    assert a.backend == "extractive" and "quotes none" in (a.notice or "") and "stay the course" in a.text, a.text


def test_the_kremlin_and_the_west_are_the_names_of_their_camps(shared_bot):
    """"Why does the head of the alliance think the Kremlin can't just outlast the West's
    backing for Kyiv?" was refused: "No passage that answers well mentions Kremlin, West and
    Kyiv together", beside sentences on Moscow and the allies (heldout16 h010)."""
    assert_answered(shared_bot, "Does the Kremlin show any sign of wanting to negotiate, according to Stoltenberg?",
                    "no obvious signs that Moscow")


def test_a_verdict_between_two_people_is_refused_unless_an_article_gives_one(shared_bot):
    """"Was Stoltenberg a better NATO secretary general than Rasmussen?" was answered with
    what Rasmussen said about an invitation (heldout16 h045). A question whose answer the
    sentences do compare is answered."""
    assert_refused(shared_bot, "Is Stoltenberg a more effective NATO secretary general than Anders Fogh Rasmussen was?",
                   "a verdict")
    assert_answered(shared_bot, "Is Russia worse off than before the invasion?", "setbacks")


def test_a_sentence_opening_with_instead_goes_with_the_one_before(shared_bot):
    """"How did the early predictions that Ukraine would quickly collapse hold up?" got "Those
    fears did not materialize." without what happened instead (heldout16 h014)."""
    assert_answered(shared_bot, "How did the early predictions that Ukraine would soon collapse turn out?",
                    "Instead, Ukrainian forces pushed back")


def test_a_passage_cut_inside_a_run_of_aspects_gets_the_one_asked(shared_bot):
    """"What military losses has Russia suffered according to Stoltenberg?" got "... political,
    military, and economic setbacks" alone: the passage ended at "Politically, ...", before
    "Militarily, Russia has seen a marked reduction in ... aircraft, tanks ..." (heldout16 h022)."""
    assert_answered(shared_bot, "Which military losses did Stoltenberg say Russia has had?", "aircraft, tanks")


def test_a_follow_up_for_next_year_is_not_refused_for_a_year_no_article_is_dated_in(shared_bot):
    """"And what will its work program for next year focus on?" became "... for in 2025 ...",
    refused as "The articles found never mention 2025" (heldout16 h006): "next year" after the
    newest article is no year an article is dated in, and the articles write "the coming year"."""
    a = shared_bot.chat([
        {"role": "user", "content": "Which Ukrainian minister came to the NATO-Ukraine Council meeting?"},
        {"role": "assistant", "content": "Foreign Minister Dmytro Kuleba."},
        {"role": "user", "content": "And what is its work program for next year about?"},
    ])
    assert not a.refused and "energy security" in a.text and "2025" not in (a.standalone_question or ""), a.notice


def test_a_follow_up_with_four_words_of_its_own_takes_only_names_from_the_last_question(shared_bot):
    """"And which country did he say Moscow is mortgaging its future to?" after a question on
    the Brussels foreign ministers' meeting was answered with "The next gathering of foreign
    ministers would be hosted in Brussels ...": the earlier question's words outweighed its own
    (heldout16 h007)."""
    a = shared_bot.chat([
        {"role": "user", "content": "How did Stoltenberg sum up Russia's position at the Brussels meeting of foreign ministers?"},
        {"role": "assistant", "content": "He said Russia is weaker year by year."},
        {"role": "user", "content": "And to which country is Moscow mortgaging its future, in his words?"},
    ])
    assert not a.refused and "Beijing" in a.text.split("[1]")[0], a.text


def test_an_honorific_is_no_name_the_articles_must_mention(shared_bot):
    """"... what did Mr. Stoltenberg recall about those initial fears ...?" was refused: "The
    articles found never mention Mr." (heldout17 i016, i018)."""
    assert_answered(shared_bot, "What did Mr. Stoltenberg say about the pause between Israel and Hamas?", "pause")


def test_a_question_asking_for_an_opinion_is_refused_unless_a_passage_reports_one(shared_bot):
    """"In your opinion, should Ukraine accept a ceasefire ...?" and "Do you think the allies
    will actually manage to hit the 500 million euro a year target next year?" were answered
    with what the articles report (heldout17 i044, i045). A forecast an article reports answers."""
    assert_refused(shared_bot, "In your view, should NATO have invited Ukraine at Vilnius?", "an opinion or a forecast")
    assert_answered(shared_bot, "Do you think Turkey will ratify Sweden's membership soon?", "ratify")


def test_a_premise_that_something_stopped_is_denied_by_a_passage_saying_it_goes_on(shared_bot):
    """"why did blinken announce at the brussels meeting that the us would be winding down its
    aid to ukraine" was answered with "We must and we will continue to support Ukraine"
    (heldout17 i039)."""
    a = shared_bot.ask("Why did Blinken say in Brussels that America would halt its support for Ukraine?")
    assert a.refused and "takes for granted" in (a.notice or "") and "continue to support" in a.notice, a.notice


def test_a_model_answer_giving_a_cause_no_passage_gives_is_not_shown_as_supported(shared_bot):
    """The local model answered "Why does the head of the alliance think the Kremlin can't
    just outlast the West's backing for Kyiv?" with the question's own words, "because", and a
    passage's words: "... because the Kremlin remains a regional actor with ongoing ambitions
    ... [1]" (heldout16 h010). Every word is in the passages; the cause is not. A cause a
    passage does give stands."""
    question = "Why does the head of the alliance think the Kremlin can't just outlast the West's backing for Kyiv?"
    made_up = ("The head of the alliance thinks the Kremlin can't just outlast the West's backing for Kyiv because the "
               "Kremlin remains a regional actor with ongoing ambitions, and the Kremlin continues to pursue objectives "
               "in Ukraine while navigating broader international dynamics. [1]")
    (a,) = ask_with_model(shared_bot, ScriptedModel(made_up), question)
    assert a.backend == "extractive" and "not supported" in (a.notice or ""), (a.backend, a.notice, a.text)
    question = "Why is Stoltenberg confident the United States will keep supporting Ukraine?"
    given = ("Stoltenberg is confident the United States will keep supporting Ukraine because it is in the "
             "security interest of the United States to do so. [1]")
    (a,) = ask_with_model(shared_bot, ScriptedModel(given), question)
    assert a.backend == "scripted" and "security interest" in a.text, (a.notice, a.text)
