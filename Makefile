# Polku — the two commands a newcomer needs are `make demo` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# PostgreSQL used by `make test` when reachable (CI sets POLKU_REQUIRE_POSTGRES=1 to make it mandatory).
POLKU_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/polku
export POLKU_TEST_POSTGRES_URL

.PHONY: install demo demo-data serve test browser lint typecheck test-sqlite test-postgres bench lock messages clean

$(STAMP): requirements.lock pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

install: $(STAMP)

## make demo: set up, simulate Sotkamo and the Kuopio area into SQLite, create demo users, serve :8000 with the worker
demo: install demo-data serve

demo-data: install
	$(BIN)/polku migrate --no-input -v0
	$(BIN)/polku demo_setup

## make serve: the background workers (polku worker on the general queue, and one on the imports' queue, so an upload
## does not wait for its turn behind a running refresh job) in the background, the web server in the foreground;
## stopping the server (Ctrl+C) stops the workers too: a worker that does not stop within 15 s (on SQLite one may be
## waiting for the write lock) is killed; a job it was running is retried by the next start (--retry-interrupted),
## and an import it was writing left nothing behind (one transaction).
## The demo's identity provider (polku demo_identity_provider, :9400) runs beside them: "sign in with the
## organisation's account" on the login page goes there.
DEMO_OIDC := POLKU_OIDC_ISSUER=http://127.0.0.1:9400 POLKU_OIDC_CLIENT_SECRET=polku-demo-client-secret \
	POLKU_CLIENT_OIDC_ISSUER=http://127.0.0.1:9400 POLKU_CLIENT_OIDC_CLIENT_SECRET=polku-demo-portal-secret
serve: install
	$(BIN)/polku migrate --no-input -v0
	@$(BIN)/polku worker -v0 --retry-interrupted --queue-name default & worker=$$!; \
	$(BIN)/polku worker -v0 --retry-interrupted --queue-name imports & importer=$$!; \
	$(BIN)/polku demo_identity_provider & provider=$$!; \
	stop() { kill $$worker $$importer $$provider 2>/dev/null; \
		for _ in $$(seq 30); do kill -0 $$worker 2>/dev/null || kill -0 $$importer 2>/dev/null || break; sleep 0.5; done; \
		kill -9 $$worker $$importer 2>/dev/null; wait $$worker $$importer $$provider 2>/dev/null; }; \
	trap stop EXIT INT TERM; \
	echo "== workers started (pids $$worker, imports $$importer), demo identity provider on http://127.0.0.1:9400; serving http://127.0.0.1:8000"; \
	$(DEMO_OIDC) $(BIN)/polku runserver 127.0.0.1:8000

## make test: lint, type checks, the suite on SQLite and, side by side, on PostgreSQL when one is reachable
## The two databases' suites run side by side (each with a var/ directory of its own, so neither meets the other's
## files); each one's output is printed whole when it ends.
test: install browser lint typecheck
	@echo "== pytest on SQLite and on PostgreSQL, side by side: each suite prints its result when it ends (15-20 minutes)"
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

## Browser tests drive Debian's Chromium (never a downloaded build), and the report tests read the PDF with poppler's
## pdfinfo and pdftotext: installed here when we are root with apt.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x "$(CHROMIUM)" ] || ! command -v pdfinfo >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
			echo "== installing Debian's chromium and poppler-utils for the browser and PDF tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core poppler-utils >/dev/null; \
		else \
			echo "The tests need Debian's packages 'chromium' (at $(CHROMIUM)) and 'poppler-utils': run 'sudo apt-get install chromium fonts-dejavu-core poppler-utils'"; \
			exit 1; \
		fi; \
	fi

## make lint: ruff, the import layers (import-linter contracts in pyproject.toml; README, "Code layout"), migrations
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/polku makemigrations --check --dry-run -v0

typecheck: install
	$(BIN)/mypy polku tests benchmarks

test-sqlite: install
	env -u DATABASE_URL POLKU_VAR_DIR=$(CURDIR)/var/test-sqlite $(BIN)/pytest -q -p no:cacheprovider --durations=10

test-postgres: install
	@if $(BIN)/python -m polku.core.dbcheck "$(POLKU_TEST_POSTGRES_URL)"; then \
		echo "== PostgreSQL: $(POLKU_TEST_POSTGRES_URL)"; \
		DATABASE_URL="$(POLKU_TEST_POSTGRES_URL)" POLKU_VAR_DIR=$(CURDIR)/var/test-postgres \
			$(BIN)/pytest -q -p no:cacheprovider --durations=10; \
	elif [ "$$POLKU_REQUIRE_POSTGRES" = "1" ]; then \
		echo "PostgreSQL is required (POLKU_REQUIRE_POSTGRES=1) but cannot be reached at $(POLKU_TEST_POSTGRES_URL)"; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(POLKU_TEST_POSTGRES_URL): skipped (set POLKU_REQUIRE_POSTGRES=1 to fail)"; \
	fi

## make bench: benchmarks under benchmarks/, each printing one JSON line (some read reference data: migrate first)
bench: install
	$(BIN)/polku migrate --no-input -v0
	$(BIN)/python benchmarks/run.py

lock:
	uv pip compile requirements.in --python-version 3.11 --generate-hashes -o requirements.lock

messages: install
	cd polku && ../$(BIN)/polku makemessages -l fi -l sv -l en --no-obsolete && ../$(BIN)/polku compilemessages

clean:
	rm -rf $(VENV) var
