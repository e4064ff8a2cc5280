"""An erasure reaches files too: landing files, exports, artifacts, other databases; exports expire; crashed
publishes leave nothing behind; dbt never records the caller's command line."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import sys
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cdw import publish as publishing
from cdw import retention, scrub
from cdw.privacy import Subject, sha256
from core.settings import Paths

ANN, ANN_PHONE, BOB = "ann.lee@example.com", "+14155550101", "bob@example.com"
TRACES = scrub.Traces(emails=frozenset({ANN}), phones=frozenset({ANN_PHONE}), names=frozenset({"ann lee"}),
                      keys=frozenset({"7012345000101", "cus_ann"}))


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


# ------------------------------------------------------------------------------------------ patterns


@pytest.mark.parametrize("text", [ANN, "ANN.LEE@EXAMPLE.COM", "mail: ann.lee@example.com.", "+14155550101",
                                  "(415) 555-0101", "415.555.0101", "+1 415 555 0101", "Ann Lee", "ann  LEE"])
def test_the_person_is_found_however_written(text):
    pattern = TRACES.text_pattern()
    assert pattern is not None and pattern.search(text), text


@pytest.mark.parametrize("text", ["joann.lee@example.com", "ann.lee@example.company", "+14155550102",
                                  "14155550101999", "Joann Leeds", "Ann Leeman"])
def test_others_are_not_taken_for_the_person(text):
    pattern = TRACES.text_pattern()
    assert pattern is not None and not pattern.search(text), text


# ------------------------------------------------------------------------------------------ landing files


def test_a_csv_export_loses_the_persons_lines_and_keeps_its_shape(tmp_path: Path):
    landing = tmp_path / "landing"
    landing.mkdir()
    export = landing / "customers_export.csv"
    lines = ["Customer ID,First Name,Last Name,Email,Phone,Note",
             "'7012345000101,Ann,Lee,Ann.Lee@example.com,,",  # the person by e-mail (case differs)
             "'7012345000102,Bob,Stone,bob@example.com,,\"Zoë says hi, twice\"",
             "'7012345000103,A.,L.,,(415) 555-0101,",  # the person by phone, written differently
             "'7012345000104,Cy,Ray,cy@example.com,+14155550102,\"multi\nline\""]
    export.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")
    report = scrub.scrub_file(export, TRACES, landing=[landing])
    assert report.rewritten == {export: 2}
    data = export.read_bytes()
    assert b"\r\n" in data and "Zoë".encode("cp1252") in data  # line ends and encoding kept
    text = data.decode("cp1252")
    assert text.splitlines()[0] == lines[0] and "bob@example.com" in text and "cy@example.com" in text
    assert "ann" not in text.lower() and "555-0101" not in text


def test_json_exports_lose_the_persons_records_at_any_depth(tmp_path: Path):
    landing = tmp_path / "landing"
    (landing / "zendesk").mkdir(parents=True)
    sideloaded = landing / "zendesk" / "tickets.json"
    sideloaded.write_text(json.dumps({"tickets": [{"id": 1, "requester_id": 7012345000101, "subject": "hi"},
                                                  {"id": 2, "requester_id": 9, "subject": "x"}],
                                      "users": [{"id": 7012345000101, "email": ANN, "name": "Ann Lee"},
                                                {"id": 9, "email": BOB, "name": "Bob"}]}, indent=2))
    lines = landing / "tickets.ndjson"
    lines.write_text(json.dumps({"id": 3, "via": {"from": {"address": ANN}}}) + "\n"
                     + json.dumps({"id": 4, "via": {"from": {"address": BOB}}}) + "\n")
    scrub.scrub_file(sideloaded, TRACES, landing=[landing])
    scrub.scrub_file(lines, TRACES, landing=[landing])
    document = json.loads(sideloaded.read_text())
    assert [t["id"] for t in document["tickets"]] == [2] and [u["id"] for u in document["users"]] == [9]
    assert [json.loads(line)["id"] for line in lines.read_text().splitlines()] == [4]


def _parquet(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def test_canonical_landing_files_lose_the_person_as_the_raw_tables_do(tmp_path: Path):
    """Record keys, children (line items, refund lines) and personal columns, like the raw erasure."""
    landing = tmp_path / "demo" / "landing"
    shop = landing / "shopify"
    _parquet(shop / "customers.parquet", [{"id": 101, "email": ANN, "first_name": "Ann"},
                                          {"id": 102, "email": BOB, "first_name": "Bob"}])
    _parquet(shop / "orders.parquet", [{"id": 9001, "customer__id": 101, "email": ANN},
                                       {"id": 9002, "customer__id": 102, "email": BOB},
                                       {"id": 9003, "customer__id": None, "email": ANN.upper()}])
    _parquet(shop / "orders" / "2024-06.parquet", [{"id": 9004, "customer__id": 101, "email": None}])
    _parquet(shop / "orders__line_items.parquet", [{"id": 1, "order_id": 9001}, {"id": 2, "order_id": 9002}])
    _parquet(shop / "refunds.parquet", [{"id": 71, "order_id": 9001}, {"id": 72, "order_id": 9002}])
    _parquet(shop / "refunds__refund_line_items.parquet", [{"id": 1, "refund_id": 71}, {"id": 2, "refund_id": 72}])
    subject = Subject(kind="email", subject_hash=sha256(ANN), customer_ids={"cus_ann"},
                      records={("shopify", "customer", "101"), ("shopify", "order", "9001")}, emails={ANN})
    removed = scrub.rewrite_landing_tables([landing], subject)
    assert {p.relative_to(shop).as_posix(): n for p, n in removed.items()} == {
        "customers.parquet": 1, "orders.parquet": 2, "orders/2024-06.parquet": 1, "orders__line_items.parquet": 1,
        "refunds.parquet": 1, "refunds__refund_line_items.parquet": 1}

    def ids(name: str) -> list[int]:
        return pq.read_table(shop / name).column("id").to_pylist()

    assert ids("customers.parquet") == [102] and ids("orders.parquet") == [9002]
    assert ids("orders/2024-06.parquet") == [] and ids("refunds__refund_line_items.parquet") == [2]
    assert pq.read_table(shop / "customers.parquet").schema.names == ["id", "email", "first_name"]


def test_other_parquet_files_lose_rows_holding_an_identifier_or_key(tmp_path: Path):
    truth = tmp_path / "persons.parquet"
    _parquet(truth, [{"person_id": 1, "email": ANN, "phone": "415-555-0101"},
                     {"person_id": 2, "email": BOB, "phone": None},
                     {"person_id": 3, "email": None, "phone": "(415) 555 0101"}])
    keys = tmp_path / "rows.parquet"
    _parquet(keys, [{"record_key": "7012345000101", "person_id": 1}, {"record_key": "7012345000102", "person_id": 2}])
    assert scrub.scrub_parquet(truth, TRACES) == 2 and scrub.scrub_parquet(keys, TRACES) == 1
    assert pq.read_table(truth).column("person_id").to_pylist() == [2]
    assert pq.read_table(keys).column("person_id").to_pylist() == [2]


# ------------------------------------------------------------------------------------------ artifacts


def test_logs_and_artifacts_are_redacted_and_binary_caches_dropped(tmp_path: Path):
    paths = Paths(tmp_path).ensure()
    log = paths.home / "dbt" / "logs" / "dbt.log"
    log.parent.mkdir(parents=True)
    log.write_text(f"invocation_command: cdw privacy erase --email {ANN} --yes\nnothing here\n")
    results = paths.home / "gx" / "uncommitted" / "validations" / "x.json"
    results.parent.mkdir(parents=True)
    results.write_text(json.dumps({"partial_unexpected_list": ["(415) 555-0101", "Ann Lee", "other"]}))
    cache = paths.dlt_dir / "cdw_shopify" / "trace.pickle"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(pickle.dumps({"error": f"bad row {ANN}", "n": 1}))
    innocent = paths.dlt_dir / "cdw_shopify" / "state.json"
    innocent.write_text('{"cursor": "2024-01-01"}')
    report = scrub.scrub_home(paths, TRACES)
    assert set(report.redacted) == {log.resolve(), results.resolve()} and report.deleted == [cache.resolve()]
    assert ANN not in log.read_text() and "nothing here" in log.read_text() and "[erased]" in log.read_text()
    assert json.loads(results.read_text())["partial_unexpected_list"] == ["[erased]", "[erased]", "other"]
    assert not cache.exists() and innocent.read_text() == '{"cursor": "2024-01-01"}'


def test_other_databases_are_cleaned_and_compacted(tmp_path: Path):
    paths = Paths(tmp_path).ensure()
    other = paths.home / "scratch" / "copy.duckdb"
    other.parent.mkdir()
    con = duckdb.connect(str(other))
    con.execute(f"create table people as select * from (values ('{ANN}', 1), ('{BOB}', 2), (null, 3)) t(email, n)")
    con.execute("create table ids as select * from (values ('cus_ann'), ('cus_bob')) t(customer_id)")
    con.close()
    store = paths.dagster_home / "storage.db"
    lite = sqlite3.connect(store)
    lite.execute("create table event_logs (id integer, event text)")
    lite.execute("insert into event_logs values (1, ?), (2, 'fine')", [f'{{"examples": ["{ANN}"]}}'])
    lite.commit()
    lite.close()
    scrub.scrub_home(paths, TRACES)
    con = duckdb.connect(str(other), read_only=True)
    assert con.execute("select n from people order by n").fetchall() == [(2,), (3,)]
    assert con.execute("select customer_id from ids").fetchall() == [("cus_bob",)]
    con.close()
    assert ANN.encode() not in other.read_bytes()  # not in a free block either
    lite = sqlite3.connect(store)
    assert lite.execute("select event from event_logs order by id").fetchall() == [('{"examples": ["[erased]"]}',),
                                                                                   ("fine",)]
    lite.close()
    assert ANN.encode() not in store.read_bytes()


def test_an_interrupted_ingest_blocks_the_erasure_until_it_is_finished(tmp_path: Path):
    from cdw.erase import ErasureBlocked, erase_person

    paths = Paths(tmp_path).ensure()
    package = paths.dlt_dir / "cdw_shopify" / "load" / "normalized" / "1718000000.123"
    package.mkdir(parents=True)
    assert scrub.pending_load_packages(paths) == [package]
    with pytest.raises(ErasureBlocked, match="cdw ingest"):
        erase_person(paths, "email", ANN)


# ------------------------------------------------------------------------------------------ exports


def _export(paths: Paths, name: str, exported_at: datetime, hashes: list[str], content: str = "{}") -> Path:
    folder = retention.exports_dir(paths) / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"request_id": name, "exported_at": exported_at.isoformat(),
                                                      "subject_hashes": hashes}))
    (folder / "raw_shopify.customers.json").write_text(content)
    return folder


def test_exports_expire_after_the_configured_retention(tmp_path: Path, monkeypatch):
    config = tmp_path / "warehouse.yml"
    config.write_text("privacy:\n  export_retention_days: 7\n")
    monkeypatch.setenv("CDW_WAREHOUSE_CONFIG", str(config))
    paths = Paths(tmp_path / "home").ensure()
    now = datetime.now(UTC)
    old = _export(paths, "old", now - timedelta(days=8), [])
    fresh = _export(paths, "fresh", now - timedelta(days=6), [])
    assert retention.purge_expired_exports(paths) == [old]
    assert not old.exists() and fresh.exists()
    assert retention.purge_expired_exports(paths, retention_days=0) == [fresh]


def test_an_erasure_purges_the_persons_exports_whichever_identifier_they_were_asked_by(tmp_path: Path):
    paths = Paths(tmp_path).ensure()
    now = datetime.now(UTC)
    by_phone = _export(paths, "by_phone", now, [sha256(ANN_PHONE)])
    legacy = _export(paths, "legacy", now, [], content=json.dumps([{"email": ANN}]))  # no hashes recorded
    someone_else = _export(paths, "bob", now, [sha256(BOB)], content=json.dumps([{"email": BOB}]))
    purged = retention.purge_subject_exports(paths, {sha256(ANN), sha256(ANN_PHONE)}, TRACES.bytes_pattern())
    assert sorted(purged) == sorted([by_phone, legacy]) and someone_else.exists()


# ------------------------------------------------------------------------------------------ publish


def test_crashed_publish_files_are_cleaned_at_the_next_publish(tmp_path: Path):
    paths = Paths(tmp_path).ensure()
    dead, alive = _dead_pid(), os.getpid()
    folder = paths.warehouse_dir
    spill = folder / "spill"  # DuckDB's spilled blocks of a killed build (core/resources.py)
    spill.mkdir()
    stale = [folder / f".serving.duckdb.{dead}.tmp", folder / f".serving.duckdb.{dead}.tmp.wal",
             folder / f".build.duckdb.{dead}.compact", spill / f"duckdb_temp_{dead}_0_storage_DEFAULT-0.tmp"]
    # work files of live processes (the spill file: another process's, this one's DuckDB removes its own)
    mine = [paths.warehouse_dir / f".serving.duckdb.{alive}.tmp.wal", spill / f"duckdb_temp_{os.getppid()}_0_owner"]
    for path in [*stale, *mine]:
        path.write_bytes(f"personal data of {ANN}".encode())
    assert publishing.stale_publish_files(paths) == sorted(stale)
    con = duckdb.connect(str(paths.build_db))
    con.execute("create schema marts; create table marts.fct_orders as select 1 as order_id")
    con.close()
    publishing.publish(paths, [], "after-crash")
    assert not any(p.exists() for p in stale) and paths.serving_db.exists()
    assert mine[1].exists()  # (``mine[0]`` is this process's own name: the publish reuses and removes it)


def test_a_refusal_for_a_returning_erased_person_says_to_erase_again(tmp_path: Path):
    paths = Paths(tmp_path)
    with pytest.raises(publishing.PublishRefused) as refused:
        publishing.publish(paths, ["marts.dim_customers privacy.no_erased_person x: 1 of 9 rows unexpected"], "r")
    assert "run the erasure again" in str(refused.value) and "cdw privacy erase" in str(refused.value)
    with pytest.raises(publishing.PublishRefused) as other:
        publishing.publish(paths, ["marts.fct_orders dictionary.x: 1 of 9 rows unexpected"], "r")
    assert "erasure" not in str(other.value)


# ------------------------------------------------------------------------------------------ dbt


def test_dbt_records_its_own_command_never_the_callers(tmp_path: Path, monkeypatch):
    """dbt writes sys.argv into its log and run_results.json; in process that was `cdw privacy erase --email ...`."""
    import dbt.cli.main

    from core import dbt as core_dbt
    from core import dbt_parse

    seen: list[list[str]] = []

    class Runner:
        def __init__(self, manifest=None, callbacks=None):
            pass

        def invoke(self, args):
            seen.append(list(sys.argv))

            class Result:
                exception = None
                success = True
                result = None
            return Result()

    monkeypatch.setattr(dbt.cli.main, "dbtRunner", Runner)
    monkeypatch.setattr(dbt_parse, "_parsed", OrderedDict())  # no parse kept from another test: dbt parses too
    monkeypatch.setattr(dbt_parse, "_written", {})
    monkeypatch.setenv(dbt_parse.PARSE_CACHE_ENV, "off")  # nor one saved by another process
    monkeypatch.setattr(sys, "argv", ["cdw", "privacy", "erase", "--email", ANN, "--yes"])
    core_dbt.run_dbt(Paths(tmp_path), ["build", "--select", "marts"])
    assert len(seen) == 2, "the parse and the build"
    assert all(argv == ["dbt", "build", "--select", "marts"] for argv in seen), seen
    assert sys.argv == ["cdw", "privacy", "erase", "--email", ANN, "--yes"]  # restored
