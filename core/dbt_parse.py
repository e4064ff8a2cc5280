"""Parse the dbt project once and hand the parsed manifest to every command that follows.

dbt re-parses the whole project (~760 nodes, about 14 s of CPU) whenever its partial-parse state
does not match the invocation. Two things broke the match on every run: the ``as_of`` var (a new
moment each run, and dbt hashes command-line vars into that state) and, in one process serving
several homes, the profile (the warehouse path is part of it). Neither changes what parsing
produces: vars are only read in model bodies, which dbt renders again when it runs each node, and
nodes name the database by the file's stem, not its folder.

So commands run on a manifest parsed without command-line vars: within a process the parsed
manifest is kept while the project's files stay as they are, and across processes and homes (a new
seller's first run, a copied home) it is read back from a parse cache (under a second) keyed by the
project's files, the warehouse name and the dbt version. dbt's own partial parse cannot serve a new
home: it hashes the profile, and the warehouse path is part of it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections import OrderedDict
from pathlib import Path
from typing import Any

from core.settings import DBT_PROJECT_DIR

PARSE_CACHE_ENV = "CDW_DBT_PARSE_CACHE"
"""Folder of saved parses (default ``$XDG_CACHE_HOME/cdw/dbt-parse``, ``~/.cache/...``); ``off`` disables it."""
DBT_PARSE_STATE = "partial_parse.msgpack"
"""dbt's own parse state in a target folder (the whole manifest as msgpack)."""
SAVED = 4
"""Saved parses kept on disk (each a few MB; older ones are removed)."""
KEPT = 2
"""Parsed manifests kept in this process (one per warehouse file name; a few MB each)."""
_parsed: OrderedDict[tuple, Any] = OrderedDict()
_written: dict[Path, int] = {}
"""Target folder -> id of the manifest whose ``manifest.json`` it holds (written in this process)."""


def _project_folders() -> list[Path]:
    """Every file and folder dbt reads project files from (models and seeds live beside the project)."""
    return [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml", DBT_PROJECT_DIR / "packages.yml",
            DBT_PROJECT_DIR.parent / "models", DBT_PROJECT_DIR.parent / "seeds",
            *(DBT_PROJECT_DIR / name for name in ("macros", "tests", "analyses", "snapshots", "dbt_packages"))]


def project_files() -> list[tuple[str, os.stat_result]]:
    """Path and stat of every file of the dbt project (what a parse reads)."""
    found: list[tuple[str, os.stat_result]] = []
    for root in _project_folders():
        if root.is_file():
            found.append((str(root), root.stat()))
            continue
        for folder, _, files in os.walk(root):
            found.extend((os.path.join(folder, name), os.stat(os.path.join(folder, name))) for name in files)
    return found


def project_fingerprint() -> tuple:
    """Name, size and modification time of every project file: any edit gives a new fingerprint."""
    return tuple(sorted((path, stat.st_size, stat.st_mtime_ns) for path, stat in project_files()))


def newest_project_change() -> float:
    """Modification time of the newest project file (0 when there is none)."""
    return max((stat.st_mtime for _, stat in project_files()), default=0.0)


def cached(database: str) -> Any | None:
    """The manifest parsed for a warehouse named ``database``, if still current: in this process, else saved."""
    key = (database, project_fingerprint())
    manifest = _parsed.get(key)
    if manifest is not None:
        _parsed.move_to_end(key)
        return manifest
    manifest = _load_saved(key)
    if manifest is not None:
        _keep(key, manifest)
    return manifest


def remember(database: str, manifest: Any, target: Path) -> None:
    """Keep a freshly parsed manifest (dbt wrote its ``manifest.json`` and parse state to ``target``)."""
    key = (database, project_fingerprint())
    _keep(key, manifest)
    _written[target] = id(manifest)
    _save(key, target / DBT_PARSE_STATE)


