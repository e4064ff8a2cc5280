"""Command line: ``python -m demo --customers N --seed S --out DIR --truth DIR``."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from core.settings import DEFAULT_DEMO_CUSTOMERS, DEFAULT_DEMO_SEED, get_paths
from demo.config import DEFAULT_CHUNK_PERSONS
from demo.generate import DEFAULT_END_DATE, GenerationResult, GeneratorConfig, generate


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    paths = get_paths()
    parser = argparse.ArgumentParser(prog="python -m demo",
                                     description="Write seeded demo vendor data (Parquet) and its ground truth.")
    parser.add_argument("--customers", type=int, default=DEFAULT_DEMO_CUSTOMERS, help="true persons to generate")
    parser.add_argument("--seed", type=int, default=DEFAULT_DEMO_SEED)
    parser.add_argument("--out", type=Path, default=paths.demo_landing, help="vendor files: <out>/<system>/<table>")
    parser.add_argument("--truth", type=Path, default=paths.truth, help="ground truth (kept apart from --out)")
    parser.add_argument("--end-date", type=date.fromisoformat, default=DEFAULT_END_DATE, help="last day (YYYY-MM-DD)")
    parser.add_argument("--years", type=int, default=3, help="years of history up to --end-date")
    parser.add_argument("--chunk-persons", type=int, default=DEFAULT_CHUNK_PERSONS,
                        help="persons generated, written and freed at a time (memory follows this)")
    return parser.parse_args(argv)


def summary(result: GenerationResult) -> str:
    """A short table of rows per file and the totals."""
    width = max(len(name) for name in result.rows_per_table)
    lines = [f"{name:<{width}}  {rows:>10,}" for name, rows in result.rows_per_table.items()]
    lines.append(f"{'total':<{width}}  {result.total_rows:>10,}")
    lines.append(f"{result.customers:,} persons in {result.chunks} chunk(s), seed {result.seed}, ending "
                 f"{result.end_date.isoformat()}, {result.seconds:.1f} s -> {result.out_dir} "
                 f"(truth: {result.truth_dir})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    result = generate(args.out, args.truth, customers=args.customers, seed=args.seed, end_date=args.end_date,
                      years=args.years, config=GeneratorConfig(chunk_persons=args.chunk_persons))
    print(summary(result))


if __name__ == "__main__":
    main()
