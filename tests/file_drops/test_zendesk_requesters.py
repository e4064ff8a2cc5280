"""The Zendesk tickets CSV lands its requesters as users, and never over a user the API or JSON brought.

Real CSV files (the fixture's 41 headings), real ``load_drops`` runs into a real DuckDB warehouse.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ingestion.contract_check import connect_duckdb
from ingestion.file_drops import load_drops
from ingestion.file_drops.convert import convert_file
from ingestion.file_drops.formats.zendesk_tickets import requester_version
from tests.file_drops.conftest import FIXTURES, fixture_copy

TEMPLATE = FIXTURES / "tickets_export_2024-05-20.csv"
MAY_20 = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)
JUNE_20 = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)
NOOR = 28734522231
"""The end user ``zendesk/tickets_with_users.json`` side-loads: created and updated 2024-05-17T08:30:12Z,
the second her ticket 48260 was created (she e-mailed in)."""


def ticket(ticket_id: int, requester_id: int | str, name: str, email: str, created: str, updated: str,
           external_id: str = "") -> dict[str, str]:
    """One line of the CSV: the given fields, the rest as in the fixture's first line."""
    return {"Id": str(ticket_id), "Requester": name, "Requester id": str(requester_id),
            "Requester external id": external_id, "Requester email": email,
            "Requester domain": email.partition("@")[2], "Created at": created, "Updated at": updated}


def write_export(path: Path, tickets: list[dict[str, str]], exported_at: datetime = MAY_20) -> Path:
    """A tickets CSV export with the fixture's headings, modified (exported) at ``exported_at``."""
    template = list(csv.DictReader(io.StringIO(TEMPLATE.read_text())))
    headings = list(template[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headings, lineterminator="\n")
    writer.writeheader()
    for n, fields in enumerate(tickets, start=1):
        writer.writerow({**template[0], "Summation column": str(n), **fields})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue())
    os.utime(path, (exported_at.timestamp(), exported_at.timestamp()))
    return path


