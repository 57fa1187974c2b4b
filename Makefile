.PHONY: run test lint setup db-start db-stop bench

run:  ## API + django-q2 worker on http://127.0.0.1:8000/ (installs and migrates first)
	@bash scripts/run.sh

test:  ## the whole suite on PostgreSQL, and ruff
	@bash scripts/test.sh

lint:
	@bash scripts/setup.sh && .venv/bin/ruff check .

setup:
	@bash scripts/setup.sh

db-start:
	@bash scripts/db.sh start

db-stop:
	@bash scripts/db.sh stop

bench:  ## benchmarks that print tables (not part of make test)
	@bash scripts/setup.sh --with-bench && bash scripts/db.sh start && .venv/bin/python bench/queue_latency.py \
		&& .venv/bin/python bench/generate.py \
		&& .venv/bin/python bench/render.py \
		&& .venv/bin/python bench/fanout.py \
		&& .venv/bin/python bench/craft.py \
		&& .venv/bin/python bench/transcribe.py \
		&& .venv/bin/python bench/track.py \
		&& .venv/bin/python bench/load.py
