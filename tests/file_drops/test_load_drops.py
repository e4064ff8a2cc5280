"""``load_drops`` with real dlt runs into a real DuckDB warehouse that the API-shaped path filled first.

One module-scoped world: the demo generator's vendor-shaped Parquet (the API twin of every table a
file drop fills) is loaded with ``load_landing``; then a drop folder with every good fixture, every
malformed one and some files to ignore is loaded twice with ``load_drops``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from demo.generate import generate
from ingestion.errors import LandingFileError
from ingestion.file_drops import PROCESSED_FILES_TABLE, DropResult, load_drops, rejected_files
from ingestion.file_drops import load as drops_load
from ingestion.file_drops.discover import FALLBACK_SYSTEM, owner_system
from ingestion.file_drops.load import file_sha256
from ingestion.load import LoadResult, load_landing
from tests.file_drops.conftest import BAD, FIXTURES, GOOD, ZIP_BYTES, fixture_copy, place

TWIN_TABLES = ("shopify/customers", "shopify/orders", "shopify/orders__line_items", "shopify/products",
               "shopify/products__variants", "amazon/orders", "amazon/order_items", "amazon/fba_shipments",
               "amazon/returns", "klaviyo/profiles", "zendesk/tickets", "zendesk/users")
BINARY = "profiles_export_binary.csv"
IGNORED = [".DS_Store", "orders_export_3.csv.crdownload", "shopify/orders.parquet"]

LANDED_KEYS = {
    "raw_shopify.customers": ("id", [7390187716653, 7390190329901, 7390194983213]),
    "raw_shopify.orders": ("id", [6104452841517, 6104453365805, 6104460017709]),
    "raw_shopify.orders__line_items": ("id", [-61044528415170001, -61044528415170002, -61044533658050001,
                                              -61044600177090001, -61044600177090002, -61044600177090003]),
    "raw_amazon.orders": ("amazon_order_id", ["113-4829152-6650617", "114-0378219-2284262", "111-9982735-1029384",
                                              "202-7719024-5512391"]),
    "raw_amazon.order_items": ("order_item_id", ["113-4829152-6650617:OUT-115-L", "113-4829152-6650617:SOCK-MER-3P-M",
                                                 "111-9982735-1029384:TOTE-CNV-NAT",
                                                 "202-7719024-5512391:RAIN-PCK-NV-L"]),
    "raw_shopify.products": ("handle", ["merino-crew-sock", "canvas-tote", "enamel-mug"]),
    "raw_shopify.products__variants": ("sku", ["SOCK-MER-CH-M", "SOCK-MER-CH-L", "TOTE-CNV-NAT", "MUG-ENM-WHT",
                                               "MUG-ENM-FOR"]),
    "raw_amazon.fba_shipments": ("shipment_item_id", ["DpHq3LzRN", "DpHq3LzRP", "DzK1p0VbX", "DqW4e8RtY"]),
    "raw_amazon.returns": ("license_plate_number", ["LPNRR7238491027", "LPNRR7238491544", "LPNRR7238492210"]),
    "raw_klaviyo.profiles": ("id", ["01HWQ4Z8J6W2Y5V0F7XN9C4B1A", "01HQ8VJ3C2K9D4E5F6G7H8J9K0",
                                    "01HX2B7M4N5P6Q7R8S9T0V1W2X"]),
    "raw_zendesk.tickets": ("id", [48213, 48230, 48241, 48250, 48251, 48260]),
    # side-loaded by the JSON document; the CSV's requesters
    "raw_zendesk.users": ("id", [28734522231, 360099887766, 28734510012, 28734519987, 28734514420]),
}
"""Keys each good fixture lands, per raw table (the same tables the API twin filled)."""

NOT_LANDED = {
    "raw_shopify.orders": ("id", [6104470000001]),  # orders_export_2.csv: missing headings
    "raw_shopify.customers": ("id", [7390300000001, 7390201012365]),  # semicolon file; a malformed e-mail
    "raw_amazon.orders": ("amazon_order_id", ["113-0000000-0000001"]),  # CSV renamed to .txt
    "raw_amazon.order_items": ("order_item_id", ["114-0378219-2284262:MUG-ENM-WHT"]),  # pending: no price yet
    "raw_amazon.fba_shipments": ("shipment_item_id", ["DpHq3LzZZ"]),  # a CSV renamed to .txt
    "raw_zendesk.tickets": ("id", [48297, 48298, 48299]),  # truncated JSON; the ragged CSV's good line too
}


@dataclass
class World:
    drop: Path
    warehouse: Path
    pipelines: Path
    twin_columns: dict[str, list[str]]
    before: dict[str, int]
    first: DropResult
    after_first: dict[str, int]
    second: DropResult
    after_second: dict[str, int]

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()


def raw_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name LIKE 'raw_%' "
                             "AND schema_name NOT LIKE '%_staging' AND table_name NOT LIKE '_dlt%'").fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchall()[0][0] for s, t in tables}


def raw_columns(warehouse: Path, tables: list[str]) -> dict[str, list[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: [r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
            t.split(".")).fetchall()] for t in tables}


def build_drop_folder(drop: Path) -> None:
    for name in GOOD:
        fixture_copy(name, drop)
    for name in BAD:
        place(FIXTURES / "bad" / name, drop / name)
    (drop / BINARY).write_bytes(ZIP_BYTES)
    for name in IGNORED:
        (drop / name).parent.mkdir(parents=True, exist_ok=True)
        (drop / name).write_bytes(b"ignored")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("drops")
    warehouse, pipelines = root / "warehouse" / "build.duckdb", root / "dlt"
    demo = root / "demo"
    generate(demo / "landing", demo / "truth", customers=40, seed=7)
    twin = root / "api_landing"
    for table in TWIN_TABLES:
        (twin / table).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(demo / "landing" / f"{table}.parquet", twin / f"{table}.parquet")
    load_landing(twin, warehouse, pipelines)
    twin_tables = [f"raw_{t.replace('/', '.')}" for t in TWIN_TABLES]
    twin_columns = raw_columns(warehouse, twin_tables)
    before = raw_counts(warehouse)
    drop = root / "drop"
    build_drop_folder(drop)
    first = load_drops(drop, warehouse, pipelines)
    after_first = raw_counts(warehouse)
    second = load_drops(drop, warehouse, pipelines)
    return World(drop, warehouse, pipelines, twin_columns, before, first, after_first, second, raw_counts(warehouse))


def keys_present(world: World, table: str, column: str, keys: list) -> list:
    found = {row[0] for row in world.query(f"SELECT {column} FROM {table}")}
    return [k for k in keys if k in found]


def test_each_export_lands_in_the_raw_table_of_its_api_twin(world: World) -> None:
    assert sorted(f.format for f in world.first.loaded) == sorted(GOOD.values())
    for table, (column, keys) in LANDED_KEYS.items():
        assert keys_present(world, table, column, keys) == keys, table
    # the same tables, not look-alikes: no column added to what the API-shaped path created
    assert raw_columns(world.warehouse, list(world.twin_columns)) == world.twin_columns
    assert world.first.load.extra_columns == {}


def test_rows_added_are_exactly_the_exports_rows(world: World) -> None:
    added = {t: world.after_first.get(t, 0) - world.before.get(t, 0) for t in world.after_first}
    assert {t: n for t, n in added.items() if n} == {
        **{table: len(keys) for table, (_, keys) in LANDED_KEYS.items()},
        "raw_shopify.quarantine": 1,
        "raw_amazon.quarantine": 2,
        PROCESSED_FILES_TABLE: len(GOOD),
    }
    assert world.first.load.quarantined == {
        "raw_shopify.customers": {"malformed email in email": 1},
        "raw_amazon.order_items": {"missing required item_price__amount": 1},
        "raw_amazon.returns": {"missing required license_plate_number": 1},
    }


def test_every_malformed_file_is_rejected_naming_the_file_and_the_problem(world: World) -> None:
    problems = {e.path.as_posix(): e.problem for e in world.first.rejected}
    assert set(problems) == {*BAD, BINARY}
    assert "missing required columns Name, Lineitem quantity" in problems["orders_export_2.csv"]
    assert "semicolon-separated" in problems["customers_export_2.csv"]
    assert "comma-separated; this export is tab-separated" in problems["All Orders Report.txt"]
    assert "Expected 41 columns, got 42" in problems["tickets_ragged.csv"]
    assert "not valid JSON" in problems["tickets_truncated.json"]
    assert "binary content" in problems[BINARY]
    assert "semicolon-separated" in problems["products_export_2.csv"]
    assert "comma-separated; this export is tab-separated" in problems["Amazon Fulfilled Shipments May.txt"]
    assert "missing required columns license-plate-number" in problems["fba_customer_returns_may.txt"]
    error = next(e for e in world.first.rejected if e.path.name == "orders_export_2.csv")
    assert str(error).startswith("orders_export_2.csv: Shopify orders export (CSV) by its name, but missing")
    assert not world.first.ok


def test_a_rejected_file_is_moved_aside_with_its_reason_and_not_read_again(world: World) -> None:
    for rejected in world.first.rejected:
        assert rejected.moved_to == f"rejected/{rejected.file}"
        assert rejected.reason_file == f"rejected/{rejected.file}.reason.txt"
        assert not (world.drop / rejected.file).exists()
        assert (world.drop / rejected.moved_to).read_bytes()  # kept, not deleted
        reason = (world.drop / rejected.reason_file).read_text()
        assert reason.startswith(f"{rejected.file} was rejected on ") and f"Problem: {rejected.problem}" in reason
    assert world.second.rejected == []  # rejected/ is never read
    assert rejected_files(world.drop) == {e.moved_to: e.problem for e in world.first.rejected}
    assert world.first.to_dict()["rejected"][0].keys() == {"file", "problem", "moved_to", "reason_file", "system"}


def test_nothing_from_a_rejected_file_lands(world: World) -> None:
    for table, (column, keys) in NOT_LANDED.items():
        assert keys_present(world, table, column, keys) == [], table
    sources = {row[0] for table in LANDED_KEYS for row in world.query(f"SELECT DISTINCT _cdw_source_file FROM {table}")}
    for name in (*BAD, BINARY):
        stem = Path(name).stem.replace(" ", "_")
        assert not any(s and stem in s for s in sources), name


def test_files_that_are_not_exports_are_ignored(world: World) -> None:
    assert sorted(world.first.ignored) == sorted(IGNORED)


def test_loading_the_same_files_again_changes_nothing(world: World) -> None:
    assert world.after_second == world.after_first
    assert world.second.loaded == []
    assert sorted(s.file for s in world.second.skipped) == sorted(GOOD)
    assert world.second.load.rows_landed == 0


def test_processed_files_are_recorded_by_content(world: World) -> None:
    recorded = world.query(f'SELECT file_name, sha256, format, system, "rows", tables FROM {PROCESSED_FILES_TABLE} '
                           "ORDER BY file_name")
    assert [(r[0], r[2]) for r in recorded] == sorted(GOOD.items())
    for file_name, sha256, _, _, _, _ in recorded:
        assert sha256 == file_sha256(world.drop / file_name)
    orders = next(r for r in recorded if r[0] == "orders_export_1.csv")
    assert orders[3:] == ("shopify", 6, '{"raw_shopify.orders": 3, "raw_shopify.orders__line_items": 6}')


def test_the_conversion_area_keeps_no_copy_of_customer_rows(world: World) -> None:
    area = world.pipelines / drops_load.CONVERSION_DIR
    assert not any(p.is_file() for p in area.rglob("*"))


def test_the_same_export_under_another_name_is_skipped(world: World, tmp_path: Path) -> None:
    fixture_copy("orders_export_1.csv", tmp_path / "again", "orders_export_1 (1).csv")
    result = load_drops(tmp_path / "again", world.warehouse, world.pipelines)
    assert [s.file for s in result.skipped] == ["orders_export_1 (1).csv"]
    assert "same content as orders_export_1.csv" in result.skipped[0].reason
    assert result.loaded == [] and raw_counts(world.warehouse) == world.after_first


def test_forcing_a_reload_duplicates_nothing(world: World, tmp_path: Path) -> None:
    fixture_copy("tickets_export_2024-05-20.csv", tmp_path / "force")
    result = load_drops(tmp_path / "force", world.warehouse, world.pipelines, force=True)
    assert [f.file for f in result.loaded] == ["tickets_export_2024-05-20.csv"]
    assert raw_counts(world.warehouse) == world.after_first


def test_a_file_the_loader_refuses_is_rejected_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the shared loader refuses a vendor's batch, each file is retried alone: only the culprit fails."""
    calls: list[list[str]] = []

    def fake_load_landing(landing: Path, warehouse: Path, pipelines: Path, **kwargs: object) -> LoadResult:
        files = sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*.parquet"))
        calls.append(files)
        culprit = [f for f in files if Path(f).name.startswith("tickets_export-")]
        if culprit:
            raise LandingFileError(landing / culprit[0], "column 'id' arrives with a different type")
        return LoadResult(files_loaded=files)

    monkeypatch.setattr(drops_load, "load_landing", fake_load_landing)
    for name in ("tickets_export.json", "tickets_export_2024-05-20.csv"):
        fixture_copy(name, tmp_path / "drop")
    result = load_drops(tmp_path / "drop", tmp_path / "wh.duckdb", tmp_path / "dlt")
    assert [f.file for f in result.loaded] == ["tickets_export_2024-05-20.csv"]
    assert [(e.path.as_posix(), e.problem) for e in result.rejected] == [
        ("tickets_export.json", "rejected by the loader: column 'id' arrives with a different type")]
    assert result.rejected[0].moved_to == "rejected/tickets_export.json"
    assert len(calls) == 3  # the batch, then each file alone


