"""BG/NBD model: repeat purchases and probability alive.

Reference: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to
the Pareto/NBD Model", Marketing Science 24(2) (FHL below), and the companion note
"Implementing the BG/NBD Model for Customer Base Analysis in Excel" (2005).

Per customer the sufficient statistics are ``x`` (repeat purchases), ``t_x`` (time of the last
purchase, measured from the first) and ``T`` (time from the first purchase to the end of the
calibration period), in one time unit (days or weeks).  Population parameters: purchase rates
``lambda ~ Gamma(r, alpha)`` and drop-out probabilities ``p ~ Beta(a, b)``.

Everything here is vectorised numpy over customer arrays and works in log space.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

FloatArray = NDArray[np.float64]

#: Bounds on the log-parameters during the fit (parameters between ~4.5e-5 and ~2.2e4).
_LOG_BOUNDS = (-10.0, 10.0)


@dataclass(frozen=True)
class BgNbdParams:
    """Fitted BG/NBD population parameters."""

    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class BgNbdFit:
    """Result of a maximum-likelihood fit."""

    params: BgNbdParams
    log_likelihood: float  # summed over customers (weighted)
    n_customers: int
    converged: bool
    iterations: int
    message: str


def _as_arrays(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    return (
        np.asarray(x, dtype=np.float64),
        np.asarray(t_x, dtype=np.float64),
        np.asarray(T, dtype=np.float64),
    )


def validate_summary(x: FloatArray, t_x: FloatArray, T: FloatArray) -> None:
    """Raise ``ValueError`` when the summary violates 0 <= t_x <= T, x >= 0, t_x = 0 when x = 0."""
    if not (x.shape == t_x.shape == T.shape):
        raise ValueError("x, t_x and T must have the same shape")
    if x.size == 0:
        raise ValueError("the summary is empty")
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(T).all()):
        raise ValueError("x, t_x and T must be finite")
    if (x < 0).any() or (t_x < 0).any() or (t_x > T).any():
        raise ValueError("the summary needs x >= 0 and 0 <= t_x <= T")
    if ((x == 0) & (t_x != 0)).any():
        raise ValueError("t_x must be 0 for customers with no repeat purchase (x = 0)")


# --------------------------------------------------------------------------------------------
# likelihood (FHL eq. 6) and its gradient
# --------------------------------------------------------------------------------------------


def _loglik_terms(
    r: float, alpha: float, a: float, b: float, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Return (A1, A2, A3, has_repeat) with ln L_i = A1 + ln(e^A2 + [x > 0] e^A3).

    FHL eq. 6:  L(r, alpha, a, b | x, t_x, T) =
        B(a, b + x) / B(a, b) * Gamma(r + x) alpha^r / (Gamma(r) (alpha + T)^(r + x))
      + [x > 0] B(a + 1, b + x - 1) / B(a, b) * Gamma(r + x) alpha^r / (Gamma(r) (alpha + t_x)^(r + x))
    """
    has_repeat = x > 0
    x_pos = np.where(has_repeat, x, 1.0)  # keeps B(a + 1, b + x - 1) defined where it is masked out
    betaln_ab = special.betaln(a, b)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - betaln_ab - (r + x) * np.log(alpha + T)
    a3 = special.betaln(a + 1.0, b + x_pos - 1.0) - betaln_ab - (r + x) * np.log(alpha + t_x)
    a3 = np.where(has_repeat, a3, -np.inf)
    return a1, a2, a3, has_repeat


