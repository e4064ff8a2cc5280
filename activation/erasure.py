"""Privacy erasure: a deletion for every destination the person reached, sent by the next run.

:func:`queue_erasure` looks the person up in ``activation.sync_state`` (what each sync's destination
accepted) and queues one deletion per sync, carrying the payload that destination needs (an email,
or SHA-256 hashes for ad platforms). The next run of each sync sends them first (Klaviyo: data
privacy deletion job; Mailchimp: permanent delete; Meta/Google: removal from the audience; webhook
and files: an ``erase`` batch) and then forgets the person's state. Queue rows are kept as
tombstones (payload cleared once sent): an erased customer id is never planned again, even if an
audience still lists it before the marts are rebuilt.
"""

from __future__ import annotations

import uuid

import duckdb

from activation.state import SCHEMA, ensure_schema, now, transaction


def queue_erasure(con: duckdb.DuckDBPyConnection, customer_id: str) -> int:
    """Queue deletions of ``customer_id`` at every destination it reached; returns how many were queued.

    Idempotent: a deletion already pending for a sync is not queued twice. A person no sync ever
    sent still gets a tombstone, so they can never be sent later.
    """
    ensure_schema(con)
    customer_id = str(customer_id)
    queued = 0
    with transaction(con):
        reached = con.execute(
            f"""
            select sync_name, any_value(destination), any_value(remove_payload)
            from {SCHEMA}.sync_state where customer_id = ?
            group by sync_name order by sync_name
            """,
            [customer_id],
        ).fetchall()
        for sync_name, destination, payload in reached:
            pending = con.execute(
                f"select count(*) from {SCHEMA}.deletion_queue where customer_id = ? and sync_name = ? "
                "and status = 'pending'", [customer_id, sync_name]).fetchone()[0]
            if pending:
                continue
            con.execute(f"insert into {SCHEMA}.deletion_queue values (?, ?, ?, ?, ?, 'pending', 0, ?, null, null)",
                        [uuid.uuid4().hex, customer_id, sync_name, destination, payload, now()])
            queued += 1
        if not reached:
            known = con.execute(f"select count(*) from {SCHEMA}.deletion_queue where customer_id = ?",
                                [customer_id]).fetchone()[0]
            if not known:
                con.execute(f"insert into {SCHEMA}.deletion_queue values (?, ?, null, null, null, 'no_destination', "
                            "0, ?, null, null)", [uuid.uuid4().hex, customer_id, now()])
    return queued


def pending_deletions(con: duckdb.DuckDBPyConnection, sync_name: str) -> list[tuple[str, str, str | None]]:
    """(deletion_id, customer_id, payload) of the deletions waiting for ``sync_name``."""
    return con.execute(
        f"select deletion_id, customer_id, payload from {SCHEMA}.deletion_queue "
        "where sync_name = ? and status = 'pending' order by requested_at, deletion_id", [sync_name]
    ).fetchall()
