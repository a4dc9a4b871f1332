"""Helpers every part of a procedure answer uses: names, the source line, fitting a budget."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from handlers import texts_vi as t
from knowledge.clauses import ELLIPSIS, clip
from knowledge.model import Procedure

_SPACES = re.compile(r"[ \t\r\f\v]+")
_BULLET = re.compile(r"^\s*[-+*•]\s*")
# "(thực hiện tại cấp tỉnh)", "(cấp TW)", "(Cấp trung ương)": the level, said in the name.
_LEVEL_IN_NAME = re.compile(
    r"\s*\((?:thực hiện |được thực hiện )?(?:tại )?(cấp\s+(?:tỉnh|huyện|xã|bộ|trung ương|tw|"
    r"trung ương và cấp tỉnh|tỉnh và cấp xã|xã và cấp tỉnh))\)\s*$",
    re.IGNORECASE,
)
NAME_LIMIT = 100  # characters of a procedure name in a title or a choice
MIN_CUT_LINE = 40  # a line cut shorter than this says too little: leave it out


@dataclass(frozen=True, slots=True)
class Context:
    """What every renderer needs besides the record: the portal, and today's date (fees and
    reductions depend on it; it comes from the caller's clock)."""

    portal_url: str
    today: date


@dataclass(frozen=True, slots=True)
class Section:
    """One part of an answer; ``more`` when the record says more than the text shows."""

    text: str
    more: bool = False


def clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def unbullet(text: str) -> str:
    return _BULLET.sub("", clean(text))


def name_of(procedure: Procedure) -> str:
    """The record's name without its "Thủ tục" prefix, starting with a capital."""
    name = clean(procedure.name)
    if name.lower().startswith(t.PROCEDURE_PREFIX.lower()):
        name = name[len(t.PROCEDURE_PREFIX) :].strip()
    return name[:1].upper() + name[1:]


def base_name(procedure: Procedure) -> str:
    """The name without the level it may carry at its end ("... (thực hiện tại cấp tỉnh)")."""
    return _LEVEL_IN_NAME.sub("", name_of(procedure)).strip() or name_of(procedure)


def level_label(procedure: Procedure) -> str:
    """The level once, lowercase: as the name says it, else the record's levels."""
    match = _LEVEL_IN_NAME.search(name_of(procedure))
    if match:
        return match.group(1).lower().replace(" tw", " trung ương")
    return ", ".join(level[:1].lower() + level[1:] for level in procedure.levels)


def short_name(procedure: Procedure, limit: int = NAME_LIMIT) -> str:
    """The name for a title: cut where a clause ends when it is long."""
    return clip(name_of(procedure), limit)


def quoted(procedure: Procedure) -> str:
    return t.QUOTED_NAME.format(name=short_name(procedure))


def source_line(procedure: Procedure, portal_url: str) -> str:
    if procedure.detail_url:
        return t.SOURCE_LINK.format(url=procedure.detail_url)
    return t.SOURCE_NO_LINK.format(code=procedure.code, portal_url=portal_url)


def fit(text: str, budget: int | None) -> Section:
    """``text`` within ``budget`` characters: whole lines first, then the next line cut where
    a clause ends, an ellipsis where something was left out. ``budget`` None: all of it."""
    if budget is None or len(text) <= budget:
        return Section(text)
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        sep = 1 if kept else 0
        if used + sep + len(line) <= budget - 2:  # room left for " …"
            kept.append(line)
            used += sep + len(line)
            continue
        room = budget - used - sep - 2  # a line that fits whole still gets " …"
        if room > MIN_CUT_LINE:
            kept.append(clip(line, room))
        break
    if not kept:
        return Section(clip(text, budget), more=True)
    if not kept[-1].endswith(ELLIPSIS):
        kept[-1] += " " + ELLIPSIS
    return Section("\n".join(kept), more=True)


def excerpt(text: str, budget: int | None) -> Section:
    """A quote of a long text (steps, conditions): its lines, fitted to ``budget``."""
    lines = [clean(line) for line in text.splitlines()]
    return fit("\n".join(line for line in lines if line), budget)
