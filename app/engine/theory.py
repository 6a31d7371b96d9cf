"""Theory beside measurement on the quadratic (design.md §11; Goh, "Why Momentum Really Works", Distill 2017).

On f = ½(a·u² + b·v²) gradient descent and the heavy ball act on the two eigen-directions separately, with
curvatures a and b (the angle only rotates them). torch's SGD with `momentum` β (dampening 0, no Nesterov,
no weight decay) is the heavy ball: buf = β·buf + g, p −= α·buf is p' = p − α·∇f(p) + β·(p − p_prev). Along
a direction of curvature λ the error e obeys e' = (1 + β − αλ)·e − β·e_prev, so it shrinks per step by
the larger root modulus of z² − (1 + β − αλ)·z + β; the run's rate is the worse of the two directions.

- gradient descent (β = 0): stable for α < 2/L (L = max(a, b)); best α = 2/(a + b), rate (κ − 1)/(κ + 1),
  κ = L/μ, μ = min(a, b);
- heavy ball: stable for 0 ≤ β < 1 and α < (2 + 2β)/L; best α* = (2/(√a + √b))², β* = ((√κ − 1)/(√κ + 1))²,
  rate √β*.

`measured_rate` is what a run shows: the geometric mean of its per-step contraction of the distance to the
minimum over the last half of its records.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Mapping, Sequence
from typing import Any

SOURCE = 'Goh, "Why Momentum Really Works", Distill 2017'


def _finite(document: Any) -> bool:
    if isinstance(document, dict):
        return all(_finite(v) for v in document.values())
    if isinstance(document, list):
        return all(_finite(v) for v in document)
    return not isinstance(document, float) or math.isfinite(document)


def quadratic_theory(params: Mapping[str, float | str]) -> dict[str, Any] | None:
    """The quadratic's predictions for its curvatures `a` and `b`; None unless both are positive (a bowl)."""
    a, b = float(params["a"]), float(params["b"])
    if not (a > 0 and b > 0):
        return None
    low, high = min(a, b), max(a, b)
    kappa = high / low
    best_momentum = ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2
    theory = {
        "source": SOURCE,
        "curvatures": [low, high],
        "condition_number": kappa,
        "gradient_descent": {"max_lr": 2 / high, "best_lr": 2 / (a + b), "best_rate": (kappa - 1) / (kappa + 1)},
        "heavy_ball": {
            # lr < (2 + 2·momentum)/L, a straight line in the lr × momentum plane: its two ends.
            "stability_boundary": {"momentum": [0.0, 1.0], "lr": [2 / high, 4 / high]},
            "best_lr": (2 / (math.sqrt(a) + math.sqrt(b))) ** 2,
            "best_momentum": best_momentum,
            "best_rate": math.sqrt(best_momentum),
        },
    }
    return theory if _finite(theory) else None


def heavy_ball_rate(curvatures: Sequence[float], lr: float, momentum: float) -> float:
    """The predicted contraction per step of SGD(lr, momentum) on a quadratic with these curvatures (≥ 1: no
    convergence): over the curvatures, the larger root modulus of z² − (1 + β − αλ)z + β."""

    def root_modulus(curvature: float) -> float:
        trace = 1 + momentum - lr * curvature
        root = cmath.sqrt(trace * trace - 4 * momentum)
        return max(abs((trace + root) / 2), abs((trace - root) / 2))

    return max(root_modulus(c) for c in curvatures)


def is_heavy_ball(optimizer_name: str, group: Mapping[str, Any], scheduled: bool) -> bool:
    """Whether torch's optimizer with this param group is the theory's heavy ball: SGD at a constant lr, with
    no Nesterov, dampening, weight decay or maximize (noise and clipping are the caller's to check)."""
    plain = {"dampening": 0, "nesterov": False, "weight_decay": 0, "maximize": False}
    return optimizer_name == "SGD" and not scheduled and all(group.get(k, v) == v for k, v in plain.items())


def measured_rate(x: Sequence[float], y: Sequence[float], minimum: Sequence[float]) -> float | None:
    """How fast a run closes in on `minimum`: the geometric mean of d[k+1]/d[k] over the last half of its
    records, d[k] the distance of record k to the minimum. It telescopes to (d[n]/d[h])^(1/(n − h)), with n
    the last record and h = n // 2. None with fewer than two records, or when d[h] = 0 (nothing left to
    contract) or the rate is not finite."""
    n = len(x) - 1
    half = n // 2
    if n < 1:
        return None
    start, end = math.dist((x[half], y[half]), minimum), math.dist((x[n], y[n]), minimum)
    if not start > 0:
        return None
    rate = (end / start) ** (1 / (n - half))
    return rate if math.isfinite(rate) else None
