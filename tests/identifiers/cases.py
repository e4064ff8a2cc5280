"""The shared table of tricky identifiers (``cases.csv``) that every form of the identifier rules must agree on.

Columns: ``kind`` (``email`` or ``phone``), ``input`` as typed (``\\t``, ``\\n`` and ``\\uXXXX``
stand for the characters), ``region`` (the default region for national phone numbers),
``country`` (a per-row country, when the case is about one), ``expected`` (the normalised value,
empty for none), ``expected_key`` (the e-mail identity key) and ``why``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CASES_FILE = Path(__file__).with_name("cases.csv")
_ESCAPE = re.compile(r"\\(t|n|r|u([0-9a-fA-F]{4}))")


@dataclass(frozen=True)
class Case:
    id: int
    kind: str
    input: str | None
    region: str
    country: str | None
    expected: str | None
    expected_key: str | None
    why: str

    def __str__(self) -> str:
        where = f" [{self.region}{', country ' + self.country if self.country else ''}]" if self.kind == "phone" else ""
        return f"{self.kind} {self.input!r}{where} ({self.why})"


def decode(text: str) -> str:
    return _ESCAPE.sub(lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1)) or chr(int(m.group(2), 16)), text)


def load_cases() -> list[Case]:
    with CASES_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [Case(id=i, kind=row["kind"], input=decode(row["input"]) if row["input"] else None,
                 region=row["region"] or "US", country=row["country"] or None, expected=row["expected"] or None,
                 expected_key=row["expected_key"] or None, why=row["why"]) for i, row in enumerate(rows)]


def mismatches(cases: list[Case], got: dict[int, object], expected: Callable[[Case], object]) -> list[str]:
    """Human-readable lines for every case whose result differs from what ``expected(case)`` says."""
    return [f"{case}: got {got[case.id]!r}, want {expected(case)!r}"
            for case in cases if got[case.id] != expected(case)]
