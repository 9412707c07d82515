"""The demo's real local workload: training a small neural network with numpy for a few seconds.

Enough compute for the tracker to measure (a couple of CPU-seconds), small enough for a
2-core laptop. The data are synthetic (two interleaved spirals), made from a fixed seed.
"""

from __future__ import annotations

import time


def train_small_classifier(duration_s: float = 3.0, seed: int = 7) -> float:
    """Train a 2-layer perceptron on two spirals for about `duration_s`; return its accuracy."""
    try:
        import numpy as np
    except ImportError:  # numpy comes with codecarbon (through pandas); this is only a safety net
        return _busy_python(duration_s)

    rng = np.random.default_rng(seed)
    n = 4000
    theta = np.sqrt(rng.random(n)) * 3 * np.pi
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    r = theta + rng.normal(0, 0.3, n)
    x = np.stack([sign * r * np.cos(theta), sign * r * np.sin(theta)], axis=1) / 10.0
    y = (sign > 0).astype(np.float64)[:, None]
    hidden = 256
    w1 = rng.normal(0, 1.0, (2, hidden))
    b1 = np.zeros(hidden)
    w2 = rng.normal(0, 1.0 / np.sqrt(hidden), (hidden, 1))
    b2 = np.zeros(1)
    lr = 0.5
    deadline = time.perf_counter() + duration_s
    while time.perf_counter() < deadline:
        for _ in range(10):
            h = np.tanh(x @ w1 + b1)
            p = 1.0 / (1.0 + np.exp(-(h @ w2 + b2)))
            grad_out = (p - y) / n
            grad_h = (grad_out @ w2.T) * (1 - h**2)
            w2 -= lr * h.T @ grad_out
            b2 -= lr * grad_out.sum(axis=0)
            w1 -= lr * x.T @ grad_h
            b1 -= lr * grad_h.sum(axis=0)
    h = np.tanh(x @ w1 + b1)
    p = 1.0 / (1.0 + np.exp(-(h @ w2 + b2)))
    return float(((p > 0.5) == (y > 0.5)).mean())


def _busy_python(duration_s: float) -> float:
    deadline = time.perf_counter() + duration_s
    acc = 0
    while time.perf_counter() < deadline:
        acc = sum(i * i for i in range(10_000)) % 97
    return float(acc >= 0)
