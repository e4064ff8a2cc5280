"""Erasure beyond the warehouse tables: every file under ``CDW_HOME`` that could still hold the person.

An erasure deletes the person's rows from the build warehouse (:mod:`cdw.privacy`). Their data also
sits in files: the landing files they were loaded from (``cdw ingest --force`` would bring them
back), the demo generator's truth, logs and run artifacts (dbt, Great Expectations validation
results and Data Docs, dlt traces, run records), other DuckDB or SQLite files. This module finds
what identifies the person there (:class:`Traces`: e-mails, phones, full names, record keys) and
removes it:

* **landing files (and CSV files anywhere, e.g. a file destination's outbox) are rewritten without
  the person** (:func:`rewrite_landing_tables` for the
  canonical ``<system>/<table>.parquet`` files, with the same dictionary rules that pick their rows
  in the raw tables, children included; :func:`scrub_home` for vendor exports: a CSV/TSV line or a
  JSON record holding one of the person's e-mails, phones or record keys is dropped). Rewriting
  was chosen over a tombstone list so that no byte of the person stays on disk, and so that the
  landing files stay the single source a re-ingest reads: nothing must remember to filter them;
* Parquet files elsewhere lose the rows holding an identifier or key; other DuckDB files lose
  those rows and are compacted (freed blocks keep old values); SQLite files are redacted and
  vacuumed;
* text artifacts have every e-mail, phone and full name replaced by ``[erased]``; binary caches
  (pickles, msgpack) holding one are deleted (they are rebuilt when needed).

The build warehouse is left to the erasure itself (its predicates, then ``compact``), and the
access-request exports to :mod:`cdw.retention`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cdw.privacy import MIN_KEY_LENGTH, Subject, _columns, _quote, _relation_sql, compact, subject_predicates
from core.dictionary import Dictionary, load_dictionary
from core.settings import Paths

ERASED = "[erased]"
SEP = "\x1f"  # between the cells of one row, when a row is searched as one text
DELIMITED = (".csv", ".tsv", ".txt")
JSON_FILES = (".json", ".ndjson", ".jsonl")
PARQUET = ".parquet"
SQLITE_MAGIC = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"  # at offset 8


# ------------------------------------------------------------------------------------------ what to find


def _phone_digits(e164: str) -> tuple[str, str]:
    """(country prefix, national digits) of an E.164 number; NANP numbers keep 10 national digits."""
    digits = re.sub(r"\D", "", e164)
    national = digits[1:] if digits.startswith("1") and len(digits) == 11 else digits[-9:]
    return digits[: len(digits) - len(national)], national


def phone_regex(e164: str, python: bool = False) -> str:
    """A pattern for the phone however it is written: ``+14155550134``, ``(415) 555-0134``, ``415.555.0134``.

    ``python=True`` uses look-arounds (so a substitution keeps the neighbours); otherwise RE2 groups.
    """
    prefix, national = _phone_digits(e164)
    sep = "[^0-9a-z]{0,3}"
    country = f"(\\+?{sep.join(prefix)}{sep})?" if prefix else ""
    body = country + "\\(?" + sep.join(national)
    return f"(?<![0-9]){body}(?![0-9])" if python else f"(^|[^0-9]){body}([^0-9]|$)"


def email_regex(email: str, python: bool = False) -> str:
    core = re.escape(email.lower())
    if python:
        return f"(?<![a-z0-9._%+\\-]){core}(?![a-z0-9_\\-]|\\.[a-z0-9])"
    return f"(^|[^a-z0-9._%+\\-]){core}($|[^a-z0-9_\\-.])"


def name_regex(name: str) -> str:
    parts = [re.escape(p) for p in name.lower().split()]
    return "(?<!\\w)" + f"[\\s{SEP}]+".join(parts) + "(?!\\w)"


@dataclass(frozen=True)
class Traces:
    """What identifies one person in files: e-mails, phones (E.164), full names, record keys."""

    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.emails or self.phones or self.names or self.keys)

    def row_regex(self) -> str | None:
        """RE2 pattern (over lower-case text) for a row that holds one of the person's e-mails or phones.

        Names are not used to pick rows: another person may have the same name.
        """
        parts = [email_regex(e) for e in sorted(self.emails)] + [phone_regex(p) for p in sorted(self.phones)]
        return "|".join(f"({p})" for p in parts) or None

    def text_pattern(self) -> re.Pattern[str] | None:
        """Python pattern for every e-mail, phone and full name of the person, in any text."""
        parts = [email_regex(e, python=True) for e in sorted(self.emails)]
        parts += [phone_regex(p, python=True) for p in sorted(self.phones)]
        parts += [name_regex(n) for n in sorted(self.names)]
        return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE) if parts else None

    def bytes_pattern(self) -> re.Pattern[bytes] | None:
        text = self.text_pattern()
        return re.compile(text.pattern.encode("utf-8"), re.IGNORECASE) if text else None

    def row_hit(self, cells: Iterable[object]) -> bool:
        values = ["" if c is None else str(c) for c in cells]
        if self.keys and any(v.strip().lstrip("'").lower() in self._lower_keys for v in values):  # 'id: Excel
            return True
        regex = self._row_pattern
        return bool(regex and regex.search(SEP + SEP.join(values).lower() + SEP))

    @property
    def _lower_keys(self) -> frozenset[str]:
        return frozenset(k.lower() for k in self.keys)

    @property
    def _row_pattern(self) -> re.Pattern[str] | None:
        parts = [email_regex(e, python=True) for e in sorted(self.emails)]
        parts += [phone_regex(p, python=True) for p in sorted(self.phones)]
        return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None

    def sql_row_condition(self, columns: list[str]) -> str | None:
        """A DuckDB condition true for a row whose cells hold an identifier (RE2) or equal a record key."""
        if not columns:
            return None
        text = f"(chr(31) || lower(concat_ws(chr(31), {', '.join(f'{_quote(c)}::varchar' for c in columns)})) " \
               "|| chr(31))"
        conditions = []
        if regex := self.row_regex():
            conditions.append(f"regexp_matches({text}, {_literal(regex)})")
        if self.keys:
            keys = ", ".join(_literal(k) for k in sorted(self._lower_keys))
            conditions.append(f"list_has_any(string_split({text}, chr(31)), [{keys}])")
        return " or ".join(f"({c})" for c in conditions) or None


def _quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute("set enable_progress_bar = false")  # DuckDB's bar would print into the command's output
    return con


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _name_expressions(columns: dict[str, str], relation: str, dictionary: Dictionary) -> list[str]:
    """SQL for the full names a raw table's row carries: first + last name pairs and whole-name columns."""
    names = [c for c, t in columns.items() if t.startswith("VARCHAR") and "name" in c
             and dictionary.pii_class(relation, c) == "direct"]
    expressions = []
    for column in names:
        if column.endswith("first_name") and (last := column[: -len("first_name")] + "last_name") in names:
            expressions.append(f"concat_ws(' ', {_quote(column)}, {_quote(last)})")
        elif not column.endswith(("first_name", "last_name")):
            expressions.append(_quote(column))
    return expressions


