"""The UI's ingest_article API through gradio_client against a real `python app.py` on loopback:
an article added by a program is searchable at once; a bad suffix, a path instead of a name
and an article over the size limit are refused, and nothing is written outside the uploads folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_ui import start_app, stop_app

pytestmark = [pytest.mark.server]

ARTICLE = """Harbour ferry Saltmarsh Wren enters service

June 2, 2025

The electric ferry Saltmarsh Wren entered service between Orvik and Tallholm on Monday.
Captain Maren Solvik took the first crossing with 212 passengers on board.
The ferry charges its batteries in eleven minutes at each quay.
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("ui-api")
    config = root / "ragchat.toml"
    config.write_text("max_file_mb = 0.01\n")  # 10 kB, so the size check needs no big upload
    proc, url = start_app(root / "data", root / "app.log", RAGCHAT_CONFIG=str(config))
    yield {"url": url, "root": root, "data_dir": root / "data"}
    stop_app(proc)


@pytest.fixture(scope="module")
def client(app: dict):  # noqa: ANN201
    from gradio_client import Client

    return Client(app["url"], verbose=False)


def test_added_article_is_answerable_at_once(client, app: dict) -> None:  # noqa: ANN001
    got = client.predict("saltmarsh_wren.txt", ARTICLE, api_name="/ingest_article")
    assert got["article_id"] == "saltmarsh_wren" and "added" in got["message"], got
    assert (app["data_dir"] / "uploads" / "saltmarsh_wren.txt").read_text() == ARTICLE
    answer = client.predict("Who captained the first crossing of the Saltmarsh Wren ferry?", api_name="/ask")
    assert "Solvik" in answer["answer"], answer["answer"]
    assert "saltmarsh_wren" in {c["article_id"] for c in answer["citations"]}
    again = client.predict("saltmarsh_wren.txt", ARTICLE, api_name="/ingest_article")
    assert "nothing changed" in again["message"], again


@pytest.mark.parametrize("name, message", [
    ("evil.sh", "only .txt"),
    ("notes", "only .txt"),
    ("../escape.txt", "not a path"),
    ("../../etc/escape.md", "not a path"),
    ("sub\\escape.txt", "not a path"),
])  # fmt: skip
def test_bad_names_are_refused(client, app: dict, name: str, message: str) -> None:  # noqa: ANN001
    with pytest.raises(Exception, match=message):
        client.predict(name, ARTICLE, api_name="/ingest_article")
    assert not list(app["root"].rglob("escape*")), "nothing may be written for a refused name"


def test_article_over_the_size_limit_is_refused(client, app: dict) -> None:  # noqa: ANN001
    with pytest.raises(Exception, match="over the 0.01 MB limit"):
        client.predict("huge.txt", ARTICLE + "More words about ferries.\n" * 600, api_name="/ingest_article")
    assert not (app["data_dir"] / "uploads" / "huge.txt").exists()