def users(warehouse: Path) -> dict[int, dict[str, object]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("SELECT id, name, email, external_id, role, phone, created_at, updated_at "
                             "FROM raw_zendesk.users ORDER BY id")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def count(warehouse: Path, table: str) -> tuple[int, int]:
    """Rows and distinct ids of a raw Zendesk table."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"SELECT count(*), count(DISTINCT id) FROM raw_zendesk.{table}").fetchall()[0]


def load(drop: Path, tmp_path: Path, **kwargs: object):
    result = load_drops(drop, tmp_path / "wh.duckdb", tmp_path / "dlt", systems=["zendesk"], **kwargs)
    assert result.rejected == [] and result.load.quarantined == {}
    return result


TWO_REQUESTERS = [
    ticket(50001, 111, "Ann Lee", "ann.old@example.com", "2024-05-01 09:00:00 -0400", "2024-05-10 09:00:00 -0400",
           external_id="7390000000001"),
    ticket(50002, 222, "Bo Chan", "bo@example.com", "2024-05-03 10:00:00 UTC", "2024-05-04 10:00:00 UTC"),
    # Ann's most recent ticket (by Updated at), though not the last line of hers nor the first created
    ticket(50003, 111, "Ann Lee-Moreau", "ann@example.com", "2024-05-05 09:00:00 -0400", "2024-05-18 09:00:00 -0400",
           external_id="7390000000002"),
    ticket(50004, 111, "A. Lee", "ann.typo@example.com", "2024-04-28 09:00:00 -0400", "2024-05-02 09:00:00 -0400"),
]


def test_the_requesters_newest_ticket_names_the_user(tmp_path: Path) -> None:
    path = write_export(tmp_path / "tickets_export.csv", TWO_REQUESTERS)
    con = connect_duckdb()
    try:
        conversion = convert_file(con, path, path.name, "0" * 64)
    finally:
        con.close()
    assert conversion.tables["users"].to_pylist() == [
        {"id": "111", "name": "Ann Lee-Moreau", "email": "ann@example.com", "external_id": "7390000000002",
         "created_at": "2024-04-28T13:00:00Z", "updated_at": requester_version(MAY_20)},
        {"id": "222", "name": "Bo Chan", "email": "bo@example.com", "external_id": None,
         "created_at": "2024-05-03T10:00:00Z", "updated_at": requester_version(MAY_20)},
    ]
    assert requester_version(MAY_20) == "1970-01-01T00:28:36.206400Z"


def test_a_line_without_a_requester_id_gives_no_user(tmp_path: Path) -> None:
    path = write_export(tmp_path / "tickets_export.csv", [
        ticket(50001, "", "Nobody", "", "2024-05-01 09:00:00 UTC", "2024-05-01 09:00:00 UTC"),
        ticket(50002, 222, "Bo Chan", "bo@example.com", "2024-05-03 10:00:00 UTC", "2024-05-04 10:00:00 UTC")])
    con = connect_duckdb()
    try:
        conversion = convert_file(con, path, path.name, "0" * 64)
    finally:
        con.close()
    assert [u["id"] for u in conversion.tables["users"].to_pylist()] == ["222"]


def test_two_requesters_land_as_two_users_once(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    write_export(drop / "tickets_export.csv", TWO_REQUESTERS[:3])
    load(drop, tmp_path)
    warehouse = tmp_path / "wh.duckdb"
    landed = users(warehouse)
    assert {k: (u["name"], u["email"], u["role"]) for k, u in landed.items()} == {
        111: ("Ann Lee-Moreau", "ann@example.com", None), 222: ("Bo Chan", "bo@example.com", None)}
    assert count(warehouse, "tickets") == (3, 3)
    assert count(warehouse, "users") == (2, 2)
    again = load(drop, tmp_path)
    assert again.loaded == [] and [s.file for s in again.skipped] == ["tickets_export.csv"]
    forced = load(drop, tmp_path, force=True)
    assert [f.file for f in forced.loaded] == ["tickets_export.csv"]
    assert users(warehouse) == landed
    assert count(warehouse, "tickets") == (3, 3)
    assert count(warehouse, "users") == (2, 2)


NOOR_IN_A_CSV = [ticket(48260, NOOR, "N. Haddad (CSV)", "noor.csv@example.com", "2024-05-17 08:30:12 UTC",
                        "2024-05-17 09:02:40 UTC")]
"""Noor's ticket in a later CSV export: its ``Created at`` is the very second of her user's ``updated_at``."""


@pytest.mark.parametrize("order", ["json_first", "csv_first", "same_run"])
def test_a_user_from_json_is_never_replaced_by_one_from_the_csv(tmp_path: Path, order: str) -> None:
    json_drop, csv_drop = tmp_path / "json", tmp_path / "csv"
    fixture_copy("zendesk/tickets_with_users.json", json_drop)
    write_export(csv_drop / "tickets_export.csv", NOOR_IN_A_CSV, exported_at=JUNE_20)  # exported after the JSON
    if order == "same_run":
        fixture_copy("zendesk/tickets_with_users.json", csv_drop)
        load(csv_drop, tmp_path)
    else:
        for drop in ((json_drop, csv_drop) if order == "json_first" else (csv_drop, json_drop)):
            load(drop, tmp_path)
    noor = users(tmp_path / "wh.duckdb")[NOOR]
    assert (noor["name"], noor["email"], noor["role"], noor["phone"]) == (
        "Noor Haddad", "noor.haddad@example.com", "end-user", "+16465550123")
    assert (noor["created_at"], noor["updated_at"]) == ("2024-05-17T08:30:12Z", "2024-05-17T08:30:12Z")
    assert count(tmp_path / "wh.duckdb", "users") == (2, 2)


def test_a_later_csv_export_replaces_the_earlier_ones_requester(tmp_path: Path) -> None:
    may, june = tmp_path / "may", tmp_path / "june"
    lines = TWO_REQUESTERS[:3]
    write_export(may / "tickets_export.csv", lines, exported_at=MAY_20)
    changed = [{**line, "Requester email": "ann.moreau@example.net"} if line["Requester id"] == "111" else line
               for line in lines]
    write_export(june / "tickets_export.csv", changed, exported_at=JUNE_20)
    load(may, tmp_path)
    assert users(tmp_path / "wh.duckdb")[111]["email"] == "ann@example.com"
    load(june, tmp_path)
    landed = users(tmp_path / "wh.duckdb")
    assert (landed[111]["email"], landed[111]["updated_at"]) == ("ann.moreau@example.net", requester_version(JUNE_20))
    assert count(tmp_path / "wh.duckdb", "users") == (2, 2)
    # the May export dropped again (a copy: other bytes, same moment) does not bring the old address back
    write_export(tmp_path / "again" / "tickets_export (1).csv", [*lines, TWO_REQUESTERS[3]], exported_at=MAY_20)
    load(tmp_path / "again", tmp_path)
    assert users(tmp_path / "wh.duckdb")[111]["email"] == "ann.moreau@example.net"


def test_exports_dropped_together_keep_the_latest_export(tmp_path: Path) -> None:
    """In one run the later export wins by its moment, not by its file name."""
    drop = tmp_path / "drop"
    lines = TWO_REQUESTERS[:3]
    write_export(drop / "tickets_b.csv", lines, exported_at=MAY_20)
    write_export(drop / "tickets_a.csv",
                 [{**line, "Requester": "Ann Moreau"} if line["Requester id"] == "111" else line for line in lines],
                 exported_at=JUNE_20)
    load(drop, tmp_path)
    assert users(tmp_path / "wh.duckdb")[111]["name"] == "Ann Moreau"
