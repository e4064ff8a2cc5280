"""The main job as one call: the steps in order, one record, one lock.

    [generate] -> ingest -> build (phase 1) -> clv, suggest -> build (phase 2) -> check -> publish

:func:`run_main_job` holds the writer lock for the whole run, saves the run record after every
step (so a killed run leaves a trace) and returns the record; an :class:`Observer` (the command
line's progress display, its mirror into the Dagster instance) hears about each step. Dagster's
own main job materializes the same steps as assets (``orchestration/defs``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cdw import steps
from cdw.context import RunContext
from cdw.lock import run_lock
from cdw.observer import Observer
from cdw.publish import PublishRefused, clean_stale_publish_files
from cdw.records import RunRecord, prune_runs, utc_now
from cdw.steps.build import Phase
from core.config import warehouse_settings
from core.dbt import DbtError

log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    """The record and what each step returned (for the summary)."""

    record: RunRecord
    values: dict[str, Any]

    @property
    def exit_code(self) -> int:
        """0 success, 2 partial (published, some input rejected), 1 blocked or failed."""
        return {"success": 0, "partial": 2}.get(self.record.status, 1)


class StepFailed(RuntimeError):
    """A step could not run; the message says which and why (the record says so too)."""


class Mirror(Protocol):
    """Something that records each finished step elsewhere (the Dagster instance, for the CLI)."""

    errors: list[str]

    def step(self, name: str, value: Any, ctx: RunContext | None = None) -> None: ...

    def finish(self) -> int: ...


def run_main_job(ctx: RunContext, observer: Observer | None = None, *, generate: bool = True,
                 wait: float = 0.0, mirror: Callable[[RunContext, RunRecord], Mirror] | None = None) -> RunOutcome:
    """Run the whole job for ``ctx``; raises :class:`cdw.lock.RunLocked` when another run writes.

    ``mirror`` makes the recorder that hears of every finished step (its failures are logged,
    never raised into the run).
    """
    seen = observer or Observer()
    record = RunRecord(run_id=ctx.run_id, started_at=utc_now(), command="run", source=ctx.source,
                       systems=list(ctx.systems), systems_off=list(ctx.systems_off))
    values: dict[str, Any] = {}
    with run_lock(ctx.paths, "cdw run", ctx.run_id, wait=wait):
        clean_stale_publish_files(ctx.paths)
        record.save(ctx.paths)
        recorder = _start_mirror(mirror, ctx, record)
        try:
            ctx = _run_steps(ctx, record, values, _Mirrored(seen, recorder), generate)
        except PublishRefused as exc:
            record.finish(ctx.paths, "blocked", str(exc))
        except StepFailed as exc:
            record.finish(ctx.paths, "failed", str(exc))
        except BaseException as exc:
            record.finish(ctx.paths, "failed", f"{type(exc).__name__}: {exc}")
            raise
        else:
            rejected = values["ingest"].rejected
            record.finish(ctx.paths, "partial" if rejected else "success",
                          f"{len(rejected)} input file(s) rejected" if rejected else None)
        finally:
            if recorder is not None:
                _finish(recorder)
            prune_runs(ctx.paths, warehouse_settings().artifacts.keep_run_records)
    return RunOutcome(record, values)


class _Mirrored(Observer):
    """The front end's observer, plus the Dagster mirror hearing of every finished step."""

    def __init__(self, seen: Observer, mirror: Any) -> None:
        self.seen, self.mirror, self.ctx = seen, mirror, None

    def step_started(self, step: str) -> None:
        self.seen.step_started(step)

    def progress(self, step: str, message: str) -> None:
        self.seen.progress(step, message)

    def dbt_node(self, unique_id: str, status: str) -> None:
        self.seen.dbt_node(unique_id, status)

    def step_finished(self, step: str, value: Any, seconds: float) -> None:
        self.seen.step_finished(step, value, seconds)
        if self.mirror is not None:
            self.mirror.step(step, value, self.ctx)


