"""The benchmark's inputs, all derived deterministically from corpus/*.txt:

- `replicate_articles`: N distinct article files for the ingest comparison (each copy of
  an article gets one unique closing sentence, so content hashes differ and ragchat's
  same-text deduplication does not skip it);
- `synthetic_passages`: N passages for the retrieval scale test, recombined from the
  corpus sentences (the first N of a larger run are exactly the passages of a smaller one);
- `questions`: the real evaluation questions.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT

CORPUS = ROOT / "corpus"
SEED = 7
CHUNKS_PER_ARTICLE = 20  # synthetic passages are grouped into articles of this many chunks

FILLER = (
    "Archive note {n}: this copy was filed under reference {ref} for the ingest benchmark, "
    "and it was checked against the original report before publication."
)


def source_articles() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


def replicate_articles(folder: Path, n: int) -> list[Path]:
    """Write `n` distinct articles into `folder`: copy i is article i % 5 with one unique
    sentence (FILLER) added to its first paragraph; names `<j>_<i>.txt`."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = source_articles()
    out = []
    for i in range(n):
        src = sources[i % len(sources)]
        ref = hashlib.sha256(f"{SEED}:{i}".encode()).hexdigest()[:10]
        text = add_sentence(src.read_text(encoding="utf-8"), FILLER.format(n=i, ref=ref))
        path = folder / f"{src.stem[:3]}_{i:05d}.txt"
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


def add_sentence(text: str, sentence: str) -> str:
    """`sentence` appended to the first body paragraph (a line of 150+ characters ending a
    sentence). Not at the end of the file: ragchat's cleaner rightly drops what follows a
    footer line ("Related", "Comments", ...), which some corpus articles have."""
    lines = text.split("\n")
    i = next((n for n, line in enumerate(lines) if len(line) > 150 and line.rstrip().endswith((".", '"', "”"))), 0)
    lines[i] = f"{lines[i].rstrip()} {sentence}"
    return "\n".join(lines)


def change_article(path: Path, tag: str) -> None:
    """The 'one article changed' case: one new sentence in one file."""
    text = path.read_text(encoding="utf-8")
    path.write_text(add_sentence(text, f"Correction {tag}: an earlier version misstated a date."), encoding="utf-8")


@dataclass(frozen=True)
class SourceArticle:
    title: str
    date: str | None
    sentences: tuple[str, ...]


def corpus_sentences() -> list[SourceArticle]:
    """The corpus articles cleaned by ragchat itself, as lists of real sentences."""
    from rag.chunking import split_sentences
    from rag.clean import load_article

    out = []
    for path in source_articles():
        a = load_article(path, max_bytes=5_000_000)
        sents = tuple(a.text[s:e] for s, e in split_sentences(a.text) if len(a.text[s:e].split()) >= 6)
        out.append(SourceArticle(a.title, a.date, sents))
    return out


@dataclass(frozen=True)
class Passage:
    text: str
    base: int  # for a derived passage, the real passage whose vector it perturbs; else itself


def synthetic_passages(n: int, *, real: int, seed: int = SEED) -> list[Passage]:
    """`n` passages. The first `real` are fresh recombinations: 2-4 sentences drawn from one
    corpus article in their original order, plus (30% of the time) one sentence from
    another article. Passage i >= `real` is derived from passage i % real: its sentences
    shuffled and one replaced, so it is new text near an embedded passage (its vector is a
    perturbed copy, see bench.worker)."""
    arts = corpus_sentences()
    rng = random.Random(seed)
    picked: list[list[str]] = []
    out: list[Passage] = []
    for i in range(n):
        if i < real:
            a = rng.randrange(len(arts))
            sents = arts[a].sentences
            k = rng.randint(2, min(4, len(sents)))
            idx = sorted(rng.sample(range(len(sents)), k))
            chosen = [sents[j] for j in idx]
            if rng.random() < 0.3:
                other = arts[(a + rng.randrange(1, len(arts))) % len(arts)].sentences
                chosen.insert(rng.randrange(len(chosen) + 1), rng.choice(other))
            picked.append(chosen)
            out.append(Passage(" ".join(chosen), i))
        else:
            base = i % real
            chosen = list(picked[base])
            rng.shuffle(chosen)
            donor = arts[rng.randrange(len(arts))].sentences
            chosen[rng.randrange(len(chosen))] = rng.choice(donor)
            out.append(Passage(" ".join(chosen), base))
    return out


def synthetic_titles() -> list[tuple[str, str | None]]:
    """(title, date) of the corpus articles, cycled over the synthetic articles."""
    return [(a.title, a.date) for a in corpus_sentences()]


def questions(limit: int) -> list[dict[str, str]]:
    """Up to `limit` questions of corpus/eval/gold.jsonl (id, question)."""
    path = CORPUS / "eval" / "gold.jsonl"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append({"id": row["id"], "question": row["question"]})
    return out[:limit]