def parsed_here(manifest: Any) -> bool:
    """Whether the manifest was parsed from this checkout of the project.

    dbt's partial parse matches files by their path inside the project, so its state from a checkout
    elsewhere (a home reused after the repository moved) gives a manifest whose seeds load their CSV
    files from the other folder; seeds are the nodes that carry the project's folder.
    """
    here = DBT_PROJECT_DIR.resolve()
    roots = {getattr(node, "root_path", None) for node in manifest.nodes.values()} - {None}
    return all(Path(root).resolve() == here for root in roots)


def _keep(key: tuple, manifest: Any) -> None:
    _parsed[key] = manifest
    while len(_parsed) > KEPT:
        _parsed.popitem(last=False)


def _cache_folder() -> Path | None:
    setting = os.environ.get(PARSE_CACHE_ENV, "")
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting)
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "cdw" / "dbt-parse"


def _saved_path(key: tuple) -> Path | None:
    from dbt.version import __version__

    folder = _cache_folder()
    if folder is None:
        return None
    digest = hashlib.sha256(repr((__version__, key)).encode()).hexdigest()[:32]
    return folder / f"{key[0]}-{digest}.msgpack"


def _save(key: tuple, parse_state: Path) -> None:
    """Copy dbt's parse state (the whole manifest as msgpack) into the cache; never fails a run."""
    path = _saved_path(key)
    if path is None or not parse_state.exists():
        return
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(parse_state, part)
        os.replace(part, path)
        for stale in sorted(path.parent.glob("*.msgpack"), key=lambda p: p.stat().st_mtime)[:-SAVED]:
            stale.unlink(missing_ok=True)
    except OSError:  # a read-only or full cache folder only costs the next process a parse
        part.unlink(missing_ok=True)


def _load_saved(key: tuple) -> Any | None:
    """The saved parse for ``key``, or None (missing, unreadable, or parsed under other env vars)."""
    path = _saved_path(key)
    if path is None or not path.exists():
        return None
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.manifest import extended_mashumuro_decoder

    try:
        manifest = Manifest.from_msgpack(path.read_bytes(), decoder=extended_mashumuro_decoder)
    except Exception:  # noqa: BLE001 - a damaged cache entry is parsed again, not a failure
        path.unlink(missing_ok=True)
        return None
    # env vars read while parsing (dbt records them) must still have the values they had
    if any(os.environ.get(name) != value for name, value in manifest.env_vars.items()):
        return None
    if not parsed_here(manifest):
        path.unlink(missing_ok=True)
        return None
    return _as_parsed(manifest)


def _as_parsed(manifest: Any) -> Any:
    """Finish a saved manifest the way dbt finishes one it parsed (as its partial parse does)."""
    from datetime import UTC, datetime

    from dbt_common.invocation import get_invocation_id

    manifest.metadata.generated_at = datetime.now(UTC).replace(tzinfo=None)
    manifest.metadata.invocation_id = get_invocation_id()
    manifest.build_parent_and_child_maps()
    manifest.build_group_map()
    manifest.build_flat_graph()
    return manifest


def ensure_written(manifest: Any, target: Path) -> None:
    """Write ``manifest.json`` (and the semantic manifest) into ``target`` unless it already holds it.

    The run summary, the serving docs and the Dagster mirror read it from the home's target folder;
    a manifest parsed for another home must be written there too.
    """
    if _written.get(target) == id(manifest) and (target / "manifest.json").exists():
        return
    from argparse import Namespace

    from dbt.flags import get_flags, set_flags
    from dbt.parser.manifest import write_manifest

    if not hasattr(get_flags(), "SEND_ANONYMOUS_USAGE_STATS"):  # no dbt command ran in this process yet
        set_flags(Namespace(SEND_ANONYMOUS_USAGE_STATS=False))  # as dbt_project.yml sets it
    target.mkdir(parents=True, exist_ok=True)
    write_manifest(manifest, str(target))
    _written[target] = id(manifest)


def forget() -> None:
    """Drop every kept manifest (tests that change project files in place call this)."""
    _parsed.clear()
    _written.clear()