def log_likelihood_per_customer(params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
    """ln L_i for every customer (FHL eq. 6), computed with gammaln/betaln and log-sum-exp."""
    xa, ta, Ta = _as_arrays(x, t_x, T)
    a1, a2, a3, _ = _loglik_terms(params.r, params.alpha, params.a, params.b, xa, ta, Ta)
    return a1 + np.logaddexp(a2, a3)


def log_likelihood(
    params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike, weights: ArrayLike | None = None
) -> float:
    """Total (optionally weighted) log-likelihood of the sample."""
    ll = log_likelihood_per_customer(params, x, t_x, T)
    return float(ll.sum() if weights is None else np.dot(np.asarray(weights, dtype=np.float64), ll))


@dataclass(frozen=True)
class _FitData:
    """Summary prepared for the optimiser: rows, weights and the distinct values of x.

    The special functions of the likelihood depend on x only, so they are evaluated once per
    distinct x (a few hundred values at most) and gathered, instead of once per customer.
    """

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    w: FloatArray
    w_total: float
    x_levels: FloatArray
    x_index: NDArray[np.intp]

    @classmethod
    def build(cls, x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray) -> _FitData:
        levels, index = np.unique(x, return_inverse=True)
        return cls(x, t_x, T, w, float(w.sum()), levels, index.reshape(-1))


def _negative_loglik_and_grad(log_params: FloatArray, data: _FitData) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood and its analytic gradient with respect to log-parameters.

    With ln L = A1 + logsumexp(A2, A3) and s3 = e^(A3 - ln L + A1) (share of the second term):
    d lnL = dA1 + (1 - s3) dA2 + s3 dA3, where (psi = digamma)
      dA1/dr = psi(r + x) - psi(r) + ln alpha,     dA1/dalpha = r / alpha
      dA2/dr = -ln(alpha + T),                      dA2/dalpha = -(r + x) / (alpha + T)
      dA2/da = psi(a + b) - psi(a + b + x),         dA2/db = psi(b + x) - psi(b) + psi(a + b) - psi(a + b + x)
      dA3/dr = -ln(alpha + t_x),                    dA3/dalpha = -(r + x) / (alpha + t_x)
      dA3/da = psi(a + 1) - psi(a) + psi(a + b) - psi(a + b + x)
      dA3/db = psi(b + x - 1) - psi(b) + psi(a + b) - psi(a + b + x)
    Terms that depend on x alone are computed per distinct x and summed with ``bincount``.
    """
    r, alpha, a, b = np.exp(log_params)
    x, t_x, T, w, idx = data.x, data.t_x, data.T, data.w, data.x_index

    # per distinct x
    xl = data.x_levels
    has_repeat = xl > 0
    xl_pos = np.where(has_repeat, xl, 1.0)
    betaln_ab = special.betaln(a, b)
    lvl_a1 = special.gammaln(r + xl) - special.gammaln(r) + r * np.log(alpha)
    lvl_b2 = special.betaln(a, b + xl) - betaln_ab
    lvl_b3 = np.where(has_repeat, special.betaln(a + 1.0, b + xl_pos - 1.0) - betaln_ab, -np.inf)
    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + xl)
    lvl_dr = special.digamma(r + xl) - special.digamma(r) + np.log(alpha)
    lvl_da2 = psi_ab - psi_abx
    lvl_db2 = special.digamma(b + xl) - special.digamma(b) + psi_ab - psi_abx
    lvl_da3 = special.digamma(a + 1.0) - special.digamma(a) + psi_ab - psi_abx
    lvl_db3 = special.digamma(b + xl_pos - 1.0) - special.digamma(b) + psi_ab - psi_abx

    # per customer
    r_x = r + x
    log_aT = np.log(alpha + T)
    log_at = np.log(alpha + t_x)
    a2 = lvl_b2[idx] - r_x * log_aT
    a3 = lvl_b3[idx] - r_x * log_at
    lse = np.logaddexp(a2, a3)
    s3 = np.exp(a3 - lse)  # 0 where x == 0
    s2 = 1.0 - s3
    ws2, ws3 = w * s2, w * s3

    n_levels = xl.size
    w_lvl = np.bincount(idx, weights=w, minlength=n_levels)
    ws2_lvl = np.bincount(idx, weights=ws2, minlength=n_levels)
    ws3_lvl = np.bincount(idx, weights=ws3, minlength=n_levels)
    ll_total = w_lvl @ lvl_a1 + w @ lse
    d_r = w_lvl @ lvl_dr - ws2 @ log_aT - ws3 @ log_at
    d_alpha = r / alpha * data.w_total - (w * r_x) @ (s2 / (alpha + T) + s3 / (alpha + t_x))
    d_a = ws2_lvl @ lvl_da2 + ws3_lvl[has_repeat] @ lvl_da3[has_repeat]
    d_b = ws2_lvl @ lvl_db2 + ws3_lvl[has_repeat] @ lvl_db3[has_repeat]
    grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return -float(ll_total) / data.w_total, -grad / data.w_total


# --------------------------------------------------------------------------------------------
# fitting
# --------------------------------------------------------------------------------------------


def compress(x: FloatArray, t_x: FloatArray, T: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Collapse identical (x, t_x, T) rows into one weighted row; the likelihood is unchanged.

    Real summaries measured in whole days/weeks repeat a lot (all one-time buyers of the same
    cohort share a row), so the fit touches fewer rows.
    """
    order = np.lexsort((T, t_x, x))
    xs, ts, Ts = x[order], t_x[order], T[order]
    new_group = np.empty(xs.size, dtype=bool)
    new_group[0] = True
    new_group[1:] = (xs[1:] != xs[:-1]) | (ts[1:] != ts[:-1]) | (Ts[1:] != Ts[:-1])
    starts = np.flatnonzero(new_group)
    counts = np.diff(np.append(starts, xs.size)).astype(np.float64)
    return xs[starts], ts[starts], Ts[starts], counts


def _starting_points(x: FloatArray, T: FloatArray, w: FloatArray) -> list[FloatArray]:
    """Data-scaled starts: alpha from the observed purchase rate (E[lambda] = r / alpha)."""
    mean_x = max(float(np.average(x, weights=w)), 1e-3)
    mean_t = max(float(np.average(T, weights=w)), 1e-3)
    starts = []
    for r0, a0, b0 in ((1.0, 1.0, 1.0), (0.5, 0.5, 2.0), (2.0, 2.0, 5.0)):
        alpha0 = r0 * mean_t / mean_x
        starts.append(np.log([r0, alpha0, a0, b0]))
    return starts


def fit(
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    compress_rows: bool = True,
    tol: float = 1e-10,
    max_iter: int = 2000,
) -> BgNbdFit:
    """Fit (r, alpha, a, b) by maximum likelihood (FHL section 3).

    The mean negative log-likelihood is minimised over log-parameters with L-BFGS-B and the
    analytic gradient.  The first data-scaled start usually converges; the others are tried
    only when it does not, and the best optimum wins.  ``converged`` is the optimiser's own
    success flag for the returned optimum.
    """
    xa, ta, Ta = _as_arrays(x, t_x, T)
    validate_summary(xa, ta, Ta)
    n_customers = int(xa.size) if weights is None else int(round(float(np.sum(weights))))
    w = np.ones_like(xa) if weights is None else np.asarray(weights, dtype=np.float64)
    if compress_rows and weights is None:
        xa, ta, Ta, w = compress(xa, ta, Ta)
    data = _FitData.build(xa, ta, Ta, w)

    best: optimize.OptimizeResult | None = None
    for start in _starting_points(xa, Ta, w):
        res = optimize.minimize(
            _negative_loglik_and_grad,
            start,
            args=(data,),
            jac=True,
            method="L-BFGS-B",
            bounds=[_LOG_BOUNDS] * 4,
            options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-9},
        )
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
        if best is not None and best.success:
            break
    if best is None:
        raise RuntimeError("BG/NBD fit failed: the log-likelihood was not finite at any starting point")

    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    return BgNbdFit(
        params=BgNbdParams(r=r, alpha=alpha, a=a, b=b),
        log_likelihood=-float(best.fun) * data.w_total,
        n_customers=n_customers,
        converged=bool(best.success),
        iterations=int(best.nit),
        message=str(best.message),
    )


