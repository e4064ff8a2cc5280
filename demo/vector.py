"""Vectorised builders for Arrow columns: ids, money, and timestamps in each vendor's style.

Everything works on whole NumPy/Arrow arrays at once (no Python loop over rows). Fixed-width
strings (timestamps, random ids) are written straight into an Arrow buffer, which is an order
of magnitude faster than formatting row by row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DIGITS = "0123456789"
LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
HEX = "0123456789abcdef"

ArrowLike = pa.Array | pa.ChunkedArray | pa.Scalar | str


# ---------------------------------------------------------------- generic string helpers


def text(values: Sequence[str | None] | np.ndarray) -> pa.Array:
    """A Python or NumPy sequence as an Arrow string array."""
    return pa.array(values, type=pa.string())


def pick(options: Sequence[str | None], index: np.ndarray) -> pa.Array:
    """``options[index]`` for every row as an Arrow string array (a ``None`` option gives null)."""
    return pa.array(list(options), type=pa.string()).take(pa.array(np.asarray(index, dtype=np.int64)))


def categorical(values: Sequence[str | None] | pa.Array, index: np.ndarray) -> pa.Array:
    """``values[index]`` as a dictionary array: cheap to copy and reorder for long repeated strings.

    Only for columns that pass straight to the writer (which casts them to plain strings).
    """
    dictionary = values if isinstance(values, pa.Array) else pa.array(list(values), type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(index, dtype=np.int32)), dictionary)


def join(*parts: ArrowLike, sep: str = "") -> pa.Array:
    """Row-wise concatenation of arrays and literals; any null part makes the row null."""
    return _flat(pc.binary_join_element_wise(*parts, sep))


def where(mask: np.ndarray, when_true: ArrowLike, when_false: ArrowLike) -> pa.Array:
    """Row-wise choice between two arrays (or literals) of the same type."""
    return _flat(pc.if_else(pa.array(np.asarray(mask, dtype=bool)), when_true, when_false))


def null_where(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """``values`` with the rows under ``mask`` set to null."""
    return _flat(pc.if_else(pa.array(np.asarray(mask, dtype=bool)), pa.scalar(None, values.type), values))


def choose(index: np.ndarray, *alternatives: pa.Array) -> pa.Array:
    """Row i takes ``alternatives[index[i]][i]``: one of several renderings of the same value."""
    return _flat(pc.choose(pa.array(np.asarray(index, dtype=np.int8)), *alternatives))


def digits(values: np.ndarray, width: int = 0) -> pa.Array:
    """Integers as decimal strings, zero-padded to ``width``."""
    out = pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string())
    return pc.utf8_lpad(out, width, "0") if width else out


def _flat(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


# ---------------------------------------------------------------- fixed-width ascii


def fixed_ascii(codes: np.ndarray) -> pa.Array:
    """An (n, width) array of ASCII byte codes as an Arrow string array of n fixed-width strings."""
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    n, width = codes.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(codes.tobytes())])


def _alphabet(alphabet: str) -> np.ndarray:
    return np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)


def random_text(rng: np.random.Generator, n: int, width: int, alphabet: str = LOWER_ALNUM) -> pa.Array:
    """n random strings of ``width`` characters from ``alphabet``."""
    return fixed_ascii(_alphabet(alphabet)[rng.integers(0, len(alphabet), size=(n, width), dtype=np.uint8)])


def encode(values: np.ndarray, width: int, alphabet: str = BASE62) -> pa.Array:
    """Non-negative integers written in base ``len(alphabet)`` with exactly ``width`` characters.

    Distinct integers below ``len(alphabet) ** width`` give distinct strings, so unique ids stay unique.
    """
    values = np.asarray(values, dtype=np.uint64).copy()
    base = np.uint64(len(alphabet))
    codes = np.empty((len(values), width), dtype=np.uint8)
    table = _alphabet(alphabet)
    for position in range(width - 1, -1, -1):
        codes[:, position] = table[(values % base).astype(np.int64)]
        values //= base
    return fixed_ascii(codes)


def unique_ints(rng: np.random.Generator, n: int, low: int, high: int,
                exclude: np.ndarray | None = None) -> np.ndarray:
    """n distinct random integers in [low, high), none of them in ``exclude``; deterministic for a seed."""
    taken = np.asarray(exclude if exclude is not None else [], dtype=np.int64)
    out = rng.integers(low, high, size=n, dtype=np.int64)
    while True:
        _, first = np.unique(out, return_index=True)
        bad = np.ones(n, dtype=bool)
        bad[first] = False
        bad |= np.isin(out, taken)
        if not bad.any():
            return out
        out[bad] = rng.integers(low, high, size=int(bad.sum()), dtype=np.int64)


def rising_ids(rng: np.random.Generator, n: int, start: int, max_step: int = 9) -> np.ndarray:
    """Increasing ids with random gaps, as vendors hand out: later records get larger ids."""
    return start + np.cumsum(rng.integers(1, max_step + 1, size=n, dtype=np.int64))


def uuid4(rng: np.random.Generator, n: int) -> pa.Array:
    """Random version-4 UUID strings (``8-4-4-4-12`` lower-case hex)."""
    table = _alphabet(HEX)
    random_bytes = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16)
    nibbles = np.empty((n, 32), dtype=np.uint8)
    nibbles[:, 0::2] = random_bytes >> 4
    nibbles[:, 1::2] = random_bytes & 15
    raw = table[nibbles]
    raw[:, 12] = ord("4")
    raw[:, 16] = table[8 + (nibbles[:, 16] & 3)]
    codes = np.full((n, 36), ord("-"), dtype=np.uint8)
    for dst, src, width in ((0, 0, 8), (9, 8, 4), (14, 12, 4), (19, 16, 4), (24, 20, 12)):
        codes[:, dst:dst + width] = raw[:, src:src + width]
    return fixed_ascii(codes)


# ---------------------------------------------------------------- money


def money(cents: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    """Integer cents as decimal strings with two places (``1999`` -> ``"19.99"``, ``-5`` -> ``"-0.05"``)."""
    cents = np.asarray(cents, dtype=np.int64)
    magnitude = np.abs(cents)
    body = join(digits(magnitude // 100), ".", digits(magnitude % 100, 2))
    out = where(cents < 0, join("-", body), body)
    return null_where(out, null_mask) if null_mask is not None else out


# ---------------------------------------------------------------- timestamps

NO_TIME = -1
"""Sentinel for "no timestamp" in the int64 epoch-second arrays (all demo data is after 1970)."""


def _put(codes: np.ndarray, column: int, values: np.ndarray, width: int) -> None:
    for position in range(width - 1, -1, -1):
        codes[:, column + position] = 48 + values % 10
        values = values // 10


def _date_codes(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` as (n, 10) ASCII codes for day numbers since 1970-01-01."""
    day = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    codes = np.empty((len(day), 10), dtype=np.uint8)
    _put(codes, 0, day.astype("datetime64[Y]").astype(np.int64) + 1970, 4)
    _put(codes, 5, month.astype(np.int64) % 12 + 1, 2)
    _put(codes, 8, (day - month.astype("datetime64[D]")).astype(np.int64) + 1, 2)
    codes[:, [4, 7]] = ord("-")
    return codes


