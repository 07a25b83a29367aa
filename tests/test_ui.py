"""The chat page in a real browser: Debian's chromium driven by Playwright against the real
app (a subprocess on a free loopback port, a fresh data dir, the extractive backend, the
corpus ingested at start-up as a first-time user would get it).

Screenshots go to test-artifacts/. The README's picture (docs/screenshot-chat.png) is
rewritten only when asked: `RAGCHAT_UPDATE_SCREENSHOT=1 make test` (a test run leaves
the repository as it found it).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import app as app_module

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip

pytestmark = [pytest.mark.browser, pytest.mark.server]

MADE_UP_ARTICLE = """The Velmora Tidal Bridge opens to traffic

May 14, 2024

The Velmora Tidal Bridge, the first crossing over the Quenlow estuary, opened to traffic on Tuesday.
Mayor Ilsa Brandvik cut the ribbon in front of about two thousand residents.
The bridge cost 41 million kroner and took four years to build.
Engineers said the deck rises with the tide by up to three metres.
"""

HOSTILE_ARTICLE = """Harbour Council <img src=x onerror="window.__pwned=2"> announces lighthouse plan

March 3, 2024

The Harbour Council of Port Velmora announced that the old lighthouse on Gull Point will be restored.
<script>window.__pwned=1</script>
Officials said <img src=x onerror="window.__pwned=2"> the scaffolding goes up in June.
The council said the lighthouse restoration will cost 2.4 million euros and finish in 2026.
${window.__pwned=3} Residents welcomed the plan at a public meeting.
"""


def start_app(data_dir: Path, log: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """`python app.py` on a free port; returns once it printed its address."""
    try:
        proc, url = app_module.launch(data_dir, log, **env)
    except RuntimeError as e:
        pytest.fail(str(e))
    assert url.startswith("http://127.0.0.1:"), url
    return proc, url


def stop_app(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    data_dir = tmp_path_factory.mktemp("ui-data")
    log = data_dir.parent / "app.log"
    proc, url = start_app(data_dir, log)
    assert "ingesting corpus first" in log.read_text(), "an empty store should be filled from corpus/ at start"
    yield {"url": url, "data_dir": data_dir, "log": log}
    stop_app(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is not installed at /usr/bin/chromium: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app) -> Iterator[object]:  # noqa: ANN001
    """A fresh visitor; fails the test if the page asks any host but the app for anything."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    origin = app["url"].rstrip("/")
    ctx.on("request", lambda r: None if r.url.startswith((origin, "data:", "blob:")) else outside.append(r.url))
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(app["url"], wait_until="domcontentloaded")
    pg.locator("#rc-question textarea").wait_for()
    yield pg
    ctx.close()
    assert not outside, f"the page fetched from outside the app: {outside[:5]}"


