"""Erase means erased: after `cdw privacy erase`, no byte under CDW_HOME holds the person, and neither
`cdw ingest --force` nor `cdw run` brings them back.

A small demo is run (a copy of the session's shared demo, tests/shared_demo.py), then given the history a
real home has: dropped vendor exports (one loaded, one rejected with its reason), an access request by
another identifier, a dbt log line as the old in-process erase wrote it, GX results, a run record, a
binary cache, Dagster's SQLite storage, a crashed publish's temp file and WAL. Every file is then
searched (bytes, and every table of every DuckDB and Parquet file) for the person's e-mail, phone and
name (:mod:`tests.governance.leaks`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core.settings import Paths
from tests.governance.leaks import Person, find_person
from tests.shared_demo import SharedDemo, copy_home

pytestmark = pytest.mark.e2e
CDW = str(Path(sys.executable).with_name("cdw"))
FIXTURES = Path(__file__).parents[1] / "file_drops" / "fixtures"


def _cdw(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CDW_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([CDW, *args], env=env, capture_output=True, text=True, timeout=1200, input=stdin)


def _ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def _choose_person(build_db: Path) -> tuple[Person, str]:
    """A Shopify customer with a phone and a Klaviyo profile whose full name nobody else has."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        row = con.execute("""
            with names as (
                select lower(i.identifier_value) as full_name, count(distinct m.customer_id) as people
                from intermediate.int_identifiers as i
                join intermediate.int_identity_records as r using (record_node_id)
                join marts.customer_source_map as m on m.record_id = r.record_id
                where i.identifier_type = 'full_name' group by 1
            )
            select c.email, c.phone, lower(c.first_name), lower(c.last_name)
            from staging.stg_shopify__customers as c
            join staging.stg_klaviyo__profiles as k using (email)
            join names as n on n.full_name = lower(c.first_name || ' ' || c.last_name)
            where c.phone is not null and n.people = 1 and c.first_name not like '%.%'
            order by c.customer_id limit 1""").fetchall()[0]
    finally:
        con.close()
    email, phone, first, last = row
    return Person(emails=frozenset({email}), phones=frozenset({phone}), names=frozenset({(first, last)})), email


def _national(phone: str) -> str:
    digits = phone.lstrip("+")[-10:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def _give_history(paths: Paths, person: Person, email: str) -> None:
    """What a home that has lived a while holds about the person, outside the warehouse tables."""
    (phone,) = person.phones
    ((first, last),) = person.names
    full = f"{first.title()} {last.title()}"
    # vendor exports dropped into the landing folder: one that loads, one that was rejected
    with (FIXTURES / "customers_export.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    line = dict.fromkeys(header, "")
    line.update({"Customer ID": "'7390199999001", "First Name": first.title(), "Last Name": last.title(),
                 "Email": email.upper(), "Phone": f"'{phone}", "Accepts Email Marketing": "yes",
                 "Accepts SMS Marketing": "no", "Tax Exempt": "no", "Total Spent": "10.00", "Total Orders": "1"})
    out = io.StringIO()
    csv.writer(out).writerows([*rows, [line[h] for h in header]])
    paths.landing.mkdir(parents=True, exist_ok=True)
    (paths.landing / "customers_export.csv").write_text(out.getvalue())
    tickets = json.loads((FIXTURES / "zendesk" / "tickets_with_users.json").read_text())
    user = {**tickets["users"][0], "id": 28734599999, "name": full, "email": email, "phone": phone}
    ticket = {**tickets["tickets"][0], "id": 99999, "requester_id": 28734599999, "submitter_id": 28734599999}
    tickets["users"].append(user)
    tickets["tickets"].append(ticket)
    (paths.landing / "zendesk").mkdir(exist_ok=True)
    (paths.landing / "zendesk" / "tickets_with_users.json").write_text(json.dumps(tickets, indent=2))
    rejected = paths.landing / "rejected"
    rejected.mkdir()
    (rejected / "orders_export_9.csv").write_text(f"Name;Email\n#1;{email}\n#2;someone@example.com\n")
    (rejected / "orders_export_9.csv.reason.txt").write_text(
        f"not a Shopify orders export: in the line beginning '#1;{email}'\n")
    # logs and artifacts of earlier runs
    log = paths.home / "dbt" / "logs" / "dbt.log"
    with log.open("a") as handle:  # what the in-process erase used to leave
        handle.write(f"invocation_command: dbt privacy erase --email {email} --yes\n")
    validations = paths.home / "gx" / "uncommitted" / "validations" / "identity" / "old-run"
    validations.mkdir(parents=True, exist_ok=True)
    (validations / "marts.dim_customers.json").write_text(json.dumps(
        {"result": {"partial_unexpected_list": [_national(phone), full]}}))
    (paths.runs_dir / "20200101T000000Z-old.json").write_text(json.dumps(
        {"run_id": "20200101T000000Z-old", "started_at": "2020-01-01T00:00:00+00:00", "status": "blocked",
         "steps": {}, "error": f"customer {full} <{email}> came back"}))
    (paths.dlt_dir / "cdw_shopify" / "last_failure.pickle").write_bytes(pickle.dumps({"row": {"email": email}}))
    storage = paths.dagster_home / "storage"
    storage.mkdir(parents=True, exist_ok=True)
    lite = sqlite3.connect(storage / "runs.db")
    lite.execute("create table event_logs (id integer primary key, event text)")
    lite.execute("insert into event_logs (event) values (?), ('nothing')", [json.dumps({"sample": email})])
    lite.commit()
    lite.close()
    # a publish killed half way: its temp file and WAL stay beside the serving copy
    crashed = paths.warehouse_dir / ".serving.duckdb.4194000.tmp"
    shutil.copy(paths.serving_db, crashed)
    (paths.warehouse_dir / ".serving.duckdb.4194000.tmp.wal").write_bytes(b"WAL " + email.encode() + b" \x00" * 64)


@pytest.fixture(scope="module")
def home(tmp_path_factory, shared_demo: SharedDemo) -> tuple[Paths, Person, str]:
    paths = Paths(copy_home(shared_demo, tmp_path_factory.mktemp("erasure") / "home")).ensure()
    person, email = _choose_person(paths.build_db)
    _give_history(paths, person, email)
    drops = _cdw(paths.home, "ingest", "--source", "drops")  # the exports land (exit 1: a file is rejected)
    assert drops.returncode in (0, 1) and "ingested" in drops.stdout, drops.stdout[-2000:] + drops.stderr[-2000:]
    (phone,) = person.phones
    _ok(_cdw(paths.home, "privacy", "export", "--phone", phone))  # an access request by another identifier
    assert find_person(paths.home, person), "the person must be somewhere before the erasure"
    return paths, person, email


def test_erase_leaves_no_byte_of_the_person_under_the_home(home):
    paths, person, email = home
    erased = _ok(_cdw(paths.home, "privacy", "erase", "--email", "-", "--yes", stdin=email + "\n"))
    assert email not in erased.stdout + erased.stderr
    assert "rebuilt and published" in erased.stdout
    assert find_person(paths.home, person) == []
    assert not list((paths.home / "privacy" / "exports").iterdir())
    assert not list(paths.warehouse_dir.glob(".serving.duckdb.*"))
    run_results = json.loads((paths.home / "dbt" / "target" / "run_results.json").read_text())
    assert run_results["args"]["invocation_command"].startswith("dbt build")


def test_nothing_brings_the_person_back(home):
    paths, person, _ = home
    _ok(_cdw(paths.home, "ingest", "--force"))
    forced_drops = _cdw(paths.home, "ingest", "--source", "drops", "--force")
    assert forced_drops.returncode in (0, 1), forced_drops.stdout[-2000:]  # 1: the rejected file is named again
    run = _ok(_cdw(paths.home, "run", "--skip-generate"))
    assert "blocked" not in run.stdout
    assert find_person(paths.home, person) == []
