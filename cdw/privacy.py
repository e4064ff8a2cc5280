"""Privacy requests: export everything held about a person (access), or erase them.

A request names a person by e-mail, phone or ``customer_id``. The identity graph finds every
record of that person: the identifier's records (``intermediate.int_identifiers``), their
``customer_id`` (and its aliases), then every record mapped to it (``marts.customer_source_map``)
and every e-mail and phone those records carry. Rows are then found

* in raw data (``raw_<system>`` and dlt's ``raw_<system>_staging`` copies) by the record keys the
  data dictionary's ``privacy.records`` lists per identity entity, by their child rows
  (``privacy.children``) and by any personal column holding one of the person's e-mails or phones;
  quarantined rows by their payload;
* in derived tables (intermediate, marts, audit) by customer-id, record-id and node-id columns,
  by (source or actor) system/entity/key, and by personal columns holding an identifier;
* in the reverse-ETL state (``activation.*``).

Staging models are views over raw data: they follow. An erasure first queues a deletion at every
destination the person was sent to (``activation.erasure.queue_erasure``), then deletes the rows,
records hashes of the erased identifiers (``audit.erased_subjects``: the privacy suite blocks a
run that brings the person back) and logs the request in ``audit.privacy_requests`` without the
identifier itself. Rebuild and publish afterwards so derived tables and the serving copy follow.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from activation.hashing import normalise_email, normalise_phone
from cdw.retention import export_expires_at
from core.dictionary import Dictionary, load_dictionary
from core.sql import literal, quote_identifier

SOURCE_MAP = "marts.customer_source_map"
ALIASES = "marts.customer_id_aliases"
IDENTIFIERS = "intermediate.int_identifiers"
RECORDS = "intermediate.int_identity_records"
REQUESTS = "audit.privacy_requests"
ERASED = "audit.erased_subjects"
KINDS = ("email", "phone", "customer_id")
MIN_KEY_LENGTH = 6  # shorter record keys are not searched for inside quarantined payloads
# Identifier types other people share by nature (a first name, a full name, a household's address):
# never used to pick the person's rows.
SHARED_IDENTIFIER_TYPES = ("first_name", "full_name", "postal_address")


class PrivacyRequestError(ValueError):
    """The request cannot be carried out as given (the message says why, without the identifier)."""


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def mask(value: str) -> str:
    """Enough of an identifier to recognise it in a log, not to recover it: ``j***@g***``."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return f"{value[:2]}***{value[-2:]}" if len(value) > 6 else "***"


def normalise(kind: str, value: str) -> str:
    """The identifier as the warehouse stores it (e-mail lower case, phone E.164)."""
    if kind == "email":
        normalised = normalise_email(value)
    elif kind == "phone":
        normalised = normalise_phone(value)
    elif kind == "customer_id":
        normalised = value.strip() or None
    else:
        raise PrivacyRequestError(f"unknown identifier kind {kind!r}; use one of {', '.join(KINDS)}")
    if not normalised:
        hint = " (use international form, e.g. +14155550134)" if kind == "phone" else ""
        raise PrivacyRequestError(f"the {kind} given is not valid{hint}")
    return normalised


@dataclass
class Subject:
    """Everything that identifies one person in the warehouse."""

    kind: str
    subject_hash: str  # sha256 of the normalised identifier the request gave
    customer_ids: set[str] = field(default_factory=set)
    record_ids: set[str] = field(default_factory=set)
    node_ids: set[str] = field(default_factory=set)
    records: set[tuple[str, str, str]] = field(default_factory=set)  # (system, entity, key)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    identifier_values: set[tuple[str, str]] = field(default_factory=set)
    """(identifier_type, identifier_value) of the person's records in the identity graph, but the types
    other people share by nature (``SHARED_IDENTIFIER_TYPES``): they pick the person's rows in the
    identity tables keyed by identifier (edges, rules, links)."""

    @property
    def identifiers(self) -> set[str]:
        return self.emails | self.phones

    @property
    def found(self) -> bool:
        """Whether the identity graph knows the person (raw rows may still match the identifier alone)."""
        return bool(self.customer_ids or self.records)