def shot(pg, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def ask(pg, question: str):  # noqa: ANN001, ANN201
    """Type a question, wait for the verified answer; returns the answer's chat bubble."""
    bots = pg.locator("#rc-chat [data-testid=bot]")
    n = bots.count() + 1
    box = pg.locator("#rc-question textarea")
    box.fill(question)
    box.press("Enter")
    pg.wait_for_function(
        "n => document.querySelectorAll('#rc-chat [data-testid=bot]').length >= n"
        " && !document.querySelector('#rc-chat .rc-streaming')",
        arg=n,
    )
    return bots.nth(n - 1)


def upload(pg, name: str, data: bytes) -> str:  # noqa: ANN001
    """Add an article on the Corpus tab; returns the (new) status line."""
    pg.get_by_role("tab", name="Corpus").click()
    find = "document.querySelector('#rc-upload-status .rc-ok, #rc-upload-status .rc-error')"
    before = pg.evaluate(f"() => {{ const s = {find}; return s ? s.innerText : ''; }}")
    pg.locator("#rc-upload input[type=file]").set_input_files({"name": name, "mimeType": "text/plain", "buffer": data})
    pg.wait_for_function(f"before => {{ const s = {find}; return s && s.innerText !== before; }}", arg=before,
                         timeout=90_000)
    return pg.evaluate(f"() => {find}.innerText")


def test_answer_streams_cites_and_shows_sources_then_follow_up(page, app) -> None:  # noqa: ANN001
    # Watch the answer bubble while it is written: the streaming state must be seen.
    page.evaluate(
        """() => { window.__streamed = 0;
        new MutationObserver(() => { if (document.querySelector('#rc-chat .rc-streaming')) window.__streamed++; })
          .observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true}); }"""
    )
    answer = ask(page, "How many casualties has Russia suffered according to Stoltenberg?")
    assert page.evaluate("window.__streamed") > 0, "the answer bubble never showed the streaming state"
    assert "300,000" in answer.inner_text()
    # Stop shows only while an answer is written: once it is done, Ask is back.
    page.locator("#rc-send").wait_for(state="visible")
    assert page.locator("#rc-stop").is_hidden()
    marker = answer.locator("a.rc-cite").first
    assert marker.inner_text() == "[1]"
    panel = page.locator("#rc-sources-panel")
    entry = panel.locator("#rc-src-0-1")
    assert "300,000 casualties" in entry.locator("blockquote.rc-passage mark").inner_text()
    assert entry.locator(".rc-src-title").inner_text().startswith("[1] NATO Foreign Ministers meet in Brussels")
    assert "2023-11-29" in entry.locator(".rc-src-meta").inner_text()
    assert "002_fc072bcf967fd6d4.txt" in entry.locator(".rc-src-meta").inner_text()
    page.wait_for_timeout(300)
    if os.environ.get("RAGCHAT_UPDATE_SCREENSHOT") == "1":
        page.screenshot(path=str(ROOT / "docs" / "screenshot-chat.png"))
    shot(page, "1-answer-with-sources")

    # A marker jumps to its source (in this page, not a new tab) and the article unfolds.
    markers = answer.locator("a.rc-cite")
    last = markers.nth(markers.count() - 1)  # how many sources the answer cites is the ranker's business
    target_id = f"#rc-src-0-{last.inner_text().strip('[]')}"
    last.click()
    target = panel.locator(target_id)
    page.wait_for_function("id => { const r = document.querySelector(id).getBoundingClientRect();"
                           " return r.top >= 0 && r.top < window.innerHeight; }", arg=target_id)
    assert len(page.context.pages) == 1
    entry.locator("details.rc-article summary").click()
    whole = entry.locator(".rc-article-text")
    assert whole.is_visible()
    assert "NATO Foreign Ministers concluded two days of meetings" in whole.inner_text()
    assert "300,000 casualties" in whole.locator(".rc-passage-hl mark").inner_text()
    page.wait_for_function(  # the article's box opens at the passage, not at its top
        "() => { const box = document.querySelector('#rc-src-0-1 .rc-article-text');"
        " const b = box.getBoundingClientRect(), h = box.querySelector('.rc-passage-hl').getBoundingClientRect();"
        " return box.scrollTop > 0 && h.top >= b.top && h.bottom <= b.bottom; }")
    assert target.is_visible()
    shot(page, "2-whole-article")

    # Thumbs up lands in <data_dir>/feedback.jsonl with the question, answer and citations.
    page.locator("#rc-chat").get_by_role("button", name="Like", exact=True).first.click()
    feedback = app["data_dir"] / "feedback.jsonl"
    for _ in range(50):
        if feedback.exists() and feedback.read_text().strip():
            break
        time.sleep(0.1)
    row = json.loads(feedback.read_text().splitlines()[-1])
    assert row["vote"] == "up" and row["question"].startswith("How many casualties")
    assert "300,000" in row["answer"] and row["citations"][0]["article_id"] == "002_fc072bcf967fd6d4"

    # A follow-up leans on the conversation; its own sources replace the panel's.
    follow = ask(page, "And what did Blinken say about fatigue?")
    assert "no sense of fatigue" in follow.inner_text()
    assert "Understood as:" in follow.inner_text()
    assert panel.locator("#rc-src-1-1").count() == 1
    shot(page, "3-follow-up")

    # Clicking the first answer's marker brings its sources back.
    answer.locator("a.rc-cite").first.click()
    page.wait_for_function("() => !!document.querySelector('#rc-src-0-1')")

    # What is typed while an answer is being written stays in the box for the next question.
    box = page.locator("#rc-question textarea")
    box.fill("What did Turkey's foreign minister say?")
    box.press("Enter")
    page.wait_for_selector("#rc-chat .rc-streaming")
    box.fill("Who is Tobias Billstrom?")
    page.wait_for_function("() => !document.querySelector('#rc-chat .rc-streaming')")
    page.wait_for_timeout(300)
    assert box.input_value() == "Who is Tobias Billstrom?"
    box.fill("")

    # A question the articles cannot answer is a neutral refusal, not an error.
    refusal = ask(page, "What is the boiling point of mercury on Jupiter?")
    assert refusal.locator(".rc-refusal").count() == 1 and refusal.locator(".rc-error").count() == 0

    # A bad filter is a clear message in the chat, not a traceback.
    page.locator("#rc-settings").get_by_text("Settings").click()
    page.get_by_label("Since (YYYY-MM-DD)").fill("last week")
    bad = ask(page, "What did NATO decide about Ukraine?")
    assert "since must be a date like 2024-04-03" in bad.locator(".rc-error").inner_text()
    assert "Traceback" not in page.content()
    shot(page, "4-refusal-and-error")


def test_uploaded_article_is_searchable_at_once(page, app) -> None:  # noqa: ANN001
    # Another visitor's conversation (the test above, same server) is not in this one.
    assert page.locator("#rc-chat [data-testid=bot]").count() == 0
    status = upload(page, "velmora_bridge.txt", MADE_UP_ARTICLE.encode())
    assert "added" in status and "searchable now" in status, status
    assert "velmora_bridge" in page.locator("#rc-articles").inner_text()
    page.wait_for_timeout(500)  # let the table settle for the screenshot
    shot(page, "5-corpus-after-upload")
    assert (app["data_dir"] / "uploads" / "velmora_bridge.txt").exists()

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "Which mayor cut the ribbon at the Velmora Tidal Bridge?")
    assert "Brandvik" in answer.inner_text()
    assert "velmora_bridge.txt" in page.locator("#rc-sources-panel .rc-src-meta").first.inner_text()

    # Wrong type and too big: clear messages, nothing added.
    assert "Invalid file type" in _upload_rejected(page, "notes.pdf", b"%PDF-1.4")
    big = upload(page, "huge.txt", b"word " * 1_100_000)
    assert "over the 5 MB limit" in big, big
    # Only this article, chosen in the chat's filter: then removed below, it leaves the filter too
    page.get_by_role("tab", name="Chat").click()
    page.locator("#rc-settings").get_by_text("Settings").click()
    page.locator("#rc-article-filter input").click()
    page.locator("#rc-article-filter ul li", has_text="velmora_bridge").first.click()
    assert "Brandvik" in ask(page, "Who cut the ribbon?").inner_text()
    page.get_by_role("tab", name="Corpus").click()
    # Remove it again with the remove button.
    page.locator("#rc-articles").get_by_text("velmora_bridge", exact=True).click()  # a row click picks it
    page.wait_for_function("() => document.querySelector('#rc-remove-id input').value === 'velmora_bridge'")
    page.locator("#rc-remove").click()
    page.wait_for_function("() => document.querySelector('#rc-remove-status').innerText.includes('removed')")
    assert "velmora_bridge" not in page.locator("#rc-articles").inner_text()
    assert not (app["data_dir"] / "uploads" / "velmora_bridge.txt").exists()
    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "How much has the U.S. provided in assistance to Ukraine?")
    assert "$77 billion" in answer.inner_text(), answer.inner_text()  # all articles again, no error
    assert "velmora" not in page.locator("#rc-article-filter").inner_text()


