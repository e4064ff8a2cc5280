"""Owners in dbt's properties files, taken from the dictionary's stewardship.

Every model and seed entry of a ``models/**.yml`` or ``seeds/*.yml`` file gets
``config: meta: owner: <steward's owner>`` (``team:orders``), the same owner Dagster shows for the
asset (its key is the model name) and the Great Expectations pages name. The edit is line-based so
comments, folded descriptions and flow-style unit-test rows stay exactly as written: only the
``owner:`` line of an entry is replaced, or the missing ``config``/``meta``/``owner`` lines are
added before the entry's ``columns:`` (or at its end).
"""

from __future__ import annotations

import re
from pathlib import Path

from core.dictionary import Dictionary

SECTIONS = ("models", "seeds")
_SECTION = re.compile(r"^(?P<key>[a-z_]+):\s*(#.*)?$")
_ENTRY = re.compile(r"^(?P<indent> *)- name: *['\"]?(?P<name>[A-Za-z0-9_]+)['\"]? *(#.*)?$")
_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_]+):(?P<rest>.*)$")


def properties_files(root: Path) -> list[Path]:
    """The dbt properties files that may declare models or seeds, relative to ``root``."""
    found = sorted((root / "models").rglob("*.yml")) + sorted((root / "seeds").glob("*.yml"))
    return [p.relative_to(root) for p in found]


def with_owners(text: str, dictionary: Dictionary) -> str:
    """``text`` (one properties file) with each model's and seed's owner set from ``dictionary``."""
    lines = text.split("\n")
    out: list[str] = []
    section: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = _SECTION.match(line)
        if heading:
            section = heading["key"]
        entry = _ENTRY.match(line) if section in SECTIONS else None
        if not entry or len(entry["indent"]) != 2:
            out.append(line)
            i += 1
            continue
        end = _entry_end(lines, i)
        steward = dictionary.steward_for(entry["name"])
        block = lines[i:end]
        out.extend(_set_owner(block, steward.owner) if steward else block)
        i = end
    return "\n".join(out)


def _entry_end(lines: list[str], start: int) -> int:
    """Index of the first line after the entry starting at ``start`` (blank lines at its end excluded)."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if stripped and (indent < 2 or (indent == 2 and stripped.startswith("- "))):
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _child(block: list[str], parent: int, key: str, indent: int) -> int | None:
    """Index in ``block`` of ``key:`` directly under the line ``parent`` (at ``indent``), if any."""
    for j in range(parent + 1, len(block)):
        line = block[j]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        depth = len(line) - len(line.lstrip(" "))
        if depth < indent:
            return None
        match = _KEY.match(line)
        if depth == indent and match and match["key"] == key:
            return j
    return None


def _set_owner(block: list[str], owner: str) -> list[str]:
    value = f'"{owner}"'
    config = _child(block, 0, "config", 4)
    if config is None:
        at = _child(block, 0, "columns", 4)
        at = len(block) if at is None else at
        return block[:at] + ["    config:", "      meta:", f"        owner: {value}"] + block[at:]
    meta = _child(block, config, "meta", 6)
    if meta is None:
        return block[:config + 1] + ["      meta:", f"        owner: {value}"] + block[config + 1:]
    found = _child(block, meta, "owner", 8)
    if found is None:
        return block[:meta + 1] + [f"        owner: {value}"] + block[meta + 1:]
    comment = re.search(r"\s+#.*$", block[found])
    return block[:found] + [f"        owner: {value}{comment.group(0) if comment else ''}"] + block[found + 1:]
