"""The run context: everything a step needs to know about one run, typed and resolved once.

The command line builds it from its options, Dagster from its resource configuration; both then
call the same step functions (:mod:`cdw.steps`) with it. There is one source vocabulary
(:data:`SOURCES`) and one as-of resolver (:func:`core.as_of.resolve_as_of`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from core.as_of import AsOf, resolve_as_of
from core.config import warehouse_settings
from core.contracts import load_contracts
from core.settings import DEFAULT_DEMO_CUSTOMERS, DEFAULT_DEMO_SEED, Paths, get_paths

SOURCES = ("demo", "drops", "api")
"""Where raw data comes from: ``demo`` (generated vendor files), ``drops`` (vendor export files and
canonical Parquet files dropped in ``<home>/landing``, flat or per vendor), ``api`` (vendor APIs)."""
SOURCE_ALIASES = {"landing": "drops", "files": "drops"}


class ContextError(ValueError):
    """A run setting that cannot be used (unknown source or system); the message says what is accepted."""


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def normalise_source(source: str) -> str:
    name = SOURCE_ALIASES.get(source.strip().lower(), source.strip().lower())
    if name not in SOURCES:
        raise ContextError(f"unknown source {source!r}: choose one of {', '.join(SOURCES)}")
    return name


def demo_end_date(paths: Paths) -> date | None:
    """The last day of the generated demo data (its manifest), the as-of of a demo run."""
    manifest = paths.truth / "manifest.json"
    if not manifest.exists():
        return None
    return date.fromisoformat(json.loads(manifest.read_text())["end_date"])


@dataclass(frozen=True)
class RunContext:
    """One run: where, as of when, from which source and systems, which models."""

    paths: Paths
    run_id: str
    as_of: AsOf
    source: str = "demo"
    systems: tuple[str, ...] = ()
    """The systems this run reads (switched on in ``config/warehouse.yml`` and asked for)."""
    all_systems: tuple[str, ...] = ()
    """Every system with a landing contract (their raw tables exist whether or not they are on)."""
    landing: Path | None = None
    """A folder to read instead of the source's default."""
    selection: str | None = None
    """A dbt selection (``--select``) for runs that rebuild part of the graph (the activation lane)."""
    exclusion: str | None = None
    """A dbt ``--exclude`` for such runs (the lane leaves the identity graph to the nightly run)."""
    demo_customers: int = DEFAULT_DEMO_CUSTOMERS
    demo_seed: int = DEFAULT_DEMO_SEED
    force: bool = False
    as_of_value: str | None = None
    """The as-of as asked for (``None``: the source's default); kept to re-resolve after generating."""

    @property
    def landing_dir(self) -> Path:
        if self.landing is not None:
            return self.landing
        return self.paths.demo_landing if self.source == "demo" else self.paths.landing

    @property
    def systems_off(self) -> tuple[str, ...]:
        return tuple(s for s in self.all_systems if s not in self.systems)

    def with_resolved_as_of(self) -> RunContext:
        """The same context with the as-of resolved again (after the demo generator wrote its manifest)."""
        return replace(self, as_of=_resolve(self.as_of_value, self.source, self.paths))


def _resolve(value: str | None, source: str, paths: Paths) -> AsOf:
    return resolve_as_of(value, demo_end=demo_end_date(paths) if source == "demo" else None)


def make_context(*, home: Path | str | None = None, source: str = "demo", as_of: str | date | datetime | None = None,
                 systems: list[str] | tuple[str, ...] | None = None, landing: Path | None = None,
                 selection: str | None = None, demo_customers: int = DEFAULT_DEMO_CUSTOMERS,
                 demo_seed: int = DEFAULT_DEMO_SEED, force: bool = False, run_id: str | None = None) -> RunContext:
    """Resolve a run's settings: source name, systems (settings file, then ``systems``), as-of, paths.

    Raises :class:`ContextError` (unknown source or system), :class:`core.as_of.AsOfError` (an
    as-of that is neither a date nor a timestamp) or :class:`core.config.ConfigFileError`.
    """
    paths = (Paths(Path(home).resolve()) if home is not None else get_paths()).ensure()
    chosen_source = normalise_source(source)
    known = sorted(load_contracts())
    enabled = warehouse_settings().enabled_systems(known)
    if systems:
        unknown = sorted(set(systems) - set(known))
        if unknown:
            raise ContextError(f"unknown system(s) {', '.join(unknown)}; known: {', '.join(known)}")
        enabled = tuple(s for s in enabled if s in systems)
    as_of_text = None if as_of is None else (as_of.isoformat() if isinstance(as_of, date | datetime) else str(as_of))
    return RunContext(paths=paths, run_id=run_id or new_run_id(), as_of=_resolve(as_of_text, chosen_source, paths),
                      source=chosen_source, systems=enabled, all_systems=tuple(known), landing=landing,
                      selection=selection, demo_customers=demo_customers, demo_seed=demo_seed, force=force,
                      as_of_value=as_of_text)
