"""The trained match model, kept in the warehouse and reused until it is due for training again.

Training (EM over sampled pairs) is most of the suggestion step: at a million customers about 12
of 15 s (31 of 38 s while EM iterated over every pair), where scoring every blocked pair takes
under 3 s. A daily run that adds a fraction of a percent of profiles learns nothing new from
training again, so the step scores with the model the last training stored
(``identity_suggestions.match_models``: one row per training, with the Splink settings and
parameters as JSON) and trains again only when :func:`training_reason` says so: no model yet,
other model settings, a model older than ``retrain_after_days``, or profiles grown or shrunk by
more than ``retrain_after_growth`` since it was trained.

A stored model holds Splink's settings: comparison levels as SQL conditions and their learnt
probabilities, no person's values (term frequencies are counted again from each run's profiles).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from typing import Any

import duckdb

SCHEMA = "identity_suggestions"
MODELS_TABLE = f"{SCHEMA}.match_models"
MODEL_COLUMNS = {"trained_at": "timestamp", "profiles": "bigint", "settings_fingerprint": "varchar",
                 "model_json": "varchar"}
MODEL_FORMAT = 1
"""Raised when what a stored model means changes (comparisons, columns), so older models are trained again."""


@dataclass(frozen=True)
class StoredModel:
    """One training: when, on how many profiles, under which settings, and the model itself."""

    trained_at: datetime
    profiles: int
    settings_fingerprint: str
    model: dict[str, Any]


def settings_fingerprint(columns: list[str], settings: dict[str, Any]) -> str:
    """What a trained model depends on: the compared columns, the settings that shape training and
    the pairs it scores, the model format and Splink's version (a model it wrote is read by it)."""
    text = json.dumps({"columns": columns, "settings": settings, "format": MODEL_FORMAT,
                       "splink": version("splink")}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def training_reason(stored: StoredModel | None, profiles: int, fingerprint: str, now: datetime,
                    retrain_after_days: float, retrain_after_growth: float) -> str | None:
    """Why the model must be trained on this run, or ``None`` when the stored one serves."""
    if stored is None:
        return "no trained model yet"
    if stored.settings_fingerprint != fingerprint:
        return "the model settings or the compared columns changed"
    age_days = (now - stored.trained_at).total_seconds() / 86_400
    if age_days >= retrain_after_days:
        return f"the model is {age_days:.1f} days old (retrain_after_days: {retrain_after_days:g})"
    change = abs(profiles - stored.profiles) / max(stored.profiles, 1)
    if change > retrain_after_growth:
        return (f"profiles went from {stored.profiles:,} to {profiles:,} since it was trained "
                f"(retrain_after_growth: {retrain_after_growth:.0%})")
    return None


def ensure_suggestions_table(connection: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    """Create ``table`` of the suggestion step's schema with ``columns`` (name: type) when it does not exist."""
    connection.execute(f"create schema if not exists {SCHEMA}")
    column_sql = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    connection.execute(f"create table if not exists {table} ({column_sql})")


def ensure_models_table(connection: duckdb.DuckDBPyConnection) -> None:
    ensure_suggestions_table(connection, MODELS_TABLE, MODEL_COLUMNS)


def latest_model(connection: duckdb.DuckDBPyConnection) -> StoredModel | None:
    rows = connection.execute(f"select trained_at, profiles, settings_fingerprint, model_json from {MODELS_TABLE} "
                              "order by trained_at desc limit 1").fetchall()
    if not rows:
        return None
    trained_at, profiles, fingerprint, model_json = rows[0]
    return StoredModel(trained_at, int(profiles), fingerprint, json.loads(model_json))


def store_model(connection: duckdb.DuckDBPyConnection, model: StoredModel) -> None:
    connection.execute(f"insert into {MODELS_TABLE} values (?, ?, ?, ?)",
                       [model.trained_at, model.profiles, model.settings_fingerprint,
                        json.dumps(model.model, sort_keys=True, default=str)])
