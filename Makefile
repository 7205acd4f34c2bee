# The two commands a newcomer needs: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-pg lint format openapi graphql-schema bench-matching bench-reports bench-webhooks bench-alerts bench bench-scale profile fault-postgres mutation clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

## Serve the demo organisation on SQLite at http://127.0.0.1:8000
run: $(VENV)/.installed
	$(BIN)/throughgate migrate
	$(BIN)/throughgate seed-demo
	@echo "Throughgate on http://127.0.0.1:8000 - API docs at http://127.0.0.1:8000/api/v1/docs"
	$(BIN)/throughgate serve --host 127.0.0.1 --port 8000

## The whole test suite (SQLite unless TEST_DATABASE_URL names a PostgreSQL database), in
## TEST_JOBS processes (2 unless set; each test file stays in one process)
test: $(VENV)/.installed-dev
	$(BIN)/pytest -n $${TEST_JOBS:-2} --dist loadfile

## The suite against the local PostgreSQL (a throw-away database)
test-pg: $(VENV)/.installed-dev
	.ci/with-postgres $(BIN)/pytest -n $${TEST_JOBS:-2} --dist loadfile

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy api tests benchmarks faults

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Regenerate the committed OpenAPI document
openapi: $(VENV)/.installed
	$(BIN)/throughgate export-openapi openapi/openapi.json

## Regenerate the committed GraphQL schema (SDL)
graphql-schema: $(VENV)/.installed
	$(BIN)/throughgate export-graphql api/schema/schema.graphql

## Mutation testing of the modules that decide who sees and changes what (slow; not in CI)
mutation: $(VENV)/.installed-dev
	rm -f mutants/schema-template.db
	THROUGHGATE_TEST_SCHEMA=$(CURDIR)/mutants/schema-template.db \
		nice -n 10 $(BIN)/mutmut run --max-children $${MUTATION_JOBS:-1} $(MUTANTS)
	@echo "Surviving mutants (mutmut show NAME for the change; see docs/mutation-testing.md):"
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache mutants

## Match-suggestion latency at 10,000 mentors on SQLite and PostgreSQL
bench-matching: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/matching.py

## Report timings at 10,000 mentees and the cohort file's memory at 100,000, both databases
bench-reports: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/reports.py

## Fault drill: PostgreSQL restarted under 20 writers with Idempotency-Keys (private cluster)
fault-postgres: $(VENV)/.installed-dev
	$(BIN)/python faults/postgres_restart.py

## Webhook delivery: events/s and commit-to-delivery p50/p95 for 10,000 events, both databases
bench-webhooks: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/webhooks.py

## Alert rules at 10,000 mentees and 1,000 mentors: each rule, a whole evaluation, GET /alerts p95
bench-alerts: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/alerts.py

## Throughgate's pages beside a bare FastAPI reference app: req/s, p50/p99, ratio, both databases
bench: $(VENV)/.installed-dev
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python benchmarks/throughput.py $(BENCH_ARGS)

## Throughput at 1, 2 and 4 workers, and memory per worker at 100,000 people, on PostgreSQL
bench-scale: $(VENV)/.installed-dev
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python benchmarks/scale.py $(BENCH_ARGS)

## Where each page of `make bench` spends its time, stage by stage, both databases
profile: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/profiling.py $(PROFILE_ARGS)
