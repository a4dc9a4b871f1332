"""Processing time (thời hạn giải quyết) parsed from the portal's free text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from knowledge.clauses import clauses
from knowledge.normalise import fold

Unit = Literal["working_days", "days", "hours", "same_day"]

# fold() turns punctuation into spaces, so a decimal comma ("1,5") is marked "p" before it.
_DECIMAL = re.compile(r"(\d)[.,](\d)")
_NUMBER = r"(\d+(?:p\d+)?)"
_WITH_UNIT = re.compile(
    _NUMBER + r"\s*(ngay lam viec|ngay lv|ngay|gio lam viec|gio|thang|tuan|nam)\b"
)
_BARE = re.compile(r"^\s*" + _NUMBER + r"\s*$")
_SAME_DAY = re.compile(r"\b(trong ngay|ngay lam viec do|trong ngay lam viec|ngay trong ngay)\b")
# Calendar units beyond days are turned into days (a month counted as 30).
_FACTORS: dict[str, tuple[float, Unit]] = {
    "ngay lam viec": (1, "working_days"),
    "ngay lv": (1, "working_days"),
    "ngay": (1, "days"),
    "gio lam viec": (1, "hours"),
    "gio": (1, "hours"),
    "tuan": (7, "days"),
    "thang": (30, "days"),
    "nam": (365, "days"),
}


@dataclass(frozen=True, slots=True)
class ProcessingTime:
    amount: float
    unit: Unit

    def __str__(self) -> str:
        amount = f"{self.amount:g}"
        return {
            "working_days": f"{amount} ngày làm việc",
            "days": f"{amount} ngày",
            "hours": f"{amount} giờ",
            "same_day": "trong ngày",
        }[self.unit]


def _number(raw: str) -> float:
    return float(raw.replace("p", ".").replace(",", "."))


def _fold_time(text: str) -> str:
    return fold(_DECIMAL.sub(r"\1p\2", text))


def parse_processing_time(text: str | None) -> ProcessingTime | None:
    """The first duration in ``text`` ("1 Ngày làm việc", "02 Giờ", "Trong ngày"), else None.

    A bare number ("1") has no unit here: it is read as working days, the portal's usual unit;
    callers that know better (the steps text) use :func:`unit_hint` first.
    """
    if not text:
        return None
    folded = _fold_time(text)
    if not folded:
        return None
    match = _WITH_UNIT.search(folded)
    if match:
        factor, unit = _FACTORS[match.group(2)]
        return ProcessingTime(_number(match.group(1)) * factor, unit)
    if _SAME_DAY.search(folded):
        return ProcessingTime(0, "same_day")
    bare = _BARE.match(folded)
    if bare:
        return ProcessingTime(_number(bare.group(1)), "working_days")
    return None


_IN_STEPS = re.compile(
    r"\b(?:thoi han|trong vong|trong thoi gian|trong thoi han)\b[^.]{0,60}?"
    + _NUMBER
    + r"\s*(ngay lam viec|ngay lv|ngay|gio lam viec|gio|thang|tuan|nam)\b"
)


def time_in_steps(steps: str | None) -> ProcessingTime | None:
    """A duration the steps text states as a deadline ("trong thời hạn 05 ngày làm việc")."""
    if not steps:
        return None
    match = _IN_STEPS.search(_fold_time(steps[:6000]))
    if not match:
        return None
    factor, unit = _FACTORS[match.group(2)]
    return ProcessingTime(_number(match.group(1)) * factor, unit)


def unit_hint(amount: float, context: str | None) -> Unit | None:
    """The unit that ``context`` (steps, description) gives to the bare number ``amount``."""
    if not context:
        return None
    folded = _fold_time(context)
    for match in _WITH_UNIT.finditer(folded):
        if _number(match.group(1)) == amount:
            factor, unit = _FACTORS[match.group(2)]
            if factor == 1:
                return unit
    return None


def unit_evidence(amount: float, *contexts: str | None) -> str | None:
    """The record's own sentence that gives the bare number ``amount`` a unit ("... trong thời
    hạn 01 ngày làm việc ..."), first context first; None when none does."""
    for context in contexts:
        if not context:
            continue
        for clause in clauses(context[:6000]):
            for match in _WITH_UNIT.finditer(_fold_time(clause)):
                if _number(match.group(1)) == amount and _FACTORS[match.group(2)][0] == 1:
                    return clause
    return None
