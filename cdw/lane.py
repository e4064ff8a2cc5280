"""The activation lane: new storefront events to trigger audiences to their syncs, in seconds, not a night.

A lane run does only the day's small work, with the same steps and the same as-of rule as the
main run:

1. ingest the lane's systems (new files or API pages only: landing is incremental);
2. build the dbt nodes on a path from those systems' raw tables to the lane syncs' audiences
   (:func:`lane_selection`), leaving out the identity graph (``tag:identity_graph``: people are
   stitched by the nightly run; the lane reads its result) — the event and order facts are
   incremental, so they only add the new rows;
3. check the audiences (consent, suppression, hashing) and sync them (a dry run on demo data).

The Dagster ``activation_lane`` job selects the same dbt nodes (``orchestration/defs/jobs.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from activation import ActivationConfig, SyncConfig
from activation import load_config as load_activation_config
from cdw import steps
from cdw.context import RunContext
from cdw.lock import run_lock

IDENTITY_TAG = "identity_graph"
"""dbt tag of the identity graph's models (dbt_project.yml): rebuilt by the nightly run only."""


def lane_syncs(config: ActivationConfig, chosen: Iterable[str] = ()) -> list[SyncConfig]:
    """The syncs the lane runs: those named, else every trigger (append-mode) sync."""
    chosen = tuple(chosen)
    if chosen:
        unknown = sorted(set(chosen) - set(config.syncs))
        if unknown:
            raise ValueError(f"activation lane: no sync named {', '.join(unknown)}; known: {sorted(config.syncs)}")
        return [config.syncs[name] for name in chosen]
    return [sync for sync in config.syncs.values() if sync.is_trigger]


def lane_selection(audiences: Iterable[str], systems: Iterable[str], extra_tag: str | None = None
                   ) -> tuple[str, str]:
    """dbt ``--select`` and ``--exclude`` of a lane run.

    Select: every node downstream of the systems' raw sources *and* upstream of an audience (a
    comma intersects in dbt's syntax, a space unites), plus the models tagged for the lane.
    Exclude: the identity graph.
    """
    models = sorted({audience.rsplit(".", 1)[-1] for audience in audiences})
    paths = [f"source:raw_{system}+,+{model}" for system in sorted(set(systems)) for model in models]
    if extra_tag:
        paths.append(f"tag:{extra_tag}")
    return " ".join(paths), f"tag:{IDENTITY_TAG}"


@dataclass
class LaneOutcome:
    ingest: Any = None
    build: Any = None
    check: Any = None
    syncs: list[Any] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (self.build is not None and self.build.success and not self.check.blocking_failures
                and all(s.ok for s in self.syncs))


def run_lane(ctx: RunContext, systems: Iterable[str], sync_names: Iterable[str] = (), dbt_tag: str | None = None,
             dry_run: bool | None = None, config: ActivationConfig | None = None,
             progress: Callable[[str], None] | None = None, wait: float = 0.0) -> LaneOutcome:
    """One lane run as of ``ctx.as_of``; returns what each part did and how long it took."""
    say = progress or (lambda _message: None)
    config = config or load_activation_config()
    syncs = lane_syncs(config, sync_names)
    select, exclude = lane_selection([s.relation for s in syncs], systems, dbt_tag)
    lane_ctx = replace(ctx, selection=select, exclusion=exclude)
    outcome = LaneOutcome()
    with run_lock(ctx.paths, "cdw lane", ctx.run_id, wait=wait):
        started = time.perf_counter()
        outcome.ingest = steps.ingest(lane_ctx, systems=list(systems), progress=say)
        outcome.seconds["ingest"] = time.perf_counter() - started
        started = time.perf_counter()
        outcome.build = steps.build(lane_ctx, "all")
        outcome.seconds["build"] = time.perf_counter() - started
        started = time.perf_counter()
        outcome.check = steps.check(lane_ctx, suites=["audience"], relations=[s.relation for s in syncs],
                                    data_docs=False)
        outcome.seconds["check"] = time.perf_counter() - started
        started = time.perf_counter()
        if outcome.build.success and not outcome.check.blocking_failures:
            outcome.syncs = steps.sync(lane_ctx, [s.name for s in syncs], dry_run=dry_run, config=config)
        outcome.seconds["sync"] = time.perf_counter() - started
    return outcome
