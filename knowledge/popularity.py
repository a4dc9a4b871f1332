"""The portal's usage ranking of citizen services (popularity_citizens_top1000.csv)."""

from __future__ import annotations

import csv
from pathlib import Path


def load_popularity(path: Path | str) -> dict[str, int]:
    """Procedure code -> rank (1 = most used); unreadable rows are skipped."""
    ranks: dict[str, int] = {}
    with Path(path).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = (row.get("ma_thu_tuc") or "").strip()
            try:
                rank = int(row.get("rank") or "")
            except ValueError:
                continue
            if code and code not in ranks:
                ranks[code] = rank
    return ranks
