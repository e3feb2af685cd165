# Two commands from a fresh checkout: `make serve` and `make test`. Both build .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve serve-api compile test lint typecheck pytest coverage bench bench-storage bench-documents bench-pages bench-protocol bench-soak bench-tracing profile clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The editable install leaves the gateway's own modules uncompiled, and where PYTHONDONTWRITEBYTECODE
# is set (as on this machine and in CI) Python never caches their bytecode: every start compiled them
# again, 0.1 s of a 0.9 s start-up. compileall writes it (only for files changed since); Python still
# compiles a module edited after that itself, so the cache is never wrong, at worst unused.
compile: $(STAMP)
	$(BIN)/python -m compileall -q gateway

serve: compile
	$(BIN)/gateway serve --demo

serve-api: compile
	$(BIN)/gateway serve-api

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# npm packages the tests use, pinned by their lockfiles.
NODE_DEPS := tests/conformance/node_modules/.package-lock.json tests/clients/node_modules/.package-lock.json \
	tests/schema/lint/node_modules/.package-lock.json examples/typescript/node_modules/.package-lock.json

%/node_modules/.package-lock.json: %/package-lock.json
	npm ci --prefix $* --no-audit --no-fund --loglevel=error

# ariadne-codegen pins graphql-core 3.2 while Strawberry needs 3.3: it gets a venv of its own.
# mypy there checks the generated client in an environment of its own dependencies only.
CODEGEN_TOOLS := ariadne-codegen==0.19.0 mypy==2.4.1
CODEGEN := build/tools/codegen/.installed-$(subst ==,-,$(subst $() $(),+,$(CODEGEN_TOOLS)))

$(CODEGEN):
	test -x build/tools/codegen/bin/python || $(PYTHON) -m venv build/tools/codegen
	build/tools/codegen/bin/python -m pip install --quiet $(CODEGEN_TOOLS)
	touch $@

# The browser tests drive Debian's Chromium; install it when the machine has none (CI runs as root).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# tests/test_proxy.py runs Debian's nginx in front of the gateway: its binary alone, unpacked into
# build/ (installing the package would start a system nginx on port 80). apt-get update only when
# the package lists are missing or stale.
NGINX := build/tools/nginx/usr/sbin/nginx

$(NGINX):
	mkdir -p build/tools/nginx
	cd build/tools/nginx && { apt-get download -qq nginx 2>/dev/null || { apt-get update -qq && apt-get download -qq nginx; }; }
	dpkg-deb -x build/tools/nginx/nginx_*.deb build/tools/nginx
	rm build/tools/nginx/nginx_*.deb
	touch $@

# pytest exits 5 when it collected no test; that is a failure here, as every other non-zero code
# (with xdist too). `make pytest WORKERS=auto` runs the files on every core, each file in one worker
# (a module's fixtures, such as the generated client in build/codegen, are built once). One process
# is the default, as CI runs it: see the README's *Tests* on the one failure seen with two workers.
WORKERS ?= 0

pytest: $(STAMP) $(NODE_DEPS) $(CHROMIUM) $(CODEGEN) $(NGINX)
	$(BIN)/pytest -n $(WORKERS) --dist loadfile

# The same run with line coverage of the package, reported per file. Not part of `make test`:
# Python 3.11's tracer makes the suite about 1.75 times as long, and no check depends on it.
coverage: $(STAMP) $(NODE_DEPS) $(CHROMIUM) $(CODEGEN) $(NGINX)
	$(BIN)/pytest -n $(WORKERS) --dist loadfile --cov=gateway --cov-report=term:skip-covered

test: lint typecheck pytest

bench: compile
	$(BIN)/python bench/harness.py

bench-storage: compile
	$(BIN)/python bench/storage_pages.py

bench-documents: compile
	$(BIN)/python bench/documents.py

bench-pages: compile
	$(BIN)/python -m bench.pages

bench-protocol: compile
	$(BIN)/python -m bench.protocol

bench-soak: compile
	$(BIN)/python -m bench.soak --json build/soak.json

bench-tracing: compile
	$(BIN)/python -m bench.tracing

# py-spy samples the running gateway; it is a tool for this target only, not a dependency.
profile: compile
	test -x $(BIN)/py-spy || $(BIN)/pip install --quiet py-spy
	$(BIN)/python -m bench.profile

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache .coverage