# --------------------------------------------------------------------------------------- warehouse


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Base tables (not views) -> column -> type, lower-case names."""
    rows = con.execute(
        """
        select lower(c.table_schema || '.' || c.table_name), lower(c.column_name), upper(c.data_type)
        from information_schema.columns as c
        join information_schema.tables as t
          on t.table_catalog = c.table_catalog and t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_catalog = current_database() and t.table_type = 'BASE TABLE'
          and c.table_schema not in ('information_schema', 'pg_catalog')
        order by c.table_schema, c.table_name, c.ordinal_position
        """
    ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for relation, column, data_type in rows:
        tables.setdefault(relation, {})[column] = data_type
    return tables


_quote = quote_identifier


def _relation_sql(relation: str) -> str:
    schema, _, name = relation.partition(".")
    return f"{_quote(schema)}.{_quote(name)}"


def _in_list(values: set[str]) -> str:
    return "(" + ", ".join(literal(v) for v in sorted(values)) + ")"


def _text(column: str) -> str:
    return f"cast({_quote(column)} as varchar)"


# --------------------------------------------------------------------------------------- who


def find_subject(con: duckdb.DuckDBPyConnection, kind: str, value: str,
                 dictionary: Dictionary | None = None) -> Subject:
    """Resolve a person through the identity graph.

    Rows the graph does not know (a quarantined row, a warehouse without the identity marts) are
    still found later by the identifier itself in personal columns (:func:`subject_predicates`).
    """
    dictionary = dictionary or load_dictionary()
    identifier = normalise(kind, value)
    subject = Subject(kind=kind, subject_hash=sha256(identifier))
    tables = _columns(con)
    types = _in_list(set(dictionary.privacy.identifier_types))
    if kind == "customer_id":
        subject.customer_ids.add(identifier)
    else:
        (subject.emails if kind == "email" else subject.phones).add(identifier)
        if IDENTIFIERS in tables and RECORDS in tables:
            rows = con.execute(
                f"select distinct records.record_id from {IDENTIFIERS} as identifiers join {RECORDS} as records "
                f"using (record_node_id) where identifiers.identifier_type in {types} "
                "and (identifiers.identifier_value = ? or lower(trim(identifiers.raw_value)) = ?)",
                [identifier, identifier]).fetchall()
            subject.record_ids.update(r[0] for r in rows)
        if SOURCE_MAP in tables and subject.record_ids:
            rows = con.execute(f"select distinct customer_id from {SOURCE_MAP} where record_id in "
                               f"{_in_list(subject.record_ids)}").fetchall()
            subject.customer_ids.update(r[0] for r in rows)
    if ALIASES in tables and subject.customer_ids:
        ids = _in_list(subject.customer_ids)
        rows = con.execute(f"select customer_id, current_customer_id from {ALIASES} "
                           f"where customer_id in {ids} or current_customer_id in {ids}").fetchall()
        subject.customer_ids.update(v for row in rows for v in row if v)
    if SOURCE_MAP in tables and subject.customer_ids:
        rows = con.execute(f"select source_system, source_entity, source_key, record_id from {SOURCE_MAP} "
                           f"where customer_id in {_in_list(subject.customer_ids)}").fetchall()
        for system, entity, key, record_id in rows:
            subject.records.add((system, entity, str(key)))
            subject.record_ids.add(record_id)
    if RECORDS in tables and subject.record_ids:
        rows = con.execute(f"select record_node_id, source_system, source_entity, source_key from {RECORDS} "
                           f"where record_id in {_in_list(subject.record_ids)}").fetchall()
        for node, system, entity, key in rows:
            subject.node_ids.add(str(node))
            subject.records.add((system, entity, str(key)))
    _records_from_raw(con, subject, tables, dictionary)
    if IDENTIFIERS in tables and subject.node_ids:
        nodes = f"{_text('record_node_id')} in {_in_list(subject.node_ids)}"
        rows = con.execute(f"select distinct identifier_type, identifier_value from {IDENTIFIERS} "
                           f"where {nodes} and identifier_value is not null "
                           f"and identifier_type not in {_in_list(set(SHARED_IDENTIFIER_TYPES))}").fetchall()
        subject.identifier_values.update((str(t), str(v)) for t, v in rows)
        rows = con.execute(f"select identifier_type, identifier_value, raw_value from {IDENTIFIERS} "
                           f"where {nodes} and identifier_type in {types}").fetchall()
        for _, identifier_value, raw_value in rows:
            for candidate in (identifier_value, raw_value):
                if candidate and (email := normalise_email(candidate)):
                    subject.emails.add(email)
                elif candidate and (phone := normalise_phone(candidate)):
                    subject.phones.add(phone)
    return subject


def _own_key_columns(dictionary: Dictionary) -> dict[str, tuple[str, str]]:
    """``raw relation -> (entity, key column)`` for the identity entities' own tables (the key is the table's
    primary key), e.g. ``raw_zendesk.users -> ("zendesk/user", "id")``."""
    from core.contracts import load_contracts

    primary = {table.qualified_name: table.primary_key for contract in load_contracts().values()
               for table in contract.tables}
    own = {}
    for entity, targets in dictionary.privacy.records.items():
        for target in targets:
            schema, table, column = target.split(".")
            if list(primary.get(f"{schema}.{table}", [])) == [column]:
                own[f"{schema}.{table}"] = (entity, column)
    return own


def _records_from_raw(con: duckdb.DuckDBPyConnection, subject: Subject, tables: dict[str, dict[str, str]],
                      dictionary: Dictionary) -> None:
    """Records that hold the identifier in raw data the identity graph has not seen yet (landed since the
    last build): their keys pick their other rows too (a ticket by its requester, an order by its customer)."""
    if not subject.identifiers:
        return
    for relation, (entity, column) in _own_key_columns(dictionary).items():
        if relation not in tables or column not in tables[relation]:
            continue
        conditions = _identifier_conditions(relation, tables[relation], subject, dictionary)
        if not conditions:
            continue
        system, _, name = entity.partition("/")
        rows = con.execute(f"select distinct {_text(column)} from {_relation_sql(relation)} where "
                           + " or ".join(f"({c})" for c in conditions)).fetchall()
        subject.records.update((system, name, str(r[0])) for r in rows if r[0] is not None)


# --------------------------------------------------------------------------------------- where


def _raw_predicate(relation: str, columns: dict[str, str], subject: Subject, dictionary: Dictionary) -> list[str]:
    """Conditions that pick the person's rows in a raw (or dlt staging) table, children aside."""
    schema, _, table = relation.partition(".")
    base_schema = schema.removesuffix("_staging")
    conditions = []
    keys_by_entity: dict[str, set[str]] = {}
    for system, entity, key in subject.records:
        keys_by_entity.setdefault(f"{system}/{entity}", set()).add(key)
    for entity, targets in dictionary.privacy.records.items():
        keys = keys_by_entity.get(entity)
        for target in targets if keys else ():
            t_schema, t_table, t_column = target.split(".")
            if (t_schema, t_table) == (base_schema, table) and t_column in columns:
                conditions.append(f"{_text(t_column)} in {_in_list(keys)}")
    if table == "quarantine" and "payload" in columns:
        needles = subject.identifiers | {k for _, _, k in subject.records if len(k) >= MIN_KEY_LENGTH}
        conditions += [f"contains(lower(payload), {_in_list({n.lower()})[1:-1]})" for n in sorted(needles)]
    conditions += _identifier_conditions(relation, columns, subject, dictionary)
    return conditions