def _upload_rejected(pg, name: str, data: bytes) -> str:  # noqa: ANN001
    """Gradio itself refuses a file type the upload box does not accept, with a toast."""
    pg.get_by_role("tab", name="Corpus").click()
    pdf = {"name": name, "mimeType": "application/pdf", "buffer": data}
    pg.locator("#rc-upload input[type=file]").set_input_files(pdf)
    toast = pg.locator(".toast-body").first
    toast.wait_for()
    return toast.inner_text()


def test_hostile_article_and_question_are_shown_as_text(page, app) -> None:  # noqa: ANN001
    status = upload(page, '../<img src=x onerror="window.__pwned=4">harbour.txt', HOSTILE_ARTICLE.encode())
    assert "added" in status, status
    assert "<img src=x" in page.locator("#rc-articles").inner_text()  # the title, as text
    uploads = app["data_dir"] / "uploads"
    saved = sorted(p.name for p in uploads.iterdir())
    assert saved and all(p.parent == uploads for p in uploads.iterdir()), saved
    assert all(set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") for name in saved)

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "How much will the Gull Point lighthouse restoration cost? <script>window.__pwned=5</script>")
    assert "2.4 million euros" in answer.inner_text()
    user_bubble = page.locator("#rc-chat [data-testid=user]").last
    assert "<script>window.__pwned=5</script>" in user_bubble.inner_text()

    panel = page.locator("#rc-sources-panel")
    panel.locator("details.rc-article summary").first.click()
    whole = panel.locator(".rc-article-text").first
    text = whole.inner_text()
    assert "<script>window.__pwned=1</script>" in text
    assert 'Officials said <img src=x onerror="window.__pwned=2"> the scaffolding' in text
    assert '<img src=x onerror="window.__pwned=2">' in panel.locator(".rc-src-title").first.inner_text()
    assert "${window.__pwned=3}" in text
    assert panel.locator("script, img").count() == 0
    assert page.locator("#rc-chat script, #rc-chat img[src=x]").count() == 0
    page.wait_for_timeout(500)  # give any injected handler the chance to run
    assert page.evaluate("typeof window.__pwned") == "undefined"
    shot(page, "6-hostile-article-as-text")


