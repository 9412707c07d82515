"""frugal-ai's warnings print as one clean line, stay filterable, and leave other warnings alone.

Run in a fresh interpreter: the format is what Python's default `showwarning` writes to
stderr, which pytest's own warning capture would hide.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _stderr(code: str, *flags: str) -> str:
    done = subprocess.run([sys.executable, *flags, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_a_frugal_ai_warning_is_one_line_without_source_or_code() -> None:
    err = _stderr("""
        import warnings
        from frugal_ai.ledger.notice import warn_once
        warn_once("k", "cannot write the ledger /x (readonly)")
        warn_once("k", "cannot write the ledger /x (readonly)")   # once per key
        warnings.warn("someone else's", DeprecationWarning)
    """, "-W", "always::DeprecationWarning")
    lines = err.splitlines()
    assert lines[0] == "frugal-ai: warning: cannot write the ledger /x (readonly)"
    # other warnings keep Python's format: file:line: Category: message
    assert lines[1] == "<string>:6: DeprecationWarning: someone else's"
    assert len(lines) == 2


def test_it_stays_a_real_warning_that_users_can_filter() -> None:
    err = _stderr("""
        import warnings
        from frugal_ai.ledger.notice import FrugalAIWarning, warn_once
        warnings.filterwarnings("ignore", category=FrugalAIWarning)
        warn_once("k", "hidden")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warn_once("j", "recorded")
        assert [str(w.message) for w in caught] == ["frugal-ai: recorded"], caught
        assert issubclass(caught[0].category, UserWarning)
    """)
    assert err == ""
    assert _stderr("from frugal_ai.ledger.notice import warn_once; warn_once('k', 'x')", "-W", "ignore:frugal-ai") == ""


def test_a_formatter_installed_before_is_kept_for_other_warnings() -> None:
    err = _stderr("""
        import warnings
        warnings.formatwarning = lambda m, c, f, l, line=None: f"CUSTOM {m}\\n"
        from frugal_ai.ledger.notice import warn_once
        import frugal_ai.ledger.notice as notice, importlib
        notice._install_format()   # installing twice wraps once
        warn_once("k", "ours")
        warnings.warn("theirs")
    """)
    assert err.splitlines() == ["frugal-ai: warning: ours", "CUSTOM theirs"]