# --------------------------------------------------------------------------------------------
# customer-level quantities
# --------------------------------------------------------------------------------------------


def log_odds_dead(params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
    """ln[ a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x) ] for x > 0, -inf for x = 0."""
    xa, ta, Ta = _as_arrays(x, t_x, T)
    has_repeat = xa > 0
    x_pos = np.where(has_repeat, xa, 1.0)
    log_odds = (
        np.log(params.a)
        - np.log(params.b + x_pos - 1.0)
        + (params.r + xa) * (np.log(params.alpha + Ta) - np.log(params.alpha + ta))
    )
    return np.where(has_repeat, log_odds, -np.inf)


def probability_alive(params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
    """P(alive | x, t_x, T) (FHL eq. 13) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha+T)/(alpha+t_x))^(r+x)).

    Under the BG/NBD a customer can only drop out right after a repeat purchase, so a customer
    with x = 0 is alive with probability 1.  Evaluated as expit(-log-odds) for stability.
    """
    return special.expit(-log_odds_dead(params, x, t_x, T))


def _safe_a(a: float) -> float:
    """(a + b + x - 1) / (a - 1) and the 2F1 bracket are both 0 at a = 1; nudge off the removable point."""
    return a if abs(a - 1.0) > 1e-7 else 1.0 + 1e-7


def _hyp2f1_tail(r_x: FloatArray, b_x: FloatArray, c: FloatArray, alpha_T: FloatArray, t: FloatArray) -> FloatArray:
    """1 - ((alpha + T) / (alpha + T + t))^(r + x) * 2F1(r + x, b + x; c; z),  z = t / (alpha + T + t).

    Evaluated through Euler's transformation 2F1(A, B; C; z) = (1 - z)^(C - A - B) 2F1(C - A, C - B; C; z)
    (Abramowitz & Stegun 15.3.3), with 1 - z = (alpha + T) / (alpha + T + t):

        1 - (1 - z)^(C - B) * 2F1(C - A, C - B; C; z)

    For the BG/NBD, C - B = a - 1 and C - A = a + b - 1 - r do not grow with x, so the series
    stays small and well conditioned; the direct form overflows for frequent buyers when z is
    close to 1 (long horizons, short histories). The Euler form in turn breaks down when a is
    large (a homogeneous drop-out rate, a and b in the thousands): (1 - z)^(a - 1) underflows to
    0 while its series overflows, and 0 x inf is not a number. There the direct form is well
    conditioned (its series converges like (1 - z (b + x) / C)^-(r + x)), so each element takes
    the form whose series is finite; the product is only formed where it is. An element neither
    form can evaluate is nan (no warning), for the caller to report.
    """
    r_x, b_x, c, alpha_T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (r_x, b_x, c, alpha_T, t)))
    z = t / (alpha_T + t)
    log_one_minus_z = np.log(alpha_T) - np.log(alpha_T + t)
    product = _finite_product(np.exp((c - b_x) * log_one_minus_z), special.hyp2f1(c - r_x, c - b_x, c, z))
    broken = ~np.isfinite(product)
    if broken.any():
        product = product.copy()
        product[broken] = _finite_product(
            np.exp(r_x[broken] * log_one_minus_z[broken]),
            special.hyp2f1(r_x[broken], b_x[broken], c[broken], z[broken]),
        )
    return 1.0 - product