_CLOCK: list[np.ndarray] = []


def _clock_codes() -> np.ndarray:
    """``HH:MM:SS`` as ASCII codes for every second of a day (built once, 86,400 x 8 bytes)."""
    if not _CLOCK:
        second = np.arange(86400, dtype=np.int64)
        codes = np.empty((86400, 8), dtype=np.uint8)
        _put(codes, 0, second // 3600, 2)
        _put(codes, 3, second // 60 % 60, 2)
        _put(codes, 6, second % 60, 2)
        codes[:, [2, 5]] = ord(":")
        _CLOCK.append(codes)
    return _CLOCK[0]


def iso(secs: np.ndarray, suffix: str | np.ndarray = "Z", millis: np.ndarray | None = None) -> pa.Array:
    """Epoch seconds as ``YYYY-MM-DDTHH:MM:SS[.mmm]<suffix>``; ``NO_TIME`` (or negative) gives null.

    ``suffix`` is one literal for all rows (``"Z"``, ``"+00:00"``) or an (n, k) uint8 array of
    per-row suffix codes of equal width (used for the Shopify shop's UTC offsets). Dates are
    looked up from a table of the few distinct days, times from a table of the 86,400 seconds.
    """
    secs = np.asarray(secs, dtype=np.int64)
    n = len(secs)
    safe = np.maximum(secs, 0)
    tail = np.tile(np.frombuffer(suffix.encode("ascii"), dtype=np.uint8), (n, 1)) \
        if isinstance(suffix, str) else suffix
    frac = 0 if millis is None else 4
    codes = np.empty((n, 19 + frac + tail.shape[1]), dtype=np.uint8)
    day = safe // 86400
    first = int(day.min()) if n else 0
    codes[:, :10] = _date_codes(np.arange(first, int(day.max()) + 1 if n else 1))[day - first]
    codes[:, 10] = ord("T")
    codes[:, 11:19] = _clock_codes()[safe % 86400]
    if millis is not None:
        codes[:, 19] = ord(".")
        _put(codes, 20, np.asarray(millis, dtype=np.int64), 3)
    codes[:, 19 + frac:] = tail
    out = fixed_ascii(codes)
    missing = secs < 0
    return null_where(out, missing) if missing.any() else out


def iso_z(secs: np.ndarray) -> pa.Array:
    """Amazon / Zendesk style: ``2025-03-04T15:11:12Z``."""
    return iso(secs, "Z")


def iso_utc_offset(secs: np.ndarray) -> pa.Array:
    """Klaviyo style: ``2025-03-04T15:11:12+00:00``."""
    return iso(secs, "+00:00")


def iso_millis_z(secs: np.ndarray, millis: np.ndarray) -> pa.Array:
    """Browser ``Date.toISOString()`` style used by Shopify web pixels: ``2025-03-04T15:11:12.345Z``."""
    return iso(secs, "Z", millis=millis)


def _us_eastern_dst(years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UTC epoch seconds when US Eastern daylight time starts and ends in each year (2007+ rules)."""
    march1 = (years - 1970).astype("datetime64[Y]").astype("datetime64[M]") + 2
    nov1 = march1 + 8
    march1_day = march1.astype("datetime64[D]").astype(np.int64)
    nov1_day = nov1.astype("datetime64[D]").astype(np.int64)
    # 1970-01-01 was a Thursday: weekday (Mon=0) = (days + 3) % 7; Sunday = 6.
    first_sunday_march = march1_day + (6 - (march1_day + 3) % 7) % 7
    first_sunday_nov = nov1_day + (6 - (nov1_day + 3) % 7) % 7
    start = (first_sunday_march + 7) * 86400 + 7 * 3600  # 02:00 EST = 07:00 UTC
    end = first_sunday_nov * 86400 + 6 * 3600  # 02:00 EDT = 06:00 UTC
    return start, end


def iso_shop_local(secs: np.ndarray) -> pa.Array:
    """Shopify Admin API style in the shop's time zone (America/New_York): ``2025-03-04T10:11:12-05:00``."""
    secs = np.asarray(secs, dtype=np.int64)
    years = np.maximum(secs, 0).astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
    start, end = _us_eastern_dst(years)
    summer = (secs >= start) & (secs < end)
    offset = np.where(summer, -4 * 3600, -5 * 3600)
    suffixes = np.frombuffer(b"-05:00-04:00", dtype=np.uint8).reshape(2, 6)
    local = np.where(secs < 0, secs, secs + offset)
    return iso(local, suffixes[summer.astype(np.int64)])


# ---------------------------------------------------------------- parent/child expansion


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For per-parent child counts: the parent index of every child and its rank within the parent."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return parent, np.arange(len(parent)) - starts[parent]


def group_first(keys: np.ndarray, order: np.ndarray, n_keys: int) -> np.ndarray:
    """For each key in [0, n_keys): the position (into ``keys``) of its smallest ``order`` value, or -1."""
    sort = np.lexsort((order, keys))
    sorted_keys = keys[sort]
    first = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]] if len(sort) else np.zeros(0, dtype=bool)
    out = np.full(n_keys, -1, dtype=np.int64)
    out[sorted_keys[first]] = sort[first]
    return out
