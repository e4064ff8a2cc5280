"""Customer lifetime value over a finite horizon: BG/NBD transactions x Gamma-Gamma value.

For customer i with summary (x, t_x, T, zbar), horizon H months, monthly discount rate d and
m months = m * k time units (k = time units per month):

    CLV_i = E[Z_i | x, zbar] * sum_{m=1..H} (E[Y_i(m k)] - E[Y_i((m - 1) k)]) / (1 + d)^m

where E[Y(t) | x, t_x, T] is the BG/NBD conditional expectation (Fader, Hardie & Lee 2005,
eq. 10) and E[Z | x, zbar] the Gamma-Gamma conditional mean spend (Fader & Hardie 2013,
eq. 5): expected purchases in each month, discounted to today (end-of-month convention),
times expected order value.  Multiplying the two expectations relies on the Gamma-Gamma
assumption that spend is independent of the transaction process.

Everything is vectorised: one (months x customers) array per chunk of customers, no Python
loop over customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from clv import bgnbd, gamma_gamma
from clv.summary import unit_days

FloatArray = NDArray[np.float64]

#: Average Gregorian month in days.
DAYS_PER_MONTH = 365.25 / 12.0
DEFAULT_CHUNK_SIZE = 200_000


@dataclass(frozen=True)
class ClvScores:
    """Per-customer scores, aligned with the input arrays."""

    probability_alive: FloatArray
    expected_purchases_horizon: FloatArray  # undiscounted expected purchases over the horizon
    expected_order_value: FloatArray
    predicted_clv: FloatArray  # discounted value over the horizon


def monthly_discount_rate(annual_rate: float) -> float:
    """Monthly rate equivalent to an annual rate: (1 + annual)^(1/12) - 1."""
    if annual_rate <= -1.0:
        raise ValueError(f"annual discount rate must be > -1, got {annual_rate}")
    return (1.0 + annual_rate) ** (1.0 / 12.0) - 1.0


def time_units_per_month(time_unit: str) -> float:
    """Length of an average month (365.25 / 12 days) in the summary's time unit."""
    return DAYS_PER_MONTH / unit_days(time_unit)


def discount_factors(horizon_months: int, monthly_rate: float) -> FloatArray:
    """1 / (1 + d)^m for months m = 1..H."""
    if horizon_months < 1:
        raise ValueError(f"horizon_months must be >= 1, got {horizon_months}")
    if monthly_rate <= -1.0:
        raise ValueError(f"monthly discount rate must be > -1, got {monthly_rate}")
    months = np.arange(1, horizon_months + 1, dtype=np.float64)
    return (1.0 + monthly_rate) ** -months


def discounted_expected_purchases(
    params: bgnbd.BgNbdParams,
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    horizon_months: int,
    monthly_rate: float,
    units_per_month: float,
) -> tuple[FloatArray, FloatArray]:
    """(discounted expected purchases, undiscounted expected purchases) over the horizon.

    Evaluates E[Y(t)] at the H month ends at once as an (H, n) array, takes monthly increments
    and discounts them.
    """
    factors = discount_factors(horizon_months, monthly_rate)
    month_ends = (np.arange(1, horizon_months + 1, dtype=np.float64) * units_per_month)[:, None]
    cumulative = bgnbd.conditional_expected_purchases(params, month_ends, x, t_x, T)  # (H, n)
    increments = np.diff(cumulative, axis=0, prepend=0.0)
    return factors @ increments, cumulative[-1]


def score_customers(
    bg_params: bgnbd.BgNbdParams,
    gg_params: gamma_gamma.GammaGammaParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon_months: int = 12,
    monthly_rate: float = monthly_discount_rate(0.10),
    time_unit: str = "W",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> ClvScores:
    """Score every customer: P(alive), expected purchases and order value, discounted CLV.

    Customers are processed in chunks of ``chunk_size`` to bound memory (each chunk is one
    vectorised evaluation); the result does not depend on the chunk size.
    """
    x = np.asarray(frequency, dtype=np.float64)
    t_x = np.asarray(recency, dtype=np.float64)
    TT = np.asarray(T, dtype=np.float64)
    # A repeat buyer whose repeat purchases netted to <= 0 (refunds, free orders) counts as zero
    # observed spend, which the Gamma-Gamma mean then shrinks towards the population mean.
    zbar = np.maximum(np.asarray(monetary_value, dtype=np.float64), 0.0)
    bgnbd.validate_summary(x, t_x, TT)
    units_per_month = time_units_per_month(time_unit)

    n = x.size
    p_alive = np.empty(n)
    purchases = np.empty(n)
    discounted = np.empty(n)
    for start in range(0, n, max(int(chunk_size), 1)):
        sl = slice(start, start + chunk_size)
        p_alive[sl] = bgnbd.probability_alive(bg_params, x[sl], t_x[sl], TT[sl])
        discounted[sl], purchases[sl] = discounted_expected_purchases(
            bg_params, x[sl], t_x[sl], TT[sl], horizon_months, monthly_rate, units_per_month
        )
    order_value = gamma_gamma.conditional_expected_value(gg_params, x, zbar)
    return ClvScores(
        probability_alive=p_alive,
        expected_purchases_horizon=purchases,
        expected_order_value=order_value,
        predicted_clv=discounted * order_value,
    )
