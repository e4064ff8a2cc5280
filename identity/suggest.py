"""Scored match suggestions: a Fellegi-Sunter model (Splink on DuckDB) trained by EM on the
seller's own profiles, scoring pairs the deterministic rules kept apart.

Never a silent merge: pairs land in ``identity_suggestions.match_pairs`` (the dbt project reads it
through the macro ``identity_suggested_pairs``, an empty stand-in before the step first runs) and
reach analysts as ``marts.identity_match_suggestions`` with their match
weight and comparison vector. A data owner accepts a pair by adding it to
``seeds/identity_accepted_matches.csv`` (auditable); the next build links it. Pairs merge without
review only when ``auto_merge_match_weight`` is set in ``config/identity_matching.yml`` (off by
default).

The trained model is stored in ``identity_suggestions.match_models`` and reused by later runs until
it is due for training again (:mod:`identity.match_model`): a daily run scores with it in seconds.

Pipeline step (after ``dbt build``, which builds ``intermediate.int_identity_match_inputs``)::

    from identity.suggest import suggest
    suggest(build_database_path)          # writes identity_suggestions.match_pairs
    # then: dbt build --select identity_match_suggestions

Why a Python step and not a dbt Python model: a dbt-duckdb Python model would not run on other
engines (Spark), while this step reads one model and writes one table through a DuckDB
connection; another engine can run Splink's Spark backend on the same contract.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from core.duckdb_files import connect_warehouse, connect_work
from core.settings import REPO_ROOT
from identity.match_model import (
    SCHEMA,
    StoredModel,
    ensure_models_table,
    ensure_suggestions_table,
    latest_model,
    settings_fingerprint,
    store_model,
    training_reason,
)

logger = logging.getLogger(__name__)
CONFIG_PATH = REPO_ROOT / "config" / "identity_matching.yml"
INPUTS = "intermediate.int_identity_match_inputs"
TABLE = f"{SCHEMA}.match_pairs"
# Columns compared (when present in the input with at least one value), with how.
COMPARED = ("first_name", "last_name", "email_local", "phone", "address_line", "postal_code", "city",
            "date_of_birth")
PAIR_COLUMNS = {
    "record_id_l": "varchar", "record_id_r": "varchar", "match_weight": "double", "match_probability": "double",
    "comparison_vector": "varchar", "is_auto_merge": "boolean", "scored_at": "timestamp",
    "first_name_l": "varchar", "first_name_r": "varchar", "last_name_l": "varchar", "last_name_r": "varchar",
    "email_local_l": "varchar", "email_local_r": "varchar", "phone_l": "varchar", "phone_r": "varchar",
    "address_line_l": "varchar", "address_line_r": "varchar", "postal_code_l": "varchar",
    "postal_code_r": "varchar", "city_l": "varchar", "city_r": "varchar",
    **{f"gamma_{c}": "integer" for c in COMPARED if c != "date_of_birth"},
}


@dataclass(frozen=True)
class MatchingConfig:
    """``config/identity_matching.yml``."""

    blocking_rules: list[list[str]]
    training_blocking_rules: list[list[str]]
    deterministic_rules: list[list[str]]
    deterministic_recall: float = 0.7
    max_pairs_for_u: float = 2_000_000
    max_pairs_for_em: float = 2_000_000
    seed: int = 42
    suggest_match_weight: float = 6.0
    auto_merge_match_weight: float | None = None
    require_name_agreement: bool = True
    em_without_term_frequencies: bool = True
    retrain_after_days: float = 7
    retrain_after_growth: float = 0.1
    extra: dict[str, Any] = field(default_factory=dict)


def load_config(path: Path | None = None) -> MatchingConfig:
    data = yaml.safe_load((path or CONFIG_PATH).read_text()) or {}
    known = {f for f in MatchingConfig.__dataclass_fields__ if f != "extra"}
    return MatchingConfig(**{k: v for k, v in data.items() if k in known},
                          extra={k: v for k, v in data.items() if k not in known})


@dataclass
class SuggestResult:
    profiles: int
    pairs_scored: int
    pairs_suggested: int
    pairs_auto_merge: int
    seconds: float
    table: str = TABLE
    not_scored: str | None = None
    """Why nothing was scored (too few profiles to learn from, or a model that could not be trained);
    the table is then left empty: no suggestion is better than a wrong one."""
    trained: str | None = None
    """Why the model was trained on this run (``None``: the stored model scored the pairs)."""
    model_trained_at: datetime | None = None
    """When the model that scored the pairs was trained."""

    @property
    def model(self) -> str | None:
        """Which model scored the pairs, for the run's summary."""
        if self.model_trained_at is None:
            return None
        if self.trained:
            return f"model trained ({self.trained})"
        return f"model of {self.model_trained_at:%Y-%m-%d %H:%M} UTC reused"


