"""The Assistant: the whole path from question to cited answer, in `stream`.

    question -> embed -> retrieve passages (dense + BM25) -> (a typo or lower-case name read
      as the passages write it) -> rank their sentences
      -> refuse if the evidence is weak -> compose a draft (LLM or extractive)
      -> quote what the draft left unsaid (a second part, a side compared) -> verify and
      renumber citations -> (a byline asked for) -> Answer

Collaborators (store, embedder, retriever, composers) come from rag.factory.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from rag.citations import Verified, is_refusal, parse_draft, repeats_a_title, verify_citations
from rag.compose import (
    DATED_MARGIN, SAME_ARTICLE_MARGIN, Composer, ExtractiveComposer, RankedSentence, byline_sentence, closed_quotes,
)
from rag.errors import ConfigError, InvalidInput, LLMUnavailable, ModelError, StoreError
from rag.clean import is_sentence
from rag.embedding import english_words
from rag.evidence import (
    ArticleFacts, PassageSentence, answer_type_bonus, article_facts, article_times, asks_for_byline, cause_unsaid, compares,
    corrects_figures, count_of_another, denies, figure_of_another, figure_owned_elsewhere, figures_not_in, initials,
    joined_passages, lacks_answer_type, lacks_member, leaves_unsaid, names_apart, names_not_in, names_someone_else,
    only_foreseen, only_restates, premise_denied, passage_sentences, person_meant, placed_elsewhere, pointed_articles,
    question_parts, reads_as_english, rerank_passages, respelled, says_nothing_of, sentence_windows, sides,
    support_matrix, titled_articles, truecased, undated, unmatched_names, unquoted, window_people, with_antecedents,
    with_following, with_sequel, without_source_pointer, words_unquoted, yes_denied,
)  # fmt: skip
from rag.factory import Pipeline, build_pipeline, wipe_unreadable_store
from rag.followup import absolute_dates, last_user_turn, resolve_references, rewrite_with_history, without_premise
from rag.ingest import IngestOptions, Progress, ingest_files, remove_article
from rag.prompting import gives_orders
from rag.settings import Settings, load_settings
from rag.types import Answer, AnswerSentence, Chunk, Citation, IngestSummary, ScoredChunk
from vectorstore.base import ArticleRecord, Where

ANSWER_SENTENCES, ANSWER_MARGIN = 3, 0.08  # the sentences an extractive answer may draw on (rag.compose)
ARTICLE_PRIOR = 0.06  # tuned on corpus/eval/dev.jsonl (docs/NOTES.md)
POINTED_ARTICLE_BONUS = 0.15  # for the article a question names by date or publisher (docs/NOTES.md)
SIDE_PASSAGES = 2  # passages searched for each side of a question relating two things (_with_sides)
POINTED_PASSAGES = 3  # passages searched in an article the question names by publisher when fusion found none
NAMES_SENTENCES, NAMES_MARGIN = 5, 0.1  # the sentences one of which must name all the question names (names_apart)
PART_SENTENCES = 2  # each part's best sentences that a model reads first (_each_part_first)
ASIDE_GAP = 0.12  # a model answer citing only sentences this far below the best answers aside (_answers_aside)
MANY_NAMES = 5  # ... unless the question names this many apart: then it asks about several things (docs/NOTES.md)
FOLLOWING_CHARS = 400  # the best passage comes with this much of what follows it (_contexts)
SENTENCE_CACHE_SIZE = 50_000  # ~80 MB of MiniLM vectors at most
ARTICLE_CACHE_SIZE = 256  # articles whose facts are kept for the refusal rules and the verifier (_article)
REFUSAL_TEXT = "The articles don't cover this question, so I can't answer it from them."


class Evidence(NamedTuple):
    """What `Assistant.evidence` found for a question."""

    question: str  # as the rules read it: lower-case names given their capitals
    passages: list[ScoredChunk]  # best first
    sentences: list[PassageSentence]  # the passages' sentences, in passage order
    vectors: np.ndarray  # one per sentence
    ranked: list[RankedSentence]  # the sentences, best answer first


class Assistant:
    """Ask cited questions about a folder of news articles.

    >>> from rag import Assistant                                   # doctest: +SKIP
    >>> bot = Assistant(data_dir="/tmp/rc", backend="extractive")   # doctest: +SKIP
    >>> bot.ingest(["corpus"]).line()                               # doctest: +SKIP
    >>> print(bot.ask("How many casualties has Russia suffered?").text)  # doctest: +SKIP
    """

    def __init__(self, data_dir: str | Path | None = None, backend: str | None = None, **settings: Any) -> None:
        self.settings: Settings = load_settings(
            settings.pop("config_file", None), data_dir=data_dir, backend=backend, **settings
        )
        self._sentence_vectors: dict[str, np.ndarray] = {}
        self._articles: dict[tuple[str, str], ArticleFacts] = {}  # see _article

    @cached_property
    def pipeline(self) -> Pipeline:
        """Built on first use, so constructing an Assistant loads no model and opens no store."""
        return build_pipeline(self.settings)

    # -- corpus -------------------------------------------------------------------------

    def ingest(self, paths: Sequence[str | Path] | None = None, *, rebuild: bool = False, progress: Progress | None = None) -> IngestSummary:
        """Add, update and remove articles so the store matches the given files and folders."""
        targets = [Path(p) for p in (paths or [self.settings.corpus_dir])]
        s = self.settings
        options = IngestOptions(s.chunk_tokens, s.chunk_overlap_tokens, int(s.max_file_mb * 1e6))
        if rebuild and "pipeline" not in self.__dict__:
            try:
                self.pipeline
            except StoreError:
                wipe_unreadable_store(self.settings)
        p = self.pipeline
        with p.ingest_lock():
            if rebuild:
                p.store.reset()
            summary = ingest_files(targets, p.store, p.embedder, options, progress=progress)
            p.retriever.snapshot()  # build the keyword index now, not at the first question
        return summary

    def articles(self) -> list[ArticleRecord]:
        return sorted(self.pipeline.store.articles().values(), key=lambda r: r.article.article_id)

    def article_text(self, article_id: str) -> str | None:
        return self.pipeline.store.article_text(article_id)

    def remove(self, article_id: str) -> bool:
        with self.pipeline.ingest_lock():
            return remove_article(self.pipeline.store, article_id)

    def warm_up(self) -> bool:
        """Load the local model and have it read its fixed instructions, so the first
        question is as fast as the next ones (the chat UI calls this in the background once
        its page is open, `ragchat chat` before its first prompt). True when there was a
        model to warm; a model that cannot load is reported by the first question, as before."""
        warm = getattr(self.pipeline.composer, "warm_up", None)
        if warm is None:
            return False
        try:
            return bool(warm())
        except (LLMUnavailable, ModelError, ConfigError):
            return False

    # -- questions ----------------------------------------------------------------------

    def ask(self, question: str, *, top_k: int | None = None, articles: Sequence[str] | None = None,
            since: str | None = None, until: str | None = None) -> Answer:
        """Answer `question` from the articles, citing the passages; see Answer for the fields."""
        answer = None
        for item in self.stream(question, top_k=top_k, articles=articles, since=since, until=until):
            answer = item
        assert isinstance(answer, Answer)  # stream always ends with one
        return answer

    def stream(self, question: str, *, top_k: int | None = None, articles: Sequence[str] | None = None,
               since: str | None = None, until: str | None = None,
               _asked: str | None = None) -> Iterator[str | Answer]:
        """Yield the answer text as it is written, then the verified Answer."""
        t0 = time.perf_counter()
        question = check_question(question, self.settings.max_question_chars)
        where = self._known_articles(make_where(articles, since, until))
        asked = _asked or question
        question, passages, sentences, sentence_vectors, ranked = self.evidence(question, top_k=top_k, where=where)
        p = self.pipeline
        timings = {"retrieve_s": time.perf_counter() - t0}
        contexts = tuple(self._contexts(passages))

        def finish(text: str, verified: Verified | None, backend: str, notice: str | None = None) -> Answer:
            timings["generate_s"] = time.perf_counter() - t0 - timings["retrieve_s"]
            timings["total_s"] = time.perf_counter() - t0
            return Answer(
                question=asked, text=text, refused=verified is None, contexts=contexts,
                citations=verified.citations if verified else (), sentences=verified.sentences if verified else (),
                backend=backend, timings=timings, notice=notice,
                standalone_question=question if _asked and question != _asked else None,
            )  # fmt: skip

        reason = self._nothing_to_search(where) if not passages else None
        if reason is None:
            reason = self.refusal_reason(question, passages, ranked)
            if reason and not where.empty:
                reason += " Only the chosen articles or dates were searched: widen the filter to search them all."
        if reason:
            yield REFUSAL_TEXT
            yield finish(REFUSAL_TEXT, None, p.composer.name, reason)
            return

        notice = None
        composer: Composer = p.composer
        draft = ""
        try:
            for piece in composer.compose(question, passages, ranked if composer.name == "extractive"
                                          else self._each_part_first(question, sentences, ranked)):  # fmt: skip
                draft += piece
                yield piece
        except (LLMUnavailable, ModelError) as e:  # down, too slow, garbage, or no usable model file
            notice = f"{e} Answered extractively instead."
            composer = ExtractiveComposer()
            draft = "".join(composer.compose(question, passages, ranked))
            yield "\n\n" + draft
        if composer.name != "extractive" and is_refusal(draft) and not re.search(r"\[\d", draft):
            if ranked[0].score < self.settings.llm_refusal_override:
                yield finish(REFUSAL_TEXT, None, composer.name, notice)
                return
            # A small model refuses some questions its sources answer plainly: when the
            # evidence is this strong, show the passages' own words rather than nothing.
            notice = "The model found no answer in the passages, yet they match the question closely; showing their own words."
            composer = ExtractiveComposer()
            draft = "".join(composer.compose(question, passages, ranked))
            yield "\n\n" + draft
        verified = self._verify(draft, passages, sentences, sentence_vectors)
        restated = composer.name != "extractive" and only_restates(question, [s.text for s in verified.sentences])
        near = near_best(ranked)
        gainsaid = composer.name != "extractive" and yes_denied(question, draft, near)
        aside = composer.name != "extractive" and self._answers_aside(verified, passages, ranked)
        unquoted = composer.name != "extractive" and words_unquoted(question, draft, near)
        if composer.name != "extractive" and (verified.supported_share < 0.5 or restated or gainsaid or aside
                                              or unquoted):
            notice = ("The model's answer only restated the question" if restated else
                      "The model answered yes where the passages say otherwise" if gainsaid else
                      "The model's answer cites only passages that answer the question less well than others" if aside
                      else "The question asks for the words used, and the model's answer quotes none" if unquoted
                      else "The model's answer was not supported by the articles") + "; showing the passages' own words."
            composer = ExtractiveComposer()
            draft = "".join(composer.compose(question, passages, ranked))
            verified = self._verify(draft, passages, sentences, sentence_vectors)
        if not verified.citations:
            yield finish(REFUSAL_TEXT, None, composer.name, notice)
            return
        unsaid = self._left_unsaid(question, passages, sentences, ranked, verified)
        if unsaid:  # a part or side of the question left unanswered: its best sentence, quoted
            addition = " ".join(f"{closed_quotes(r.sentence.text)} [{r.sentence.passage + 1}]" for r in unsaid)
            yield " " + addition
            verified = self._verify(f"{draft} {addition}", passages, sentences, sentence_vectors)
        verified = self._with_byline(question, verified, passages)
        yield finish(verified.text, verified, composer.name, notice)

    def evidence(self, question: str, *, top_k: int | None = None, where: Where | None = None) -> Evidence:
        """The passages that best answer a checked question, and their sentences ranked.

        Fusion casts a wide net (`rerank_candidates` passages); each is then scored by its
        best sentence against the question and overlapping repeats are dropped, so the
        top_k that remain are compact and the answering one comes early. A word the passages
        spell one typo differently is read their way (`respelled`), and a question typed in
        lower case gets the capitals they give its names (`truecased`): the rules after this
        read names by their capitals.
        """
        p = self.pipeline
        k = top_k or self.settings.top_k
        query_vector = p.embedder.embed([question])[0]
        n = max(k, self.settings.rerank_candidates)
        candidates = p.retriever.retrieve(question, query_vector, top_k=n, where=where or Where())
        spelt = respelled(question, [c.chunk.text for c in candidates], english_words())
        if spelt != question:  # a typo fixed: search again with the word the articles use
            question, query_vector = spelt, p.embedder.embed([spelt])[0]
            candidates = p.retriever.retrieve(question, query_vector, top_k=n, where=where or Where())
        question = truecased(question, [c.chunk.text for c in candidates])  # the embedder reads no case
        focus = asked_part(question)  # sentences are scored against what is asked
        focus_vector = query_vector if focus == question else p.embedder.embed([focus])[0]
        # the article a question names by its publisher is searched even when fusion missed it,
        # and it keeps its bonus while the passages are chosen
        where = where or Where()
        unseen = self._published_by(question, candidates) - {c.chunk.article_id for c in candidates}
        unseen &= set(where.articles) if where.articles is not None else unseen
        if unseen:
            within = replace(where, articles=tuple(sorted(unseen)))
            candidates += p.retriever.retrieve(question, query_vector, top_k=POINTED_PASSAGES, where=within)
        bonus = dict.fromkeys(self._pointed(question, candidates), POINTED_ARTICLE_BONUS)
        ranked = with_bonus(self._rank(focus, focus_vector, passage_sentences(candidates)), candidates, bonus)
        passages = self._with_sides(focus, candidates, rerank_passages(candidates, ranked, k), where)
        # a passage that opens with "These factors ..." gets back the sentences it sums up, and
        # one cut before the sentence that goes on with its last ("This step ...", "However,
        # ...", or what "Economic pressure has intensified." announces) gets that sentence
        passages = [with_sequel(focus, with_antecedents(c, text), text) for c in passages
                    for text in [self._article(c.chunk.article_id, c.chunk.version).text]]
        sentences = passage_sentences(passages)
        ranked = self._rank(focus, focus_vector, sentences)
        vectors = self._embed_texts([s.text for s in sentences])  # cached by _rank: no new work
        ranked = with_article_prior(ranked, passages, ARTICLE_PRIOR)
        pointed = dict.fromkeys(self._pointed(question, passages), POINTED_ARTICLE_BONUS)
        return Evidence(question, passages, sentences, vectors, with_bonus(ranked, passages, pointed))

    def _with_sides(self, asked: str, candidates: list[ScoredChunk], passages: list[ScoredChunk],
                    where: Where) -> list[ScoredChunk]:
        """For a question relating two things (`sides`: "How long between the Brussels meeting
        and the Washington summit?"), the passage that answers each side best, searched for on
        its own, replaces the last of `passages` when they lack it: the passages that answer
        the whole question best mostly hold one side."""
        wanted = sides(asked)
        if not wanted:
            return passages
        p = self.pipeline
        extra: list[ScoredChunk] = []
        for side, vector in zip(wanted, p.embedder.embed(wanted)):
            pool = candidates + p.retriever.retrieve(side, vector, top_k=SIDE_PASSAGES, where=where)
            ranked = self._rank(side, vector, passage_sentences(pool))
            best = pool[ranked[0].sentence.passage] if ranked else None
            ids = {c.chunk.chunk_id for c in passages + extra}
            if best is not None and best.chunk.chunk_id not in ids:
                extra.append(best)
        return passages[: len(passages) - len(extra)] + extra if extra else passages

    def _known_articles(self, where: Where) -> Where:
        """The article filter with file names read as ids ("02_marathon.html" for the article
        02_marathon); an id the index does not hold is an InvalidInput, not an empty answer."""
        if not where.articles:
            return where
        records = self.pipeline.retriever.snapshot().articles
        by_source = {rec.article.source: aid for aid, rec in records.items()}
        ids = []
        for name in where.articles:
            aid = name if name in records else by_source.get(Path(name).name)
            if aid is None:
                raise InvalidInput(f"no article {name!r} in the index (removed?): choose one that is listed "
                                   "(`ragchat articles`, or the Corpus tab)")
            ids.append(aid)
        return replace(where, articles=tuple(ids))

    def _nothing_to_search(self, where: Where) -> str | None:
        """Why no passage could be found whatever was asked: an empty index, or filters that
        leave no article."""
        records = self.pipeline.retriever.snapshot().articles
        if not records:
            return "The index holds no articles yet: add some with `ragchat ingest PATH` or the Corpus tab."
        if (where.since or where.until) and not any(where.admits_article(aid, r.article.date) for aid, r in records.items()):
            span = " ".join(x for x in (where.since and f"from {where.since}", where.until and f"until {where.until}") if x)
            return f"No article {'of those chosen ' if where.articles else ''}is dated {span}: widen the dates or drop them."
        return None

    def _published_by(self, question: str, candidates: list[ScoredChunk]) -> set[str]:
        """The indexed articles whose publisher or author the question names ("per the IRIA
        piece"), found or not among the candidates (whose text must not hold the name), or
        whose title it gives ("according to the report on the Brussels ministers' meeting")."""
        records = self.pipeline.retriever.snapshot().articles
        bylines = {aid: (None, _byline(records, aid)) for aid in records}
        titles = {aid: rec.article.title for aid, rec in records.items()}
        return pointed_articles(question, bylines, " ".join(c.chunk.text for c in candidates)) | titled_articles(
            question, titles)

    def _pointed(self, question: str, passages: list[ScoredChunk]) -> set[str]:
        """The retrieved articles the question names by date, publisher or title ("at the November
        ministerial", "according to the Kyiv Independent", "in the report on the Brussels meeting")."""
        records = self.pipeline.retriever.snapshot().articles
        articles = {p.chunk.article_id: (p.chunk.date, _byline(records, p.chunk.article_id)) for p in passages}
        leads = {p.chunk.article_id: self._article(p.chunk.article_id, p.chunk.version).lead for p in passages}
        titles = {p.chunk.article_id: p.chunk.title for p in passages}
        return pointed_articles(question, articles, " ".join(p.chunk.text for p in passages), leads) | titled_articles(
            question, titles)

    def _contexts(self, passages: list[ScoredChunk]) -> list[ScoredChunk]:
        """The passages as the answer returns them: the best one with the sentences that
        follow it (FOLLOWING_CHARS), and neighbours retrieved together joined into one
        passage. The citations keep their own spans."""
        if not passages:
            return []

        def text(c: Chunk) -> str:
            return self._article(c.article_id, c.version).text

        best = with_following(passages[0], text(passages[0].chunk), FOLLOWING_CHARS)
        return joined_passages([best, *passages[1:]], text)

    def _rank(self, question: str, query_vector: np.ndarray, sentences: list[PassageSentence]) -> list[RankedSentence]:
        return rank_sentences(question, query_vector, sentences, self._embed_texts([s.text for s in sentences]),
                              self._embed_texts(sentence_windows(sentences)), self.pipeline.question_semantic_weight)

    def refusal_reason(self, question: str, passages: list[ScoredChunk], ranked: list[RankedSentence]) -> str | None:
        """Why the evidence cannot answer the question (then no model is asked), or None."""
        reason = self._weak_evidence(question, passages, ranked)
        if reason and not reads_as_english(question):
            return f"{reason} The question does not read as English, the language ragchat's models read: ask it in English."
        return reason

    def _weak_evidence(self, question: str, passages: list[ScoredChunk], ranked: list[RankedSentence]) -> str | None:
        asked = asked_part(question)
        if not ranked or self._closest(asked, passages, ranked) < self.settings.refusal_threshold:
            return "No passage of the articles comes close to answering this."
        records = self.pipeline.retriever.snapshot().articles
        # the whole of each article found: a question of many parts names more than five
        # passages can hold ("... Stoltenberg and Blinken ... Sweden and Turkey?")
        articles = {p.chunk.article_id: p.chunk for p in passages}.values()
        facts = [self._article(c.article_id, c.version) for c in articles]
        said = " ".join(f"{c.title} {c.date or ''} {_byline(records, c.article_id)} {f.text}"
                        for c, f in zip(articles, facts))  # fmt: skip
        missing = unmatched_names(question, said)
        near = near_best(ranked)
        if missing and not corrects_figures(question, missing, near):
            return f"The articles found never mention {', '.join(missing)}."
        for figure in missing:  # a claim's wrong figure, which a sentence corrects: the rules below read the rest
            asked = asked.replace(figure, "")
        people = set().union(*(f.speakers for f in facts))
        wanted = lacks_answer_type(question, near, people)
        counted = count_of_another(asked, [r.sentence.text for r in ranked], near)  # (any sentence found may count it)
        wanted = wanted or (f"a count of {counted}" if counted else None)
        dated = near_best(ranked, DATED_MARGIN, most=None)  # (as the answer's)
        wanted = wanted or ("a date of what it asks about" if undated(asked, dated) else None)
        names = set().union(*(f.proper - f.lower for f in facts))
        answering = near_best(ranked, SAME_ARTICLE_MARGIN, most=None)
        wanted = wanted or ("which ones by name" if lacks_member(asked, answering, names) else None)
        if wanted:
            return f"The question asks for {wanted}, and the passages that answer best give none."
        if only_foreseen(asked, ranked[0].sentence.text):
            return "The question asks how things turned out, and the passages that answer best only say what was expected."
        denial = premise_denied(asked, near)
        if denial:  # the correction, and where it is said
            said_in = next(passages[r.sentence.passage].chunk for r in ranked if r.sentence.text == denial)
            source = ", ".join(x for x in (said_in.title, said_in.date) if x)
            quoted = closed_quotes(denial)
            quoted = quoted if quoted.startswith("“") else f"“{quoted}”"  # (not ““We must ...)
            return f"The question takes for granted what the passage answering best denies: {quoted} ({source})."
        owner = None if compares(asked) else figure_of_another(asked, near, people)  # each side has its own figure
        if owner:
            return f"The passages that answer best give that figure for something other than {owner}."
        quoted = set().union(*(f.quoted for f in facts))
        silent = unquoted(asked, people, quoted)
        if silent:
            return f"The articles found name {silent} but report nothing {silent} said."
        # the names of what is asked meet in one sentence, not those of a premise it opens with
        # nor of the words that say which article to read ("according to the IRIA report on ...")
        apart = [] if compares(asked) else self._names_apart(asked, passages, ranked, records)
        if apart and len(apart) < MANY_NAMES:  # a question naming five things asks of several passages
            named = f"{', '.join(apart[:-1])} and {apart[-1]} together" if len(apart) > 1 else apart[0]
            return f"No passage that answers well mentions {named}."
        return None

    def _closest(self, asked: str, passages: list[ScoredChunk], ranked: list[RankedSentence]) -> float:
        """How close the best sentence comes to what is asked, or to one of its parts when it
        asks two things (", and how ..."): each part has its own sentence, and the whole reads
        far from both."""
        best = ranked[0].score
        parts = question_parts(asked)
        if best >= self.settings.refusal_threshold or len(parts) < 2:
            return best
        return max([best, *(r[0].score for r in self._rank_parts(parts, passage_sentences(passages)) if r)])

    def _rank_parts(self, parts: list[str], sentences: list[PassageSentence]) -> list[list[RankedSentence]]:
        """The sentences ranked against each part of a question (question_parts)."""
        return [self._rank(part, v, sentences) for part, v in zip(parts, self.pipeline.embedder.embed(parts))]

    def _left_unsaid(self, question: str, passages: list[ScoredChunk], sentences: list[PassageSentence],
                     ranked: list[RankedSentence], verified: Verified) -> list[RankedSentence]:
        """The sentences to quote after an answer that leaves something unsaid: the best of a
        second part (_parts_left_unsaid), and each named article's best when the question
        compares them (_sides_left_unsaid). Each once. (The best sentence of all, when a model's
        answer neither cites nor says it, was tried and dropped: docs/NOTES.md.)"""
        out: list[RankedSentence] = []
        for r in self._parts_left_unsaid(question, passages, sentences, verified) + self._sides_left_unsaid(
                question, passages, ranked, verified):
            if all(r.sentence != o.sentence for o in out):
                out.append(r)
        return out

    def _answers_aside(self, verified: Verified, passages: list[ScoredChunk], ranked: list[RankedSentence]) -> bool:
        """Does a model's answer cite only sentences that answer the question far less well
        (ASIDE_GAP) than the best one? Its claims are then supported, but about something
        else: "With which Ukrainian leader ... in Vilnius?" answered "Foreign Minister Dmytro
        Kuleba in attendance [1]", from another council meeting, beside "... with President
        Volodymyr Zelensky in the Lithuanian capital" (heldout13 x017). Of 102 model answers
        in five sets, the seven this far aside missed a key fact six times; the passages' own
        words hold it in four of those six, and in the seventh (docs/NOTES.md)."""
        cited = [r.score for r in ranked if self._cites(verified, passages, r)]
        return bool(cited) and ranked[0].score - max(cited) > ASIDE_GAP

    @staticmethod
    def _cites(verified: Verified, passages: list[ScoredChunk], r: RankedSentence) -> bool:
        """Does the answer cite the span that holds this sentence (in its own words or not)?"""
        article = passages[r.sentence.passage].chunk.article_id
        return any(c.article_id == article and c.quote_start <= r.sentence.start and r.sentence.end <= c.quote_end
                   for c in verified.citations)

    def _parts_left_unsaid(self, question: str, passages: list[ScoredChunk], sentences: list[PassageSentence],
                           verified: Verified) -> list[RankedSentence]:
        """For a question in two parts, the best sentence of the second part when the answer
        leaves it unsaid (leaves_unsaid) and it answers that part as closely as a question
        must be answered at all (refusal_threshold). Answers often hold the first part alone
        ("What did Kyiv get at Vilnius, and what do officials expect from Washington?"): the
        sentences that answer the whole question best are mostly the first part's. A question
        relating two things (`sides`: "Which came first: A or B?") has each side's best."""
        parts = question_parts(asked_part(question))
        later = parts[1:] or sides(asked_part(question))
        if not later:
            return []
        said = [s.text for s in verified.sentences if s.supported]
        unsaid: list[RankedSentence] = []
        for part, part_ranked in zip(later, self._rank_parts(later, sentences)):
            part_ranked = with_article_prior(part_ranked, passages, ARTICLE_PRIOR)
            best = part_ranked[0] if part_ranked else None
            if not best or best.score < self.settings.refusal_threshold:
                continue
            if self._cites(verified, passages, best):
                continue  # the answer cites it, in its own words
            if leaves_unsaid(part, best.sentence.text, said + [r.sentence.text for r in unsaid]):
                unsaid.append(best)
        return unsaid

    def _with_byline(self, question: str, verified: Verified, passages: list[ScoredChunk]) -> Verified:
        """A question asking who wrote or published the article the answer cites first gets
        that article's byline, from its metadata, as the answer's first sentence, citing the
        retrieved passage that holds the byline line when there is one (bylines stay in the
        text; copyright and source lines do not), else the article's first citation."""
        asked = asks_for_byline(question)
        record = self.pipeline.retriever.snapshot().articles.get(verified.citations[0].article_id) if asked else None
        if record is None:
            return verified
        a = record.article
        line = byline_sentence(asked, a.title, a.date, a.publisher, a.author)
        if line is None:
            return verified
        holder = next((p.chunk for p in passages if p.chunk.article_id == a.article_id and a.author
                       and a.author in p.chunk.text), None)  # fmt: skip
        citations = list(verified.citations)
        marker = 1  # the article's first citation, unless a passage holding the byline line is retrieved
        if holder is not None and a.author is not None:
            marker = next((c.marker for c in citations if (c.article_id, c.start) == (holder.article_id, holder.start)),
                          len(citations) + 1)  # fmt: skip
            if marker > len(citations):
                at = holder.text.index(a.author)  # the byline line, quoted
                end = holder.text.find("\n", at)
                q_start, q_end = holder.text.rfind("\n", 0, at) + 1, end if end >= 0 else len(holder.text)
                citations.append(Citation(
                    marker=marker, source=holder.source, article_id=holder.article_id, title=holder.title,
                    date=holder.date, text=holder.text, start=holder.start, end=holder.end, score=1.0,
                    quote=holder.text[q_start:q_end], quote_start=holder.start + q_start,
                    quote_end=holder.start + q_end, publisher=a.publisher,
                ))  # fmt: skip
        # the byline's citation becomes [1], the others follow in their order (of first use)
        order = {marker: 1} | {c.marker: n for n, c in enumerate([c for c in citations if c.marker != marker], 2)}
        text = re.sub(r"\[(\d+)\]", lambda m: f"[{order.get(int(m.group(1)), int(m.group(1)))}]", verified.text)
        sentences = tuple(replace(x, markers=tuple(order[n] for n in x.markers)) for x in verified.sentences)
        return Verified(f"{line} [1] {text}", (AnswerSentence(line, (1,), True), *sentences),
                        tuple(sorted((replace(c, marker=order[c.marker]) for c in citations), key=lambda c: c.marker)))

    def _sides_left_unsaid(self, question: str, passages: list[ScoredChunk], ranked: list[RankedSentence],
                           verified: Verified) -> list[RankedSentence]:
        """For a question that compares what articles it names say ("How do the NATO-briefings
        piece and the IRIA report each ..."), the best sentence of each named article the
        answer does not cite, when it answers as closely as a question must be answered."""
        if not compares(asked_part(question)):
            return []
        cited = {c.article_id for c in verified.citations}
        unsaid = []
        for aid in sorted(self._pointed(question, passages) - cited):
            best = next((r for r in ranked if passages[r.sentence.passage].chunk.article_id == aid), None)
            if best and best.score >= self.settings.refusal_threshold:
                unsaid.append(best)
        return unsaid

    def _each_part_first(self, question: str, sentences: list[PassageSentence],
                         ranked: list[RankedSentence]) -> list[RankedSentence]:
        """The ranking a model reads (it sees only the first llm_focus_sentences): for a
        question in two parts, the best sentence, then each part's PART_SENTENCES best, then
        the rest. Ranked against the whole question, the sentences of one part often fill the
        six places (heldout3 m020, m022: the model answered the first part alone)."""
        asked = asked_part(question)
        parts = question_parts(asked)
        parts = parts if len(parts) > 1 else sides(asked)
        if not parts or not ranked:
            return ranked
        by_key = {(r.sentence.passage, r.sentence.start): r for r in ranked}
        first = [ranked[0]]
        for part_ranked in self._rank_parts(parts, sentences):
            for r in part_ranked[:PART_SENTENCES]:
                mine = by_key.get((r.sentence.passage, r.sentence.start))
                if mine is not None and mine not in first:
                    first.append(mine)
        return first + [r for r in ranked if r not in first]

    def _names_apart(self, asked: str, passages: list[ScoredChunk], ranked: list[RankedSentence],
                     records: dict[str, ArticleRecord]) -> list[str]:
        """names_apart over the windows of the sentences that answer best; for a question in
        two parts (", and what did Stoltenberg say ..."), over each part's own best sentences:
        each part's names meet in one sentence, the two parts' need not."""
        parts = question_parts(asked)
        if len(parts) < 2:
            windows = self._near_windows(passages, ranked, records)
            return names_apart(asked, [w for w, _ in windows], [lead for _, lead in windows])
        for part, part_ranked in zip(parts, self._rank_parts(parts, passage_sentences(passages))):
            windows = self._near_windows(passages, part_ranked, records)
            apart = names_apart(part, [w for w, _ in windows], [lead for _, lead in windows])
            if apart:
                return apart
        return []

    def _near_windows(self, passages: list[ScoredChunk], ranked: list[RankedSentence],
                      records: dict[str, ArticleRecord]) -> list[tuple[str, str]]:
        """The best sentences (NAMES_SENTENCES within NAMES_MARGIN of the best), each in its
        window with its article's title, date and byline, the person a he/she in it means and
        the roles the article gives the people it names; and beside each, its article's lead
        and protagonist (ArticleFacts)."""
        sentences = passage_sentences(passages)
        window_of = dict(zip(((s.passage, s.start) for s in sentences), self._windows(passages, sentences)))
        out = []
        for r in ranked[:NAMES_SENTENCES]:
            if r.score < ranked[0].score - NAMES_MARGIN:
                break
            c = passages[r.sentence.passage].chunk
            window, meant = window_of[(r.sentence.passage, r.sentence.start)]
            facts = self._article(c.article_id, c.version)
            # "Okafor said ..." is the mayor's word when the article introduced "Mayor Daniel Okafor"
            roles = [role for person, held in facts.roles.items()
                     if person == meant or person in window for role in sorted(held)]  # fmt: skip
            said = f"{c.title} {c.date or ''} {_byline(records, c.article_id)} {meant or ''} {' '.join(roles)} {window}"
            out.append((said, f"{facts.lead} {facts.protagonist or ''}"))
        return out

    def _windows(self, passages: list[ScoredChunk], sentences: list[PassageSentence]) -> list[tuple[str, str | None]]:
        """Each sentence's window (rag.evidence.sentence_windows) and the person a he/she in
        it means: "Meanwhile, he said ..." names Stoltenberg two sentences up, often in the
        chunk before."""
        out = []
        for j, (s, window) in enumerate(zip(sentences, sentence_windows(sentences))):
            first = sentences[j - 1] if j and sentences[j - 1].passage == s.passage else s
            c = passages[s.passage].chunk
            article = self._article(c.article_id, c.version).text
            out.append((window, person_meant(window, article[:first.start])))
        return out

    def _article(self, article_id: str, version: str) -> ArticleFacts:
        """An article's cleaned text and what the rules read from it (rag.evidence.ArticleFacts),
        read from the store and derived once per article version."""
        key = (article_id, version)
        found = self._articles.get(key)
        if found is None:
            if len(self._articles) >= ARTICLE_CACHE_SIZE:
                self._articles.clear()
            found = self._articles[key] = article_facts(self.article_text(article_id) or "")
        return found

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        """Vectors of passage sentences and their windows, cached across questions (the same
        passages come back often). Safe under concurrent questions: lookups never assume an
        entry is still there."""
        if not texts:
            return self.pipeline.embedder.embed([])
        cache = self._sentence_vectors
        unique = list(dict.fromkeys(texts))
        vectors = {t: v for t in unique if (v := cache.get(t)) is not None}
        todo = [t for t in unique if t not in vectors]
        if todo:
            fresh = dict(zip(todo, self.pipeline.embedder.embed(todo)))
            vectors.update(fresh)
            if len(cache) + len(fresh) > SENTENCE_CACHE_SIZE:
                cache.clear()
            cache.update(fresh)
        return np.array([vectors[t] for t in texts])

    def chat(self, messages: Sequence[dict[str, str]], **options: Any) -> Answer:
        """Answer the last user turn of an OpenAI-style conversation, using the earlier turns."""
        question, earlier, last_answer = last_user_turn(messages)
        standalone = self.standalone_question(question, earlier, last_answer)
        answer = None
        for item in self.stream(standalone, _asked=question, **options):
            answer = item
        assert isinstance(answer, Answer)
        return answer

    def standalone_question(self, question: str, earlier: list[str], last_answer: str | None = None) -> str:
        """The follow-up as a question of its own: "that summit" named from the conversation
        (rag.followup), then the model's rewrite when it still points back, else the rule."""
        resolved = resolve_references(question, [last_answer, *reversed(earlier)])
        rewritten = self.pipeline.rewriter(resolved, earlier, last_answer) if self.pipeline.rewriter else None
        if not rewritten:
            rewritten = rewrite_with_history(resolved, earlier, last_answer)
        years = self._article_years()
        return absolute_dates(rewritten, max(years) if years else None, years)

    # -- helpers ------------------------------------------------------------------------

    def _verify(self, draft: str, passages: list[ScoredChunk], sentences: list[PassageSentence], vectors: np.ndarray) -> Verified:
        claims = parse_draft(draft)
        if any(c.markers for c in claims):  # "... [1]. The sources do not say more." : the aside is no claim
            claims = [c for c in claims if c.markers or not is_refusal(c.text)]
        # a heading copied as an answer ("Title (2024-04-03). [1]"); a title that is also the
        # article's first sentence (an untitled article) is a claim like any other
        headings = {p.chunk.title for p in passages} - {s.text.rstrip(".") for s in sentences}
        claims = [c for c in claims if not repeats_a_title(c.text, headings)]
        texts = [c.text for c in claims]
        chunks = [passages[s.passage].chunk for s in sentences]
        before = [self._article(c.article_id, c.version).text[: s.start] for c, s in zip(chunks, sentences)]
        support = support_matrix(texts, self.pipeline.embedder.embed(texts), sentences, vectors,
                                 meant=[person_meant(s.text, b) for s, b in zip(sentences, before)])
        self._drop_near_copies(texts, passages, sentences, support)
        records = self.pipeline.retriever.snapshot().articles
        return verify_citations(
            claims, passages, sentences, support, threshold=self.pipeline.support_threshold,
            publisher_of=lambda aid: records[aid].article.publisher if aid in records else None,
        )  # fmt: skip

    def _drop_near_copies(self, claims: list[str], passages: list[ScoredChunk], sentences: list[PassageSentence],
                          support: np.ndarray) -> None:
        """Zero support[i, j] where sentence j reads close to claim i but does not say it
        (rag.evidence): names in common only, the opposite (and then no other sentence may
        stand in), the words of another speaker, other numbers or months, other names, a place
        or date the passage ties to other words, a figure the passage gives to someone else, a
        cause the passage does not give."""
        chunks = [passages[s.passage].chunk for s in sentences]
        facts = [self._article(c.article_id, c.version) for c in chunks]  # each sentence's article
        times = [article_times(f.years, c.date) for f, c in zip(facts, chunks)]
        people = set().union(*(f.speakers for f in facts))
        meant = window_people(sentences, [f.text[: s.start] for f, s in zip(facts, sentences)], people)
        # the lead names who and what the whole article is about ("He left Bullfrog in 1997" is
        # Peter Molyneux's, named in the first sentence); its names and figures count everywhere
        context = [f"{c.title} {f.lead} {' '.join(m)} {' '.join(t)}" for c, f, m, t in zip(chunks, facts, meant, times)]
        said_not = denies(claims, sentences, both=False) & (support >= self.pipeline.support_threshold)
        # a passage close to the claim says it is not so; unless an article says it word for word
        # ("NATO should extend an invitation ..." beside "Kyiv did not receive the invitation")
        verbatim = [any(" ".join(c.split()) in " ".join(s.text.split()) for s in sentences) for c in claims]
        support[said_not.any(axis=1) & ~np.array(verbatim, dtype=bool)] = 0.0
        support[says_nothing_of(claims, sentences) | denies(claims, sentences) | cause_unsaid(claims, sentences)] = 0.0
        support[names_someone_else(claims, meant, people)] = 0.0
        support[figures_not_in(claims, sentences, [t | f.lead_figures for t, f in zip(times, facts)])] = 0.0
        proper = set().union(*(f.proper for f in facts))
        common = frozenset().union(*(f.lower for f in facts))  # words the articles also write in lower case
        support[names_not_in(claims, sentences, context, proper, common)] = 0.0
        names = {n for n in proper if n not in common}
        support[placed_elsewhere(claims, sentences, names, [f.lead for f in facts], embed=self.pipeline.embedder.embed)] = 0.0
        support[figure_owned_elsewhere(claims, sentences, names, meant)] = 0.0

    def _article_years(self) -> frozenset[int]:
        """The years the indexed articles are dated in."""
        return frozenset(int(r.article.date[:4]) for r in self.pipeline.retriever.snapshot().articles.values()
                         if r.article.date)


def near_best(ranked: list[RankedSentence], margin: float = ANSWER_MARGIN,
              most: int | None = ANSWER_SENTENCES) -> list[str]:
    """The best `most` sentences (all with None) within `margin` of the best; by default
    those an extractive answer may draw on."""
    return [r.sentence.text for r in ranked[:most] if r.score >= ranked[0].score - margin]


def asked_part(question: str) -> str:
    """What a question asks, without the words that say which article to read ("according to
    the early-2024 account") and without a premise it opens with ("X wasn't on the agenda, so
    what ..."): sentences are scored against it, and refusal rule 5 wants its names in one
    sentence. Retrieval and rule 2 read the whole question."""
    return without_premise(without_source_pointer(question))


def with_article_prior(ranked: list[RankedSentence], passages: list[ScoredChunk], weight: float) -> list[RankedSentence]:
    """Sentences re-scored with a bonus for the article most of the evidence comes from.

    Several articles tell the same story in near-identical words; a sentence from the
    article whose passages answer best overall is the likelier source of the answer."""
    if not ranked or weight <= 0:
        return ranked
    mass: dict[str, float] = {}
    for sc in passages:
        mass[sc.chunk.article_id] = mass.get(sc.chunk.article_id, 0.0) + max(sc.score, 0.0)
    top = max(mass.values()) or 1.0
    return with_bonus(ranked, passages, {aid: weight * m / top for aid, m in mass.items()})


def with_bonus(ranked: list[RankedSentence], passages: list[ScoredChunk], bonus: dict[str, float]) -> list[RankedSentence]:
    """Sentences re-scored with `bonus[article id]` added to those of that article, best first."""
    if not bonus:
        return ranked
    rescored = [RankedSentence(r.sentence, r.score + bonus.get(passages[r.sentence.passage].chunk.article_id, 0.0))
                for r in ranked]  # fmt: skip
    return sorted(rescored, key=lambda r: (-r.score, r.sentence.passage, r.sentence.start))


def _byline(records: dict[str, ArticleRecord], article_id: str) -> str:
    """Who published and wrote an article, with the acronyms their names make ("AFP")."""
    record = records.get(article_id)
    if not record:
        return ""
    byline = f"{record.article.publisher or ''} {record.article.author or ''}"
    return f"{byline} {' '.join(sorted(initials(byline)))}"


def rank_sentences(question: str, query_vector: np.ndarray, sentences: list[PassageSentence],
                   vectors: np.ndarray, window_vectors: np.ndarray | None, semantic_weight: float) -> list[RankedSentence]:
    """Passage sentences, best answer to the question first."""
    if not sentences:
        return []
    # words weighted by rarity among the candidates: gold hit@1 0.67 -> 0.76 (docs/NOTES.md);
    # sentences also read in their window: 0.76 -> 0.82
    scores = support_matrix([question], query_vector[None, :], sentences, vectors, semantic_weight=semantic_weight,
                            weighted=True, window_vectors=window_vectors)[0]
    ranked = [
        RankedSentence(s, float(x) + answer_type_bonus(question, s.text))
        for s, x in zip(sentences, scores)
        if is_sentence(s.text) and not gives_orders(s.text)  # a heading is context, an order to an AI no answer
    ]
    return sorted(ranked, key=lambda r: (-r.score, r.sentence.passage, r.sentence.start))


def check_question(question: str, max_chars: int) -> str:
    """A usable question, or InvalidInput saying what to change."""
    if not isinstance(question, str) or not question.strip():
        raise InvalidInput("the question is empty: type a question about the articles")
    question = " ".join(question.split())
    if len(question) > max_chars:
        raise InvalidInput(f"the question is {len(question):,} characters long; the limit is {max_chars:,}: shorten it")
    if not re.search(r"\w", question):
        raise InvalidInput("the question has no words in it: ask in words, e.g. 'What did NATO decide?'")
    letters = [ch for ch in question if ch.isalpha()]
    if letters and sum(ch.isascii() for ch in letters) / len(letters) < 0.5:
        raise InvalidInput("ragchat answers questions in English (the articles and models are English): please ask in English")
    return question


def make_where(articles: Sequence[str] | None, since: str | None, until: str | None) -> Where:
    for name, value in (("since", since), ("until", until)):
        if value is not None:
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                raise InvalidInput(f"{name} must be a date like 2024-04-03, not {value!r}") from None
    if since and until and since > until:
        raise InvalidInput(f"since ({since}) is after until ({until}): swap them")
    if isinstance(articles, str):
        articles = [articles]
    return Where(articles=tuple(articles) if articles is not None else None, since=since, until=until)