def _child_conditions(con: duckdb.DuckDBPyConnection, relation: str, columns: dict[str, str],
                      parents: dict[str, str], dictionary: Dictionary) -> list[str]:
    """Rows whose parent row is the person's (``privacy.children``), by the parent keys found now."""
    schema, _, table = relation.partition(".")
    suffix = schema[len(schema.removesuffix("_staging")):]
    conditions = []
    for child, parent in dictionary.privacy.children.items():
        c_schema, c_table, c_column = child.split(".")
        p_schema, p_table, p_column = parent.split(".")
        parent_relation = f"{p_schema}{suffix}.{p_table}"
        if (c_schema + suffix, c_table) != (schema, table) or c_column not in columns:
            continue
        if parent_relation not in parents:
            continue
        keys = {str(r[0]) for r in con.execute(
            f"select {_text(p_column)} from {_relation_sql(parent_relation)} where {parents[parent_relation]}"
        ).fetchall() if r[0] is not None}
        if keys:
            conditions.append(f"{_text(c_column)} in {_in_list(keys)}")
    return conditions


def _identifier_conditions(relation: str, columns: dict[str, str], subject: Subject,
                           dictionary: Dictionary) -> list[str]:
    """Personal (direct) text columns holding one of the person's e-mails or phones."""
    if not subject.identifiers:
        return []
    values = _in_list({v.lower() for v in subject.identifiers})
    return [f"lower(trim({_text(column)})) in {values}" for column, data_type in columns.items()
            if data_type.startswith("VARCHAR") and column != "payload"
            and dictionary.pii_class(relation, column) == "direct"]


