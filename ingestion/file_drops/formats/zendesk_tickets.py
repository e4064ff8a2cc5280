"""Zendesk tickets export, CSV or JSON -> ``zendesk/tickets`` (+ ``zendesk/users`` from JSON).

**CSV** (Admin Center > Account > Tools > Reports > Export > CSV, tickets): headings ``Summation
column, Id, Requester, Requester id, Requester external id, Requester email, Requester domain,
Submitter, Assignee, Group, Subject, Tags, Status, Priority, Via, Ticket type, Created at, Updated
at, Assigned at, Organization, Due date, Initially assigned at, Solved at, ...`` then metrics and
custom fields. Submitter, assignee and organization are *names* there, so their ids land null.
Status, priority and type are lower-cased as the API sends them (``Open`` -> ``open``); ``Via``
becomes the API's channel (``Mail`` -> ``email``, ``Web form`` -> ``web``, ``Web service`` ->
``api``, others lower-cased). The requester's name and e-mail are not landed as a user: the CSV
carries no user timestamps, which the users contract requires.

**JSON** (the same page > JSON export, or an API response saved to a file): newline-delimited
ticket objects as the Tickets API returns them (``id, subject, status, priority, type,
requester_id, submitter_id, assignee_id, organization_id, via.channel, tags, external_id,
created_at, updated_at``), or one document ``{"tickets": [...], "users": [...]}`` (tickets with
side-loaded users), or an array of tickets. Tags (a list) land space-separated, as Zendesk writes
them in text. Side-loaded ``users`` land in ``zendesk/users``.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingestion.file_drops.formats.base import (
    Export,
    ExportFormat,
    blank_null,
    iso_timestamp,
    literal,
    select,
    trimmed,
)

ID = ("Id", "ID")
REQUESTER_ID = ("Requester id", "Requester ID")
STATUS = ("Status", "Ticket status")
CREATED_AT = ("Created at",)
UPDATED_AT = ("Updated at",)
SUBJECT = ("Subject",)
PRIORITY = ("Priority",)
TICKET_TYPE = ("Ticket type", "Type")
VIA = ("Via",)
TAGS = ("Tags",)

VIA_CHANNELS = {
    "mail": "email",
    "email": "email",
    "web form": "web",
    "web widget": "web",
    "web": "web",
    "web service": "api",
    "api": "api",
    "chat": "chat",
    "voice": "voice",
    "phone call (incoming)": "voice",
    "phone call (outgoing)": "voice",
}
"""The CSV's ``Via`` wording -> the API's ``via.channel``; unknown wording passes lower-cased."""


def _enumeration(expression: str) -> str:
    """Lower-cased, with Zendesk's ``-`` placeholder for "none" as NULL."""
    return f"NULLIF(lower({trimmed(expression)}), '-')"


def convert_csv(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """One ticket per line, in file order."""
    c = export.column
    channels = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in VIA_CHANNELS.items())
    via = f"lower({trimmed(c(VIA))})"
    tickets = select(con, f"""
        SELECT
            {trimmed(c(ID))} AS id,
            {blank_null(c(SUBJECT))} AS subject,
            {_enumeration(c(STATUS))} AS status,
            {_enumeration(c(PRIORITY))} AS priority,
            {_enumeration(c(TICKET_TYPE))} AS type,
            {trimmed(c(REQUESTER_ID))} AS requester_id,
            CASE {via} {channels} ELSE {via} END AS via__channel,
            {blank_null(c(TAGS))} AS tags,
            {iso_timestamp(c(CREATED_AT))} AS created_at,
            {iso_timestamp(c(UPDATED_AT))} AS updated_at
        FROM src
        ORDER BY __row
    """)
    return {"tickets": tickets}


TICKET_FIELDS = {
    "id": "$.id",
    "subject": "$.subject",
    "status": "$.status",
    "priority": "$.priority",
    "type": "$.type",
    "requester_id": "$.requester_id",
    "submitter_id": "$.submitter_id",
    "assignee_id": "$.assignee_id",
    "organization_id": "$.organization_id",
    "via__channel": "$.via.channel",
    "external_id": "$.external_id",
    "created_at": "$.created_at",
    "updated_at": "$.updated_at",
}
USER_FIELDS = {
    "id": "$.id",
    "name": "$.name",
    "email": "$.email",
    "phone": "$.phone",
    "role": "$.role",
    "organization_id": "$.organization_id",
    "external_id": "$.external_id",
    "time_zone": "$.time_zone",
    "locale": "$.locale",
    "active": "$.active",
    "suspended": "$.suspended",
    "created_at": "$.created_at",
    "updated_at": "$.updated_at",
}


def _json_select(fields: dict[str, str], view: str) -> str:
    """SELECT of the API fields (as text) and tags (space-separated) from a view of JSON records."""
    columns = [f"json_extract_string(record, {literal(path)}) AS {name}" for name, path in fields.items()]
    columns.append("NULLIF(array_to_string(json_extract_string(record, '$.tags[*]'), ' '), '') AS tags")
    return f"SELECT {', '.join(columns)} FROM {view} ORDER BY __row"


def convert_json(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """Tickets from ``src``; users from ``src_users`` when the document side-loads them."""
    tables = {"tickets": select(con, _json_select(TICKET_FIELDS, "src"))}
    users = select(con, _json_select(USER_FIELDS, "src_users"))
    if users.num_rows:
        tables["users"] = users
    return tables


CSV_FORMAT = ExportFormat(
    name="zendesk_tickets_csv",
    system="zendesk",
    title="Zendesk tickets export (CSV)",
    where="Zendesk Admin Center > Account > Tools > Reports > Export > CSV export (tickets)",
    layout="csv",
    name_patterns=("*ticket*.csv",),
    required=(ID, REQUESTER_ID, STATUS, CREATED_AT, UPDATED_AT),
    optional=(SUBJECT, PRIORITY, TICKET_TYPE, VIA, TAGS),
    tables=("tickets",),
    convert=convert_csv,
)

JSON_FORMAT = ExportFormat(
    name="zendesk_tickets_json",
    system="zendesk",
    title="Zendesk tickets export (JSON)",
    where="Zendesk Admin Center > Account > Tools > Reports > Export > JSON export (tickets)",
    layout="json",
    name_patterns=("*ticket*.json", "*ticket*.ndjson", "*ticket*.jsonl"),
    required=(("id",), ("requester_id",), ("status",), ("created_at",), ("updated_at",)),
    optional=tuple((name,) for name in ("subject", "priority", "type", "submitter_id", "assignee_id",
                                         "organization_id", "via", "tags", "external_id")),
    tables=("tickets", "users"),
    convert=convert_json,
)
