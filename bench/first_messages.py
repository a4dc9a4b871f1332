"""The first message of every answer over the whole knowledge base, beside its 700-character limit.

For every record: the overview, each aspect alone and three aspects at once (what a citizen
sees first; the rest is behind "Xem đầy đủ"), and the longest full text. Also the loader's
problems by kind. Baseline (commit b43fd86, before issue 10): the longest first message was
6,187 characters (documents, time and fee of 1.013980; 3,611 for one aspect, the documents of
1.009543); the loader reported 0 problems.

    .venv/bin/python bench/first_messages.py [--today YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers import render  # noqa: E402
from handlers.assistant import local_today  # noqa: E402
from knowledge import shipped  # noqa: E402
from knowledge.loader import load_procedures  # noqa: E402

PATHS = shipped.export_paths()  # the export shipped in knowledge/data
PORTAL = "https://dichvucong.gov.vn"
BASELINE_LONGEST = 6187
ASPECTS = [*render.BUTTON_ASPECTS, "legal"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=date.fromisoformat, default=local_today())
    args = parser.parse_args()
    loaded = load_procedures(PATHS)
    today: date = args.today
    longest: dict[str, tuple[int, str]] = {}
    over = 0
    full_longest = (0, "")
    for procedure in loaded.procedures:
        texts = {"overview": render.overview(procedure, PORTAL, today=today)}
        for aspect in ASPECTS:
            texts[aspect] = render.answer(procedure, [aspect], PORTAL, today=today).text
        three = ["documents", "time", "fee"]
        texts["documents+time+fee"] = render.answer(procedure, three, PORTAL, today=today).text
        for kind, text in texts.items():
            over += len(text) > render.FIRST_MESSAGE_LIMIT
            if len(text) > longest.get(kind, (0, ""))[0]:
                longest[kind] = (len(text), procedure.code)
        for aspect in ("documents", "fee", "steps"):
            full = render.full_answer(procedure, [aspect], PORTAL, today=today)
            full_longest = max(full_longest, (len(full), f"{procedure.code} {aspect}"))
    print(f"records: {len(loaded.procedures)}, today: {today}")
    print(f"{'first message':<22}{'longest':>8}  record")
    for kind, (size, code) in longest.items():
        print(f"{kind:<22}{size:>8}  {code}")
    worst = max(size for size, _ in longest.values())
    print(
        f"longest first message: {worst} (limit {render.FIRST_MESSAGE_LIMIT}, "
        f"baseline {BASELINE_LONGEST}); over the limit: {over}"
    )
    print(f"longest full text: {full_longest[0]} ({full_longest[1]}), cap {render.FULL_LIMIT}")
    print(f"loader problems: {len(loaded.problems)} {loaded.counts()}")
    return 0 if over == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
