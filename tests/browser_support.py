"""Headless Chromium for the browser tests (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
PHONE = {"width": 390, "height": 844}


def need_chromium() -> None:
    """Skips without Chromium (fails under CI, which installs it)."""
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is required under CI (bash scripts/setup.sh --browser)")
        pytest.skip("Debian chromium is not installed (bash scripts/setup.sh --browser)")
