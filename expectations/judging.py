"""Where the runner's frames are judged: by GX in the check step's own process, or in worker processes.

GX's pandas engine judges a frame in Python (its metric graph, regular expressions value by value,
duplicate detection), so one process judges on one core: at 200,000 customers the check step used
1.1 of 2 cores. On a large warehouse the runner hands its frames to worker processes instead
(``checks.workers`` in config/warehouse.yml): it keeps reading the next frames from DuckDB while
the workers judge the earlier ones, and takes the results back in the order it handed the frames
out, so a rule's counts and examples are the same as judged in one process.

Frames travel as Arrow tables (their buffers are copied, not converted value by value) and become
pandas frames in the worker. A worker that dies (killed for memory, say) does not lose a frame:
every frame still out is judged again in this process, and the rest of the run stays here.
"""

from __future__ import annotations

import copy
import logging
import multiprocessing
import os
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

import pandas as pd
import pyarrow as pa

from core.config import ConfigFileError, warehouse_settings
from expectations.rules import Rule

log = logging.getLogger(__name__)

# GX's pandas regex rules call ``str.contains``, which warns once per chunk when a pattern has groups
# (ours group alternatives; only the match is used). At 1M customers that was thousands of log lines.
REGEX_GROUPS_WARNING = "This pattern is interpreted as a regular expression, and has match groups"
MAX_EXAMPLES = 5
POSITION = "cdw_rule_position"  # meta tag that maps a GX result back to its rule
WORKERS_ENV = "CDW_CHECK_WORKERS"
AUTO = "auto"

Done = Callable[[list[dict]], None]
"""What to do with a frame's raw results (one per rule, in the rules' order) once they are back."""


