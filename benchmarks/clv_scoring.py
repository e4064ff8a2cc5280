"""Benchmark the predictive CLV fit and scoring on a synthetic customer base.

Synthesises an RFM summary for N customers from the BG/NBD and Gamma-Gamma generative
processes (CDNOW parameters, first purchases spread over two years, times in whole days
expressed in weeks, as the SQL summary produces them), fits both models by maximum likelihood
and scores every customer's 12-month CLV.  Prints rows, seconds, customers/s and peak memory
as a table and as JSON.

    .venv/bin/python benchmarks/clv_scoring.py --customers 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# `clv` package: put the repository root in front.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clv import bgnbd, gamma_gamma  # noqa: E402
from clv.score import monthly_discount_rate, score_customers  # noqa: E402

TRUE_BGNBD = bgnbd.BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
TRUE_GAMMA_GAMMA = gamma_gamma.GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
HISTORY_DAYS = 730


def synthesise(n: int, seed: int) -> dict[str, np.ndarray]:
    """A summary in weeks with whole-day resolution: first purchase uniform over two years."""
    rng = np.random.default_rng(seed)
    t_days = rng.integers(1, HISTORY_DAYS + 1, size=n).astype(np.float64)
    x, t_x, _ = bgnbd.sample_summary(TRUE_BGNBD, t_days / 7.0, rng)
    t_x = np.minimum(np.round(t_x * 7.0), t_days) / 7.0  # whole days, as the SQL summary gives
    zbar = np.round(gamma_gamma.sample_mean_values(TRUE_GAMMA_GAMMA, x, rng), 2)
    return {"repeat_purchases": x, "purchase_span_periods": t_x, "customer_age_periods": t_days / 7.0,
            "average_repeat_value": zbar}


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(n: int, seed: int, horizon_months: int, annual_discount_rate: float) -> dict[str, Any]:
    started = time.perf_counter()
    s = synthesise(n, seed)
    synth_seconds = time.perf_counter() - started

    x, t_x, T = s["repeat_purchases"], s["purchase_span_periods"], s["customer_age_periods"]
    zbar = s["average_repeat_value"]
    started = time.perf_counter()
    bg = bgnbd.fit(x, t_x, T)
    bg_seconds = time.perf_counter() - started
    repeat = (x > 0) & (zbar > 0)
    started = time.perf_counter()
    gg = gamma_gamma.fit(x[repeat], zbar[repeat])
    gg_seconds = time.perf_counter() - started

    tracemalloc.start()
    started = time.perf_counter()
    scores = score_customers(
        bg.params,
        gg.params,
        x,
        t_x,
        T,
        zbar,
        horizon_months=horizon_months,
        monthly_rate=monthly_discount_rate(annual_discount_rate),
        time_unit="W",
    )
    score_seconds = time.perf_counter() - started
    _, score_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    return {
        "customers": n,
        "repeat_buyers": int(repeat.sum()),
        "horizon_months": horizon_months,
        "synthesis_seconds": round(synth_seconds, 3),
        "bgnbd_fit_seconds": round(bg_seconds, 3),
        "gamma_gamma_fit_seconds": round(gg_seconds, 3),
        "fit_seconds": round(bg_seconds + gg_seconds, 3),
        "scoring_seconds": round(score_seconds, 3),
        "scoring_customers_per_second": round(n / score_seconds),
        "scoring_peak_traced_mb": round(score_peak / 2**20, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "converged": bg.converged and gg.converged,
        "bgnbd_fitted": {k: round(v, 4) for k, v in bg.params.as_dict().items()},
        "bgnbd_true": TRUE_BGNBD.as_dict(),
        "gamma_gamma_fitted": {k: round(v, 4) for k, v in gg.params.as_dict().items()},
        "gamma_gamma_true": TRUE_GAMMA_GAMMA.as_dict(),
        "total_clv": round(float(np.sum(scores.predicted_clv)), 2),
        "mean_probability_alive": round(float(scores.probability_alive.mean()), 4),
    }


def print_table(figures: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="CLV benchmark (BG/NBD x Gamma-Gamma)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    Console().print(table)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="synthetic customers (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--horizon-months", type=int, default=12)
    parser.add_argument("--annual-discount-rate", type=float, default=0.10)
    args = parser.parse_args(argv)
    figures = run(args.customers, args.seed, args.horizon_months, args.annual_discount_rate)
    print_table(figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
