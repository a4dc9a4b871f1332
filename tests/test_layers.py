"""The package layering of DESIGN.md holds: imports point down, each library has one owner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKER = ROOT.parent / "shared" / "tools" / "check_layers.py"


def test_imports_follow_the_layers() -> None:
    if not CHECKER.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHECKER} is missing under CI")
        pytest.skip("shared/tools/check_layers.py is not beside the project")
    result = subprocess.run(
        [sys.executable, str(CHECKER), str(ROOT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_packages_never_import_a_channel_library() -> None:
    banned = ("aiogram", "aiohttp")
    offenders = []
    for pkg in ("handlers", "knowledge", "storage", "notifications"):
        for path in (ROOT / pkg).rglob("*.py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                stripped = line.strip()
                if stripped.startswith(("import ", "from ")) and any(
                    stripped.split()[1].split(".")[0] == lib for lib in banned
                ):
                    offenders.append(f"{path.relative_to(ROOT)}: {stripped}")
    assert offenders == []
