"""Predictive customer lifetime value: BG/NBD x Gamma-Gamma, fitted by maximum likelihood.

* :mod:`clv.summary` builds the per-customer summary (repeat purchases, purchase span, customer age,
  average repeat value: the models' x, t_x, T and mean spend) in SQL;
* :mod:`clv.bgnbd` fits the BG/NBD (Fader, Hardie & Lee 2005) and gives P(alive) and expected purchases;
* :mod:`clv.gamma_gamma` fits the Gamma-Gamma spend model (Fader & Hardie 2013);
* :mod:`clv.score` combines them into discounted CLV over a horizon, vectorised;
* :mod:`clv.run` is the pipeline step: :func:`run_clv` fits, checks and scores, writes
  ``clv_model_runs`` and ``customer_clv`` and returns a :class:`ClvOutcome` (``fitted``,
  ``kept_previous`` or ``skipped``, with the reason, the as-of day and the figures).
"""

from clv.bgnbd import BgNbdFit, BgNbdParams
from clv.gamma_gamma import GammaGammaFit, GammaGammaParams
from clv.run import (
    ClvConfig,
    ClvOutcome,
    ClvRunResult,
    FitRejectedError,
    InsufficientRepeatBuyersError,
    ScoresInForce,
    ensure_tables,
    fit_and_score,
    fit_and_score_with_config,
    fit_problems,
    load_config,
    run_clv,
    scores_in_force,
)
from clv.score import ClvScores, monthly_discount_rate, score_customers
from clv.summary import build_summary

__all__ = [
    "BgNbdFit",
    "BgNbdParams",
    "ClvConfig",
    "ClvOutcome",
    "ClvRunResult",
    "ClvScores",
    "FitRejectedError",
    "GammaGammaFit",
    "GammaGammaParams",
    "InsufficientRepeatBuyersError",
    "ScoresInForce",
    "build_summary",
    "ensure_tables",
    "fit_and_score",
    "fit_and_score_with_config",
    "fit_problems",
    "load_config",
    "monthly_discount_rate",
    "run_clv",
    "score_customers",
    "scores_in_force",
]