TRIPLES = (("source_system", "source_entity", "source_key"), ("actor_source_system", "actor_entity", "actor_key"))


def _derived_predicate(relation: str, columns: dict[str, str], subject: Subject,
                       dictionary: Dictionary) -> list[str]:
    """Conditions that pick the person's rows in a derived table (intermediate, marts, audit, activation)."""
    privacy = dictionary.privacy
    conditions = []
    for names, values in ((privacy.customer_columns, subject.customer_ids),
                          (privacy.record_columns, subject.record_ids), (privacy.node_columns, subject.node_ids)):
        if values:
            conditions += [f"{_text(c)} in {_in_list(values)}" for c in names if c in columns]
    triples = ", ".join("(" + ", ".join(literal(v) for v in record) + ")"
                        for record in sorted(subject.records))
    for system, entity, key in TRIPLES:
        if triples and {system, entity, key} <= set(columns):
            conditions.append(f"({_quote(system)}, {_quote(entity)}, {_text(key)}) in ({triples})")
    if subject.identifier_values and {"identifier_type", "identifier_value"} <= set(columns):
        pairs = ", ".join("(" + ", ".join("'" + v.replace("'", "''") + "'" for v in pair) + ")"
                          for pair in sorted(subject.identifier_values))
        conditions.append(f"(identifier_type, {_text('identifier_value')}) in ({pairs})")
    conditions += _identifier_conditions(relation, columns, subject, dictionary)
    return conditions


def subject_predicates(con: duckdb.DuckDBPyConnection, subject: Subject,
                       dictionary: Dictionary | None = None) -> dict[str, str]:
    """``relation -> SQL predicate`` for every base table that may hold the person's rows."""
    dictionary = dictionary or load_dictionary()
    tables = {relation: columns for relation, columns in _columns(con).items()
              if relation not in (REQUESTS, ERASED) and not relation.split(".")[1].startswith("_dlt")}
    predicates: dict[str, list[str]] = {}
    for relation, columns in tables.items():
        is_raw = relation.startswith("raw_")
        predicates[relation] = (_raw_predicate if is_raw else _derived_predicate)(
            relation, columns, subject, dictionary)
    joined = {r: " or ".join(f"({c})" for c in cs) for r, cs in predicates.items() if cs}
    for relation, columns in tables.items():
        if relation.startswith("raw_"):
            predicates[relation] += _child_conditions(con, relation, columns, joined, dictionary)
    return {r: " or ".join(f"({c})" for c in cs) for r, cs in predicates.items() if cs}


# --------------------------------------------------------------------------------------- requests


@dataclass
class RequestResult:
    request_id: str
    kind: str
    found: bool
    customers: int = 0
    records: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # relation -> rows exported or erased
    deletions_queued: int = 0
    export_dir: Path | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _log_request(con: duckdb.DuckDBPyConnection, request: RequestResult, subject: Subject, action: str) -> None:
    con.execute("create schema if not exists audit")
    con.execute(f"""create table if not exists {REQUESTS} (
        request_id varchar, action varchar, requested_at timestamptz, identifier_kind varchar, subject_hash varchar,
        customers integer, records integer, tables_touched integer, rows_affected bigint, deletions_queued integer,
        status varchar)""")
    con.execute(f"insert into {REQUESTS} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        request.request_id, action, datetime.now(UTC), subject.kind, subject.subject_hash, request.customers,
        request.records, len(request.rows), request.total_rows, request.deletions_queued,
        "done" if request.found else "not_found"])


def _new_request(subject: Subject) -> RequestResult:
    return RequestResult(request_id=uuid.uuid4().hex[:12], kind=subject.kind, found=subject.found,
                         customers=len(subject.customer_ids), records=len(subject.records))


