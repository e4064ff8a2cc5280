"""Gamma-Gamma model of spend per transaction.

Reference: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (note), building
on Colombo & Jiang (1999).  Transaction values of a customer are z ~ Gamma(p, nu) with the
customer's scale nu ~ Gamma(q, gamma) across customers.  The model is fitted on repeat buyers
only (x >= 1 repeat transactions with mean value zbar > 0) and assumes spend is independent of
purchase frequency.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

FloatArray = NDArray[np.float64]

_LOG_BOUNDS = (-10.0, 12.0)


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma population parameters (``gamma`` is the note's gamma, lifetimes' ``v``)."""

    p: float
    q: float
    gamma: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class GammaGammaFit:
    """Result of a maximum-likelihood fit."""

    params: GammaGammaParams
    log_likelihood: float  # summed over repeat buyers
    n_customers: int
    converged: bool
    iterations: int
    message: str


def _validate(x: FloatArray, zbar: FloatArray) -> None:
    if x.shape != zbar.shape:
        raise ValueError("frequency and monetary_value must have the same shape")
    if x.size == 0:
        raise ValueError("no repeat buyers to fit the Gamma-Gamma model on")
    if not (np.isfinite(x).all() and np.isfinite(zbar).all()):
        raise ValueError("frequency and monetary_value must be finite")
    if (x <= 0).any() or (zbar <= 0).any():
        raise ValueError("the Gamma-Gamma model is fitted on repeat buyers only (x >= 1, monetary_value > 0)")


def log_likelihood_per_customer(params: GammaGammaParams, x: ArrayLike, zbar: ArrayLike) -> FloatArray:
    """ln f(zbar | x) for each repeat buyer (Fader & Hardie 2013, eq. 3 expressed for the mean):

        ln Gamma(px + q) - ln Gamma(px) - ln Gamma(q) + q ln gamma + (px - 1) ln zbar + px ln x
        - (px + q) ln(gamma + x zbar)

    It differs from the likelihood of the individual z's only by a term free of parameters,
    so the maximum is the same.
    """
    xa = np.asarray(x, dtype=np.float64)
    za = np.asarray(zbar, dtype=np.float64)
    p, q, g = params.p, params.q, params.gamma
    px = p * xa
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(g)
        + (px - 1.0) * np.log(za)
        + px * np.log(xa)
        - (px + q) * np.log(g + xa * za)
    )


def log_likelihood(params: GammaGammaParams, x: ArrayLike, zbar: ArrayLike) -> float:
    """Total log-likelihood over the repeat buyers."""
    return float(log_likelihood_per_customer(params, x, zbar).sum())


@dataclass(frozen=True)
class _FitData:
    """Repeat buyers prepared for the optimiser; x-only special functions go per distinct x."""

    x: FloatArray
    zbar: FloatArray
    const: float  # -sum(ln zbar): (px - 1) ln zbar + px ln x = px ln(x zbar) - ln zbar
    x_levels: FloatArray
    x_counts: FloatArray
    log_x_zbar_by_level: FloatArray  # sum of ln(x zbar) over the customers at each distinct x

    @classmethod
    def build(cls, x: FloatArray, zbar: FloatArray) -> _FitData:
        levels, index, counts = np.unique(x, return_inverse=True, return_counts=True)
        log_x_zbar = np.log(x) + np.log(zbar)
        by_level = np.bincount(index.reshape(-1), weights=log_x_zbar, minlength=levels.size)
        return cls(x, zbar, -float(np.log(zbar).sum()), levels, counts.astype(np.float64), by_level)


