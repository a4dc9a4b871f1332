"""The portal's usage ranking of citizen services (popularity_citizens_top1000.csv, plain or
compressed)."""

from __future__ import annotations

import csv
from pathlib import Path

from knowledge.compressed import open_text


def load_popularity(path: Path | str) -> dict[str, int]:
    """Procedure code -> rank (1 = most used); unreadable rows are skipped."""
    ranks: dict[str, int] = {}
    with open_text(Path(path), newline="") as handle:
        for row in csv.DictReader(handle):
            code = (row.get("ma_thu_tuc") or "").strip()
            try:
                rank = int(row.get("rank") or "")
            except ValueError:
                continue
            if code and code not in ranks:
                ranks[code] = rank
    return ranks
