"""The landing contract of a small raw table the runner tests check: a key, an e-mail, a timestamp, an amount."""

from __future__ import annotations

from core.contracts import Column, Table

TABLE = Table(
    system="shop", schema="raw_shop", name="customers", description="test", primary_key=("id",),
    cursor="updated_at",
    columns=(
        Column("id", "bigint", required=True),
        Column("email", "text", format="email"),
        Column("updated_at", "text", required=True, format="timestamp"),
        Column("total", "text", format="decimal", min=0),
    ),
)