def test_a_run_for_some_vendors_reads_their_folders_and_their_flat_files(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []

    def fake_load_landing(landing: Path, warehouse: Path, pipelines: Path, **kwargs: object) -> LoadResult:
        files = [p.relative_to(landing).as_posix() for p in landing.rglob("*.parquet")]
        loaded.extend(files)
        return LoadResult(files_loaded=files)

    monkeypatch.setattr(drops_load, "load_landing", fake_load_landing)
    drop = tmp_path / "landing"
    fixture_copy("zendesk/tickets_with_users.json", drop)
    fixture_copy("orders_export_1.csv", drop / "shopify")
    fixture_copy("customers_export.csv", drop)  # flat: a Shopify export by its content
    (drop / "notes.csv").write_text("Email,some\nnotes,here\n")  # flat, no export: the closest export's vendor
    (drop / "report.xlsx").write_bytes(ZIP_BYTES)  # flat, not even text: the fallback vendor's run
    result = load_drops(drop, tmp_path / "wh.duckdb", tmp_path / "dlt", systems=["zendesk"])
    assert [f.file for f in result.loaded] == ["zendesk/tickets_with_users.json"]
    assert sorted(loaded) == ["zendesk/tickets/tickets_with_users-" + result.loaded[0].sha256[:8] + ".parquet",
                              "zendesk/users/tickets_with_users-" + result.loaded[0].sha256[:8] + ".parquet"]
    assert result.rejected == []
    shopify = load_drops(drop, tmp_path / "wh.duckdb", tmp_path / "dlt", systems=["shopify"])
    assert sorted(f.file for f in shopify.loaded) == ["customers_export.csv", "shopify/orders_export_1.csv"]
    assert owner_system(drop, drop / "notes.csv") == "klaviyo"  # one required heading of Klaviyo's profiles
    klaviyo = load_drops(drop, tmp_path / "wh.duckdb", tmp_path / "dlt", systems=["klaviyo"])
    assert [(e.file, e.moved_to, e.system) for e in klaviyo.rejected] == [
        ("notes.csv", "rejected/notes.csv", "klaviyo")]
    assert owner_system(drop, drop / "report.xlsx") == FALLBACK_SYSTEM == "amazon"
    fallback = load_drops(drop, tmp_path / "wh.duckdb", tmp_path / "dlt", systems=[FALLBACK_SYSTEM])
    assert [(e.file, e.moved_to) for e in fallback.rejected] == [("report.xlsx", "rejected/report.xlsx")]
    assert sorted(p.relative_to(drop).as_posix() for p in drop.rglob("*") if p.is_file()) == [
        "customers_export.csv", "rejected/notes.csv", "rejected/notes.csv.reason.txt", "rejected/report.xlsx",
        "rejected/report.xlsx.reason.txt", "shopify/orders_export_1.csv", "zendesk/tickets_with_users.json"]
    with pytest.raises(ValueError, match="no landing contract for system"):
        load_drops(drop, tmp_path / "wh.duckdb", tmp_path / "dlt", systems=["hubspot"])
