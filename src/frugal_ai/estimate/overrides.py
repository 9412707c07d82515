"""The one rule for which `providers.<name>` setting applies to a provider's API calls.

The estimator (estimate/_api.py) prices calls with it; the inventory and the report show
the zone and the configured PUE/WUE through the same function, so what the report says
the figures used is what they used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..config import ProviderOverride, Settings
    from ..factors import FactorSet


def provider_override(settings: "Settings", provider: str | None, fs: "FactorSet") -> "tuple[str, ProviderOverride] | None":
    """The `providers.<name>` setting for calls served by `provider`, with the name it is set under.

    Looked up under the name as given (case and surrounding spaces ignored), then under its
    factor-base key (aliases applied: `providers.openai` also covers a name the factor base
    maps to `openai`). None when neither is set, or when there is no provider.
    """
    if not provider:
        return None
    for name in (provider.strip().lower(), fs.provider_key(provider)):
        override = settings.providers.get(name)
        if override is not None:
            return name, override
    return None
