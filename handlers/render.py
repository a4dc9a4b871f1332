"""Procedure answers as text: an overview, the aspects asked, their full text, a choice.

The first message of an answer fits a phone screen (FIRST_MESSAGE_LIMIT characters, the
official link included); what it leaves out is one tap away (the ``pf:`` button, "Xem đầy
đủ"). Facts are the record's: see render_fees and render_documents for the two that mislead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from handlers import texts_vi as t
from handlers.messages import Button
from handlers.payloads import AskAspects, ChooseProcedure, FullText
from handlers.render_common import (
    Context,
    Section,
    base_name,
    clean,
    excerpt,
    fit,
    level_label,
    name_of,
    quoted,
    short_name,
    source_line,
    unbullet,
)
from handlers.render_documents import documents_section
from handlers.render_fees import fee_inline, fee_section, online_fee, ways_label
from knowledge.clauses import ELLIPSIS, clip
from knowledge.model import Procedure, SubmissionWay
from knowledge.normalise import fold
from knowledge.online import OnlineKind, online_access
from knowledge.processing_time import (
    ProcessingTime,
    parse_processing_time,
    unit_evidence,
)

__all__ = [
    "BUTTON_ASPECTS",
    "FIRST_MESSAGE_LIMIT",
    "Answer",
    "alternatives",
    "answer",
    "aspect_buttons",
    "choice",
    "full_answer",
    "full_button",
    "name_of",
    "open_payload",
    "overview",
    "quoted",
    "source_line",
]

# Aspects offered as buttons, in the order a citizen usually needs them.
BUTTON_ASPECTS = ("documents", "time", "fee", "place", "online", "steps", "conditions")
FIRST_MESSAGE_LIMIT = 700
FULL_LIMIT = 3800  # the full text of an aspect: one Telegram message, the page has the rest
CHOICE_NAME_LIMIT = 90
BUTTON_LABEL_LIMIT = 40
_BARE_NUMBER = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*$")
_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    more: bool  # the record says more than the text: offer the full text


def aspect_buttons(procedure: Procedure, answered: Iterable[str] = ()) -> tuple[Button, ...]:
    skip = set(answered)
    if not procedure.conditions:
        skip.add("conditions")
    return tuple(
        Button(t.ASPECT_BUTTONS[a], payload=AskAspects(procedure.code, (a,)).encode())
        for a in BUTTON_ASPECTS
        if a not in skip
    )


def full_button(procedure: Procedure, aspects: Sequence[str]) -> Button:
    return Button(t.FULL_BUTTON, payload=FullText(procedure.code, tuple(aspects)).encode())


def open_payload(code: str, aspects: Sequence[str]) -> str:
    """The payload of a button that opens a procedure, carrying the aspects asked (if any)."""
    if aspects:
        return AskAspects(code, tuple(aspects)).encode()
    return ChooseProcedure(code).encode()


# --- overview ------------------------------------------------------------------------------


def overview(procedure: Procedure, portal_url: str, *, today: date) -> str:
    """The essentials of a record in one screen, with the official link."""
    context = Context(portal_url, today)
    lines = [t.OVERVIEW_TITLE.format(name=short_name(procedure), code=procedure.code)]
    levels = ", ".join(procedure.levels)
    agency = clip(clean(procedure.agency).rstrip("."), 160)
    if agency:
        place = t.OVERVIEW_AGENCY_LEVEL.format(agency=agency, levels=levels) if levels else agency
        lines.append(t.OVERVIEW_PLACE.format(place=place))
    elif levels:
        lines.append(t.OVERVIEW_LEVEL.format(levels=levels))
    times = _time_groups(procedure)
    if times:
        lines.append(t.OVERVIEW_TIME.format(time=clip(_inline(times), 160)))
    fee = fee_inline(procedure, context)
    if fee:
        lines.append(t.OVERVIEW_FEE.format(fee=fee))
    lines.append(_OVERVIEW_ONLINE[online_access(procedure).kind])
    results = [clip(clean(r), 80) for r in procedure.results if r.strip()][:2]
    if results:
        lines.append(t.OVERVIEW_RESULT.format(results="; ".join(results)))
    tail = _SEPARATOR + t.NEXT_STEP
    source = "\n" + source_line(procedure, portal_url)
    body = fit("\n".join(lines), FIRST_MESSAGE_LIMIT - len(source) - len(tail))
    return body.text + source + tail


_OVERVIEW_ONLINE = {
    OnlineKind.NONE: t.OVERVIEW_ONLINE_NO,
    OnlineKind.SUBMIT: t.OVERVIEW_ONLINE_YES,
    OnlineKind.BOOK: t.OVERVIEW_ONLINE_BOOK,
    OnlineKind.DECLARE: t.OVERVIEW_ONLINE_DECLARE,
}


# --- answers -------------------------------------------------------------------------------


def answer(
    procedure: Procedure, aspects: Sequence[str], portal_url: str, *, today: date
) -> Answer:
    """The parts of the record a citizen asked about, within one screen, the link once."""
    context = Context(portal_url, today)
    asked = [a for a in dict.fromkeys(aspects) if a in _RENDERERS]
    if not asked:
        return Answer(overview(procedure, portal_url, today=today), more=False)
    source = source_line(procedure, portal_url)
    room = FIRST_MESSAGE_LIMIT - len(source) - len(_SEPARATOR) * len(asked)
    share = room // len(asked)
    sections = []
    for aspect in asked:
        section = _RENDERERS[aspect](procedure, context, share)
        capped = fit(section.text, share)  # a fixed sentence with a long name, too
        sections.append(Section(capped.text, section.more or capped.more))
    text = _SEPARATOR.join(s.text for s in sections) + _SEPARATOR + source
    return Answer(text, more=any(s.more for s in sections))


def full_answer(
    procedure: Procedure, aspects: Sequence[str], portal_url: str, *, today: date
) -> str:
    """Everything the record says about ``aspects`` (cut, with a pointer to the official page,
    beyond FULL_LIMIT characters)."""
    context = Context(portal_url, today)
    asked = [a for a in dict.fromkeys(aspects) if a in _RENDERERS] or ["documents"]
    source = source_line(procedure, portal_url)
    room = FULL_LIMIT - len(source) - len(_SEPARATOR) * len(asked) - len(t.CUT_SHORT)
    parts = []
    for aspect in asked:
        section = fit(_RENDERERS[aspect](procedure, context, None).text, room // len(asked))
        text = section.text
        if section.more:  # the official page has the rest
            text = text.removesuffix(ELLIPSIS).rstrip(" …") + t.CUT_SHORT
        parts.append(text)
    text = _SEPARATOR.join(parts)
    return text + _SEPARATOR + source


# --- choices -------------------------------------------------------------------------------


def choice_name(procedure: Procedure) -> str:
    """A short name and the level once: "Cấp hộ chiếu phổ thông ở trong nước (cấp tỉnh)"."""
    name = clip(base_name(procedure), CHOICE_NAME_LIMIT)
    level = level_label(procedure)
    return t.CHOICE_NAME.format(name=name, level=level) if level else name


def choice(
    procedures: Sequence[Procedure], template: str = t.CHOOSE_PROCEDURE
) -> tuple[str, tuple[Button, ...]]:
    """Numbered procedures with a button each (payload ``pc:<code>``)."""
    lines = []
    buttons = []
    for number, procedure in enumerate(procedures, start=1):
        lines.append(t.CHOICE_LINE.format(number=number, name=choice_name(procedure)))
        label = f"{number}. {clip(base_name(procedure), BUTTON_LABEL_LIMIT)}"
        buttons.append(Button(label, payload=ChooseProcedure(procedure.code).encode()))
    return template.format(options="\n".join(lines)), tuple(buttons)


def alternatives(
    procedures: Sequence[Procedure], aspects: Sequence[str]
) -> tuple[str, tuple[Button, ...]]:
    """Other procedures that fit as well as the one answered, as buttons (not numbered: the
    answer above has its own buttons). The aspects asked travel in the payload."""
    lines = []
    buttons = []
    for procedure in procedures:
        lines.append(t.ALTERNATIVE_LINE.format(name=choice_name(procedure)))
        payload = open_payload(procedure.code, aspects)
        buttons.append(Button(clip(base_name(procedure), BUTTON_LABEL_LIMIT), payload=payload))
    return t.ALTERNATIVES.format(options="\n".join(lines)), tuple(buttons)


# --- aspects -------------------------------------------------------------------------------


def _time(procedure: Procedure, context: Context, budget: int | None) -> Section:
    name = quoted(procedure)
    groups = _time_groups(procedure)
    if not groups:
        return Section(t.TIME_NONE.format(name=name))
    if len(groups) == 1:
        lines = [t.TIME_SINGLE.format(name=name, time=groups[0][1])]
    else:
        lines = [t.TIME_TITLE.format(name=name)]
        lines += [t.TIME_LINE.format(ways=ways, time=value) for ways, value in groups]
    evidence = _bare_time_evidence(procedure)
    if evidence:
        lines.append(evidence)
    lines.append(t.TIME_COUNTED_FROM)
    return fit("\n".join(lines), budget)


def _place(procedure: Procedure, context: Context, budget: int | None) -> Section:
    name = quoted(procedure)
    lines = [t.PLACE_TITLE.format(name=name)]
    if procedure.agency.strip():
        lines.append(t.PLACE_AGENCY.format(agency=clean(procedure.agency)))
    if procedure.address and procedure.address.strip():
        lines.append(t.PLACE_ADDRESS.format(address=clean(procedure.address)))
    if procedure.levels:
        lines.append(t.PLACE_LEVEL.format(levels=", ".join(procedure.levels)))
    if len(lines) == 1 and not _way(procedure, "trực tiếp"):
        return Section(t.PLACE_NONE.format(name=name))
    if not procedure.agency.strip() and not procedure.address and "Cấp xã" in procedure.levels:
        lines.append(t.PLACE_COMMUNE_HINT)
    kind = online_access(procedure).kind
    if kind is OnlineKind.SUBMIT:
        lines.append(t.PLACE_ONLINE_TOO)
    elif kind is OnlineKind.BOOK:
        lines.append(t.PLACE_ONLINE_BOOK)
    direct = _way(procedure, "trực tiếp")
    if direct is not None and direct.description and direct.description.strip():
        # Last: the longest part, the one fit() cuts when the screen is full.
        description = clip(unbullet(direct.description), 400 if budget else 4000)
        lines.append(t.PLACE_DIRECT.format(description=description))
    if len(lines) == 1:
        return Section(t.PLACE_NONE.format(name=name))
    return fit("\n".join(lines), budget)


def _online(procedure: Procedure, context: Context, budget: int | None) -> Section:
    name = quoted(procedure)
    access = online_access(procedure)
    if access.kind is OnlineKind.NONE:
        ways = ", ".join(dict.fromkeys(_way_label(w.way).lower() for w in procedure.ways))
        if ways:
            return Section(t.ONLINE_NO.format(name=name, ways=ways))
        return Section(t.ONLINE_NO_WAYS.format(name=name))
    if access.kind is not OnlineKind.SUBMIT:
        template = t.ONLINE_BOOK_ONLY if access.kind is OnlineKind.BOOK else t.ONLINE_DECLARE_ONLY
        lines = [template.format(name=name)]
        quote = clip(unbullet(access.evidence), 300 if budget else 2000)
        lines.append(t.ONLINE_RECORD_SAYS.format(quote=quote))
        if access.kind is OnlineKind.BOOK:
            lines.append(t.ONLINE_BOOK_WHERE.format(portal_url=context.portal_url))
        return fit("\n".join(lines), budget)
    lines = [t.ONLINE_YES.format(name=name)]
    online = access.way
    if online is not None:
        terms = []
        time = _way_time(online, procedure)
        if time:
            terms.append(t.ONLINE_TIME.format(time=time))
        terms += online_fee(online, context)
        if terms:
            lines += [t.ONLINE_TERMS, *terms]
        how = _online_how(online.description)
        if how:
            lines.append(t.ONLINE_HOW.format(description=clip(how, 300 if budget else 3000)))
    where = t.ONLINE_WHERE.format(portal_url=context.portal_url)
    body = fit("\n".join(lines), None if budget is None else budget - len(where) - 1)
    return Section(body.text + "\n" + where, body.more)


def _online_how(description: str | None) -> str:
    """How to submit online, from the online way's description: its "Trực tuyến: ..." item
    when the description lists every way."""
    if not description or not description.strip():
        return ""
    items = [unbullet(i) for i in re.split(r"(?:^|\s)[-+•]\s+", description) if i.strip()]
    for item in items:
        if fold(item).startswith("truc tuyen"):
            return item.split(":", 1)[-1].strip()
    return unbullet(description)


def _long_text(
    title: str, empty: str, text: str | None
) -> Callable[[Procedure, Context, int | None], Section]:
    def render(procedure: Procedure, context: Context, budget: int | None) -> Section:
        name = quoted(procedure)
        value = getattr(procedure, text or "") or ""
        if not value.strip():
            return Section(empty.format(name=name))
        head = title.format(name=name)
        body = excerpt(value, None if budget is None else budget - len(head) - 1)
        return Section(head + "\n" + body.text, body.more)

    return render


_RENDERERS: dict[str, Callable[[Procedure, Context, int | None], Section]] = {
    "documents": documents_section,
    "time": _time,
    "fee": fee_section,
    "place": _place,
    "online": _online,
    "steps": _long_text(t.STEPS_TITLE, t.STEPS_NONE, "full_steps"),
    "conditions": _long_text(t.CONDITIONS_TITLE, t.CONDITIONS_NONE, "conditions"),
    "legal": _long_text(t.LEGAL_TITLE, t.LEGAL_NONE, "legal_basis"),
}

# --- time, deduplicated over the ways of submitting ----------------------------------------


def _time_groups(procedure: Procedure) -> list[tuple[str, str]]:
    """(ways, time): identical times of several ways merged; a way listed twice with two
    times (the portal does that for "cần xác minh" cases) says both."""
    grouped: dict[str, list[str]] = {}
    for way in procedure.ways:
        value = _way_time(way, procedure)
        if value:
            grouped.setdefault(value, []).append(way.way)
    by_label: dict[str, list[str]] = {}
    for value, ways in grouped.items():
        by_label.setdefault(ways_label(ways, procedure.ways), []).append(value)
    return [
        (
            label,
            values[0] if len(values) == 1 else t.TIME_EITHER.format(times=" hoặc ".join(values)),
        )
        for label, values in by_label.items()
    ]


def _way_time(way: SubmissionWay, procedure: Procedure) -> str | None:
    raw = (way.time or "").strip()
    if not raw:
        return None
    if _BARE_NUMBER.match(raw):
        # A unit-less "1": say what the page says; the unit only where the record gives it.
        return t.TIME_BARE.format(raw=raw)
    parsed = parse_processing_time(raw)
    return clean(raw) if parsed is None else format_time(parsed)


def _bare_time_evidence(procedure: Procedure) -> str | None:
    """Where a bare number's unit is stated in the record (the way's description, the steps),
    that sentence, quoted."""
    for way in procedure.ways:
        raw = (way.time or "").strip()
        if not _BARE_NUMBER.match(raw):
            continue
        parsed = parse_processing_time(raw)
        if parsed is None:
            continue
        found = unit_evidence(parsed.amount, way.description)
        where = t.TIME_IN_DESCRIPTION
        if found is None:
            found, where = unit_evidence(parsed.amount, procedure.steps), t.TIME_IN_STEPS
        if found:
            return t.TIME_EVIDENCE.format(where=where, quote=clip(unbullet(found), 220))
        return None
    return None


def format_time(time: ProcessingTime) -> str:
    amount = f"{time.amount:g}".replace(".", ",")
    return t.TIME_UNITS[time.unit].format(amount=amount)


def _inline(groups: list[tuple[str, str]]) -> str:
    if len(groups) == 1:
        return groups[0][1]
    return "; ".join(f"{ways}: {value}" for ways, value in groups)


def _way_label(way: str) -> str:
    return t.WAY_NAMES.get(way.strip().lower(), way.strip())


def _way(procedure: Procedure, name: str) -> SubmissionWay | None:
    return next((w for w in procedure.ways if w.way.strip().lower() == name), None)
