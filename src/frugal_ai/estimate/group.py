"""The estimate of a group of requests from its sums alone (the inventory's, the advice's).

Per request, the estimator is a polynomial `a·generated + b·input + c·input²` with no
constant term (`_api.footprint_of`; docs/methodology.md), bound by bound. Summed over a group
that is `a·G + b·Σn + c·Σn²`, which equals `R` identical requests of input length
`μ = Σn²/Σn` with `R = (Σn)²/Σn²` and the generated tokens `G` spread over them:
`R·(a·G/R + b·μ + c·μ²) = a·G + b·Σn + c·Σn²`. So one evaluation gives the exact total, which
one with the mean input length would not (it would miss `c·N·Var(n)`).
tests/test_inventory.py checks this against a per-request sum with the real estimator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..footprint import Footprint
from ._api import coefficients, footprint_of, generated_tokens

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings


def _effective_requests(requests: int, input_tokens: int, input_tokens_sq: int) -> tuple[float, float]:
    """(R, μ): the number of identical requests and their input length that give a group's
    exact total; (requests, 0) for a group without input tokens."""
    if input_tokens > 0 and input_tokens_sq > 0:
        return input_tokens * input_tokens / input_tokens_sq, input_tokens_sq / input_tokens
    return float(requests), 0.0


def group_estimate(
    model: str,
    provider: str | None,
    *,
    requests: int,
    input_tokens: int,
    input_tokens_sq: int,
    output_tokens: int,
    reasoning_tokens: int,
    zone: str | None = None,
    settings: "Settings | None" = None,
    region: str | None = None,
) -> Footprint:
    """The sum of `estimate_llm` over a group of requests, from the group's sums alone.

    `input_tokens_sq` is Σ input² over the requests. `zone` overrides the data centre's
    electricity zone, as in `estimate_llm`; `region` is the provider region the calls went to
    (`coefficients`). Requests with no tokens at all (failed calls:
    HTTP 429, timeouts) add nothing, since the polynomial has no constant term: they are
    counted, not charged.
    """
    if requests <= 0:
        raise ValueError("a group has at least one request")
    r, mu = _effective_requests(requests, input_tokens, input_tokens_sq)
    c = coefficients(model, provider, zone, settings, region=region)
    generated, warnings = generated_tokens(c, output_tokens / r, reasoning_tokens / r)
    return footprint_of(c, mu, generated, r, warnings)