def _timed(record: RunRecord, ctx: RunContext, seen: Observer, name: str, fn: Callable[[], Any],
           summarise: Callable[[Any], dict]) -> Any:
    seen.step_started(name)
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    record.steps[name] = {"seconds": round(seconds, 2), **summarise(value)}
    record.save(ctx.paths)
    if isinstance(seen, _Mirrored):
        seen.ctx = ctx
    seen.step_finished(name, value, seconds)
    return value


def _run_steps(ctx: RunContext, record: RunRecord, values: dict[str, Any], seen: Observer,
               generate: bool) -> RunContext:
    if ctx.source == "demo" and generate:
        values["generate"] = _timed(record, ctx, seen, "generate", lambda: steps.generate(ctx),
                                    lambda g: {"rows": g.total_rows})
    ctx = ctx.with_resolved_as_of()
    record.as_of = ctx.as_of.to_json()
    values["ingest"] = _timed(record, ctx, seen, "ingest",
                              lambda: steps.ingest(ctx, progress=lambda m: seen.progress("ingest", m)),
                              lambda outcome: outcome.to_dict())
    failures: list[str] = []
    for phase, name in (("before_clv", "build"), ("after_clv", "build_after_clv")):
        if phase == "after_clv" and failures:
            # what the Python steps and the second phase read did not all build: they would only fail
            # again on missing tables; the first phase's failures are the ones to read and fix
            record.steps["build_after_clv"] = {"seconds": 0.0, "skipped": "the first build phase failed"}
            break
        if phase == "after_clv":
            values["clv"] = _timed(record, ctx, seen, "clv", lambda: steps.clv(ctx), lambda c: c.to_dict())
            values["suggest"] = _timed(record, ctx, seen, "suggest", lambda: steps.suggest(ctx),
                                       lambda s: {"profiles": s.profiles, "pairs_suggested": s.pairs_suggested,
                                                  "pairs_auto_merge": s.pairs_auto_merge,
                                                  "not_scored": s.not_scored, "model": s.model})
        built = _timed(record, ctx, seen, name, lambda phase=phase: _build(ctx, phase, seen),
                       lambda b: {"counts": b.counts, "failures": b.failures, "warnings": b.warnings})
        values[name] = built
        failures += [f"dbt {f}" for f in built.failures]
    report = _timed(record, ctx, seen, "check", lambda: steps.check(ctx),
                    lambda r: {"passed": r.passed, "total": len(r.outcomes),
                               "blocking_failures": r.blocking_failures, "warnings": _real_warnings(r)})
    values["check"] = report
    clv = values.get("clv")
    record.warnings = ([f"CLV {clv.message}"] if clv is not None and clv.status != "fitted" else []) \
        + _real_warnings(report)
    values["publish"] = _timed(record, ctx, seen, "publish", lambda: steps.publish(ctx, report.blocking_failures
                                                                                   + failures),
                               lambda p: {"tables": len(p.tables), "published_at": p.published_at})
    return ctx


def _build(ctx: RunContext, phase: Phase, seen: Observer):
    try:
        return steps.build(ctx, phase, on_node=seen.dbt_node)
    except DbtError as exc:
        raise StepFailed(f"dbt build could not run: {exc}") from exc


def _real_warnings(report) -> list[str]:
    """Warn-level failures, without the rules that only wait for a relation not built yet."""
    return [w for o, w in zip(report.failed("warn"), report.warnings, strict=True) if not o.not_built]


def _start_mirror(make: Callable[[RunContext, RunRecord], Mirror] | None, ctx: RunContext,
                  record: RunRecord) -> Mirror | None:
    if make is None:
        return None
    try:
        return make(ctx, record)
    except Exception as exc:  # the warehouse is the record; a mirror must not fail a run
        log.warning("run not recorded in the Dagster instance: %s", exc)
        return None


def _finish(mirror: Mirror) -> None:
    try:
        mirror.finish()
    except Exception as exc:
        mirror.errors.append(str(exc))
    for error in mirror.errors:
        log.warning("run not fully recorded in the Dagster instance: %s", error)


