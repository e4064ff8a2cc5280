"""What a front end hears while steps run (kept apart from the steps so a front end starts light)."""

from __future__ import annotations

from typing import Any


class Observer:
    """Callbacks of a run's progress; no-ops by default."""

    def step_started(self, step: str) -> None: ...

    def progress(self, step: str, message: str) -> None: ...

    def dbt_node(self, unique_id: str, status: str) -> None: ...

    def step_finished(self, step: str, value: Any, seconds: float) -> None: ...
