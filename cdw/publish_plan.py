"""What a publish must write: the serving tables wanted now against what the last serving copy holds.

Each serving table (``analytics.<name>`` without personal columns, ``restricted.<name>`` with them)
gets a signature: the content fingerprint of its build relation (:mod:`cdw.fingerprint`), its name
and its columns. The columns follow the data dictionary's PII classes, so a class change that moves
a column between the schemas changes the signature too. The serving file stores the signatures in
``meta.relations``; the next publish starts from a copy of that file and rewrites only the tables
whose signature differs (or changes the large ones row by row, :mod:`cdw.publish_delta`), drops the
ones no longer wanted, and keeps the rest as they are.

A relation with personal columns is written once in full: ``analytics.<name>`` holds its other
columns and ``restricted.<name>__personal_columns`` only the personal ones, both copied from the
same build table in the same statement order (DuckDB keeps a scan's insertion order), and
``restricted.<name>`` is a view joining the two by position. Writing the whole row a second time
cost as much as the analytics copy (at a million customers, ``fct_events`` took 53 s in full and
3 s as its two personal columns). The two tables of a pair are always rewritten together, so their
rows stay aligned; a build relation that is a view (no fixed order) or has no analytics columns
keeps a full restricted table.

A complete rewrite is chosen instead when the copy cannot be trusted or would keep what must go
(:func:`full_rewrite_reason`): a file written before signatures or in another storage version, a
person erased since the last publish (their rows would survive in the copy's free blocks), or too
many free blocks (compaction). The publish itself also writes whole when there is no serving file
yet, when a write-ahead log lies beside it (someone wrote it outside a publish), or when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from cdw.fingerprint import digest, fingerprint, relation_columns
from core.dictionary import Dictionary
from core.sql import quote_identifier

# Schemas of the build warehouse that reach the serving copy. Never raw landing data, dlt's
# internal staging, the reverse-ETL sync state (it holds the identifiers sent to each destination),
# nor dbt's staging views and intermediate models (copying them doubled the serving file and the
# publish time, and no analyst interface reads them).
PUBLISHED_SCHEMAS = ("marts", "seeds", "audit")
# Relations kept in the build warehouse only: privacy request bookkeeping, figures of past publishes.
UNPUBLISHED_RELATIONS = frozenset({"audit.privacy_requests", "audit.erased_subjects", "audit.published_metrics"})
ANALYTICS, RESTRICTED, META = "analytics", "restricted", "meta"
PERSONAL_SUFFIX = "__personal_columns"
"""``restricted.<name><suffix>``: the personal columns of ``analytics.<name>``, row for row."""
ERASURE_RECORDS = (("erased_subjects", "true"), ("privacy_requests", "action = 'erase'"))
"""What cdw/privacy.py writes to the build's ``audit`` schema on every erasure: the hashes of the erased
identifiers and the request log's ``erase`` rows (not the ``export`` ones). When they change, a person
was erased."""


@dataclass(frozen=True)
class ServingTable:
    """One table of the serving file: where it comes from, which columns, its rows and signature."""

    schema: str  # analytics | restricted
    name: str
    source: str  # schema.name in the build warehouse
    columns: tuple[str, ...]
    rows: int
    signature: str
    view_columns: tuple[str, ...] = ()
    """Restricted over analytics: every column of the relation in order. This table then holds only the
    personal ones (``columns``) as ``<name>__personal_columns``, and ``restricted.<name>`` is a view."""

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def table_name(self) -> str:
        """The table written: the name itself, or the personal columns' table of a restricted view."""
        return f"{self.name}{PERSONAL_SUFFIX}" if self.view_columns else self.name

    def view_sql(self, analytics: tuple[str, ...]) -> str:
        """The restricted view: ``analytics.<name>`` (columns ``analytics``) beside the personal columns."""
        personal = set(self.columns)
        selected = ", ".join(f"{'p' if column in personal else 'a'}.{quote_identifier(column)}"
                             for column in self.view_columns)
        missing = set(self.view_columns) - personal - set(analytics)
        if missing:
            raise ValueError(f"restricted.{self.name}: columns in neither table: {sorted(missing)}")
        return (f"select {selected} from {ANALYTICS}.{quote_identifier(self.name)} as a positional join "
                f"{RESTRICTED}.{quote_identifier(self.table_name)} as p")


