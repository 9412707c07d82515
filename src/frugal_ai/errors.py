"""The small hierarchy of errors frugal-ai raises.

`InputError` and its subclasses are the user's to fix (bad config, bad gains file, bad
CLI argument, unknown model, corrupt ledger); the CLI turns them into one line on stderr
and exit status 2. Anything else is our failure: exit status 1.
"""

from __future__ import annotations


class FrugalAIError(Exception):
    """Base class of every error frugal-ai raises on purpose."""


class InputError(FrugalAIError):
    """Input the user can fix. `where` names the file (and line/key) when there is one."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class ConfigError(InputError):
    """A configuration file or environment variable holds an unknown key or a bad value."""


class UnknownModelError(InputError):
    """A model name is in neither the catalogue nor its aliases."""

    def __init__(self, model: str, suggestions: list[str] | None = None) -> None:
        self.model = model
        self.suggestions = suggestions or []
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown model {model!r}{hint}")


class UnknownZoneError(InputError):
    """An electricity zone (country code) is not in the factor base."""


class LedgerError(FrugalAIError):
    """The ledger cannot be read or written."""
