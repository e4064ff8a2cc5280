"""Privacy requests on a small warehouse shaped like the real one: find, export, erase, queue deletions."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from activation.state import ensure_schema
from cdw import privacy

ANN, ANN_PHONE, BOB = "ann.lee@example.com", "+14155550101", "bob@example.com"

SETUP = f"""
create schema raw_shopify; create schema raw_shopify_staging; create schema raw_klaviyo;
create schema intermediate; create schema marts;

create table raw_shopify.customers as select * from (values
    (101, '{ANN}', 'Ann', '{ANN_PHONE}'), (102, '{BOB}', 'Bob', null)) as t(id, email, first_name, phone);
create table raw_shopify_staging.customers as select * from raw_shopify.customers;
create table raw_shopify.orders as select * from (values
    (9001, 101, '#1001', 'ANN.LEE@example.com'), (9002, 102, '#1002', '{BOB}'), (9003, null, '#1003', null))
    as t(id, customer__id, name, email);
create table raw_shopify.orders__line_items as select * from (values (1, 9001), (2, 9002), (3, 9003))
    as t(id, order_id);
create table raw_shopify.refunds as select * from (values (71, 9001), (72, 9002)) as t(id, order_id);
create table raw_shopify.refunds__refund_line_items as select * from (values (1, 71), (2, 72)) as t(id, refund_id);
create table raw_shopify.quarantine as select * from (values
    ('q1', '{{"email": "{ANN}", "id": null}}'), ('q2', '{{"email": "x@y.z"}}')) as t(quarantine_id, payload);
create table raw_klaviyo.profiles as select * from (values
    ('01KLAV', '{ANN}'), ('01BOBK', '{BOB}')) as t(id, attributes__email);
create table raw_klaviyo.events as select * from (values ('e1', '01KLAV'), ('e2', '01BOBK'))
    as t(id, relationships__profile__data__id);

create table intermediate.int_identity_records as select * from (values
    ('n1', 'shopify:customer:101', 'shopify', 'customer', '101'),
    ('n2', 'shopify:order:9001', 'shopify', 'order', '9001'),
    ('n3', 'klaviyo:profile:01KLAV', 'klaviyo', 'profile', '01KLAV'),
    ('n4', 'shopify:customer:102', 'shopify', 'customer', '102'),
    ('n5', 'shopify:order:9002', 'shopify', 'order', '9002'),
    ('n6', 'shopify:order:9003', 'shopify', 'order', '9003'))
    as t(record_node_id, record_id, source_system, source_entity, source_key);
create table intermediate.int_identifiers as select * from (values
    ('n1', 'email', '{ANN}', '{ANN}'),
    ('n1', 'phone', '{ANN_PHONE}', '{ANN_PHONE}'),
    ('n3', 'email', 'annlee@example.com', '{ANN}'),
    ('n4', 'email', '{BOB}', '{BOB}'))
    as t(record_node_id, identifier_type, identifier_value, raw_value);
create table marts.customer_source_map as
select source_system, source_entity, source_key,
       case when record_id in ('shopify:customer:101', 'shopify:order:9001', 'klaviyo:profile:01KLAV')
            then 'cus_ann' when record_id = 'shopify:order:9003' then 'cus_anon' else 'cus_bob' end as customer_id,
       record_id
from intermediate.int_identity_records;
create table marts.customer_id_aliases as select * from (values ('cus_ann_old', 'cus_ann'), ('cus_bob', 'cus_bob'))
    as t(customer_id, current_customer_id);
create table marts.fct_orders as select * from (values
    ('shopify:9001', 'shopify', 'order', '9001', 40.0), ('shopify:9002', 'shopify', 'order', '9002', 10.0))
    as t(order_key, actor_source_system, actor_entity, actor_key, net_revenue);
create table marts.dim_customers as select * from (values ('cus_ann', '{ANN}', 'Ann'), ('cus_bob', '{BOB}', 'Bob'))
    as t(customer_id, best_email, first_name);
