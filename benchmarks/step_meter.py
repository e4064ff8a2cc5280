"""Time and memory of each step of the main job, heard as it runs (an :class:`cdw.observer.Observer`).

The benchmarks run the main job itself (:func:`cdw.main_job.run_main_job`, the one the command line
and Dagster run), not a copy of its step order, so what they measure is what a user runs: a build
phase that fails skips the second, a refused publish is a blocked run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.memory import PeakMemory
from cdw.observer import Observer

Extras = Callable[[str, Any], dict[str, Any]]
"""(step, the step's value) -> more figures of the step (rows in and out, ...)."""


class StepMeter(Observer):
    """Per step: wall seconds, peak resident memory (MB) of this process and its children, and extras."""

    def __init__(self, extras: Extras | None = None, label: str = "") -> None:
        self.steps: dict[str, dict[str, Any]] = {}
        self._extras = extras
        self._label = f"{label} " if label else ""
        self._peak: PeakMemory | None = None

    def step_started(self, step: str) -> None:
        self._peak = PeakMemory().__enter__()

    def step_finished(self, step: str, value: Any, seconds: float) -> None:
        peak, self._peak = self._peak, None
        if peak is not None:
            peak.__exit__(None, None, None)
        figures = {"seconds": round(seconds, 2), "peak_mb": peak.megabytes if peak else 0}
        if self._extras is not None:
            figures.update(self._extras(step, value))
        self.steps[step] = figures
        print(f"  {self._label}{step}: {seconds:.1f} s, peak {figures['peak_mb']:,} MB", flush=True)

    def close(self) -> None:
        """Stop sampling when a step never finished (the run failed inside it)."""
        if self._peak is not None:
            self._peak.__exit__(None, None, None)
            self._peak = None