def _negative_loglik_and_grad(log_params: FloatArray, data: _FitData) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood and analytic gradient in log-parameters (psi = digamma):

        d/dp     = x [psi(px + q) - psi(px) + ln zbar + ln x - ln(gamma + x zbar)]
        d/dq     = psi(px + q) - psi(q) + ln gamma - ln(gamma + x zbar)
        d/dgamma = q / gamma - (px + q) / (gamma + x zbar)

    The gamma functions depend on x only and are evaluated per distinct x.
    """
    p, q, g = np.exp(log_params)
    x, zbar = data.x, data.zbar
    n = x.size
    xl, cl = data.x_levels, data.x_counts
    pxl = p * xl
    lvl_ll = special.gammaln(pxl + q) - special.gammaln(pxl) - special.gammaln(q) + q * np.log(g)
    lvl_psi = special.digamma(pxl + q)

    px = p * x
    log_g_xz = np.log(g + x * zbar)
    ll = cl @ lvl_ll + p * (xl @ data.log_x_zbar_by_level) + data.const - (px + q) @ log_g_xz
    d_p = (cl * xl) @ (lvl_psi - special.digamma(pxl)) + xl @ data.log_x_zbar_by_level - x @ log_g_xz
    d_q = cl @ lvl_psi - n * special.digamma(q) + n * np.log(g) - log_g_xz.sum()
    d_g = n * q / g - ((px + q) / (g + x * zbar)).sum()
    grad = np.array([d_p * p, d_q * q, d_g * g])
    return -float(ll) / n, -grad / n


def _starting_points(zbar: FloatArray) -> list[FloatArray]:
    """Starts matching the population mean spend E[z] = p gamma / (q - 1) to the sample mean."""
    mean_z = float(zbar.mean())
    starts = []
    for p0, q0 in ((1.0, 2.0), (5.0, 3.0), (0.5, 1.5)):
        starts.append(np.log([p0, q0, mean_z * (q0 - 1.0) / p0]))
    return starts


def fit(x: ArrayLike, zbar: ArrayLike, *, tol: float = 1e-10, max_iter: int = 2000) -> GammaGammaFit:
    """Fit (p, q, gamma) by maximum likelihood on repeat buyers' frequency and mean order value.

    Minimises the mean negative log-likelihood over log-parameters with L-BFGS-B and the
    analytic gradient; further starts are tried only if the first does not converge, and the
    best optimum wins.
    """
    xa = np.asarray(x, dtype=np.float64)
    za = np.asarray(zbar, dtype=np.float64)
    _validate(xa, za)
    data = _FitData.build(xa, za)

    best: optimize.OptimizeResult | None = None
    for start in _starting_points(za):
        res = optimize.minimize(
            _negative_loglik_and_grad,
            start,
            args=(data,),
            jac=True,
            method="L-BFGS-B",
            bounds=[_LOG_BOUNDS] * 3,
            options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-9},
        )
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
        if best is not None and best.success:
            break
    if best is None:
        raise RuntimeError("Gamma-Gamma fit failed: the log-likelihood was not finite at any starting point")

    p, q, g = (float(v) for v in np.exp(best.x))
    return GammaGammaFit(
        params=GammaGammaParams(p=p, q=q, gamma=g),
        log_likelihood=-float(best.fun) * xa.size,
        n_customers=int(xa.size),
        converged=bool(best.success),
        iterations=int(best.nit),
        message=str(best.message),
    )


def population_mean_value(params: GammaGammaParams) -> float:
    """E[Z] = p gamma / (q - 1); infinite (returned as nan) when q <= 1."""
    return params.p * params.gamma / (params.q - 1.0) if params.q > 1.0 else float("nan")


def conditional_expected_value(params: GammaGammaParams, x: ArrayLike, zbar: ArrayLike) -> FloatArray:
    """E[Z | x, zbar] = (p (gamma + x zbar)) / (p x + q - 1)  (Fader & Hardie 2013, eq. 5).

    A weighted average of the population mean p gamma / (q - 1) and the customer's own mean
    zbar, with weight p x / (p x + q - 1) on the latter.  Customers with x = 0 get the population
    mean (``zbar`` is ignored for them).  Where the denominator is not positive (q <= 1 with
    x = 0) the expectation is infinite: nan is returned (no division is made there), and the
    CLV step rejects such a fit (``clv.run.fit_problems``).
    """
    xa = np.asarray(x, dtype=np.float64)
    za = np.where(xa > 0, np.asarray(zbar, dtype=np.float64), 0.0)
    p, q, g = params.p, params.q, params.gamma
    denom = p * xa + q - 1.0
    ok = denom > 0
    return np.where(ok, p * (g + xa * za) / np.where(ok, denom, 1.0), np.nan)


def sample_mean_values(params: GammaGammaParams, x: ArrayLike, rng: np.random.Generator) -> FloatArray:
    """Draw each customer's mean transaction value zbar given x (0 where x = 0), vectorised.

    nu ~ Gamma(q, rate gamma); the sum of x values z ~ Gamma(p, rate nu) is Gamma(p x, rate nu),
    so zbar ~ Gamma(p x, rate nu x).
    """
    xa = np.asarray(x, dtype=np.float64)
    nu = rng.gamma(params.q, 1.0 / params.gamma, size=xa.shape)
    has_repeat = xa > 0
    shape = np.where(has_repeat, params.p * xa, 1.0)
    scale = np.where(has_repeat, 1.0 / (nu * np.where(has_repeat, xa, 1.0)), 1.0)
    return np.where(has_repeat, rng.gamma(shape, scale), 0.0)