MIN_PROFILES = 50
"""Fewer profiles than this give EM nothing to learn from (a first day with a handful of orders)."""
EM_PROBE_PROFILES = 20_000
"""Profiles sampled (each side) to count a training block's pairs before EM samples them."""

def _comparisons(columns: list[str]) -> list[Any]:
    import splink.comparison_library as cl

    made = {
        "first_name": lambda: cl.NameComparison("first_name"),
        "last_name": lambda: cl.NameComparison("last_name"),
        "email_local": lambda: cl.LevenshteinAtThresholds("email_local", [1, 2]),
        "phone": lambda: cl.ExactMatch("phone"),
        "address_line": lambda: cl.LevenshteinAtThresholds("address_line", [1, 3]),
        "postal_code": lambda: cl.ExactMatch("postal_code"),
        "city": lambda: cl.LevenshteinAtThresholds("city", [1, 2]),
        "date_of_birth": lambda: cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
    }
    return [made[c]() for c in COMPARED if c in columns]


def _rules(rules: list[list[str]], columns: list[str]) -> list[Any]:
    from splink import block_on

    return [block_on(*rule) for rule in rules if all(c in columns for c in rule)]


def compared_columns(frame: pd.DataFrame) -> list[str]:
    """The compared columns ``frame`` has with at least one value (a data set without phones is
    matched on the rest)."""
    return [c for c in COMPARED if c in frame.columns and frame[c].notna().any()]


def model_settings(config: MatchingConfig) -> dict[str, Any]:
    """The settings a trained model depends on (what it learns from and the pairs it scores); the
    threshold and the household guard only filter its output."""
    return {"blocking_rules": config.blocking_rules, "training_blocking_rules": config.training_blocking_rules,
            "deterministic_rules": config.deterministic_rules, "deterministic_recall": config.deterministic_recall,
            "max_pairs_for_u": config.max_pairs_for_u, "max_pairs_for_em": config.max_pairs_for_em,
            "seed": config.seed, "em_without_term_frequencies": config.em_without_term_frequencies}


_REGISTERED = itertools.count(1)


def _linker(frame: pd.DataFrame, columns: list[str], settings: Any, connection: duckdb.DuckDBPyConnection | None):
    from splink import Linker
    from splink.internals.duckdb.database_api import DuckDBAPI

    frame = frame[["unique_id", *columns]].copy()
    for column in columns:
        frame[column] = frame[column].astype("string")
    api = DuckDBAPI(connection or duckdb.connect())
    # A name of its own: training and scoring register the profiles on the same connection.
    table = api.register(frame, table_name=f"identity_match_inputs_{next(_REGISTERED)}")
    logging.getLogger("splink").setLevel(logging.ERROR)
    return Linker(table, settings, log_level=logging.ERROR)


def train_model(frame: pd.DataFrame, config: MatchingConfig | None = None,
                connection: duckdb.DuckDBPyConnection | None = None) -> dict[str, Any]:
    """Train a Fellegi-Sunter model by EM on ``frame`` (one row per profile, ``unique_id`` plus any
    of the compared columns); returned as Splink's settings with the learnt parameters."""
    from splink import SettingsCreator

    config = config or load_config()
    columns = compared_columns(frame)
    settings = SettingsCreator(
        link_type="dedupe_only", comparisons=_comparisons(columns),
        blocking_rules_to_generate_predictions=_rules(config.blocking_rules, columns),
        retain_intermediate_calculation_columns=False, retain_matching_columns=True)
    linker = _linker(frame, columns, settings, connection)
    deterministic = _rules(config.deterministic_rules, columns)
    if deterministic:
        linker.training.estimate_probability_two_random_records_match(deterministic,
                                                                      recall=config.deterministic_recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=config.max_pairs_for_u, seed=config.seed)
    # The pairs of a training block grow with the square of the seller's size (a last name: 0.8M pairs at
    # 20,000 customers, 77M at 200,000); EM learns the m-probabilities as well from a sample of them.
    # Scoring still compares every blocked pair. The probe that counts a block is exact when small.
    probe = min(1.0, EM_PROBE_PROFILES / len(frame))
    for rule in _rules(config.training_blocking_rules, columns):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=config.max_pairs_for_em, record_sample_proportion=probe,
                estimate_without_term_frequencies=config.em_without_term_frequencies)
        except Exception as error:  # noqa: BLE001 - a block too small to train on is skipped, the others train
            logging.getLogger(__name__).info("EM block %s skipped: %s", rule, error)
    return linker.misc.save_model_to_json()