"""


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "build.duckdb"))
    for statement in SETUP.split(";\n"):
        if statement.strip():
            connection.execute(statement)
    ensure_schema(connection)
    for sync, destination, payload in (("vip_to_klaviyo", "klaviyo_main", {"email": ANN}),
                                       ("lapsed_to_meta", "meta_ads", {"email_sha256": privacy.sha256(ANN)})):
        connection.execute("insert into activation.sync_state (sync_name, record_key, customer_id, destination, "
                           "fields_json, remove_payload) values (?, 'cus_ann', 'cus_ann', ?, ?, ?)",
                           [sync, destination, json.dumps({"first_name": "Ann"}), json.dumps(payload)])
    connection.execute("insert into activation.sync_state (sync_name, record_key, customer_id, destination) "
                       "values ('vip_to_klaviyo', 'cus_bob', 'cus_bob', 'klaviyo_main')")
    yield connection
    connection.close()


def _holding(con: duckdb.DuckDBPyConnection, needle: str) -> set[str]:
    """Tables holding ``needle`` in any text column (lists included)."""
    found = set()
    rows = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                       "where table_catalog = current_database() and data_type in ('VARCHAR', 'VARCHAR[]')").fetchall()
    for schema, table, column in rows:
        hits = con.execute(f'select count(*) from "{schema}"."{table}" where contains(lower("{column}"::varchar), ?)',
                           [needle.lower()]).fetchone()[0]
        if hits:
            found.add(f"{schema}.{table}")
    return found


def test_every_identifier_finds_the_same_person_through_the_identity_graph(con):
    by_email = privacy.find_subject(con, "email", " Ann.Lee@Example.com ")
    by_phone = privacy.find_subject(con, "phone", ANN_PHONE)
    by_id = privacy.find_subject(con, "customer_id", "cus_ann_old")
    for subject in (by_email, by_phone, by_id):
        assert subject.customer_ids == {"cus_ann", "cus_ann_old"}
        assert subject.records == {("shopify", "customer", "101"), ("shopify", "order", "9001"),
                                   ("klaviyo", "profile", "01KLAV")}
        assert subject.emails == {ANN, "annlee@example.com"} and subject.phones == {ANN_PHONE}


def test_an_invalid_identifier_is_refused_without_echoing_it(con):
    with pytest.raises(privacy.PrivacyRequestError) as refused:
        privacy.find_subject(con, "phone", "415 555 0101")
    assert "0101" not in str(refused.value) and "international" in str(refused.value)


def test_access_request_exports_every_row_and_logs_no_personal_data(con, tmp_path):
    subject = privacy.find_subject(con, "email", ANN)
    result = privacy.export_subject(con, subject, tmp_path / "exports")
    assert result.rows == {
        "raw_shopify.customers": 1, "raw_shopify_staging.customers": 1, "raw_shopify.orders": 1,
        "raw_shopify.orders__line_items": 1, "raw_shopify.refunds": 1, "raw_shopify.refunds__refund_line_items": 1,
        "raw_shopify.quarantine": 1, "raw_klaviyo.profiles": 1, "raw_klaviyo.events": 1,
        "intermediate.int_identity_records": 3, "intermediate.int_identifiers": 3, "marts.customer_source_map": 3,
        "marts.customer_id_aliases": 1, "marts.fct_orders": 1, "marts.dim_customers": 1, "activation.sync_state": 2}
    exported = json.loads((result.export_dir / "raw_shopify.customers.json").read_text())
    assert exported == [{"id": 101, "email": ANN, "first_name": "Ann", "phone": ANN_PHONE}]
    assert ANN not in (result.export_dir / "manifest.json").read_text()
    assert _holding(con, ANN) >= {"raw_shopify.customers"}  # an export erases nothing
    assert "audit.privacy_requests" not in _holding(con, ANN)
    assert con.execute("select action, identifier_kind, subject_hash from audit.privacy_requests").fetchall() == [
        ("export", "email", privacy.sha256(ANN))]


def test_erasure_removes_the_person_everywhere_and_queues_each_destination(con):
    subject = privacy.find_subject(con, "email", ANN)
    result = privacy.erase_subject(con, subject)
    assert result.deletions_queued == 2
    queued = con.execute("select sync_name, destination, status from activation.deletion_queue "
                         "where customer_id = 'cus_ann' order by sync_name").fetchall()
    assert queued == [("lapsed_to_meta", "meta_ads", "pending"), ("vip_to_klaviyo", "klaviyo_main", "pending")]
    # what remains: the queued deletions' payloads (what each destination needs; cleared once sent) and the
    # activation tombstone that keeps the customer id from ever being planned again
    assert _holding(con, ANN) == {"activation.deletion_queue"}
    assert _holding(con, ANN_PHONE) == set()
    assert _holding(con, "01KLAV") == set()
    assert _holding(con, "cus_ann") == {"activation.deletion_queue"}
    # nobody else was touched
    assert con.execute("select count(*) from raw_shopify.orders").fetchone() == (2,)
    assert con.execute("select count(*) from raw_shopify.refunds__refund_line_items").fetchone() == (1,)
    assert con.execute("select customer_id from activation.sync_state").fetchall() == [("cus_bob",)]
    assert con.execute("select payload from raw_shopify.quarantine").fetchall() == [('{"email": "x@y.z"}',)]
    # hashes, never identifiers, are kept: the privacy suite blocks the person's return
    erased = {r[0] for r in con.execute("select subject_hash from audit.erased_subjects").fetchall()}
    assert privacy.sha256(ANN) in erased and privacy.sha256("cus_ann") in erased
    log = con.execute("select action, status, rows_affected, deletions_queued from audit.privacy_requests").fetchall()
    assert log == [("erase", "done", result.total_rows, 2)]


def test_a_person_nobody_holds_is_logged_and_nothing_is_erased(con):
    subject = privacy.find_subject(con, "email", "nobody@example.com")
    result = privacy.erase_subject(con, subject)
    assert not result.found and result.total_rows == 0
    assert con.execute("select status from audit.privacy_requests").fetchall() == [("not_found",)]
    assert con.execute("select count(*) from raw_shopify.customers").fetchone() == (2,)


def test_compaction_keeps_every_table(tmp_path, con):
    con.close()
    db = tmp_path / "build.duckdb"
    privacy.compact(db)
    reopened = duckdb.connect(str(db))
    assert reopened.execute("select count(*) from raw_shopify.orders").fetchone() == (3,)
    assert reopened.execute("select count(*) from activation.sync_state").fetchone() == (3,)
    reopened.close()
