"""Privacy requests end to end on a small demo: export, erase through the CLI, rebuild, nothing left anywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from activation.state import ensure_schema
from cdw import privacy, steps
from cdw.context import make_context
from cdw.publish import PublishRefused
from core.settings import Paths
from tests.shared_demo import CUSTOMERS as SHARED_CUSTOMERS
from tests.shared_demo import SharedDemo, copy_home

pytestmark = pytest.mark.e2e
CDW = str(Path(sys.executable).with_name("cdw"))
MODELS_ONLY = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]
SYNCS = (("vip_to_klaviyo", "klaviyo_main"), ("lapsed_to_meta", "meta_ads"))


def _cdw(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CDW_HOME": str(home), "COLUMNS": "160"}
    return subprocess.run([CDW, *args], env=env, capture_output=True, text=True, timeout=600)


def _build_models(paths: Paths) -> None:
    """dbt models (no data tests) in a child process: dbt keeps the warehouse file open in its process."""
    code = ("import sys; from cdw.context import demo_end_date; from core.dbt import run_dbt; "
            "from core.settings import get_paths; "
            f"p = get_paths(); r = run_dbt(p, {MODELS_ONLY!r}, as_of=demo_end_date(p)); "
            "print(r.failures[:5]); sys.exit(0 if r.success else 1)")
    env = {**os.environ, "CDW_HOME": str(paths.home)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def demo(tmp_path_factory, shared_demo: SharedDemo) -> tuple[Paths, dict]:
    """The session's demo (built and published), with one person "sent" to two destinations."""
    paths = Paths(copy_home(shared_demo, tmp_path_factory.mktemp("privacy_demo") / "home")).ensure()
    con = duckdb.connect(str(paths.build_db))
    try:
        email, phone, shopify_id = con.execute(
            "select c.email, c.phone, c.customer_id from staging.stg_shopify__customers as c "
            "join staging.stg_klaviyo__profiles as k using (email) where c.phone is not null "
            "order by c.customer_id limit 1").fetchone()
        subject = privacy.find_subject(con, "email", email)
        ensure_schema(con)
        customer_id = sorted(subject.customer_ids)[0]
        for sync, destination in SYNCS:
            con.execute("insert into activation.sync_state (sync_name, record_key, customer_id, destination, "
                        "fields_json, remove_payload) values (?, ?, ?, ?, ?, ?)",
                        [sync, customer_id, customer_id, destination, json.dumps({"first_name": "x"}),
                         json.dumps({"email": email})])
    finally:
        con.close()
    person = {"email": email, "phone": phone, "shopify_id": str(shopify_id), "customer_ids": subject.customer_ids,
              "emails": subject.emails, "phones": subject.phones}
    return paths, person


def _holding(db: Path, needles: set[str]) -> set[str]:
    """Tables (``schema.table``) with a text column containing one of ``needles`` (case-insensitive)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select table_schema, table_name, list(column_name) from information_schema.columns "
                           "where table_catalog = current_database() and data_type in ('VARCHAR', 'VARCHAR[]') "
                           "group by all").fetchall()
        values = "[" + ", ".join("'" + n.lower().replace("'", "''") + "'" for n in needles) + "]"
        found = set()
        for schema, table, columns in rows:
            text = " || ' ' || ".join(f'coalesce(lower("{c}"::varchar), \'\')' for c in columns)
            hit = con.execute(f'select count(*) from "{schema}"."{table}" '
                              f"where len(list_filter({values}, lambda n: contains({text}, n))) > 0").fetchone()[0]
            if hit:
                found.add(f"{schema}.{table}")
        return found
    finally:
        con.close()


def test_export_then_erase_then_rebuild_leaves_no_trace(demo):
    paths, person = demo
    identifiers = person["emails"] | person["phones"]
    assert person["email"] in person["emails"] and len(person["customer_ids"]) >= 1
    assert _holding(paths.serving_db, identifiers)  # published before the request

    exported = _cdw(paths.home, "privacy", "export", "--email", person["email"])
    assert exported.returncode == 0, exported.stdout[-2000:] + exported.stderr[-2000:]
    assert person["email"] not in exported.stdout
    export_dir = next((paths.home / "privacy" / "exports").iterdir())
    manifest = json.loads((export_dir / "manifest.json").read_text())
    assert manifest["tables"]["raw_shopify.customers"] >= 1 and manifest["tables"]["activation.sync_state"] == 2

    erased = _cdw(paths.home, "privacy", "erase", "--email", person["email"], "--yes", "--no-rebuild")
    assert erased.returncode == 0, erased.stdout[-2000:] + erased.stderr[-2000:]
    assert person["email"] not in erased.stdout and "deletions queued at 2" in erased.stdout

    _build_models(paths)  # the rebuild
    report = steps.check(make_context(home=paths.home, run_id="after-erasure"), suites=["privacy"], data_docs=False)
    assert report.outcomes and report.blocking_failures == []
    steps.publish(make_context(home=paths.home, run_id="after-erasure"), [])

    # no table in either warehouse holds the person's e-mails, phones, store id or customer id, but for
    # activation's deletion queue: the payloads the destinations need (cleared once sent) and the tombstone
    # that keeps an erased customer id from ever being planned again
    needles = identifiers | {person["shopify_id"]} | person["customer_ids"]
    assert _holding(paths.serving_db, needles) == set()
    assert _holding(paths.build_db, needles) == {"activation.deletion_queue"}
    con = duckdb.connect(str(paths.build_db), read_only=True)
    queued = con.execute("select sync_name, destination, status from activation.deletion_queue order by 1").fetchall()
    con.close()
    assert queued == sorted((sync, destination, "pending") for sync, destination in SYNCS)
    log = _cdw(paths.home, "privacy", "log")
    assert "erase" in log.stdout and person["email"] not in log.stdout


def test_a_person_brought_back_by_a_new_export_blocks_publishing_until_erased_again(demo):
    paths, person = demo
    forced = _cdw(paths.home, "ingest", "--force")  # the erasure rewrote the landing files: nobody comes back
    assert forced.returncode == 0, forced.stdout[-2000:]
    report = steps.check(make_context(home=paths.home, run_id="reingested"), suites=["privacy"], data_docs=False)
    assert report.outcomes and report.blocking_failures == []
    # the vendors still hold the person: a new export (the generator, same seed) brings them back
    generated = _cdw(paths.home, "generate", "--customers", str(SHARED_CUSTOMERS))
    assert generated.returncode == 0, generated.stdout[-2000:]
    assert _cdw(paths.home, "ingest", "--force").returncode == 0
    _build_models(paths)  # as `cdw run` does before its checks: the identity graph knows the new records
    report = steps.check(make_context(home=paths.home, run_id="reingested"), suites=["privacy"], data_docs=False)
    assert report.blocking_failures and all("erased person" in f for f in report.blocking_failures)
    with pytest.raises(PublishRefused) as refused:
        steps.publish(make_context(home=paths.home, run_id="reingested"), report.blocking_failures)
    assert "run the erasure again" in str(refused.value)
    again = _cdw(paths.home, "privacy", "erase", "--email", person["email"], "--yes", "--no-rebuild")
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    report = steps.check(make_context(home=paths.home, run_id="erased-again"), suites=["privacy"], data_docs=False)
    assert report.blocking_failures == []