@dataclass
class Plan:
    """The serving tables wanted, the ``meta.columns`` rows, and the erasure log's fingerprint."""

    tables: list[ServingTable] = field(default_factory=list)
    column_rows: list[tuple[str, str, str, str, bool, bool]] = field(default_factory=list)
    erasures: str = ""


@dataclass(frozen=True)
class Previous:
    """What the serving file being replaced says about itself (its ``meta`` schema and free space)."""

    run_id: str
    storage_version: str
    erasures: str
    signatures: dict[str, str]  # "schema.name" -> signature
    written_by: dict[str, str]  # "schema.name" -> run that last wrote the table
    present: frozenset[str]  # "schema.name" of every table in the analytics and restricted schemas
    free_share: float  # share of the file's blocks that are free
    deleted: dict[str, int] = field(default_factory=dict)  # "schema.name" -> rows deleted by deltas since
    # it was last written whole (cdw/publish_delta.py)


@dataclass
class Changes:
    rewrite: list[ServingTable]
    reuse: list[ServingTable]
    drop: list[str]  # "schema.name": changed, gone, or not ours
    patch: list[ServingTable] = field(default_factory=list)  # changed, large: tried row by row first


def publishable_relations(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[tuple[str, str], bool]:
    """(schema, name) -> whether it is a base table, for every relation of the build warehouse that belongs
    in serving."""
    rows = con.execute(
        """
        select table_schema, table_name, table_type = 'BASE TABLE'
        from information_schema.tables
        where table_catalog = ? and table_schema in (select unnest(?::varchar[]))
        order by 1, 2
        """,
        [catalog, list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    return {(schema, name): is_table for schema, name, is_table in rows
            if f"{schema}.{name}".lower() not in UNPUBLISHED_RELATIONS}


def serving_names(relations: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Name of each relation in the serving schemas: its own, or ``<schema>__<name>`` when two clash."""
    counts: dict[str, int] = {}
    for _, name in relations:
        counts[name] = counts.get(name, 0) + 1
    return {(schema, name): name if counts[name] == 1 else f"{schema}__{name}" for schema, name in relations}


def plan_serving(con: duckdb.DuckDBPyConnection, catalog: str, dictionary: Dictionary) -> Plan:
    """Every serving table wanted from the build warehouse ``catalog``, fingerprinted."""
    base_tables = publishable_relations(con, catalog)
    relations = list(base_tables)
    names = serving_names(relations)
    columns = relation_columns(con, catalog, PUBLISHED_SCHEMAS)
    excluded = dictionary.pii_policy.analytics_excludes
    plan = Plan(erasures=erasure_fingerprint(con, catalog))
    for schema, name in relations:
        source, target = f"{schema}.{name}", names[(schema, name)]
        typed = columns.get((schema, name), [])
        classes = {column: dictionary.pii_class(source, column) for column, _ in typed}
        every = tuple(column for column, _ in typed)
        safe = tuple(column for column in every if classes[column] not in excluded)
        quoted = ".".join(quote_identifier(part) for part in (catalog, schema, name))
        content = fingerprint(con, quoted, typed)
        if safe:
            signature = digest(content.digest, ANALYTICS, target, source, list(safe))
            plan.tables.append(ServingTable(ANALYTICS, target, source, safe, content.rows, signature))
        if len(safe) < len(every):
            if safe and base_tables[(schema, name)]:  # a view over analytics and the personal columns
                personal = tuple(column for column in every if column not in safe)
                signature = digest(content.digest, RESTRICTED, target, source, list(personal), PERSONAL_SUFFIX,
                                   list(every))
                plan.tables.append(ServingTable(RESTRICTED, target, source, personal, content.rows, signature,
                                                view_columns=every))
            else:
                signature = digest(content.digest, RESTRICTED, target, source, list(every))
                plan.tables.append(ServingTable(RESTRICTED, target, source, every, content.rows, signature))
        plan.column_rows += [(target, source, column, classes[column], column in safe, len(safe) < len(every))
                             for column in every]
    return plan


def erasure_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    """Fingerprint of the erasure records in the build warehouse ("" before any erasure)."""
    columns = relation_columns(con, catalog, ("audit",))
    parts = []
    for name, where in ERASURE_RECORDS:
        typed = columns.get(("audit", name))
        relation = f"(select * from {quote_identifier(catalog)}.audit.{quote_identifier(name)} where {where})"
        found = fingerprint(con, relation, typed) if typed else None
        parts.append(found.digest if found and found.rows else "")  # no row: as if never created
    return digest(*parts) if any(parts) else ""


def _has_table(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, name: str) -> bool:
    return con.execute("select count(*) from duckdb_tables() where database_name = ? and schema_name = ? "
                       "and table_name = ?", [catalog, schema, name]).fetchall()[0][0] > 0


def read_previous(con: duckdb.DuckDBPyConnection, catalog: str) -> Previous | None:
    """What the attached serving file ``catalog`` holds; None when it has no signatures to compare with."""
    if not (_has_table(con, catalog, META, "relations") and _has_table(con, catalog, META, "publication")):
        return None
    columns = {r[0] for r in con.execute("select column_name from duckdb_columns() where database_name = ? "
                                         "and schema_name = ? and table_name = 'publication'",
                                         [catalog, META]).fetchall()}
    if not {"run_id", "storage_version", "erasures"} <= columns:
        return None
    meta = f"{quote_identifier(catalog)}.{META}"
    run_id, storage_version, erasures = con.execute(
        f"select run_id, storage_version, erasures from {meta}.publication").fetchall()[0]
    relations = con.execute(f"select schema_name || '.' || table_name, signature, written_by "
                            f"from {meta}.relations").fetchall()
    deleted = {}
    if "deleted_rows" in {r[0] for r in con.execute("select column_name from duckdb_columns() where database_name = ? "
                                                    "and schema_name = ? and table_name = 'relations'",
                                                    [catalog, META]).fetchall()}:
        deleted = dict(con.execute(f"select schema_name || '.' || table_name, deleted_rows from {meta}.relations "
                                   "where deleted_rows > 0").fetchall())
    present = con.execute("select schema_name || '.' || table_name from duckdb_tables() where database_name = ? "
                          "and schema_name in (?, ?)", [catalog, ANALYTICS, RESTRICTED]).fetchall()
    present = [(key.removesuffix(PERSONAL_SUFFIX),) for (key,) in present]
    free, total = con.execute("select free_blocks, total_blocks from pragma_database_size() "
                              "where database_name = ?", [catalog]).fetchall()[0]
    return Previous(run_id=run_id, storage_version=storage_version, erasures=erasures,
                    signatures={key: signature for key, signature, _ in relations},
                    written_by={key: run for key, _, run in relations},
                    present=frozenset(key for (key,) in present), free_share=free / total if total else 0.0,
                    deleted=deleted)


def full_rewrite_reason(previous: Previous | None, plan: Plan, *, compact_free_share: float,
                        storage_version: str) -> str | None:
    """Why a copy of the last serving file (``previous``) is no start for the new one (None: it is)."""
    if previous is None:
        return "no serving copy with content signatures to start from"
    if previous.storage_version != storage_version:
        return f"the serving copy is in storage version {previous.storage_version}, not {storage_version}"
    if previous.erasures != plan.erasures:
        return "a person was erased since the last publish: no old block of theirs may survive in the copy"
    if previous.free_share > compact_free_share:
        return (f"{previous.free_share:.0%} of the serving file is free blocks (compacting above "
                f"{compact_free_share:.0%})")
    return None


def changes(plan: Plan, previous: Previous | None, patch_min_rows: int | None = None) -> Changes:
    """Which serving tables to rewrite, which to keep from the copy, which to drop from it, and which
    changed tables of ``patch_min_rows`` rows or more to change row by row (None: none)."""
    signatures = previous.signatures if previous else {}
    present = previous.present if previous else frozenset()
    paired = {t.name for t in plan.tables if t.view_columns}
    reuse = _whole_pairs([t for t in plan.tables if t.key in present and signatures.get(t.key) == t.signature],
                         paired)
    kept = {t.key for t in reuse}
    patch = _whole_pairs([t for t in plan.tables if t.key not in kept and t.key in present
                          and patch_min_rows is not None and t.rows >= patch_min_rows], paired)
    patched = {t.key for t in patch}
    return Changes(rewrite=[t for t in plan.tables if t.key not in kept | patched], reuse=reuse,
                   drop=sorted(present - kept - patched), patch=patch)


def _whole_pairs(tables: list[ServingTable], paired: set[str]) -> list[ServingTable]:
    """``tables`` without a table of a restricted view's pair whose other half is not among them: the two
    tables behind the view are kept, patched or written together, since their rows pair by position."""
    keys = {t.key for t in tables}
    return [t for t in tables if t.name not in paired or {f"{ANALYTICS}.{t.name}", f"{RESTRICTED}.{t.name}"} <= keys]
