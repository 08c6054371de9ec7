"""Benchmarks of the Handoff product (`make bench`, `make bench BENCH=<name>`; see contract.md, "Benchmark results").

Conventions, so `python -m benchmarks` can find and run a benchmark:

* one module per benchmark, `benchmarks/<name>.py`; modules whose name starts with `_` are helpers, not benchmarks;
* a benchmark module runs as its own process (`python -m benchmarks.<name>`), so each one configures Django for its
  own database and environment; at import time it must not import Django (the runner imports it to read its
  `KEY_FIGURES`, the result keys shown in the table);
* it writes `benchmarks/results/<name>.json` (`_harness.write_result`) and exits non-zero when it fails;
* it cleans up after itself (subprocesses, databases) even when it fails or is interrupted (SIGINT / SIGTERM).

Shared plumbing (fresh PostgreSQL database, web server and worker subprocesses, machine info, percentiles, the table)
lives in `_harness.py`.
"""
