"""Files -> cleaned articles -> chunks -> vectors -> store, incrementally and crash-safely.

Per changed article: write its new chunks, then commit its manifest record (the only step
that makes it visible), then delete the chunks of its old version. Unchanged articles
(same content hash as committed) cost nothing. Articles whose file disappeared from a
scanned folder are removed. Chunks left behind by a killed run are deleted at the start.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rag.chunking import chunk_article
from rag.clean import SUPPORTED_SUFFIXES, load_article
from rag.embedding import Embedder
from rag.errors import InvalidInput
from rag.types import Article, Chunk, IngestSummary, Skipped, parse_chunk_id
from vectorstore.base import ArticleRecord, Store

Progress = Callable[[int, int, str], None]  # (done, total, current file name)
EMBED_GROUP = 256  # chunks embedded per model call; a group's articles commit together once stored


@dataclass(frozen=True)
class IngestOptions:
    chunk_tokens: int
    chunk_overlap_tokens: int
    max_bytes: int


@dataclass(frozen=True)
class FoundFiles:
    """What the given paths hold, in a stable order."""

    files: list[Path]  # article files to read
    folders: list[Path]  # folders scanned (an article whose file is gone from one is removed)
    skipped: list[Skipped]  # paths that could not be used, and why
    ignored: list[Path]  # files of other types inside the folders (not an error: said in the summary)


def find_article_files(paths: Iterable[Path]) -> FoundFiles:
    files: list[Path] = []
    folders: list[Path] = []
    skipped: list[Skipped] = []
    ignored: list[Path] = []
    for path in paths:
        if not path.exists():
            skipped.append(Skipped(str(path), "no such file or folder"))
        elif path.is_dir():
            if not os.access(path, os.R_OK | os.X_OK):
                skipped.append(Skipped(str(path), "folder cannot be read (permission denied)"))
                continue
            folders.append(path.resolve())
            found, other = _files_under(path, skipped)
            files.extend(found)
            ignored.extend(other)
        else:
            files.append(path)
    return FoundFiles(files, folders, skipped, ignored)


def _files_under(folder: Path, skipped: list[Skipped]) -> tuple[list[Path], list[Path]]:
    """The article files under `folder` and the files of other types (not hidden, not
    metadata sidecars), sorted; a subfolder that cannot be read is reported in `skipped`
    and the rest is still found."""

    def unreadable(e: OSError) -> None:
        skipped.append(Skipped(str(e.filename or folder), f"folder cannot be read ({e.strerror or e})"))

    found, other = [], []
    for top, _dirs, names in os.walk(folder, onerror=unreadable):
        for name in names:
            f = Path(top) / name
            try:
                if not f.is_file() or _hidden(f, folder):
                    continue
            except OSError:  # a broken or unreadable entry
                continue
            if f.suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(f)
            elif not name.endswith(".meta.json"):
                other.append(f)
    return sorted(found), sorted(other)


def _elsewhere(committed_path: str, path: Path) -> bool:
    """Is the committed article another file, still there? (Then a file of the same name
    would replace it unseen; a file moved to a new folder may take over its id.)"""
    return bool(committed_path) and committed_path != str(path.resolve()) and Path(committed_path).is_file()


def _hidden(f: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in f.relative_to(root).parts)


def ingest_files(
    paths: list[Path],
    store: Store,
    embedder: Embedder,
    options: IngestOptions,
    *,
    progress: Progress | None = None,
) -> IngestSummary:
    started = time.perf_counter()
    scan = find_article_files(paths)
    files, folders, skipped = scan.files, scan.folders, scan.skipped
    manifest = store.articles()
    removed_orphans = _delete_orphans(store, manifest)

    # 1. read and clean; decide what is new, changed, unchanged or a duplicate
    todo: list[tuple[Article, Path, str]] = []
    seen_ids: dict[str, Path] = {}
    seen_text: dict[str, str] = {rec.text_hash: aid for aid, rec in manifest.items() if rec.text_hash}
    unchanged = 0
    for n, path in enumerate(files):
        if progress:
            progress(n, len(files), path.name)
        try:
            article = load_article(path, max_bytes=options.max_bytes)
        except InvalidInput as e:  # its message starts with the file's name, which Skipped holds
            skipped.append(Skipped(str(path), str(e).removeprefix(f"{path}: ").removeprefix(f"{path.name}: ")))
            continue
        if article.article_id in seen_ids:
            skipped.append(Skipped(str(path), f"same article id as {seen_ids[article.article_id].name}; rename one"))
            continue
        seen_ids[article.article_id] = path
        text_hash = hashlib.sha256(article.text.encode()).hexdigest()
        twin = seen_text.get(text_hash)
        if twin is not None and twin != article.article_id:
            skipped.append(Skipped(str(path), f"same text as article {twin}; stored once"))
            continue
        seen_text[text_hash] = article.article_id
        committed = manifest.get(article.article_id)
        if committed is not None and committed.version == article.content_hash[:16]:
            unchanged += 1
            continue
        if committed is not None and _elsewhere(committed.path, path):
            skipped.append(Skipped(str(path), f"the index already holds article {article.article_id} from {committed.path}; "
                                              "rename one (an article's id is its file name)"))  # fmt: skip
            continue
        todo.append((article, path, text_hash))

    # 2. chunk, embed in groups, store and commit group by group
    added = updated = chunk_count = 0
    group: list[tuple[Article, Path, str, list[Chunk]]] = []

    def flush() -> None:
        nonlocal added, updated, chunk_count
        if not group:
            return
        chunks = [c for *_, cs in group for c in cs]
        # one write for the group's chunks, then one for its manifest records: a crash in
        # between leaves orphan chunks (deleted by the next ingest), never a half article
        store.add_chunks(chunks, embedder.embed([embedding_text(c) for c in chunks]))
        store.commit_articles([ArticleRecord(article, len(cs), str(path.resolve()), text_hash)
                               for article, path, text_hash, cs in group])  # fmt: skip
        replaced = [manifest[a.article_id] for a, *_ in group if a.article_id in manifest]
        store.delete_chunks([i for old in replaced for i in _ids_of(old)])
        updated += len(replaced)
        added += len(group) - len(replaced)
        chunk_count += len(chunks)
        group.clear()
        store.bump_generation()  # readers pick up the committed articles now, not at the very end

    for article, path, text_hash in todo:
        cs = chunk_article(article, max_tokens=options.chunk_tokens, overlap_tokens=options.chunk_overlap_tokens)
        group.append((article, path, text_hash, cs))
        if sum(len(g[3]) for g in group) >= EMBED_GROUP:
            flush()
    flush()

    # 3. articles whose file is gone from a scanned folder
    removed = 0
    found = {str(p.resolve()) for p in files}
    for aid, rec in manifest.items():
        if rec.path and rec.path not in found and any(_inside(rec.path, d) for d in folders):
            store.remove_article(aid)
            store.delete_chunks(_ids_of(rec))
            removed += 1

    if removed or removed_orphans:
        store.bump_generation()
    if progress:
        progress(len(files), len(files), "")
    return IngestSummary(
        added=added,
        updated=updated,
        unchanged=unchanged,
        removed=removed,
        chunks=chunk_count,
        seconds=time.perf_counter() - started,
        skipped=tuple(skipped),
        ignored=tuple(str(p) for p in scan.ignored),
    )


def embedding_text(chunk: Chunk) -> str:
    """What the embedding model reads: the passage alone (titles here rarely tell passages
    of one article apart, and every token counts against the model's 256 word pieces)."""
    return chunk.text


def remove_article(store: Store, article_id: str) -> bool:
    """Remove one article (manifest first, so it vanishes atomically, then its chunks)."""
    rec = store.articles().get(article_id)
    if rec is None:
        return False
    store.remove_article(article_id)
    store.delete_chunks(_ids_of(rec))
    store.bump_generation()
    return True


def _ids_of(rec: ArticleRecord) -> list[str]:
    from rag.types import make_chunk_id

    return [make_chunk_id(rec.article.article_id, rec.article.content_hash, i) for i in range(rec.chunks)]


def _delete_orphans(store: Store, manifest: dict[str, ArticleRecord]) -> int:
    """Chunks of no committed version: left by a killed ingest (or an old version's leftovers)."""
    versions = {aid: rec.version for aid, rec in manifest.items()}
    orphans = [cid for cid in store.chunk_ids() if versions.get(parse_chunk_id(cid)[0]) != parse_chunk_id(cid)[1]]
    if orphans:
        store.delete_chunks(orphans)
    return len(orphans)


def _inside(path: str, folder: Path) -> bool:
    try:
        Path(path).relative_to(folder)
        return True
    except ValueError:
        return False