class Validator:
    """One ephemeral GX context reused for every frame of a run (of a process)."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        for name in ("great_expectations", "great_expectations.data_context.types.base"):
            logging.getLogger(name).setLevel(logging.ERROR)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every in-memory frame under 1 GB (a hash of every value, twice per
        # validation) only to name the batch; results do not use it. It was over half of the check
        # step's time on big tables. Frames of any size skip it.
        pandas_execution_engine.HASH_THRESHOLD = 0

        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("warehouse_frames")
        self.batch_definition = source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")

    def validate(self, frame: pd.DataFrame, rules: list[Rule], index_columns: tuple[str, ...] = ()) -> list[dict]:
        """One raw result per rule, in the order of ``rules``.

        GX returns results grouped by domain, not in suite order, so each expectation is validated as
        a copy tagged with its position and results are put back in place by that tag.
        """
        tagged = []
        for position, rule in enumerate(rules):
            expectation = copy.deepcopy(rule.expectation)
            expectation.meta = {**(expectation.meta or {}), POSITION: position}
            tagged.append(expectation)
        suite = self._gx.ExpectationSuite(name="batch", expectations=tagged)
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result_format: dict = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}
        if index_columns:
            result_format["unexpected_index_column_names"] = list(index_columns)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=REGEX_GROUPS_WARNING, category=UserWarning)
            result = batch.validate(suite, result_format=result_format)
        ordered: list[dict | None] = [None] * len(rules)
        for r in result.results:
            ordered[int(r.expectation_config.meta[POSITION])] = {
                "success": r.success, "result": r.result or {},
                "error": (r.exception_info or {}).get("exception_message") if not r.success else None}
        missing = [rules[i].name for i, raw in enumerate(ordered) if raw is None]
        if missing:
            raise RuntimeError(f"GX returned no result for {', '.join(missing)}")
        return ordered  # type: ignore[return-value]


def to_frame(batch: pa.RecordBatch | pa.Table) -> pd.DataFrame:
    """``batch`` as pandas, its numbers as 64-bit integers and doubles.

    GX's pandas range rule compares int64 and float64 columns as arrays, and anything else (DuckDB's
    decimals arrive as Python ``Decimal`` objects, its small integers as int32) value by value in
    Python: millions of calls on the money columns of the facts.
    """
    columns = []
    for column_type, column in zip(batch.schema.types, batch.columns, strict=True):
        if pa.types.is_decimal(column_type):
            column = column.cast(pa.float64())
        elif pa.types.is_integer(column_type) and column_type.bit_width < 64:
            column = column.cast(pa.int64())
        columns.append(column)
    return pa.Table.from_arrays(columns, names=batch.schema.names).to_pandas()


class InlineJudge:
    """Judges each frame at once, in this process."""

    def __init__(self) -> None:
        self._validator: Validator | None = None

    def judge(self, table: pa.Table, rules: list[Rule], index_columns: tuple[str, ...]) -> list[dict]:
        if self._validator is None:
            self._validator = Validator()
        return self._validator.validate(to_frame(table), rules, index_columns)

    def submit(self, table: pa.Table, rules: list[Rule], index_columns: tuple[str, ...], done: Done) -> None:
        done(self.judge(table, rules, index_columns))

    def finish(self) -> None:
        """Every frame handed out has been judged (nothing is ever pending here)."""


_worker_validator: Validator | None = None


def _start_worker() -> None:
    global _worker_validator
    _worker_validator = Validator()


def _judge_in_worker(table: pa.Table, rules: list[Rule], index_columns: tuple[str, ...]) -> list[dict]:
    assert _worker_validator is not None, "worker started without its validator"
    return _worker_validator.validate(to_frame(table), rules, index_columns)


class WorkerJudge:
    """Judges frames in ``workers`` processes; results are taken back in the order frames were handed out.

    At most one frame per worker is out at once while the runner reads the next, so memory stays bounded
    (two per worker cost more memory and gained nothing at 1M customers).
    """

    def __init__(self, workers: int) -> None:
        # Spawned, not forked: DuckDB's threads in this process must not be copied mid-query.
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_start_worker)
        self._pending: deque[tuple[Future, pa.Table, list[Rule], tuple[str, ...], Done]] = deque()
        self._limit = workers
        self._inline: InlineJudge | None = None  # after a worker died: the rest is judged here

    def submit(self, table: pa.Table, rules: list[Rule], index_columns: tuple[str, ...], done: Done) -> None:
        if self._inline is None:
            try:
                future = self._pool.submit(_judge_in_worker, table, rules, index_columns)
            except BrokenProcessPool as exc:
                self._fall_back(exc)
        if self._inline is not None:
            self.finish()  # the frames handed out before this one are taken first, in order
            self._inline.submit(table, rules, index_columns, done)
            return
        self._pending.append((future, table, rules, index_columns, done))
        while len(self._pending) > self._limit:
            self._take_oldest()

    def finish(self) -> None:
        """Wait for every frame handed out, taking its results in order."""
        while self._pending:
            self._take_oldest()

    def close(self) -> None:
        if self._inline is not None:  # broken: no worker may be left for the shutdown to wait on
            self._kill_workers()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _kill_workers(self) -> None:
        # A worker the pool started for a frame handed out after a death would never be told to stop,
        # and the pool's shutdown would wait for it forever (seen on CPython 3.11).
        for process in list((getattr(self._pool, "_processes", None) or {}).values()):
            process.kill()

    def _take_oldest(self) -> None:
        future, table, rules, index_columns, done = self._pending.popleft()
        try:
            raw = future.result()
        except BrokenProcessPool as exc:
            self._fall_back(exc)
            raw = self._inline.judge(table, rules, index_columns)  # type: ignore[union-attr]
        done(raw)

    def _fall_back(self, exc: BaseException) -> None:
        if self._inline is None:
            log.warning("a check worker process died (%s); the remaining frames are judged in this process", exc)
            self._inline = InlineJudge()
            self._kill_workers()


def check_workers(rows_to_judge: int) -> int:
    """Worker processes for a check that reads about ``rows_to_judge`` rows: 0 judges in this process.

    ``$CDW_CHECK_WORKERS`` or ``checks.workers`` (``auto``: one per core, at most four), used only when
    at least ``checks.parallel_min_rows`` rows are to be judged: a worker takes seconds to start
    (it imports GX), more than a small warehouse's whole check.
    """
    settings = warehouse_settings().checks
    override = os.environ.get(WORKERS_ENV, "").strip()
    value = (override or str(settings.workers)).lower()
    if value == AUTO:
        workers = min(os.cpu_count() or 1, 4)
    elif value.isdigit():
        workers = int(value)
    else:
        where = f"${WORKERS_ENV}" if override else "config/warehouse.yml: checks.workers"
        raise ConfigFileError(f"{where}: a whole number of worker processes or 'auto', got {value!r}")
    if workers < 2 or rows_to_judge < settings.parallel_min_rows:
        return 0
    return workers


@contextmanager
def open_judge(workers: int) -> Iterator[InlineJudge | WorkerJudge]:
    """A judge for one check: in this process (``workers`` 0 or 1) or in ``workers`` processes."""
    if workers < 2:
        yield InlineJudge()
        return
    judge = WorkerJudge(workers)
    try:
        yield judge
    finally:
        judge.close()
