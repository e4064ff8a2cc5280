"""The landing sensor's file finder sees what the command line reads: flat files by content, vendor folders."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import ingestion.file_drops.load as drops_load
import orchestration.landing_files as landing_files
from core.contracts import load_contracts
from ingestion.file_drops import load_drops
from ingestion.file_drops.discover import FALLBACK_SYSTEM
from ingestion.load import LoadResult
from orchestration.landing_files import new_files
from tests.file_drops.conftest import ZIP_BYTES, fixture_copy

SYSTEMS = set(load_contracts())
SETTLE_NS = 5 * 10**9


def aged(path: Path, seconds: float = 60) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


FIXTURE_FILES = {
    "orders_export_1.csv": ("orders_export_1.csv", "shopify"),  # flat, by name and headings
    "48392017443.txt": ("48392017443.txt", "amazon"),  # flat, Seller Central's numeric name: by headings
    "newsletter_profiles_export.csv": ("newsletter_profiles_export.csv", "klaviyo"),
    "tickets_export.json": ("tickets_export.json", "zendesk"),
    "zendesk/tickets_with_users.json": ("zendesk/tickets_with_users.json", "zendesk"),  # vendor folder
    "shopify/customers_export.csv": ("customers_export.csv", "shopify"),
}
OTHER_FILES: dict[str, tuple[bytes, str | None]] = {
    "shopify/orders.parquet": (b"canonical", "shopify"),  # canonical landing file (load_landing reads it)
    "report.xlsx": (ZIP_BYTES, FALLBACK_SYSTEM),  # not an export at all: some run must reject it
    "rejected/orders_export_2.csv": (b"Name;Email\n", None),  # refused before: never read again
    "rejected/orders_export_2.csv.reason.txt": (b"Problem: ...\n", None),
    ".DS_Store": (b"finder", None),
    "orders_export_3.csv.crdownload": (b"Name,", None),  # unfinished download
    "notes/orders.parquet": (b"canonical?", None),  # canonical files only count in vendor folders
}


def build_landing(landing: Path) -> dict[str, str | None]:
    """A landing folder in every layout; the vendor each file belongs to (None: not seen at all)."""
    expected: dict[str, str | None] = {}
    for relative, (fixture, system) in FIXTURE_FILES.items():
        aged(fixture_copy(fixture, landing, relative))
        expected[relative] = system
    for relative, (content, other) in OTHER_FILES.items():
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (landing / relative).write_bytes(content)
        aged(landing / relative)
        expected[relative] = other
    return expected


def test_flat_files_are_attributed_to_their_vendor_by_content(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    expected = build_landing(landing)
    found, _ = new_files(landing, SYSTEMS, None, time.time_ns(), SETTLE_NS)
    assert {f.file.relative: f.file.system for f in found} == {k: v for k, v in expected.items() if v}
    only_amazon, _ = new_files(landing, {"amazon"}, None, time.time_ns(), SETTLE_NS)
    assert sorted(f.file.relative for f in only_amazon) == ["48392017443.txt", "report.xlsx"]


def test_each_vendor_run_reads_exactly_the_files_the_sensor_gave_it(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The sensor's attribution and ``load_drops(systems=[...])`` (what the requested run calls) agree."""
    landing = tmp_path / "landing"
    build_landing(landing)
    found, _ = new_files(landing, SYSTEMS, None, time.time_ns(), SETTLE_NS)
    requested = {f.file.relative: f.file.system for f in found if not f.file.relative.endswith(".parquet")}

    def fake_load_landing(area: Path, warehouse: Path, pipelines: Path, **kwargs: object) -> LoadResult:
        return LoadResult(files_loaded=[p.relative_to(area).as_posix() for p in area.rglob("*.parquet")])

    monkeypatch.setattr(drops_load, "load_landing", fake_load_landing)
    read: dict[str, str] = {}
    for system in sorted(SYSTEMS):
        result = load_drops(landing, tmp_path / "wh.duckdb", tmp_path / "dlt", systems=[system],
                            move_rejected_files=False)
        for file in [*(f.file for f in result.loaded), *(r.file for r in result.rejected)]:
            assert file not in read, f"{file} read by both {read[file]} and {system}"
            read[file] = system
    assert read == requested


def test_an_unchanged_flat_file_is_not_read_again_on_the_next_tick(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    aged(fixture_copy("orders_export_1.csv", landing))
    calls: list[Path] = []
    original = landing_files.owner_system

    def counting(root: Path, path: Path) -> str:
        calls.append(path)
        return original(root, path)

    monkeypatch.setattr(landing_files, "owner_system", counting)
    [first], cursor = new_files(landing, SYSTEMS, None, time.time_ns(), SETTLE_NS)
    assert first.file.system == "shopify" and len(calls) == 1
    again, cursor = new_files(landing, SYSTEMS, cursor, time.time_ns(), SETTLE_NS)
    assert again == [] and len(calls) == 1


def test_a_flat_file_still_being_written_waits(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    path = fixture_copy("orders_export_1.csv", landing)
    aged(path, seconds=0)
    found, cursor = new_files(landing, SYSTEMS, None, time.time_ns(), SETTLE_NS)
    assert found == []
    aged(path)
    [request], _ = new_files(landing, SYSTEMS, cursor, time.time_ns(), SETTLE_NS)
    assert request.run_key.startswith("orders_export_1.csv:")


@pytest.mark.e2e
def test_a_flat_file_starts_a_dagster_run_that_lands_it(tmp_path: Path) -> None:
    """Dropped flat into landing/, an orders export is seen by the sensor and landed by the run it requests."""
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.resources import WarehouseResource

    aged(fixture_copy("orders_export_1.csv", tmp_path / "landing"))
    sensor = defs.resolve_sensor_def("landing_files")
    context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(),
                                      resources={"warehouse": WarehouseResource(home=str(tmp_path))})
    [request] = list(sensor(context).run_requests or [])
    assert (request.tags["cdw/landing_file"], request.tags["cdw/system"]) == ("orders_export_1.csv", "shopify")
    config = {"resources": {"warehouse": {"config": {**request.run_config["resources"]["warehouse"]["config"],
                                                     "home": str(tmp_path)}}}}
    result = defs.resolve_job_def("landing_ingest").execute_in_process(
        run_config=config, asset_selection=request.asset_selection, instance=dg.DagsterInstance.ephemeral(),
        tags=request.tags)
    orders = next(e.materialization for e in result.get_asset_materialization_events()
                  if e.asset_key == dg.AssetKey(["raw_shopify", "orders"]))
    assert orders.metadata["rows_landed"].value == 3
