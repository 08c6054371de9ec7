"""crosswalk_resolve: resolving a CRM product text against 100,000 materials — the engine vs. the naive scan.

What runs (in this process, no database: the engine is what `crosswalk.resolvers.resolve` calls once its catalogue is
built; the database part of a resolve is two small queries):

* `benchmarks._materials` generates BENCH_MATERIALS (default 100,000) materials — brands, model numbers, product
  types, specifications, packs, a third of them variants of another — and BENCH_QUERIES (default 1,000) CRM-style
  queries with reordered and dropped words, abbreviations, other model-number separators and typos;
* the engine (`matching.entities.Matcher`, product flavour, the committed calibration) is built over all materials:
  build_s, and rss_mb = the resident memory of this process after the build (index_mb = what the build added);
* each query is resolved (`Matcher.match`, five candidates with calibrated confidences): p50_ms, p99_ms and
  top1_accuracy (best candidate is the material the query was made from);
* the naive baseline, in the same run, on the same queries: rapidfuzz `process.extractOne` (WRatio, default
  processor) over all material descriptions: naive_p50_ms, naive_top1_accuracy. speedup = naive_p50_ms / p50_ms.

Also reported: auto_accepted (share of queries at confidence ≥ 0.95) and auto_precision (share of those right).
"""

from __future__ import annotations

import os
import sys
import time

from . import _harness as h

NAME = "crosswalk_resolve"
KEY_FIGURES = ["n_materials", "n_queries", "p50_ms", "p99_ms", "top1_accuracy", "naive_p50_ms", "naive_top1_accuracy",
               "speedup", "build_s", "rss_mb", "auto_accepted", "auto_precision"]


def log(message: str) -> None:
    print(f"[{NAME} {time.strftime('%H:%M:%S')}] {message}", flush=True)


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    h.exit_cleanly_on_sigterm()
    if str(h.ROOT) not in sys.path:
        sys.path.insert(0, str(h.ROOT))
    from rapidfuzz import fuzz, process, utils

    from benchmarks._materials import generate_materials, generate_queries
    from matching.entities import Matcher
    from matching.records import Flavour, Record

    n_materials = int(os.environ.get("BENCH_MATERIALS", "100000"))
    n_queries = int(os.environ.get("BENCH_QUERIES", "1000"))
    materials = generate_materials(n_materials)
    queries = generate_queries(materials, n_queries)
    log(f"{len(materials)} materials, {len(queries)} queries generated")

    before = rss_mb()
    started = time.perf_counter()
    matcher = Matcher((Record(m.number, m.description) for m in materials), Flavour.PRODUCT)
    build_s = time.perf_counter() - started
    after = rss_mb()
    log(f"index built in {build_s:.1f} s, {after - before:.0f} MB")

    matcher.match(Record("warm-up", queries[0][0]))
    latencies, right, auto, auto_right = [], 0, 0, 0
    for text, truth in queries:
        started = time.perf_counter()
        found = matcher.match(Record("query", text))
        latencies.append((time.perf_counter() - started) * 1000)
        best = found[0] if found else None
        right += bool(best and best.key == truth)
        if best and best.confidence >= 0.95:
            auto += 1
            auto_right += best.key == truth
    log(f"engine: p50 {h.percentile(latencies, 50):.2f} ms, top-1 {right / len(queries):.3f}")

    names = [m.description for m in materials]
    naive_latencies, naive_right = [], 0
    for text, truth in queries:
        started = time.perf_counter()
        _name, _score, position = process.extractOne(text, names, scorer=fuzz.WRatio, processor=utils.default_process)
        naive_latencies.append((time.perf_counter() - started) * 1000)
        naive_right += materials[position].number == truth
    log(f"naive: p50 {h.percentile(naive_latencies, 50):.1f} ms, top-1 {naive_right / len(queries):.3f}")

    p50, naive_p50 = h.percentile(latencies, 50), h.percentile(naive_latencies, 50)
    result = {
        "name": NAME,
        "finished_at": h.now_iso(),
        "n_materials": len(materials),
        "n_queries": len(queries),
        "p50_ms": h.rounded(p50),
        "p99_ms": h.rounded(h.percentile(latencies, 99)),
        "top1_accuracy": h.rounded(right / len(queries)),
        "naive_p50_ms": h.rounded(naive_p50),
        "naive_p99_ms": h.rounded(h.percentile(naive_latencies, 99)),
        "naive_top1_accuracy": h.rounded(naive_right / len(queries)),
        "speedup": h.rounded(naive_p50 / p50, 1) if p50 else None,
        "build_s": h.rounded(build_s),
        "rss_mb": h.rounded(after, 1),
        "index_mb": h.rounded(after - before, 1),
        "auto_accepted": h.rounded(auto / len(queries)),
        "auto_precision": h.rounded(auto_right / auto) if auto else None,
        "machine": h.machine_info(),
    }
    path = h.write_result(NAME, result)
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
