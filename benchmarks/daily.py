"""Time a daily run (one day of new data) against the full run it follows.

    python benchmarks/daily.py                       # S: 20,000 customers
    python benchmarks/daily.py --scale M             # 200,000
    python benchmarks/daily.py --customers 2000 --home /tmp/daily

Generates a demo, splits off its last full day (:mod:`benchmarks.daily_split`: about 0.3-0.4 % of
the rows, with late updates and refunds of old orders), runs the main job on everything before the
day (ingest -> build -> clv, suggest -> build -> check -> publish, timed per step), then drops the
day's files into the same home and runs the same steps again: the daily run. Both use the same
as-of (the day). Prints both runs per step, the daily run's time as a share of the full run's, the
peak resident memory of each step (:class:`benchmarks.memory.PeakMemory`), and one JSON line.

:func:`prepare` and :func:`drop_into` also serve ``tests/daily`` (a daily run against a full rebuild,
row for row).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.daily_split import DaySplit, day_before_end, split_day  # noqa: E402 - after the path
from benchmarks.scratch import run_root  # noqa: E402
from benchmarks.step_meter import StepMeter  # noqa: E402

SCALES = {"S": 20_000, "M": 200_000, "L": 1_000_000}


@dataclass
class RunFigures:
    """One run of the main job: per step, seconds and peak MB; and what blocked publishing, if anything."""

    steps: dict[str, dict[str, float]] = field(default_factory=dict)
    blocking: list[str] = field(default_factory=list)
    published: bool = False

    @property
    def seconds(self) -> float:
        return round(sum(s["seconds"] for s in self.steps.values()), 2)

    @property
    def peak_mb(self) -> int:
        return max((int(s["peak_mb"]) for s in self.steps.values()), default=0)


@dataclass
class DailyDemo:
    """A generated demo and its day split."""

    root: Path
    split: DaySplit

    @property
    def before(self) -> Path:
        return self.root / "split" / "before"

    @property
    def day(self) -> Path:
        return self.root / "split" / "day"

    @property
    def through(self) -> Path:
        return self.root / "split" / "through"


def prepare(root: Path, customers: int, seed: int, day: date | None = None, years: int = 3) -> DailyDemo:
    """Generate a demo of ``years`` under ``root/demo`` and split its day off under ``root/split``."""
    from demo.generate import generate

    landing, truth = root / "demo" / "landing", root / "demo" / "truth"
    generate(landing, truth, customers=customers, seed=seed, years=years)
    split = split_day(landing, root / "split", day or day_before_end(truth))
    return DailyDemo(root=root, split=split)


def run_steps(home: Path, as_of: date, run_id: str) -> RunFigures:
    """The main job (``cdw run``'s, without generate) on what is in ``home``'s demo landing folder, timed
    per step."""
    from cdw.context import make_context
    from cdw.main_job import run_main_job

    ctx = make_context(home=home, source="demo", as_of=as_of, run_id=run_id)
    meter = StepMeter(label=run_id)
    try:
        record = run_main_job(ctx, meter, generate=False).record
    finally:
        meter.close()
    figures = RunFigures(steps=meter.steps, published=record.status in ("success", "partial"))
    figures.blocking = [failure for step in record.steps.values() for failure in step.get("failures", [])] \
        + record.steps.get("check", {}).get("blocking_failures", []) + ([record.error] if record.error else [])
    return figures


def drop_into(home: Path, files: Path) -> None:
    """Copy landing files (``<system>/...``) into ``home``'s demo landing folder, as a vendor delivers them."""
    shutil.copytree(files, home / "demo" / "landing", dirs_exist_ok=True)


def full_run(home: Path, files: Path, as_of: date, run_id: str = "full") -> RunFigures:
    """A first run in an empty ``home`` on ``files``."""
    drop_into(home, files)
    return run_steps(home, as_of, run_id)


def daily_run(home: Path, drop: Path, as_of: date, run_id: str = "daily") -> RunFigures:
    """The next run in ``home`` after the day's ``drop`` arrived."""
    drop_into(home, drop)
    return run_steps(home, as_of, run_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--scale", choices=sorted(SCALES), default=None, help="S, M or L (20k, 200k, 1M customers)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--home", type=Path, default=None, help="keep the run here instead of a temp dir")
    args = parser.parse_args()
    # Great Expectations' regex metric warns once per rule about match groups: noise, not news
    warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression")
    customers = args.customers or SCALES[args.scale or "S"]
    with run_root(args.home, prefix="cdw-daily-") as root:
        started = time.perf_counter()
        demo = prepare(root, customers, args.seed)
        print(f"generated and split in {time.perf_counter() - started:.1f} s; {demo.split.describe()}", flush=True)
        home = root / "home"
        full = full_run(home, demo.before, demo.split.day)
        daily = daily_run(home, demo.day, demo.split.day)
        report(customers, demo.split, full, daily)


def report(customers: int, split: DaySplit, full: RunFigures, daily: RunFigures) -> None:
    share = daily.seconds / full.seconds if full.seconds else 0.0
    print(f"\ndaily run at {customers:,} customers; {split.describe()}")
    print(f"{'step':<18}{'full s':>9}{'daily s':>9}{'share':>8}{'full MB':>9}{'daily MB':>10}")
    for name, f in full.steps.items():
        d = daily.steps.get(name, {"seconds": 0.0, "peak_mb": 0})
        part = d["seconds"] / f["seconds"] if f["seconds"] else 0.0
        print(f"{name:<18}{f['seconds']:>9.1f}{d['seconds']:>9.1f}{part:>8.0%}{f['peak_mb']:>9,}{d['peak_mb']:>10,}")
    print(f"{'total':<18}{full.seconds:>9.1f}{daily.seconds:>9.1f}{share:>8.1%}{full.peak_mb:>9,}{daily.peak_mb:>10,}")
    print(f"published: full {full.published}, daily {daily.published}; target: daily under 5 % of full")
    for name, run in (("full", full), ("daily", daily)):
        if run.blocking:
            print(f"{name} run blocked by: " + "; ".join(run.blocking[:5]))
    print(json.dumps({"customers": customers, "day": split.day.isoformat(), "rows_before": split.rows_before,
                      "rows_day": split.rows_day, "day_share_of_rows": round(split.day_share, 5),
                      "full": {"steps": full.steps, "seconds": full.seconds, "peak_mb": full.peak_mb,
                               "published": full.published},
                      "daily": {"steps": daily.steps, "seconds": daily.seconds, "peak_mb": daily.peak_mb,
                                "published": daily.published},
                      "daily_share_of_full": round(share, 4)}))


if __name__ == "__main__":
    main()
