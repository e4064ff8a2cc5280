"""The export-file second opinion (``benchmarks/export_people``) at a small size: its floors hold.

People and their mess are invented apart from the demo generator, written as the vendors' export
files into an empty home's landing folder, landed by the real ``cdw ingest --source drops`` as a
new seller lands them, resolved by the identity models (with their data tests) and scored per
phenomenon against the truth kept apart. The benchmark runs the whole ``cdw run``; the checks and
publish it adds are a fixed cost tested from an empty home elsewhere (``tests/first_day``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pytest

from benchmarks.export_people.exports import write_exports
from benchmarks.export_people.population import generate
from benchmarks.export_people.run import CDW, REPO_ROOT
from benchmarks.export_people.scoring import evaluate, loader_problems, print_table, resolved
from benchmarks.export_people.world import World
from benchmarks.identity_quality import build_identity
from core.settings import Paths

pytestmark = pytest.mark.e2e

PEOPLE = 150
"""The build's cost hardly depends on the size at 100-200 people (dbt's nodes dominate); 150 gives
13 phenomena of 20 or more true pairs each."""
SEED = 7
MIN_TRUE_PAIRS = 20
"""A floored phenomenon keeps at least this many true pairs, or its floor says little."""

# The gains measured on 2026-12-06 (150 people, seed 7), less 0.03 rounded down: they must only go
# up. Scores then: overall P 0.967 R 0.943; household_inbox R 0.933; household_landline R 0.951;
# sms_only R 0.906; phone_format P 0.933 R 0.917; every other floored figure 1.000.
# business_shared_inbox and business_personal are left out: they differ from the truth by design
# (a business is one customer; business and personal records never merge).
FLOORS: dict[str, dict[str, float]] = {
    "overall": {"precision": 0.93, "recall": 0.91},
    "clean": {"precision": 0.97, "recall": 0.97},
    "gift_order": {"precision": 0.97, "recall": 0.97},
    "swapped_names": {"precision": 0.97, "recall": 0.97},
    "household_inbox": {"precision": 0.97, "recall": 0.90},
    "household_landline": {"precision": 0.97, "recall": 0.92},
    "multi_account": {"precision": 0.97, "recall": 0.97},
    "email_plus_tag": {"precision": 0.97, "recall": 0.97},
    "email_typo": {"precision": 0.97, "recall": 0.97},
    "sms_only": {"precision": 0.97, "recall": 0.87},
    "moved_address": {"precision": 0.97, "recall": 0.97},
    "relay_email": {"precision": 0.97, "recall": 0.97},
    "phone_format": {"precision": 0.90, "recall": 0.88},
    "namesake": {"precision": 0.97, "recall": 0.97},
}


@dataclass
class ScoredRun:
    world: World
    exit_code: int
    output: str
    problems: list[str]
    report: dict


@pytest.fixture(scope="module")
def scored_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScoredRun]:
    """Generate, write the exports into an empty home's landing folder, ingest, resolve, score."""
    base = tmp_path_factory.mktemp("export_people")
    home = base / "home"
    paths = Paths(home)
    world = generate(PEOPLE, SEED)
    write_exports(world, paths.landing)
    ingest = subprocess.run([str(CDW), "ingest", "--source", "drops"], cwd=REPO_ROOT,
                            env={**os.environ, "CDW_HOME": str(home)}, capture_output=True, text=True, check=False)
    output = ingest.stdout + ingest.stderr
    assert paths.build_db.exists(), output[-4000:]
    if ingest.returncode == 0:
        build_identity(paths.build_db, base / "dbt")
    with duckdb.connect(str(paths.build_db), read_only=True) as con:
        customers = resolved(con) if ingest.returncode == 0 else {}
        problems = loader_problems(con, paths.landing)
    report = evaluate(world, customers)
    print_table(report)
    yield ScoredRun(world, ingest.returncode, output, problems, report)


def below_floors(report: dict, floors: dict[str, dict[str, float]]) -> list[str]:
    """Each floored figure the report falls below (a missing figure counts as 0)."""
    return [
        f"{name} {figure} {report['rows'][name][figure]} < {floor}"
        for name, figures in floors.items()
        for figure, floor in figures.items()
        if (report["rows"][name][figure] or 0.0) < floor
    ]


def test_run_loads_every_file_and_maps_every_record(scored_run: ScoredRun) -> None:
    assert scored_run.exit_code == 0, scored_run.output[-4000:]
    assert scored_run.problems == []
    assert scored_run.report["missing_from_map"] == {}
    assert scored_run.report["records"] == len(scored_run.world.records)


def test_floored_phenomena_keep_enough_pairs(scored_run: ScoredRun) -> None:
    rows = scored_run.report["rows"]
    thin = {name: rows[name]["true_pairs"] for name in FLOORS if rows[name]["true_pairs"] < MIN_TRUE_PAIRS}
    assert not thin, thin


def test_scores_hold_their_floors(scored_run: ScoredRun) -> None:
    failures = below_floors(scored_run.report, FLOORS)
    assert not failures, failures
