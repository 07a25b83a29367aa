# The README's commands. Everything installs into .venv in the repo root.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install run serve test test-fast browser bench eval clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first and pinned: its CPU wheel is on local disk; anything else pulls a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[llm,dev]"
	touch $@

install: $(VENV)/.installed

## make run: install, ingest corpus/, open the chat UI at http://127.0.0.1:7860
run: install
	$(BIN)/ragchat ingest
	$(BIN)/ragchat serve

## make test: install, then the whole suite (real models, real Chroma, real browser)
test: install browser
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not llm and not browser"

browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

bench: install
	$(BIN)/python -m bench

eval: install
	$(BIN)/ragchat eval --questions corpus/eval/gold.jsonl --backend extractive

clean:
	rm -rf .ragchat eval-runs .pytest_cache
