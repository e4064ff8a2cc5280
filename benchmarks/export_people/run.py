"""Generate, write the exports, run ``cdw run --source drops`` from an empty home, score, print."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks import export_people
from benchmarks.export_people.exports import write_exports, write_truth
from benchmarks.export_people.phenomena import PHENOMENA
from benchmarks.export_people.population import generate
from benchmarks.export_people.scoring import evaluate, f1, loader_problems, mistakes, print_table, resolved
from benchmarks.export_people.timeline import AS_OF
from core.settings import Paths

REPO_ROOT = Path(__file__).resolve().parents[2]
CDW = REPO_ROOT / ".venv" / "bin" / "cdw"
ABOUT = (export_people.__doc__ or "").split("\n\n")[0]


def run_cdw(home: Path) -> tuple[int, str]:
    """``cdw run --source drops`` on the home's landing folder, as a new user runs it."""
    env = {**os.environ, "CDW_HOME": str(home)}
    done = subprocess.run(
        [str(CDW), "run", "--source", "drops", "--as-of", AS_OF],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=ABOUT)
    parser.add_argument("--people", type=int, default=2000, help="people to invent (default 2000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--home",
        type=Path,
        help="an empty or new CDW_HOME (default: a fresh temporary folder); removed at the end unless --keep",
    )
    parser.add_argument("--keep", action="store_true", help="keep the home (files, truth.csv, warehouse)")
    args = parser.parse_args(argv)
    home = (args.home or Path(tempfile.mkdtemp(prefix="cdw_export_people_"))).resolve()
    if home.exists() and any(home.iterdir()):
        parser.error(f"{home} is not empty: the run must start from an empty home")
    paths = Paths(home)
    if args.keep:
        print(f"home (kept): {home}")
    try:
        started = time.perf_counter()
        w = generate(args.people, args.seed)
        lines = write_exports(w, paths.landing)
        write_truth(w, home / "truth.csv")
        generated = time.perf_counter() - started
        print(f"{len(w.people):,} people, {len(w.records):,} identity records; lines written: {lines}")
        started = time.perf_counter()
        code, output = run_cdw(home)
        ran = time.perf_counter() - started
        print(f"cdw run --source drops --as-of {AS_OF}: exit {code} in {ran:.0f} s")
        if code != 0:
            print("\n".join(output.splitlines()[-30:]))
        if not paths.build_db.exists():
            return 1
        started = time.perf_counter()
        with duckdb.connect(str(paths.build_db), read_only=True) as con:
            customers = resolved(con)
            problems = loader_problems(con, paths.landing)
        report = evaluate(w, customers)
        for problem in problems:
            print(problem)
        print(
            f"scored {report['records']:,} records (Amazon All Orders rows carry no identity: left out, "
            f"{sum(len(o.lines) for o in w.amazon_orders)} lines); not in customer_source_map: "
            f"{report['missing_from_map'] or 'none'}"
        )
        print_table(report)
        worst = sorted((n for n in PHENOMENA if report["rows"][n]["true_pairs"]), key=lambda n: f1(report["rows"][n]))
        for name in worst[:4]:
            print(f"{name} (F1 {f1(report['rows'][name]):.3f}):")
            print("\n".join(mistakes(w, customers, name)))
        scored = time.perf_counter() - started
        report |= {
            "people": len(w.people),
            "seed": args.seed,
            "cdw_exit": code,
            "loader_problems": problems,
            "seconds": {"generate": round(generated, 1), "cdw_run": round(ran, 1), "score": round(scored, 1)},
        }
        print(json.dumps(report))
        return 0 if code == 0 else 1
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
