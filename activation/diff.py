"""The set-based diff: what a sync must add, update and remove, computed in DuckDB.

Two steps, both single SQL statements over whole relations:

1. ``_act_source`` (temp table, narrow): the audience reduced to what the comparison needs. Per
   record: the record key (``customer_id``, or ``trigger_id`` for trigger audiences), the MD5 of the
   mapped fields as canonical JSON (``to_json(struct_pack(target := column, ...))``), an MD5 of the
   identifiers the destination matches on, and ``eligible``: consent given, not suppressed, the
   identifiers present, and no erasure on record. Duplicate keys are collapsed to one row.
2. ``_act_plan`` (temp table): ``_act_source`` against ``activation.sync_state`` for this sync:

   * ``add``: eligible, never accepted by the destination;
   * ``update``: eligible, accepted before with the same identity but different fields;
   * identity changed (e.g. a new email): ``remove`` the old identity, then ``add`` the new one;
   * ``remove``: accepted before and no longer eligible: in ``mirror`` mode whoever left the
     audience; in every mode except ``append``, whoever is still listed but lost consent or became
     suppressed (unless ``remove_on_consent_loss: false``);
   * ``append`` (trigger audiences): eligible trigger events never sent. Nothing is ever updated or
     removed in append mode: an event that happened stays sent.

   Records whose last attempts failed ``max_record_attempts`` times ("dead") are left out until
   their fields or identifiers change. Only the planned rows get their wide columns (identifiers, fields JSON,
   stored payloads), joined back by key. Rows are numbered (``seq``) in send order (removes,
   updates, adds), so the runner reads them back batch by batch with a range filter.

Nothing here talks to a destination; a dry run is this module plus a summary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from activation.config import SyncConfig
from activation.consent import consent_column
from activation.destinations.base import Destination
from activation.state import SCHEMA
from core.sql import literal as lit
from core.sql import quote_identifier as q
from core.sql import quote_relation

SOURCE = "_act_source"
KEYS = "_act_keys"
PLAN = "_act_plan"
OP_NAMES = {"add": "adds", "append": "adds", "update": "updates", "remove": "removes"}
CONTRACT_COLUMNS = ("customer_id", "is_suppressed")
SAMPLE_SIZE = 5
# Which row wins when an audience lists a key twice (both passes must pick the same one).
DEDUPE_ORDER = "eligible desc, fields_hash, identity_hash"


class AudienceError(ValueError):
    """The audience relation is missing or does not satisfy the contract for this sync."""


@dataclass
class Plan:
    sync: SyncConfig
    counts: dict[str, int] = field(default_factory=dict)           # op -> rows
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)  # op -> (first seq, last seq)

    @property
    def summary(self) -> dict[str, int]:
        """{'adds', 'updates', 'removes'} counts."""
        out = {"adds": 0, "updates": 0, "removes": 0}
        for op, count in self.counts.items():
            out[OP_NAMES[op]] += count
        return out


def audience_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """Column names of the audience relation; :class:`AudienceError` when it does not exist."""
    try:
        cursor = con.execute(f"select * from {quote_relation(relation)} limit 0")
    except duckdb.Error as exc:
        raise AudienceError(f"audience {relation} cannot be read: {str(exc).splitlines()[0]}") from None
    return [d[0] for d in cursor.description]


def check_contract(columns: list[str], sync: SyncConfig, destination: Destination) -> None:
    """Raise :class:`AudienceError` naming every column the sync needs but the audience lacks."""
    needed = list(CONTRACT_COLUMNS)
    consent = consent_column(sync.consent)
    if consent:
        needed.append(consent)
    needed.extend(destination.identity_requirement(sync)[1])
    needed.extend(f.column for f in sync.fields)
    if sync.is_trigger:
        needed.extend(["trigger_id", "triggered_at"])
    missing = [c for c in dict.fromkeys(needed) if c not in columns]
    if missing:
        raise AudienceError(f"audience {sync.audience} lacks column(s) {missing} needed by sync {sync.name} "
                            "(see the audience contract in activation/README.md)")


def _struct(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return "'{}'"
    return "to_json(struct_pack(" + ", ".join(f"{q(k)} := {v}" for k, v in pairs) + "))"


def source_sql(sync: SyncConfig, destination: Destination, columns: list[str], only_keys: str | None = None,
               as_of: datetime | None = None) -> str:
    """SELECT producing the per-record source rows (key, identifiers, hashes, eligibility).

    ``only_keys`` (a one-column subquery) restricts the rows *before* anything is computed, so the
    wide columns can be produced for the planned keys alone. ``as_of`` (naive UTC) is the moment a
    trigger sync's window ends: the run's as-of, the same one the trigger models were built for
    (default: the clock).
    """
    consent = consent_column(sync.consent)
    rule, required = destination.identity_requirement(sync)
    if rule == "none" or not required:
        presence = "true"
    else:
        presence = (" or " if rule == "any" else " and ").join(f"{q(c)} is not null" for c in required)
    identity = _struct([(c, q(c)) for c in destination.identity_columns] or [("customer_id", "customer_id")])
    fields = _struct([(f.target, q(f.column)) for f in sync.fields])
    key = "cast(\"trigger_id\" as varchar)" if sync.is_trigger else "cast(\"customer_id\" as varchar)"
    optional = {c: (f"cast({q(c)} as varchar)" if c in columns else "cast(null as varchar)")
                for c in ("email", "phone")}
    trigger = ("cast(\"trigger_id\" as varchar) as trigger_id, cast(\"triggered_at\" as varchar) as triggered_at"
               if sync.is_trigger else "cast(null as varchar) as trigger_id, cast(null as varchar) as triggered_at")
    window = ""
    if sync.is_trigger and sync.trigger_window_hours:
        end = f"cast('{as_of.isoformat(sep=' ')}' as timestamp)" if as_of is not None else "now()"
        window = (f" and \"triggered_at\" >= {end} - to_microseconds(cast({float(sync.trigger_window_hours)} "
                  "* 3600000000 as bigint))")
    erased = f"select customer_id from {SCHEMA}.deletion_queue"
    return f"""
        select *, md5(fields_json) as fields_hash
        from (
            select
                {key} as record_key,
                cast("customer_id" as varchar) as customer_id,
                {optional["email"]} as email,
                {optional["phone"]} as phone,
                {trigger},
                {f"cast({q(consent)} as boolean)" if consent else "cast(null as boolean)"} as consent,
                cast("is_suppressed" as boolean) as suppressed,
                {fields} as fields_json,
                md5({identity}) as identity_hash,
                ({"coalesce(cast(" + q(consent) + " as boolean), false)" if consent else "true"}
                 and not coalesce(cast("is_suppressed" as boolean), false)
                 and ({presence})
                 and cast("customer_id" as varchar) not in ({erased})) as eligible
            from {quote_relation(sync.audience)}
            where {key} is not null and "customer_id" is not null{window}
                  {f"and {key} in ({only_keys})" if only_keys else ""}
        )
    """


def _dedupe(con: duckdb.DuckDBPyConnection) -> int:
    """Collapse duplicate record keys in the source (the contract says one row per member); returns how many."""
    duplicates = con.execute(f"select count(*) - count(distinct record_key) from {SOURCE}").fetchone()[0]
    if duplicates:
        con.execute(f"""create or replace temp table {SOURCE} as select * from {SOURCE}
                        qualify row_number() over (partition by record_key order by {DEDUPE_ORDER}) = 1""")
    return int(duplicates)


def build_plan(con: duckdb.DuckDBPyConnection, sync: SyncConfig, destination: Destination,
               as_of: datetime | None = None) -> Plan:
    """Compute the plan into the temp table ``_act_plan`` and return its counts and seq ranges.

    The comparison runs on narrow rows (key and two hashes); the wide columns (identifiers, fields
    JSON, stored payloads) are joined back only for the rows that are planned.
    """
    columns = audience_columns(con, sync.audience)
    check_contract(columns, sync, destination)
    con.execute(f"create or replace temp table {SOURCE} as select record_key, customer_id, identity_hash, "
                f"fields_hash, eligible from ({source_sql(sync, destination, columns, as_of=as_of)})")
    _dedupe(con)
    name = lit(sync.name)
    keep_removes = "true" if sync.mode == "mirror" else ("x.record_key is not null" if sync.remove_on_consent_loss
                                                         else "false")
    if sync.is_trigger:
        keys = "select 3 as op_order, 'append' as op, cast(null as varchar) as reason, record_key " \
               "from e anti join s using (record_key)"
    else:
        keys = f"""
            select 1 as op_order, 'remove' as op, 'identity_changed' as reason, record_key
            from changed where identity_changed
            union all
            select 1, 'remove', case when x.record_key is not null then 'consent_or_suppressed'
                                     else 'left_audience' end, s.record_key
            from s anti join e using (record_key) left join x using (record_key)
            where {keep_removes}
            union all
            select 2, 'update', null, record_key from changed where not identity_changed
            union all
            select 3, 'add', null, record_key from e anti join s using (record_key)
            union all
            select 3, 'add', 'identity_changed', record_key from changed where identity_changed
        """
    # 1) narrow comparison: which keys get which operation
    con.execute(f"""
        create or replace temp table {KEYS} as
        with s as materialized (
            select record_key, identity_hash, fields_hash from {SCHEMA}.sync_state
            where sync_name = {name} and customer_id not in (select customer_id from {SCHEMA}.deletion_queue
                                                             where sync_name = {name} and status = 'pending')
        ),
        e as materialized (select record_key, identity_hash, fields_hash from {SOURCE} where eligible),
        x as (select record_key from {SOURCE} where not eligible),
        changed as materialized (
            select record_key, e.identity_hash <> s.identity_hash as identity_changed
            from e join s using (record_key)
            where e.identity_hash <> s.identity_hash or e.fields_hash <> s.fields_hash
        )
        {keys}
    """)
    # 2) wide columns for the planned keys only; dead records left out
    wide = source_sql(sync, destination, columns, only_keys=f"select record_key from {KEYS} where op <> 'remove'",
                      as_of=as_of)
    removal = "k.op = 'remove'"
    con.execute(f"""
        create or replace temp table {PLAN} as
        with planned as (
            select k.op_order, k.op, k.reason, k.record_key,
                   case when {removal} then st.customer_id else src.customer_id end as customer_id,
                   case when {removal} then null else src.email end as email,
                   case when {removal} then null else src.phone end as phone,
                   case when {removal} then null else src.trigger_id end as trigger_id,
                   case when {removal} then null else src.triggered_at end as triggered_at,
                   case when {removal} then null else src.consent end as consent,
                   case when {removal} then null else src.suppressed end as suppressed,
                   case when {removal} then st.fields_json else src.fields_json end as fields_json,
                   case when {removal} then st.fields_hash else src.fields_hash end as fields_hash,
                   case when {removal} then st.identity_hash else src.identity_hash end as identity_hash,
                   case when k.op = 'update' then st.fields_json end as prev_fields_json,
                   case when {removal} then st.remove_payload end as remove_payload
            from {KEYS} k
            left join (
                select * from ({wide})
                qualify row_number() over (partition by record_key order by {DEDUPE_ORDER}) = 1
            ) src on src.record_key = k.record_key and k.op <> 'remove'
            left join (
                select * from {SCHEMA}.sync_state
                where sync_name = {name}
                  and record_key in (select record_key from {KEYS} where op in ('remove', 'update'))
            ) st on st.record_key = k.record_key and k.op in ('remove', 'update')
        ),
        dead as (
            select distinct record_key, op, fields_hash, identity_hash from {SCHEMA}.sync_failures
            where sync_name = {name} and status = 'dead'
        )
        select row_number() over (order by op_order, record_key) as seq, p.* exclude (op_order)
        from planned p
        where not exists (
            select 1 from dead d
            where d.record_key = p.record_key
              and ((p.op = 'remove' and d.op = 'remove')
                   or (p.op <> 'remove' and d.op <> 'remove' and d.fields_hash is not distinct from p.fields_hash
                       and d.identity_hash is not distinct from p.identity_hash))
        )
    """)
    plan = Plan(sync=sync)
    for op, count, first, last in con.execute(
            f"select op, count(*), min(seq), max(seq) from {PLAN} group by op").fetchall():
        plan.counts[op] = int(count)
        plan.ranges[op] = (int(first), int(last))
    return plan


PLAN_COLUMNS = ("seq", "op", "reason", "record_key", "customer_id", "email", "phone", "trigger_id", "triggered_at",
                "consent", "suppressed", "fields_json", "fields_hash", "identity_hash", "prev_fields_json",
                "remove_payload")


def fetch(con: duckdb.DuckDBPyConnection, first: int, last: int) -> list[dict[str, Any]]:
    """Plan rows with ``first <= seq <= last``, in order."""
    cursor = con.execute(f"select {', '.join(PLAN_COLUMNS)} from {PLAN} where seq between ? and ? order by seq",
                         [first, last])
    return [dict(zip(PLAN_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def _changes(old_json: str | None, new_json: str | None) -> dict[str, list[Any]]:
    old = json.loads(old_json) if old_json else {}
    new = json.loads(new_json) if new_json else {}
    return {k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


def samples(con: duckdb.DuckDBPyConnection, plan: Plan, size: int = SAMPLE_SIZE) -> dict[str, list[dict[str, Any]]]:
    """A few rows per op for humans: who, and what changes (identifiers are not shown)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for op, (first, _) in sorted(plan.ranges.items(), key=lambda kv: kv[1][0]):
        rows = fetch(con, first, first + size - 1)
        items = []
        for row in rows:
            if row["op"] != op:
                continue
            item: dict[str, Any] = {"customer_id": row["customer_id"]}
            if row["reason"]:
                item["reason"] = row["reason"]
            if op in ("add", "append"):
                item["fields"] = json.loads(row["fields_json"] or "{}")
                if row["trigger_id"]:
                    item["trigger_id"] = row["trigger_id"]
            elif op == "update":
                item["changes"] = _changes(row["prev_fields_json"], row["fields_json"])
            items.append(item)
        out[op] = items
    return out