def _finite_product(factor: FloatArray, series: FloatArray) -> FloatArray:
    """factor x series where the series is finite, nan elsewhere (never 0 x inf)."""
    finite = np.isfinite(series) & np.isfinite(factor)
    return np.where(finite, np.where(finite, factor, 0.0) * np.where(finite, series, 0.0), np.nan)


def conditional_expected_purchases(
    params: BgNbdParams, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> FloatArray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] (FHL eq. 10).

        (a + b + x - 1) / (a - 1)
        * [1 - ((alpha + T) / (alpha + T + t))^(r + x) 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))]
        / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))

    The denominator is 1 / P(alive), so this is P(alive) times the expected purchases of a
    customer known to be alive.  ``t`` broadcasts against the customer arrays.
    """
    xa, ta, Ta = _as_arrays(x, t_x, T)
    tt = np.asarray(t, dtype=np.float64)
    r, alpha, b = params.r, params.alpha, params.b
    a = _safe_a(params.a)
    p_alive = probability_alive(params, xa, ta, Ta)
    tail = _hyp2f1_tail(r + xa, b + xa, a + b + xa - 1.0, alpha + Ta, tt)
    return p_alive * (a + b + xa - 1.0) / (a - 1.0) * tail


def expected_purchases_new_customer(params: BgNbdParams, t: ArrayLike) -> FloatArray:
    """E[X(t)] for a randomly chosen (new) customer over (0, t] (FHL eq. 7)."""
    tt = np.asarray(t, dtype=np.float64)
    r, alpha, b = params.r, params.alpha, params.b
    a = _safe_a(params.a)
    tail = _hyp2f1_tail(np.asarray(r), np.asarray(b), np.asarray(a + b - 1.0), np.asarray(alpha), tt)
    return (a + b - 1.0) / (a - 1.0) * tail


# --------------------------------------------------------------------------------------------
# simulation (for benchmarks and recovery tests)
# --------------------------------------------------------------------------------------------


def sample_summary(
    params: BgNbdParams, T: ArrayLike, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Draw (x, t_x, T) from the BG/NBD generative process (FHL section 2), vectorised.

    lambda ~ Gamma(r, alpha); p ~ Beta(a, b); repeat purchases arrive as Poisson(lambda) and the
    customer drops out after each one with probability p, so the number of repeat purchases ever
    made is J ~ Geometric(p) on {1, 2, ...}.  With N ~ Poisson(lambda T) arrivals in (0, T],
    x = min(N, J) and, given N = n, t_x is the x-th of n uniform order statistics on (0, T],
    i.e. T * Beta(x, n - x + 1).
    """
    Ta = np.asarray(T, dtype=np.float64)
    lam = rng.gamma(params.r, 1.0 / params.alpha, size=Ta.shape)
    p = rng.beta(params.a, params.b, size=Ta.shape)
    n = rng.poisson(lam * Ta)
    j = rng.geometric(np.clip(p, 1e-12, 1.0))
    x = np.minimum(n, j)
    has_repeat = x > 0
    shape_a = np.where(has_repeat, x, 1)
    shape_b = np.where(has_repeat, n - x + 1, 1)
    t_x = np.where(has_repeat, Ta * rng.beta(shape_a, shape_b), 0.0)
    return x.astype(np.float64), t_x, Ta
