# The README's two commands: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := ducha.config.settings

.PHONY: install run test test-postgres lint typecheck messages browser pdf clean

NPM_STAMP := node_modules/.installed

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $(NPM_STAMP); \
	else echo "注意：未找到 npm，驾驶舱图表（ECharts）不可用。Debian: apt-get install npm"; fi

install: $(STAMP) $(NPM_STAMP) messages

messages: $(STAMP)
	@if command -v msgfmt >/dev/null; then \
		cd ducha && ../$(BIN)/ducha compilemessages --ignore=.venv -v0; \
	else \
		echo "注意：未找到 msgfmt（gettext），界面将显示英文原文。Debian: apt-get install gettext"; \
	fi

# The embedded setup: the web server, a task worker on the same database (django-tasks-db) and the scheduler that
# runs the reminder sweep every few minutes, and the PDF engine where LibreOffice is installed (else it says so and
# the pages offer the .docx); the helpers stop when the web server does.
run: install pdf
	@mkdir -p var
	$(BIN)/ducha migrate --noinput -v0
	$(BIN)/ducha demo
	@$(BIN)/ducha db_worker --interval 2 --no-reload & worker=$$!; \
	$(BIN)/ducha scheduler & scheduler=$$!; \
	$(BIN)/ducha pdf_engine & engine=$$!; \
	trap 'kill $$worker $$scheduler $$engine 2>/dev/null; wait $$worker $$scheduler $$engine 2>/dev/null' EXIT; \
	$(BIN)/ducha runserver $(HOST):$(PORT)

# The production stack on this machine, PostgreSQL and Redis running locally (DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/ducha_prod, created if missing): gunicorn, two RQ task workers, the scheduler
# (one sweeps, by its lock) and the PDF engine where LibreOffice is installed, under honcho (Procfile), in the
# foreground until Ctrl-C. deploy/prod.sh sets the production environment (docs/deployment.md).
.PHONY: prod
prod: install
	DUCHA_WEB_BIND=$${DUCHA_WEB_BIND:-$(HOST):$(PORT)} deploy/prod.sh

# Official documents' PDFs: LibreOffice (headless, started once by `ducha pdf_engine`), the system Python's `uno`,
# the CJK fonts the 公文 fonts map to (documents/fonts/fonts.conf) and poppler's pdffonts for the layout tests. As
# root we install them; otherwise the pages say why there is no PDF and the PDF tests are skipped.
PDF_PACKAGES := libreoffice-writer-nogui python3-uno fonts-noto-cjk fonts-arphic-ukai poppler-utils
pdf:
	@if [ ! -x /usr/bin/soffice ] || [ ! -x /usr/bin/pdffonts ] || ! /usr/bin/python3 -c "import uno" 2>/dev/null \
		|| [ ! -d /usr/share/fonts/truetype/arphic ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null) \
			|| echo "注意：LibreOffice 安装失败，公文仅提供 .docx（apt-get install $(PDF_PACKAGES)）"; \
		else echo "注意：未安装 LibreOffice，公文仅提供 .docx（apt-get install $(PDF_PACKAGES)）"; fi; \
	fi

# Browser tests drive Debian's Chromium (never a downloaded browser). As root we install it; otherwise those
# tests are skipped with a notice.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else echo "注意：未找到 /usr/bin/chromium 且当前不是 root，浏览器测试将跳过（apt-get install chromium）"; fi; \
	fi

test: install browser pdf
	$(BIN)/ducha makemigrations --check --dry-run -v0
	$(BIN)/pytest -n 2 -q

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ducha} $(BIN)/pytest -n 2 -q

# The load scenario (ducha/devtools/loadtest, docs/benchmarks.md): locust's simulated people — units' handlers and
# liaisons, the supervision office, leaders — against a Ducha already running at LOAD_HOST (`make run`, gunicorn,
# `make prod`). They sign in with the accounts of LOAD_SET (demo: `ducha demo`'s county; bench: `ducha gendata`'s
# province), written first from the target's database (DATABASE_URL) when LOAD_ACCOUNTS is missing. The target must
# not ask for the second factor: start it with DUCHA_OTP_REQUIRED_ROLES="" (production asks office, leader and
# admin for it; the run stops with exit code 3 if it does). CSV and HTML reports at LOAD_REPORT (var/load/<set>);
# fails if a request failed. LOAD_THINK=0 for a benchmark.
LOAD_HOST ?= http://$(HOST):$(PORT)
LOAD_SET ?= demo
LOAD_USERS ?= 30
LOAD_SPAWN_RATE ?= 3
LOAD_TIME ?= 2m
LOAD_THINK ?= 2-6
LOAD_ACCOUNTS ?= var/load/accounts-$(LOAD_SET).json
LOAD_REPORT ?= var/load/$(LOAD_SET)
.PHONY: load
load: $(STAMP)
	@mkdir -p $(dir $(LOAD_ACCOUNTS)) $(dir $(LOAD_REPORT))
	@test -f $(LOAD_ACCOUNTS) || $(BIN)/ducha load_accounts --set $(LOAD_SET) --out $(LOAD_ACCOUNTS)
	$(BIN)/locust -f ducha/devtools/loadtest/locustfile.py --headless --host $(LOAD_HOST) \
		--users $(LOAD_USERS) --spawn-rate $(LOAD_SPAWN_RATE) --run-time $(LOAD_TIME) --stop-timeout 10 \
		--accounts $(LOAD_ACCOUNTS) --account-set $(LOAD_SET) --think $(LOAD_THINK) --only-summary \
		--csv $(LOAD_REPORT) --html $(LOAD_REPORT).html --exit-code-on-error 1

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy ducha

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
