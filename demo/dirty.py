"""Junk rows, re-deliveries and late-arriving updates, added on top of each table's valid rows.

* Dirty rows are **extra** rows the vendor sent (a test order with a negative total, an e-mail
  typed without its domain, an event without an id). Each breaks exactly one contract rule so the
  quarantine catches it, gets a fresh key (or a spare key that points at a valid parent), and
  nothing references it: quarantining it never orphans a valid row.
* Duplicates are exact re-deliveries of valid rows, later in the file.
* Superseded rows are earlier versions of records whose newer version (later cursor) follows.

Which defects a table gets is read from its contract: ``missing_id`` on the primary key,
``malformed_email`` on an e-mail column, ``negative_amount`` / ``missing_amount`` on the table's
money column (missing only where it is required), ``bad_timestamp`` on its main timestamp.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.contracts import Table
from demo.frame import DEFECTS, DIRTY, DUPLICATE, SUPERSEDED, Frame, TableOut
from demo.vector import choose, digits, join, pick

# The money column whose sign or presence a junk row breaks, per table.
AMOUNT_COLUMNS: dict[tuple[str, str], str] = {
    ("shopify", "orders"): "total_price",
    ("shopify", "orders__line_items"): "price",
    ("shopify", "refunds__refund_line_items"): "subtotal",
    ("shopify", "abandoned_checkouts"): "total_price",
    ("shopify", "abandoned_checkouts__line_items"): "price",
    ("shopify", "products__variants"): "price",
    ("shopify", "pixel_events"): "data__product_variant__price__amount",
    ("amazon", "orders"): "order_total__amount",
    ("amazon", "order_items"): "item_price__amount",
    ("amazon", "fba_shipments"): "item_price",
}


def defect_columns(contract: Table) -> dict[str, str]:
    """defect name -> the contract column a junk row of this table breaks (only defects that apply)."""
    plan = {"missing_id": contract.primary_key[-1]}
    emails = [c.name for c in contract.columns if c.format == "email"]
    if emails:
        plan["malformed_email"] = emails[0]
    amount = AMOUNT_COLUMNS.get((contract.system, contract.name))
    if amount:
        plan["negative_amount"] = amount
        if contract.column(amount).required:
            plan["missing_amount"] = amount
    stamps = [c for c in contract.columns if c.format == "timestamp"]
    if stamps:
        plan["bad_timestamp"] = next((c.name for c in stamps if c.required), stamps[0].name)
    return plan


def select_superseded(table: TableOut, rng: np.random.Generator, rate: float) -> Frame | None:
    """A known share of records also arrive in an earlier version (from the module's candidates)."""
    if table.older is None or len(table.older) == 0:
        return None
    count = min(len(table.older), round(rate * len(table.rows)))
    if count == 0:
        return None
    weight = table.older_weight if table.older_weight is not None else np.ones(len(table.older))
    chosen = np.sort(rng.choice(len(table.older), size=count, replace=False, p=weight / weight.sum()))
    older = table.older.take(chosen)
    older.kind[:] = SUPERSEDED
    return older


def duplicates(rows: Frame, rng: np.random.Generator, rate: float, end_ts: int) -> Frame | None:
    """Exact re-sends of a known share of valid rows, delivered again minutes to days later."""
    count = round(rate * len(rows))
    if count == 0:
        return None
    chosen = np.sort(rng.choice(len(rows), size=count, replace=False))
    dup = rows.take(chosen)
    later = dup.delivered_at + rng.integers(600, 10 * 86400, size=count)
    dup.delivered_at = np.maximum(np.minimum(later, end_ts), dup.delivered_at)
    dup.kind[:] = DUPLICATE
    return dup


def dirty_rows(table: TableOut, contract: Table, rng: np.random.Generator, rate: float, end_ts: int
               ) -> Frame | None:
    """Junk rows for every defect that applies to the table, ``round(rate * rows)`` of each."""
    rows = table.rows
    made: list[Frame] = []
    spare_used = np.zeros(0 if table.spare_keys is None else len(table.spare_keys.person_id), dtype=bool)
    fresh_taken: dict[str, list[pa.Array]] = {k: [] for k in contract.primary_key}
    for name, column in defect_columns(contract).items():
        count = round(rate * len(rows))
        if count == 0:
            continue
        templates = _templates(rows, name, column, rng, count)
        junk = rows.take(templates)
        junk.kind[:] = DIRTY
        junk.defect[:] = DEFECTS.index(name)
        junk.delivered_at = np.minimum(junk.delivered_at + rng.integers(0, 3600, size=count), end_ts)
        if name != "missing_id":
            junk = _fresh_keys(junk, table, contract, rng, spare_used, fresh_taken)
        if junk is not None:
            made.append(_break(junk, name, column, rng))
    return Frame.concat(made) if made else None


def _templates(rows: Frame, defect: str, column: str, rng: np.random.Generator, count: int) -> np.ndarray:
    """Rows to copy: for amount defects a row with a positive amount, for e-mail defects one with an e-mail."""
    values = rows.columns[column]
    usable = np.ones(len(rows), dtype=bool)
    if defect == "negative_amount":
        numeric = values if not pa.types.is_string(values.type) else pc.cast(values, pa.float64())
        usable = pc.fill_null(pc.greater(numeric, 0), False).to_numpy(zero_copy_only=False)
    elif defect in ("malformed_email", "bad_timestamp"):
        usable = pc.is_valid(values).to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(usable) if usable.any() else np.arange(len(rows))
    return np.sort(rng.choice(candidates, size=count, replace=len(candidates) < count))


def _fresh_keys(junk: Frame, table: TableOut, contract: Table, rng: np.random.Generator,
                spare_used: np.ndarray, fresh_taken: dict[str, list[pa.Array]]) -> Frame | None:
    """Give junk rows keys no valid row has; reference-keys come from the table's spare keys."""
    n = len(junk)
    if table.spare_keys is not None:
        free = np.flatnonzero(~spare_used)
        if len(free) == 0:
            return None
        chosen = np.sort(rng.choice(free, size=min(n, len(free)), replace=False))
        spare_used[chosen] = True
        junk = junk.take(np.arange(len(chosen)))
        arrow_index = pa.array(chosen)
        junk = junk.with_columns(**{k: v.take(arrow_index) for k, v in table.spare_keys.columns.items()})
        junk.person_id = table.spare_keys.person_id[chosen]
        return junk
    updates = {}
    for key in contract.primary_key:
        existing = [table.rows.columns[key], *fresh_taken[key]]
        updates[key] = _new_values(junk.columns[key], existing, rng)
        fresh_taken[key].append(updates[key])
    return junk.with_columns(**updates)


def _new_values(templates: pa.Array, existing: list[pa.Array], rng: np.random.Generator) -> pa.Array:
    """Key values shaped like the templates but used by no row yet."""
    if pa.types.is_integer(templates.type):
        top = max(pc.max(a).as_py() or 0 for a in existing)
        return pa.array(top + np.cumsum(rng.integers(1, 50, size=len(templates))), pa.int64())
    taken = pa.concat_arrays([a.cast(pa.string()) for a in existing])
    values = [_mutate(str(v), rng) for v in templates.to_pylist()]
    while True:
        clash = np.asarray(pc.is_in(pa.array(values), value_set=taken).to_numpy(zero_copy_only=False))
        _, first = np.unique(np.asarray(values, dtype=object), return_index=True)
        repeated = np.ones(len(values), dtype=bool)
        repeated[first] = False
        redo = np.flatnonzero(clash | repeated)
        if len(redo) == 0:
            return pa.array(values, pa.string())
        for i in redo:
            values[i] = _mutate(values[i], rng)


def _mutate(value: str, rng: np.random.Generator) -> str:
    """Re-draw the last few letters/digits of a key, keeping each character's class (format-preserving)."""
    chars = list(value)
    positions = [i for i, ch in enumerate(chars) if ch.isalnum()][-6:]
    for i in positions:
        ch = chars[i]
        if ch.isdigit():
            chars[i] = "0123456789"[rng.integers(0, 10)]
        elif ch.isupper():
            chars[i] = "ABCDEFGHJKMNPQRSTVWXYZ"[rng.integers(0, 22)]
        else:
            chars[i] = "abcdefghijkmnpqrstuvwxyz"[rng.integers(0, 24)]
    return "".join(chars)


def _break(junk: Frame, defect: str, column: str, rng: np.random.Generator) -> Frame:
    """Apply one defect to one column of the junk rows."""
    values = junk.columns[column]
    n = len(junk)
    if defect in ("missing_id", "missing_amount"):
        broken = pa.nulls(n, values.type)
    elif defect == "negative_amount":
        broken = pc.negate(values) if not pa.types.is_string(values.type) else join("-", values)
    elif defect == "malformed_email":
        broken = _malformed_emails(pc.utf8_trim_whitespace(values), rng)
    else:
        broken = _bad_timestamps(values, junk.delivered_at, rng)
    return junk.with_columns(**{column: broken})


def _malformed_emails(email: pa.Array, rng: np.random.Generator) -> pa.Array:
    """Addresses no mail server accepts: no @, no domain suffix, a space inside, a doubled @."""
    n = len(email)
    email = pc.fill_null(email, "customer")
    variants = (
        pc.replace_substring(email, "@", "", max_replacements=1),
        pc.replace_substring_regex(email, r"@([^.@\s]+)\..*$", r"@\1"),
        pc.replace_substring_regex(email, r"^(\S)", r"\1 "),
        pc.replace_substring(email, "@", "@@", max_replacements=1),
    )
    return choose(rng.integers(0, len(variants), n), *variants)


def _bad_timestamps(values: pa.Array, delivered_at: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Dates a parser rejects: US ``03/04/2025 10:11``, bare epoch seconds, ``Invalid Date``, ``N/A``."""
    n = len(values)
    text = pc.fill_null(values.cast(pa.string()), "Invalid Date")
    us_style = pc.fill_null(join(pc.utf8_slice_codeunits(text, 5, 7), "/", pc.utf8_slice_codeunits(text, 8, 10), "/",
                                 pc.utf8_slice_codeunits(text, 0, 4), " ", pc.utf8_slice_codeunits(text, 11, 16)),
                            "Invalid Date")
    variants = (us_style, digits(delivered_at), pick(["Invalid Date"], np.zeros(n)), pick(["N/A"], np.zeros(n)))
    return choose(rng.choice(4, size=n, p=[0.5, 0.2, 0.15, 0.15]), *variants)
