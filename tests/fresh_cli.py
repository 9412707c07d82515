"""Run frugal-ai commands in a fresh interpreter and report the heavy packages they imported.

For tests that keep the CLI's light paths light: the lazy command group must not pull in
codecarbon, numpy or the SDKs for commands that do not need them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_CODE = """
import json, sys
from frugal_ai.cli import main
for args in json.loads(sys.argv[1]):
    try:
        main(args)
    except SystemExit as e:
        assert e.code in (0, None), (args, e.code)
packages = set(json.loads(sys.argv[2]))
print('HEAVY', sorted(m for m in sys.modules if m.split('.')[0] in packages))
"""


def run_cli_fresh(cwd: Path, commands: list[list[str]], packages: set[str]) -> subprocess.CompletedProcess[str]:
    """Run `commands` (each must exit 0) in a new interpreter, outside any FRUGAL_AI_* setting.

    Its stdout ends with `HEAVY [...]`: the modules of `packages` loaded by then.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRUGAL_AI_")}
    argv = [sys.executable, "-c", _CODE, json.dumps(commands), json.dumps(sorted(packages))]
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env, timeout=60)
