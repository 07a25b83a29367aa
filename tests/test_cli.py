"""The command line as a user meets it: real subprocesses, exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def ragchat(*args: str, env: dict[str, str] | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, corpus_dir):
    d = tmp_path_factory.mktemp("cli-data")
    out = ragchat("--data-dir", str(d), "ingest", str(corpus_dir))
    assert out.returncode == 0, out.stderr
    assert "added 5 / updated 0 / unchanged 0 / removed 0 articles" in out.stdout
    return d


def _no_traceback(out: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout


def test_help_is_quick_to_reach_and_lists_commands():
    out = ragchat("--help")
    assert out.returncode == 0
    for cmd in ("ingest", "ask", "chat", "serve", "eval"):
        assert cmd in out.stdout


def test_ask_json_follows_the_contract(data_dir):
    out = ragchat("--data-dir", str(data_dir), "ask", "How much has the U.S. provided in assistance to Ukraine?",
                  "--json", "--backend", "extractive", "--top-k", "4")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert "$77 billion" in d["answer"] and not d["refused"] and len(d["contexts"]) == 4
    assert d["citations"][0]["source"] == "002_fc072bcf967fd6d4.txt"


def test_ask_prints_answer_and_numbered_sources(data_dir):
    out = ragchat("--data-dir", str(data_dir), "ask", "When is the Washington summit scheduled?", "--backend", "extractive")
    assert out.returncode == 0, out.stderr
    assert "July 9-11" in out.stdout and "Sources:" in out.stdout and "[1] " in out.stdout


def test_reingest_reports_unchanged(data_dir, corpus_dir):
    out = ragchat("--data-dir", str(data_dir), "ingest", str(corpus_dir))
    assert out.returncode == 0 and "unchanged 5" in out.stdout and "0 chunks embedded" in out.stdout


@pytest.mark.parametrize("question, expect", [("", "empty"), ("   ", "empty"), ("?!?!...", "no words"), ("q" * 100_000, "limit")])
def test_bad_questions_exit_non_zero_with_a_message(data_dir, question, expect):
    out = ragchat("--data-dir", str(data_dir), "ask", question, "--backend", "extractive")
    assert out.returncode == 2 and expect in out.stderr
    _no_traceback(out)


def test_bad_paths_and_files_are_reported_and_the_index_is_unchanged(data_dir, tmp_path):
    before = ragchat("--data-dir", str(data_dir), "articles").stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "huge.txt").write_bytes(b"NATO met. " * 5_200_000)  # 52 MB
    (bad / "latin1.txt").write_bytes("Caf\xe9 NATO r\xe9union.".encode("latin-1"))
    (bad / "renamed.txt").write_bytes(bytes(range(256)) * 40)
    out = ragchat("--data-dir", str(data_dir), "ingest", str(bad), str(tmp_path / "nope"))
    assert out.returncode == 1
    for expect in ("over the 5.0 MB limit", "not UTF-8", "binary", "no such file"):
        assert expect in out.stderr, expect
    _no_traceback(out)
    assert ragchat("--data-dir", str(data_dir), "articles").stdout == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(data_dir, tmp_path):
    f = tmp_path / "secret.txt"
    f.write_text("NATO met in Brussels.")
    f.chmod(0)
    out = ragchat("--data-dir", str(data_dir), "ingest", str(f))
    assert out.returncode == 1 and "permission denied" in out.stderr


@pytest.mark.parametrize("env, expect", [({"RAGCHAT_TOP_K": "many"}, "top_k must be a number"),
                                         ({"RAGCHAT_BACKEND": "gpt9"}, "backend must be one of"),
                                         ({"RAGCHAT_TOP_K": "0"}, "top_k must be a positive")])
def test_invalid_settings_are_named(data_dir, env, expect):
    out = ragchat("--data-dir", str(data_dir), "ask", "What did NATO decide?", env=env)
    assert out.returncode == 2 and expect in out.stderr
    _no_traceback(out)


def test_malformed_eval_file_names_the_line(data_dir, tmp_path):
    q = tmp_path / "q.jsonl"
    q.write_text('{"id": "a", "question": "What did NATO decide?"}\n{"id": "b", "question": \n')
    out = ragchat("--data-dir", str(data_dir), "eval", "--questions", str(q), "--out", str(tmp_path / "out"))
    assert out.returncode == 2 and "q.jsonl:2" in out.stderr
    _no_traceback(out)


def test_remove_and_list(tmp_path, corpus_dir):
    d = tmp_path / "d"
    shutil.copytree(corpus_dir, tmp_path / "c", ignore=shutil.ignore_patterns("eval"))
    assert ragchat("--data-dir", str(d), "ingest", str(tmp_path / "c")).returncode == 0
    assert ragchat("--data-dir", str(d), "remove", "003_16edb1bee11da1a2").returncode == 0
    listing = ragchat("--data-dir", str(d), "articles").stdout
    assert "003_16edb1bee11da1a2" not in listing and listing.count("\n") == 4
    missing = ragchat("--data-dir", str(d), "remove", "nope")
    assert missing.returncode == 2 and "no article" in missing.stderr


def test_filters_that_leave_nothing_say_so(data_dir, tmp_path):
    q = "How much has the U.S. provided in assistance to Ukraine?"
    out = ragchat("--data-dir", str(data_dir), "ask", q, "--backend", "extractive", "--article", "nope")
    assert out.returncode == 2 and "no article 'nope' in the index" in out.stderr
    _no_traceback(out)
    # an article's file name is as good as its id
    out = ragchat("--data-dir", str(data_dir), "ask", q, "--json", "--backend", "extractive", "--article", "002_fc072bcf967fd6d4.txt")
    assert out.returncode == 0 and "$77 billion" in json.loads(out.stdout)["answer"]
    out = ragchat("--data-dir", str(data_dir), "ask", q, "--json", "--backend", "extractive", "--until", "2020-01-01")
    d = json.loads(out.stdout)
    assert d["refused"] and "No article is dated until 2020-01-01" in d["notice"]
    out = ragchat("--data-dir", str(tmp_path / "new"), "ask", q, "--json", "--backend", "extractive")
    assert "holds no articles yet" in json.loads(out.stdout)["notice"]
    # refused within the chosen articles: the note says the filter narrowed the search
    out = ragchat("--data-dir", str(data_dir), "ask", "What did Hakan Fidan tell his counterparts?", "--json",
                  "--backend", "extractive", "--article", "000_7c0dcdb0c3e64ae2")
    d = json.loads(out.stdout)
    assert d["refused"] and "Only the chosen articles or dates were searched" in d["notice"], d["notice"]


def test_a_data_dir_that_is_a_file_and_a_reader_that_leaves_early(data_dir, tmp_path):
    f = tmp_path / "index"
    f.write_text("not a folder")
    out = ragchat("--data-dir", str(f), "ask", "What did NATO decide?")
    assert out.returncode == 2 and "is a file: give a folder" in out.stderr
    _no_traceback(out)
    # `ragchat ask ... | head -1`: the pipe closes before the answer is written
    p = subprocess.Popen([sys.executable, "-m", "rag.cli", "--data-dir", str(data_dir), "ask", "What did NATO decide?",
                          "--backend", "extractive"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(timeout=180) == 141 and "Traceback" not in err, err


def test_an_unreadable_subfolder_is_reported_and_the_rest_ingested(tmp_path, monkeypatch):
    from rag.ingest import find_article_files

    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.txt").write_text("NATO met.")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.txt").write_text("Hidden.")
    real_scandir = os.scandir

    def scandir(path="."):  # root reads every folder, so the refusal is the operating system's, simulated
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = find_article_files([tmp_path])
    assert [f.name for f in found.files] == ["a.txt"]
    assert [(Path(s.path).name, s.reason) for s in found.skipped] == [("locked", "folder cannot be read (Permission denied)")]


def test_other_file_types_are_named_and_a_same_named_article_from_another_folder_is_not_replaced(tmp_path):
    data = tmp_path / "data"
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "bridge.txt").write_text("The Harbour Street bridge reopened on Thursday after a two-year repair.")
    (first / "bridge.meta.json").write_text('{"publisher": "Coastal Herald"}')  # a sidecar is no other type
    (first / "notes.pdf").write_bytes(b"%PDF-1.4")
    out = ragchat("--data-dir", str(data), "ingest", str(first))
    assert out.returncode == 0, out.stderr
    assert "added 1 /" in out.stdout and "1 file(s) of other types ignored (.pdf:" in out.stdout
    (second / "bridge.txt").write_text("The city council approved a new ferry timetable on Monday.")
    out = ragchat("--data-dir", str(data), "ingest", str(second))
    assert out.returncode == 1 and "already holds article bridge from" in out.stderr and "rename one" in out.stderr
    _no_traceback(out)
    listed = ragchat("--data-dir", str(data), "ask", "When did the bridge reopen?", "--json", "--backend", "extractive")
    assert "Harbour Street bridge reopened" in json.loads(listed.stdout)["answer"]
    # a file moved to another folder takes its id along
    (first / "bridge.txt").unlink()
    out = ragchat("--data-dir", str(data), "ingest", str(second))
    assert out.returncode == 0 and "updated 1" in out.stdout, out.stderr


def test_a_refused_question_in_another_language_says_to_ask_in_english(data_dir):
    out = ragchat("--data-dir", str(data_dir), "ask", "Wie viele Verluste hat Russland laut Stoltenberg erlitten?",
                  "--json", "--backend", "extractive")
    d = json.loads(out.stdout)
    assert d["refused"] and "does not read as English" in d["notice"], d["notice"]
    out = ragchat("--data-dir", str(data_dir), "ask", "What did the mayor of Lisbon say about tram fares?", "--json", "--backend", "extractive")
    d = json.loads(out.stdout)
    assert d["refused"] and "English" not in d["notice"]