def test_api_answers_with_the_contract_and_clear_errors(app) -> None:  # noqa: ANN001
    from gradio_client import Client

    client = Client(app["url"], verbose=False)
    got = client.predict("Which German official floated easing some of the membership requirements for Ukraine?",
                         api_name="/ask")
    assert "Pistorius" in got["answer"] and got["citations"][0]["article_id"] == "004_383273222443319f"
    follow = client.predict("And what did he say about the requirements?", ["Which German official floated "
                            "easing some of the membership requirements for Ukraine?"], api_name="/ask")
    assert follow["standalone_question"] and follow["citations"]
    with pytest.raises(Exception, match="the question is empty"):
        client.predict("   ", api_name="/ask")


def test_login_when_auth_is_set(browser, tmp_path: Path) -> None:  # noqa: ANN001
    proc, url = start_app(tmp_path / "data", tmp_path / "app.log", RAGCHAT_AUTH="alice:s3cret-pw")
    try:
        ctx = browser.new_context()
        pg = ctx.new_page()
        pg.goto(url, wait_until="domcontentloaded")
        pg.get_by_label("username").fill("alice")
        pg.get_by_label("password").fill("wrong")
        pg.get_by_role("button", name="Login").click()
        pg.get_by_text("Incorrect Credentials").wait_for()
        pg.get_by_label("username").fill("alice")  # the failed attempt cleared it
        pg.get_by_label("password").fill("s3cret-pw")
        pg.get_by_role("button", name="Login").click()
        pg.locator("#rc-question textarea").wait_for()
        ctx.close()
        from gradio_client import Client

        with pytest.raises(Exception):
            Client(url, verbose=False)  # no login, no API
    finally:
        stop_app(proc)


@pytest.mark.llm
def test_the_default_local_model_answers_through_the_page(browser, tmp_path: Path) -> None:  # noqa: ANN001
    """The page with llama.cpp behind it, as `make run` starts it: Stop during an answer;
    then the model's own answer (no fallback notice), streamed, cited, its source in the panel."""
    proc, url = start_app(tmp_path / "data", tmp_path / "app.log", backend="llama-cpp", RAGCHAT_LLM_TIMEOUT="900")
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        pg = ctx.new_page()
        pg.set_default_timeout(900_000)  # a loaded CI machine ran this model ~10x slower
        pg.goto(url, wait_until="domcontentloaded")
        pg.locator("#rc-question textarea").wait_for()

        # Stop while the model writes: the unchecked text is dropped, the question stays,
        # marked as stopped, and the model is free for the next question.
        box = pg.locator("#rc-question textarea")
        box.fill("What did Stoltenberg say about how Russia has fared: its losses, its standing and its war aims?")
        box.press("Enter")
        pg.wait_for_function("() => { const s = document.querySelector('#rc-chat .rc-streaming');"
                             " return s && !s.innerText.startsWith('Searching'); }")
        pg.locator("#rc-stop").click()
        pg.locator("#rc-chat .rc-stopped").wait_for()
        assert pg.locator("#rc-chat .rc-streaming").count() == 0
        pg.locator("#rc-send").wait_for(state="visible")
        assert pg.locator("#rc-stop").is_hidden()
        assert "its war aims?" in pg.locator("#rc-chat [data-testid=user]").first.inner_text()

        answer = ask(pg, "How many casualties has Russia incurred, according to Stoltenberg?")
        assert pg.locator("#rc-chat [data-testid=bot]").count() == 2
        text = answer.inner_text()
        assert "300,000" in text and answer.locator(".rc-notice").count() == 0, text
        assert answer.locator("a.rc-cite").count() >= 1
        cited = pg.locator("#rc-sources-panel #rc-src-1-1")  # turn 0 is the stopped question
        assert "002_fc072bcf967fd6d4.txt" in cited.locator(".rc-src-meta").inner_text()
        shot(pg, "5-local-model-answer")
        ctx.close()
    finally:
        stop_app(proc)