def export_subject(con: duckdb.DuckDBPyConnection, subject: Subject, out_dir: Path,
                   dictionary: Dictionary | None = None) -> RequestResult:
    """Write every row held about the person as JSON, one file per table, into a new folder."""
    request = _new_request(subject)
    folder = out_dir / request.request_id
    folder.mkdir(parents=True, exist_ok=False)
    os.chmod(folder, 0o700)
    for relation, predicate in subject_predicates(con, subject, dictionary).items():
        count = con.execute(f"select count(*) from {_relation_sql(relation)} where {predicate}").fetchone()[0]
        if not count:
            continue
        target = str(folder / f"{relation}.json")
        con.execute(f"copy (select * from {_relation_sql(relation)} where {predicate}) to {literal(target)} "
                    "(format json, array true)")
        request.rows[relation] = count
    request.found = bool(subject.found or request.rows)
    exported_at = datetime.now(UTC)
    (folder / "manifest.json").write_text(json.dumps({
        "request_id": request.request_id, "exported_at": exported_at.isoformat(timespec="seconds"),
        "expires_at": export_expires_at(exported_at).isoformat(timespec="seconds"),
        "subject_hashes": sorted(subject_hashes(subject)), "tables": request.rows}, indent=2))
    request.export_dir = folder
    _log_request(con, request, subject, "export")
    return request


def _hashed_identifiers(subject: Subject) -> list[tuple[str, str]]:
    """(kind, sha256) of every e-mail, phone and customer id of the person."""
    return [(kind, sha256(v)) for kind, values in
            (("email", subject.emails), ("phone", subject.phones), ("customer_id", subject.customer_ids))
            for v in sorted(values)]


def subject_hashes(subject: Subject) -> set[str]:
    """SHA-256 of every identifier of the person (and of the one the request gave)."""
    return {digest for _, digest in _hashed_identifiers(subject)} | {subject.subject_hash}


def _record_erased(con: duckdb.DuckDBPyConnection, subject: Subject, request_id: str) -> None:
    con.execute("create schema if not exists audit")
    con.execute(f"create table if not exists {ERASED} (subject_hash varchar, identifier_kind varchar, "
                "request_id varchar, erased_at timestamptz)")
    now = datetime.now(UTC)
    rows = [(digest, kind, request_id, now) for kind, digest in _hashed_identifiers(subject)]
    if rows:
        con.executemany(f"insert into {ERASED} values (?, ?, ?, ?)", rows)


def _scrub_audit(con: duckdb.DuckDBPyConnection, subject: Subject) -> None:
    """Remove the person's ids from stored validation examples and sync plan samples."""
    tables = _columns(con)
    for value in subject.customer_ids | subject.identifiers:
        if "audit.validation_results" in tables:
            con.execute("update audit.validation_results set unexpected_examples = "
                        "list_filter(unexpected_examples, lambda x: not contains(x, ?)) "
                        "where len(list_filter(unexpected_examples, lambda x: contains(x, ?))) > 0",
                        [value, value])
        if "activation.sync_plans" in tables:
            con.execute("update activation.sync_plans set samples = null where contains(samples, ?)", [value])


def erase_subject(con: duckdb.DuckDBPyConnection, subject: Subject, dictionary: Dictionary | None = None
                  ) -> RequestResult:
    """Queue deletions at every destination, then delete the person's rows everywhere, in one transaction."""
    from activation.erasure import queue_erasure

    request = _new_request(subject)
    for customer_id in sorted(subject.customer_ids):
        request.deletions_queued += queue_erasure(con, customer_id)
    predicates = subject_predicates(con, subject, dictionary)
    con.execute("begin transaction")
    try:
        for relation, predicate in predicates.items():
            if relation == "activation.deletion_queue":
                continue  # the queued deletions and tombstones must stay
            deleted = con.execute(f"delete from {_relation_sql(relation)} where {predicate}").fetchone()[0]
            if deleted:
                request.rows[relation] = deleted
        request.found = bool(subject.customer_ids or subject.records or request.rows)
        if request.found:
            _scrub_audit(con, subject)
            _record_erased(con, subject, request.request_id)
        _log_request(con, request, subject, "erase")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return request


def compact(db_path: Path) -> None:
    """Rewrite the warehouse file so erased rows do not linger in free blocks of the old file."""
    fresh = db_path.with_name(f".{db_path.name}.{os.getpid()}.compact")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        con.execute("set enable_progress_bar = false")
        catalog = con.execute("select current_database()").fetchone()[0]
        con.execute(f"attach '{fresh}' as fresh")
        con.execute(f"copy from database {_quote(catalog)} to fresh")
        con.execute("detach fresh")
    except Exception:
        fresh.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(fresh, db_path)