def predict_pairs(frame: pd.DataFrame, model: dict[str, Any], config: MatchingConfig | None = None,
                  threshold_match_weight: float | None = None,
                  connection: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """Score every blocked pair of ``frame`` with a trained ``model`` (:func:`train_model`) and
    return those at or above the threshold: ``unique_id_l``, ``unique_id_r``, ``match_weight``,
    ``match_probability``, the compared values and ``gamma_<column>`` (the comparison vector)."""
    config = config or load_config()
    threshold = config.suggest_match_weight if threshold_match_weight is None else threshold_match_weight
    linker = _linker(frame, compared_columns(frame), model, connection)
    pairs = linker.inference.predict(threshold_match_weight=threshold).as_pandas_dataframe()
    if config.require_name_agreement and "gamma_first_name" in pairs.columns:
        # Two known first names that do not agree at all under one last name are two people
        # (household members share a phone, an address and a last name), however much else
        # agrees: never suggested (unless first and last name were entered the wrong way round).
        transposed = pd.Series(False, index=pairs.index)
        if {"first_name_l", "last_name_r", "last_name_l", "first_name_r"} <= set(pairs.columns):
            transposed = ((pairs["first_name_l"] == pairs["last_name_r"])
                          & (pairs["last_name_l"] == pairs["first_name_r"])).fillna(False)
        same_family = pairs["gamma_last_name"] == pairs["gamma_last_name"].max() if "gamma_last_name" in pairs \
            else pd.Series(True, index=pairs.index)
        household = (pairs["gamma_first_name"] == 0) & same_family & ~transposed
        pairs = pairs[~household].reset_index(drop=True)
    return pairs


def score_pairs(frame: pd.DataFrame, config: MatchingConfig | None = None, threshold_match_weight: float | None = None,
                connection: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """Train a model on ``frame`` (:func:`train_model`) and score its pairs with it (:func:`predict_pairs`)."""
    config = config or load_config()
    if len(frame) < 2 or not compared_columns(frame):
        return pd.DataFrame(columns=["unique_id_l", "unique_id_r", "match_weight", "match_probability"])
    connection = connection or duckdb.connect()
    return predict_pairs(frame, train_model(frame, config, connection), config, threshold_match_weight, connection)


def ensure_table(connection: duckdb.DuckDBPyConnection) -> None:
    """Create ``identity_suggestions.match_pairs`` empty when it does not exist (a fresh warehouse)."""
    ensure_suggestions_table(connection, TABLE, PAIR_COLUMNS)


def suggest(database: Path | str, config_path: Path | None = None,
            threshold_match_weight: float | None = None) -> SuggestResult:
    """Score pairs of the warehouse's profiles and replace ``identity_suggestions.match_pairs``.

    Reads ``intermediate.int_identity_match_inputs`` (built by dbt) from the DuckDB file
    ``database``, trains the model on it, and writes every pair at or above the configured
    ``suggest_match_weight`` (or ``threshold_match_weight``), with ``is_auto_merge`` set only when
    ``auto_merge_match_weight`` is configured and reached. Call it after ``dbt build`` and before
    the checks; then rebuild ``identity_match_suggestions`` (or let the next build pick it up).
    """
    started = time.perf_counter()
    config = load_config(config_path)
    connection = connect_warehouse(Path(database))
    try:
        ensure_table(connection)
        exists = connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'intermediate' "
            "and table_name = 'int_identity_match_inputs'").fetchall()[0][0]
        frame = connection.sql(f"select * from {INPUTS}").df() if exists else pd.DataFrame()
        if not frame.empty:
            frame = frame.rename(columns={"profile_record_id": "unique_id"})
        not_scored = None
        pairs = pd.DataFrame()
        model: StoredModel | None = None
        reason: str | None = None
        if len(frame) < MIN_PROFILES:
            not_scored = f"{len(frame)} profile(s): too few to train a match model (at least {MIN_PROFILES})"
        elif not compared_columns(frame):
            not_scored = f"no profile has a value to compare ({', '.join(COMPARED)})"
        else:
            work = connect_work(Path(database))
            try:
                pairs, model, reason = _scored(connection, work, frame, config, threshold_match_weight)
            except (ValueError, ZeroDivisionError, ArithmeticError) as error:
                # EM on data without enough agreement (say every pair differs): no model, no suggestion
                logger.warning("identity suggestions not scored: %s", error)
                not_scored = f"the match model could not be trained on these profiles ({error})"
            finally:
                work.close()
        out = _pairs_table(pairs, config)
        connection.execute(f"delete from {TABLE}")
        if len(out):
            connection.register("scored_pairs", out)
            connection.execute(f"insert into {TABLE} by name select * from scored_pairs")
            connection.unregister("scored_pairs")
        return SuggestResult(profiles=len(frame), pairs_scored=len(pairs), pairs_suggested=len(out),
                             pairs_auto_merge=int(out["is_auto_merge"].sum()) if len(out) else 0,
                             seconds=round(time.perf_counter() - started, 2), not_scored=not_scored,
                             trained=reason, model_trained_at=model.trained_at if model else None)
    finally:
        connection.close()


def _scored(connection: duckdb.DuckDBPyConnection, work: duckdb.DuckDBPyConnection, frame: pd.DataFrame,
            config: MatchingConfig, threshold_match_weight: float | None
            ) -> tuple[pd.DataFrame, StoredModel, str | None]:
    """The pairs scored by the stored model when it still serves
    (:func:`identity.match_model.training_reason`), else by one trained now and stored; with the
    model and the reason it was trained (``None`` when the stored one scored)."""
    ensure_models_table(connection)
    fingerprint = settings_fingerprint(compared_columns(frame), model_settings(config))
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        stored = latest_model(connection)
        reason = training_reason(stored, len(frame), fingerprint, now, config.retrain_after_days,
                                 config.retrain_after_growth)
    except ValueError as error:  # a stored model that is no JSON: trained again, never a failed run
        stored, reason = None, f"the stored model could not be read ({str(error)[:200]})"
    if reason is None and stored is not None:
        try:
            return predict_pairs(frame, stored.model, config, threshold_match_weight, work), stored, None
        except Exception as error:  # noqa: BLE001 - a stored model Splink cannot use is trained again
            reason = f"the stored model could not score ({str(error).splitlines()[0][:200]})"
    model = StoredModel(now, len(frame), fingerprint, train_model(frame, config, work))
    store_model(connection, model)
    return predict_pairs(frame, model.model, config, threshold_match_weight, work), model, reason


def _pairs_table(pairs: pd.DataFrame, config: MatchingConfig) -> pd.DataFrame:
    if pairs.empty:
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    gammas = [c for c in pairs.columns if c.startswith("gamma_")]
    out = pd.DataFrame({
        "record_id_l": pairs["unique_id_l"].astype(str), "record_id_r": pairs["unique_id_r"].astype(str),
        "match_weight": pairs["match_weight"].astype(float), "match_probability": pairs["match_probability"],
        "comparison_vector": pairs[gammas].astype(int).astype(str).apply(
            lambda row: ",".join(f"{name[6:]}={value}" for name, value in row.items()), axis=1),
    })
    auto = config.auto_merge_match_weight
    out["is_auto_merge"] = (out["match_weight"] >= auto) if auto is not None else False
    out["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    for column in PAIR_COLUMNS:
        if column not in out.columns:
            out[column] = pairs[column] if column in pairs.columns else None
    # Smaller record id first, so a pair has one spelling (and one seed row).
    swap = out["record_id_l"] > out["record_id_r"]
    for left, right in [("record_id_l", "record_id_r"), *[(f"{c}_l", f"{c}_r") for c in COMPARED
                                                         if f"{c}_l" in out.columns]]:
        out.loc[swap, [left, right]] = out.loc[swap, [right, left]].to_numpy()
    return out[list(PAIR_COLUMNS)]
