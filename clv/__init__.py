"""Predictive customer lifetime value: BG/NBD x Gamma-Gamma, fitted by maximum likelihood.

* :mod:`clv.summary` builds the per-customer summary (frequency, recency, T, monetary value) in SQL;
* :mod:`clv.bgnbd` fits the BG/NBD (Fader, Hardie & Lee 2005) and gives P(alive) and expected purchases;
* :mod:`clv.gamma_gamma` fits the Gamma-Gamma spend model (Fader & Hardie 2013);
* :mod:`clv.score` combines them into discounted CLV over a horizon, vectorised;
* :mod:`clv.run` is the pipeline step that writes ``clv_model_runs`` and ``customer_clv``.
"""

from clv.bgnbd import BgNbdFit, BgNbdParams
from clv.gamma_gamma import GammaGammaFit, GammaGammaParams
from clv.run import (
    ClvConfig,
    ClvRunResult,
    InsufficientRepeatBuyersError,
    fit_and_score,
    fit_and_score_with_config,
    load_config,
)
from clv.score import ClvScores, monthly_discount_rate, score_customers
from clv.summary import build_summary

__all__ = [
    "BgNbdFit",
    "BgNbdParams",
    "ClvConfig",
    "ClvRunResult",
    "ClvScores",
    "GammaGammaFit",
    "GammaGammaParams",
    "InsufficientRepeatBuyersError",
    "build_summary",
    "fit_and_score",
    "fit_and_score_with_config",
    "load_config",
    "monthly_discount_rate",
    "score_customers",
]