def collect_traces(con: duckdb.DuckDBPyConnection, subject: Subject, dictionary: Dictionary | None = None,
                   predicates: dict[str, str] | None = None) -> Traces:
    """The person's identifiers, full names (from their raw rows) and record keys; call before erasing."""
    dictionary = dictionary or load_dictionary()
    predicates = predicates if predicates is not None else subject_predicates(con, subject, dictionary)
    tables = _columns(con)
    names: set[str] = set()
    for relation, predicate in predicates.items():
        if not relation.startswith("raw_") or relation not in tables:
            continue
        for expression in _name_expressions(tables[relation], relation, dictionary):
            rows = con.execute(f"select distinct lower(trim({expression})) from {_relation_sql(relation)} "
                               f"where {predicate}").fetchall()
            names.update(" ".join(r[0].split()) for r in rows if r[0])
    keys = {key for _, _, key in subject.records if len(key) >= MIN_KEY_LENGTH} | subject.customer_ids
    return Traces(emails=frozenset(subject.emails), phones=frozenset(subject.phones),
                  names=frozenset(n for n in names if " " in n and len(n) >= 5), keys=frozenset(keys))


# ------------------------------------------------------------------------------------------ what was done


@dataclass
class ScrubReport:
    rewritten: dict[Path, int] = field(default_factory=dict)  # data file -> rows removed
    redacted: list[Path] = field(default_factory=list)  # text files with identifiers replaced
    deleted: list[Path] = field(default_factory=list)  # binary caches removed
    left: dict[Path, str] = field(default_factory=dict)  # file -> why it could not be cleaned

    @property
    def files(self) -> int:
        return len(self.rewritten) + len(self.redacted) + len(self.deleted)

    def merge(self, other: ScrubReport) -> ScrubReport:
        self.rewritten.update(other.rewritten)
        self.redacted += other.redacted
        self.deleted += other.deleted
        self.left.update(other.left)
        return self


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` over ``path`` atomically, keeping its permissions."""
    staging = path.with_name(f".{path.name}.{os.getpid()}.erase")
    staging.write_bytes(data)
    os.chmod(staging, path.stat().st_mode & 0o7777)
    os.replace(staging, path)


# ------------------------------------------------------------------------------------------ Parquet


def _rewrite_parquet(path: Path, drop: set[int]) -> None:
    import numpy as np
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    meta = parquet.metadata
    codec = meta.row_group(0).column(0).compression if meta.num_row_groups and meta.num_columns else "ZSTD"
    table = parquet.read()
    keep = np.ones(table.num_rows, dtype=bool)
    keep[sorted(drop)] = False
    staging = path.with_name(f".{path.name}.{os.getpid()}.erase")
    pq.write_table(table.filter(keep), staging, compression="none" if codec == "UNCOMPRESSED" else codec.lower())
    os.chmod(staging, path.stat().st_mode & 0o7777)
    os.replace(staging, path)


def _parquet_source(files: list[Path]) -> str:
    listed = ", ".join(_literal(str(f)) for f in files)
    return f"read_parquet([{listed}], filename = true, file_row_number = true, union_by_name = true)"


def scrub_parquet(path: Path, traces: Traces, con: duckdb.DuckDBPyConnection | None = None) -> int:
    """Drop the rows of one Parquet file that hold the person's identifiers or keys; returns rows dropped."""
    own = con is None
    con = con or _quiet(duckdb.connect())
    try:
        source = f"read_parquet({_literal(str(path))}, file_row_number = true)"
        columns = [r[0] for r in con.execute(f"describe select * from {source}").fetchall()
                   if r[0] != "file_row_number"]
        condition = traces.sql_row_condition(columns)
        if condition is None:
            return 0
        drop = {r[0] for r in con.execute(f"select file_row_number from {source} where {condition}").fetchall()}
    finally:
        if own:
            con.close()
    if drop:
        _rewrite_parquet(path, drop)
    return len(drop)


def rewrite_landing_tables(folders: Iterable[Path], subject: Subject,
                           dictionary: Dictionary | None = None) -> dict[Path, int]:
    """Rewrite the canonical landing files (``<system>/<table>.parquet`` and ``<system>/<table>/*.parquet``)
    without the person's rows, picked exactly as in the raw tables they land in (record keys, children,
    personal columns). Returns ``file -> rows removed``.
    """
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    from core.contracts import load_contracts
    from ingestion.landing_source import table_files

    naming = NamingConvention()
    files: dict[str, list[Path]] = {}
    for folder in folders:
        for system, contract in load_contracts().items():
            if (folder / system).is_dir():
                for table in contract.tables:
                    files.setdefault(table.qualified_name, []).extend(table_files(folder / system, table.name))
    con = _quiet(duckdb.connect())
    removed: dict[Path, int] = {}
    try:
        for relation, paths in files.items():
            if not paths:
                continue
            source = _parquet_source(paths)
            vendor = [r[0] for r in con.execute(f"describe select * from {source}").fetchall()
                      if r[0] not in ("filename", "file_row_number")]
            schema = relation.split(".")[0]
            con.execute(f"create schema if not exists {_quote(schema)}")
            renamed = ", ".join(f"{_quote(v)} as {_quote(naming.normalize_path(v))}" for v in vendor)
            con.execute(f"create table {_relation_sql(relation)} as select {renamed}, filename as __cdw_file, "
                        f"file_row_number as __cdw_row from {source}")
        for relation, predicate in subject_predicates(con, subject, dictionary).items():
            rows = con.execute(f"select __cdw_file, list(__cdw_row) from {_relation_sql(relation)} "
                               f"where {predicate} group by 1").fetchall()
            for file, numbers in rows:
                _rewrite_parquet(Path(file), set(numbers))
                removed[Path(file)] = removed.get(Path(file), 0) + len(numbers)
    finally:
        con.close()
    return removed


# ------------------------------------------------------------------------------------------ exports


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _delimiter(path: Path, text: str) -> str:
    first = text.split("\n", 1)[0]
    if path.suffix.lower() in (".tsv", ".txt") or first.count("\t") > first.count(","):
        return "\t"
    return ";" if first.count(";") > first.count(",") else ","


def scrub_delimited(path: Path, traces: Traces) -> int:
    """Drop the lines of a CSV/TSV export that hold the person (header kept); returns lines dropped."""
    text, encoding = _decode(path.read_bytes())
    newline = "\r\n" if "\r\n" in text[:65536] else "\n"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(path, text)))
    except csv.Error:
        rows = []
    if not rows:  # not parseable as CSV: physical lines
        lines = text.splitlines(keepends=True)
        kept = [line for i, line in enumerate(lines) if i == 0 or not traces.row_hit([line])]
        if len(kept) < len(lines):
            _replace(path, "".join(kept).encode(encoding))
        return len(lines) - len(kept)
    kept_rows = [rows[0]] + [r for r in rows[1:] if not traces.row_hit(r)]
    if len(kept_rows) == len(rows):
        return 0
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=_delimiter(path, text), lineterminator=newline).writerows(kept_rows)
    _replace(path, out.getvalue().encode(encoding))
    return len(rows) - len(kept_rows)


def _leaves(value: object) -> Iterable[object]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _filter_json(value: object, traces: Traces) -> tuple[object, int]:
    """Drop every record (an object inside a list) holding the person, at any depth."""
    if isinstance(value, list):
        kept, dropped = [], 0
        for item in value:
            if isinstance(item, dict) and traces.row_hit(_leaves(item)):
                dropped += 1
                continue
            item, inner = _filter_json(item, traces)
            kept.append(item)
            dropped += inner
        return kept, dropped
    if isinstance(value, dict):
        result, dropped = {}, 0
        for key, item in value.items():
            result[key], inner = _filter_json(item, traces)
            dropped += inner
        return result, dropped
    return value, 0


def scrub_json(path: Path, traces: Traces) -> int:
    """Drop the person's records from a JSON (array, object of arrays) or JSON-lines export."""
    text, encoding = _decode(path.read_bytes())
    try:
        document = json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            records = [json.loads(line) for line in lines]
        except ValueError:
            return scrub_delimited(path, traces)  # neither: treat as lines
        kept = [line for line, record in zip(lines, records, strict=True) if not traces.row_hit(_leaves(record))]
        if len(kept) < len(lines):
            _replace(path, ("\n".join(kept) + ("\n" if kept else "")).encode(encoding))
        return len(lines) - len(kept)
    if isinstance(document, dict) and traces.row_hit(_leaves(document)) and not any(
            isinstance(v, list) for v in document.values()):
        path.unlink()  # one record, the person's
        return 1
    filtered, dropped = _filter_json(document, traces)
    if dropped:
        _replace(path, json.dumps(filtered, ensure_ascii=False, indent=2 if "\n" in text.strip() else None)
                 .encode(encoding))
    return dropped


# ------------------------------------------------------------------------------------------ databases


def scrub_duckdb(path: Path, traces: Traces) -> int:
    """Delete rows holding the person from every table of a DuckDB file, then compact it; rows deleted."""
    con = _quiet(duckdb.connect(str(path)))
    deleted = 0
    try:
        for relation, columns in _columns(con).items():
            condition = traces.sql_row_condition(list(columns))
            if condition:
                deleted += con.execute(f"delete from {_relation_sql(relation)} where {condition}").fetchall()[0][0]
    finally:
        con.close()
    if deleted:
        compact(path)
    return deleted


def scrub_sqlite(path: Path, traces: Traces) -> int:
    """Redact the person in every text value of a SQLite file (e.g. Dagster's storage), then vacuum it."""
    pattern = traces.text_pattern()
    if pattern is None:
        return 0
    con = sqlite3.connect(path)
    con.create_function("cdw_hit", 1, lambda v: int(isinstance(v, str) and bool(pattern.search(v))))
    con.create_function("cdw_redact", 1, lambda v: pattern.sub(ERASED, v) if isinstance(v, str) else v)
    changed = 0
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table' "
                                            "and name not like 'sqlite_%'").fetchall()]
        for table in tables:
            columns = [r[1] for r in con.execute(f"pragma table_info({_quote(table)})").fetchall()]
            for column in columns:
                changed += con.execute(f"update {_quote(table)} set {_quote(column)} = cdw_redact({_quote(column)}) "
                                       f"where cdw_hit({_quote(column)})").rowcount
        con.commit()
        if changed:
            con.execute("vacuum")
    finally:
        con.close()
    return changed


# ------------------------------------------------------------------------------------------ the home


def _is_duckdb(data_head: bytes) -> bool:
    return data_head[8:12] == DUCKDB_MAGIC


def _under(path: Path, folders: Iterable[Path]) -> bool:
    return any(folder == path or folder in path.parents for folder in folders)


def scrub_file(path: Path, traces: Traces, landing: Iterable[Path] = ()) -> ScrubReport:
    """Remove the person from one file (how depends on what the file is; see the module docstring)."""
    report = ScrubReport()
    pattern = traces.bytes_pattern()
    with path.open("rb") as handle:
        head = handle.read(16)
    suffix = path.suffix.lower()
    try:
        if _is_duckdb(head):
            if rows := scrub_duckdb(path, traces):
                report.rewritten[path] = rows
        elif head.startswith(SQLITE_MAGIC):
            if rows := scrub_sqlite(path, traces):
                report.rewritten[path] = rows
        elif suffix == PARQUET or head.startswith(b"PAR1"):
            if rows := scrub_parquet(path, traces):
                report.rewritten[path] = rows
        elif suffix in (".csv", ".tsv") or (_under(path, landing) and suffix in DELIMITED + JSON_FILES):
            rows = (scrub_json if suffix in JSON_FILES else scrub_delimited)(path, traces)
            if rows:
                report.rewritten[path] = rows
            _redact_text(path, traces, report)  # what no record held (a header, a note)
        else:
            data = path.read_bytes()
            if pattern is None or not pattern.search(data):
                return report
            _redact_or_delete(path, data, traces, report)
    except (duckdb.Error, sqlite3.Error, OSError, ValueError) as exc:
        report.left[path] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return report


def _redact_text(path: Path, traces: Traces, report: ScrubReport) -> None:
    if not path.exists():
        return
    data = path.read_bytes()
    pattern = traces.bytes_pattern()
    if pattern is not None and pattern.search(data):
        _redact_or_delete(path, data, traces, report)


def _redact_or_delete(path: Path, data: bytes, traces: Traces, report: ScrubReport) -> None:
    pattern = traces.text_pattern()
    assert pattern is not None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        path.unlink()  # a binary cache (pickle, msgpack): its owner rebuilds it
        report.deleted.append(path)
        return
    _replace(path, pattern.sub(ERASED, text).encode("utf-8"))
    report.redacted.append(path)


def scrub_home(paths: Paths, traces: Traces, skip: Iterable[Path] = ()) -> ScrubReport:
    """Remove the person from every file under ``CDW_HOME`` but the build warehouse and ``skip``."""
    report = ScrubReport()
    if traces.empty:
        return report
    skipped = {p.resolve() for p in skip} | {paths.build_db.resolve(), paths.build_db.with_name(
        paths.build_db.name + ".wal").resolve()}
    landing = [paths.landing.resolve(), paths.demo_landing.resolve()]
    for path in sorted(paths.home.resolve().rglob("*")):
        if path.is_symlink() or not path.is_file() or path in skipped or path.name.endswith(".wal"):
            continue
        report.merge(scrub_file(path, traces, landing))
    return report


# ------------------------------------------------------------------------------------------ ingest state


def pending_load_packages(paths: Paths) -> list[Path]:
    """dlt load packages an interrupted ingest left (they load, person included, on the next ingest)."""
    if not paths.dlt_dir.is_dir():
        return []
    found = []
    for pattern in ("*/normalize/extracted/*", "*/load/new/*", "*/load/normalized/*"):
        found += [p for p in paths.dlt_dir.glob(pattern) if p.is_dir()]
    return sorted(found)
