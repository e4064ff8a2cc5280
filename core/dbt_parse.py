"""Parse the dbt project once and hand the parsed manifest to every command that follows.

dbt re-parses the whole project (~760 nodes, about 14 s of CPU) whenever its partial-parse state
does not match the invocation. Two things broke the match on every run: the ``as_of`` var (a new
moment each run, and dbt hashes command-line vars into that state) and, in one process serving
several homes, the profile (the warehouse path is part of it). Neither changes what parsing
produces: vars are only read in model bodies, which dbt renders again when it runs each node, and
nodes name the database by the file's stem, not its folder.

So commands run on a manifest parsed without command-line vars: across processes dbt's partial
parse then reuses the last parse of the home (under a second), and within a process the parsed
manifest is kept while the project's files stay as they are.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

from core.settings import DBT_PROJECT_DIR

KEPT = 2
"""Parsed manifests kept in this process (one per warehouse file name; a few MB each)."""
_parsed: OrderedDict[tuple, Any] = OrderedDict()
_written: dict[Path, int] = {}
"""Target folder -> id of the manifest whose ``manifest.json`` it holds (written in this process)."""


def _project_folders() -> list[Path]:
    """Every folder dbt reads project files from (models and seeds live beside the project)."""
    return [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR.parent / "models",
            DBT_PROJECT_DIR.parent / "seeds", *(DBT_PROJECT_DIR / name for name in
                                                 ("macros", "tests", "analyses", "snapshots", "dbt_packages"))]


def project_fingerprint() -> tuple:
    """Name, size and modification time of every project file: any edit gives a new fingerprint."""
    entries: list[tuple[str, int, int]] = []
    for root in _project_folders():
        if root.is_file():
            stat = root.stat()
            entries.append((str(root), stat.st_size, stat.st_mtime_ns))
            continue
        for folder, _, files in os.walk(root):
            for name in files:
                stat = os.stat(os.path.join(folder, name))
                entries.append((os.path.join(folder, name), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(entries))


def cached(database: str) -> Any | None:
    """The manifest parsed in this process for a warehouse named ``database``, if still current."""
    key = (database, project_fingerprint())
    manifest = _parsed.get(key)
    if manifest is not None:
        _parsed.move_to_end(key)
    return manifest


def remember(database: str, manifest: Any, target: Path) -> None:
    """Keep a freshly parsed manifest (dbt wrote its ``manifest.json`` to ``target``)."""
    _parsed[(database, project_fingerprint())] = manifest
    while len(_parsed) > KEPT:
        _parsed.popitem(last=False)
    _written[target] = id(manifest)


def ensure_written(manifest: Any, target: Path) -> None:
    """Write ``manifest.json`` (and the semantic manifest) into ``target`` unless it already holds it.

    The run summary, the serving docs and the Dagster mirror read it from the home's target folder;
    a manifest parsed for another home must be written there too.
    """
    if _written.get(target) == id(manifest) and (target / "manifest.json").exists():
        return
    from dbt.parser.manifest import write_manifest

    target.mkdir(parents=True, exist_ok=True)
    write_manifest(manifest, str(target))
    _written[target] = id(manifest)


def forget() -> None:
    """Drop every kept manifest (tests that change project files in place call this)."""
    _parsed.clear()
    _written.clear()
