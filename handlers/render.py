"""Procedure answers as text: an overview, one aspect, or a choice between procedures."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from handlers import texts_vi as t
from handlers.messages import Button
from knowledge.model import Document, Procedure, SubmissionWay
from knowledge.normalise import fold
from knowledge.processing_time import ProcessingTime, parse_processing_time

# Aspects offered as buttons, in the order a citizen usually needs them.
BUTTON_ASPECTS = ("documents", "time", "fee", "place", "online", "steps", "conditions")
MAX_DOCUMENTS = 10
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BULLET = re.compile(r"^\s*[-+*•]\s*")
_BARE_NUMBER = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*$")
_FEE_AMOUNT = re.compile(
    r"^\s*(?:ph[ií]\s*:?\s*)?(\d[\d.,]*)\s*(?:vi[eệ]t nam [dđ][oồ]ng|vn[dđ]|[dđ][oồ]ng|[dđ])\s*$",
    re.IGNORECASE,
)
# An amount of money in a fee note ("135.000 đồng", "7.000 đồng/lần"): the note states a fee.
_NOTE_AMOUNT = re.compile(r"\b\d+(?: \d{3})*\s*(?:dong|d|vnd)\b")  # on folded text
_NOTE_OPENINGS = ("truong hop", "luu y", "doi voi", "neu ", "ghi chu")
_NOTE_BULLET = re.compile(r"(?:^|\s)[-+]\s+")
_COPIES = re.compile(r"^\s*0*(\d+)\s*(.+?)\s*$")


def name_of(procedure: Procedure) -> str:
    """The record's name without its "Thủ tục" prefix, starting with a capital."""
    name = _clean(procedure.name)
    if name.lower().startswith(t.PROCEDURE_PREFIX.lower()):
        name = name[len(t.PROCEDURE_PREFIX) :].strip()
    return name[:1].upper() + name[1:]


def quoted(procedure: Procedure) -> str:
    return t.QUOTED_NAME.format(name=name_of(procedure))


def source_line(procedure: Procedure, portal_url: str) -> str:
    if procedure.detail_url:
        return t.SOURCE_LINK.format(url=procedure.detail_url)
    return t.SOURCE_NO_LINK.format(code=procedure.code, portal_url=portal_url)


def aspect_buttons(procedure: Procedure, answered: Iterable[str] = ()) -> tuple[Button, ...]:
    skip = set(answered)
    if not procedure.conditions:
        skip.add("conditions")
    return tuple(
        Button(t.ASPECT_BUTTONS[a], payload=f"pa:{procedure.code}:{a}")
        for a in BUTTON_ASPECTS
        if a not in skip
    )


def overview(procedure: Procedure, portal_url: str) -> str:
    lines = [t.OVERVIEW_TITLE.format(name=name_of(procedure), code=procedure.code)]
    levels = ", ".join(procedure.levels)
    agency = _clean(procedure.agency).rstrip(".")
    if agency:
        place = t.OVERVIEW_AGENCY_LEVEL.format(agency=agency, levels=levels) if levels else agency
        lines.append(t.OVERVIEW_PLACE.format(place=place))
    elif levels:
        lines.append(t.OVERVIEW_LEVEL.format(levels=levels))
    times = _time_groups(procedure)
    if times:
        lines.append(t.OVERVIEW_TIME.format(time=_inline(times)))
    fees = _fee_groups(procedure)
    if fees:
        lines.append(t.OVERVIEW_FEE.format(fee=_inline_fees(fees)))
    lines.append(t.OVERVIEW_ONLINE_YES if procedure.online else t.OVERVIEW_ONLINE_NO)
    results = [_shorten(r, 80) for r in procedure.results if r.strip()][:2]
    if results:
        lines.append(t.OVERVIEW_RESULT.format(results="; ".join(results)))
    lines.append(source_line(procedure, portal_url))
    return "\n".join(lines) + "\n\n" + t.NEXT_STEP


def answer(procedure: Procedure, aspects: Sequence[str], portal_url: str) -> str:
    """The parts of the record a citizen asked about, quoted, with the official link once."""
    bodies = [
        _ASPECT_RENDERERS[a](procedure, portal_url)
        for a in dict.fromkeys(aspects)
        if a in _ASPECT_RENDERERS
    ]
    if not bodies:
        return overview(procedure, portal_url)
    return "\n\n".join(bodies) + "\n\n" + source_line(procedure, portal_url)


def choice(
    procedures: Sequence[Procedure], template: str = t.CHOOSE_PROCEDURE
) -> tuple[str, tuple[Button, ...]]:
    """Numbered procedures with a button each (payload ``pc:<code>``)."""
    lines = []
    buttons = []
    for number, procedure in enumerate(procedures, start=1):
        name = name_of(procedure)
        lines.append(t.CHOICE_LINE.format(number=number, name=name + _levels(procedure)))
        buttons.append(Button(f"{number}. {_shorten(name, 40)}", payload=f"pc:{procedure.code}"))
    return template.format(options="\n".join(lines)), tuple(buttons)


def alternatives(
    procedures: Sequence[Procedure], aspects: Sequence[str]
) -> tuple[str, tuple[Button, ...]]:
    """Other procedures that fit as well as the one answered, as buttons (not numbered: the
    answer above has its own buttons). The aspects asked travel in the payload."""
    lines = []
    buttons = []
    for procedure in procedures:
        name = name_of(procedure)
        lines.append(t.ALTERNATIVE_LINE.format(name=name + _levels(procedure)))
        code = procedure.code
        # Three aspects at most keep the payload within Telegram's 64 bytes of callback data.
        payload = f"pa:{code}:{','.join(aspects[:3])}" if aspects else f"pc:{code}"
        buttons.append(Button(_shorten(name, 40), payload=payload))
    return t.ALTERNATIVES.format(options="\n".join(lines)), tuple(buttons)


def _levels(procedure: Procedure) -> str:
    if not procedure.levels:
        return ""
    return t.CHOICE_LEVEL.format(levels=", ".join(procedure.levels))


# --- aspects -----------------------------------------------------------------------------


def _documents(procedure: Procedure, portal_url: str) -> str:
    name = quoted(procedure)
    if not procedure.documents:
        if procedure.documents_raw and procedure.documents_raw.strip():
            title = t.DOCUMENTS_TITLE.format(name=name)
            return title + "\n" + _excerpt(procedure.documents_raw, 1500)
        return t.DOCUMENTS_NONE.format(name=name)
    # The portal lists papers and, as "0 bản chính" items, notes on special cases: papers
    # first (what to submit before what to show), notes only counted.
    papers = [d for d in procedure.documents if _is_paper(d)] or list(procedure.documents)
    papers.sort(key=lambda d: (_group_rank(d), _paper_rank(d)))
    notes = len(procedure.documents) - len(papers)
    shown = papers[:MAX_DOCUMENTS]
    lines = [t.DOCUMENTS_TITLE.format(name=name)]
    group: str | None = None
    for doc in shown:
        if doc.group and doc.group != group:
            group = doc.group
            lines.append(t.DOCUMENT_GROUP.format(group=_shorten(doc.group, 160).rstrip(":")))
        doc_name = _shorten(_BULLET.sub("", _clean(doc.name)), 250).rstrip(" ;,.")
        line = t.DOCUMENT_LINE.format(name=doc_name)
        copies = _copies(doc.copies)
        if copies:
            line += t.DOCUMENT_COPIES.format(copies=copies)
        if doc.form and doc.form.strip():
            line += t.DOCUMENT_FORM.format(form=_shorten(_clean(doc.form), 80))
        lines.append(line)
    if len(papers) > len(shown):
        lines.append(t.DOCUMENTS_MORE.format(count=len(papers) - len(shown)))
    if notes:
        lines.append(t.DOCUMENTS_NOTES.format(count=notes))
    return "\n".join(lines)


def _is_paper(doc: Document) -> bool:
    """A paper to bring, not a note: it has copies, or no count at all and reads like one."""
    if _copies(doc.copies):
        return True
    if doc.copies and re.match(r"^\s*0+\s", doc.copies):
        return False
    return not fold(doc.name).startswith(_NOTE_OPENINGS)


def _paper_rank(doc: Document) -> int:
    """The application form first, then the usual papers, a proxy's mandate, special cases."""
    name = fold(doc.name)
    if name.startswith(("to khai", "don ", "mau ", "phieu")):
        return 0
    if name.startswith(("truong hop", "neu ", "doi voi")):
        return 3
    if "uy quyen" in name or "trong truong hop" in name:
        return 2
    return 1


def _group_rank(doc: Document) -> int:
    group = fold(doc.group or "")
    if not group:
        return 0  # ungrouped papers first: under a later heading they would seem to belong to it
    if "nop" in group.split():
        return 1
    if group.startswith("luu y"):
        return 3
    return 2


def _time(procedure: Procedure, portal_url: str) -> str:
    name = quoted(procedure)
    groups = _time_groups(procedure)
    if not groups:
        return t.TIME_NONE.format(name=name)
    if len(groups) == 1:
        text = t.TIME_SINGLE.format(name=name, time=groups[0][1])
    else:
        lines = [t.TIME_TITLE.format(name=name)]
        lines += [t.TIME_LINE.format(ways=ways, time=value) for ways, value in groups]
        text = "\n".join(lines)
    return text + "\n" + t.TIME_COUNTED_FROM


def _fee(procedure: Procedure, portal_url: str) -> str:
    name = quoted(procedure)
    groups = _fee_groups(procedure)
    if not groups:
        return t.FEE_NONE.format(name=name)
    if len(groups) == 1:
        _, fee, note = groups[0]
        lines = [t.FEE_SINGLE.format(name=name, fee=fee)]
        if note:
            lines.append(t.FEE_SINGLE_NOTE.format(note=_shorten(note, 700)))
    else:
        lines = [t.FEE_TITLE.format(name=name)]
        for ways, fee, note in groups:
            lines.append(t.FEE_LINE.format(ways=ways, fee=fee))
            if note:
                lines.append(t.FEE_NOTE.format(note=_shorten(note, 700)))
    lines.append(t.FEE_CHECK)
    return "\n".join(lines)


def _place(procedure: Procedure, portal_url: str) -> str:
    name = quoted(procedure)
    lines = [t.PLACE_TITLE.format(name=name)]
    if procedure.agency.strip():
        lines.append(t.PLACE_AGENCY.format(agency=_clean(procedure.agency)))
    if procedure.address and procedure.address.strip():
        lines.append(t.PLACE_ADDRESS.format(address=_clean(procedure.address)))
    if procedure.levels:
        lines.append(t.PLACE_LEVEL.format(levels=", ".join(procedure.levels)))
    direct = _way(procedure, "trực tiếp")
    if direct is not None and direct.description and direct.description.strip():
        lines.append(
            t.PLACE_DIRECT.format(description=_excerpt(_BULLET.sub("", direct.description), 400))
        )
    if len(lines) == 1:
        return t.PLACE_NONE.format(name=name)
    if not procedure.agency.strip() and not procedure.address and "Cấp xã" in procedure.levels:
        lines.append(t.PLACE_COMMUNE_HINT)
    if procedure.online:
        lines.append(t.PLACE_ONLINE_TOO)
    return "\n".join(lines)


def _online(procedure: Procedure, portal_url: str) -> str:
    name = quoted(procedure)
    if not procedure.online:
        ways = ", ".join(_way_label(w.way).lower() for w in procedure.ways)
        if ways:
            return t.ONLINE_NO.format(name=name, ways=ways)
        return t.ONLINE_NO_WAYS.format(name=name)
    lines = [t.ONLINE_YES.format(name=name)]
    online = _way(procedure, "trực tuyến")
    if online is not None:
        terms = []
        time = _way_time(online, procedure.processing_time())
        if time:
            terms.append(t.ONLINE_TIME.format(time=time))
        note = _clean_note(online.fee_note)
        fee = format_fee(online.fee, note)
        if fee:
            with_note = t.FEE_WITH_NOTE.format(fee=fee, note=_shorten(note, 200)) if note else fee
            terms.append(t.ONLINE_FEE.format(fee=with_note))
        if terms:
            lines += [t.ONLINE_TERMS, *terms]
        if online.description and online.description.strip():
            lines.append(
                t.ONLINE_HOW.format(description=_excerpt(_BULLET.sub("", online.description), 500))
            )
    lines.append(t.ONLINE_WHERE.format(portal_url=portal_url))
    return "\n".join(lines)


def _steps(procedure: Procedure, portal_url: str) -> str:
    name = quoted(procedure)
    if not procedure.steps.strip():
        return t.STEPS_NONE.format(name=name)
    return t.STEPS_TITLE.format(name=name) + "\n" + _excerpt(procedure.steps, 1500)


def _conditions(procedure: Procedure, portal_url: str) -> str:
    name = quoted(procedure)
    if not procedure.conditions or not procedure.conditions.strip():
        return t.CONDITIONS_NONE.format(name=name)
    return t.CONDITIONS_TITLE.format(name=name) + "\n" + _excerpt(procedure.conditions, 1200)


def _legal(procedure: Procedure, portal_url: str) -> str:
    name = quoted(procedure)
    if not procedure.legal_basis or not procedure.legal_basis.strip():
        return t.LEGAL_NONE.format(name=name)
    return t.LEGAL_TITLE.format(name=name) + "\n" + _excerpt(procedure.legal_basis, 800)


_ASPECT_RENDERERS = {
    "documents": _documents,
    "time": _time,
    "fee": _fee,
    "place": _place,
    "online": _online,
    "steps": _steps,
    "conditions": _conditions,
    "legal": _legal,
}

# --- time and fee, deduplicated over the ways of submitting ---------------------------------


def _time_groups(procedure: Procedure) -> list[tuple[str, str]]:
    """(ways, time) with identical times of several ways merged."""
    inferred = procedure.processing_time()
    values: list[tuple[str, str]] = []
    for way in procedure.ways:
        value = _way_time(way, inferred)
        if value:
            values.append((way.way, value))
    return _merge(values, len(procedure.ways))


def _way_time(way: SubmissionWay, inferred: ProcessingTime | None) -> str | None:
    raw = (way.time or "").strip()
    if not raw:
        return None
    parsed = parse_processing_time(raw)
    if parsed is None:
        return _clean(raw)
    if _BARE_NUMBER.match(raw):
        # A unit-less "1": take the unit the record gives elsewhere, and say what it says.
        best = inferred if inferred and inferred.amount == parsed.amount else parsed
        return t.TIME_RAW.format(time=format_time(best), raw=raw)
    return format_time(parsed)


def format_time(time: ProcessingTime) -> str:
    amount = f"{time.amount:g}".replace(".", ",")
    return t.TIME_UNITS[time.unit].format(amount=amount)


def _fee_groups(procedure: Procedure) -> list[tuple[str, str, str | None]]:
    """(ways, fee, note) with identical fees and notes of several ways merged."""
    keyed: dict[tuple[str, str], tuple[list[str], str, str | None]] = {}
    for way in procedure.ways:
        note = _clean_note(way.fee_note)
        fee = format_fee(way.fee, note)
        if fee is None and note is None:
            continue
        key = (fee or "", fold(note or ""))
        if key not in keyed:
            keyed[key] = ([], fee or t.FEE_SEE_NOTE, note)
        keyed[key][0].append(way.way)
    return [
        (_ways_label(ways, len(procedure.ways)), fee, note) for ways, fee, note in keyed.values()
    ]


def format_fee(raw: str | None, note: str | None = None) -> str | None:
    """The fee as a citizen reads it; quirks of the portal are flagged, never hidden."""
    if raw is None or not raw.strip():
        return None
    folded = fold(raw)
    note_states_fee = bool(note and _NOTE_AMOUNT.search(fold(note)))
    if folded == "mien phi":
        return t.FEE_FREE_BUT_NOTE if note_states_fee else t.FEE_FREE
    match = _FEE_AMOUNT.match(raw)
    if match:
        digits = re.sub(r"[.,]", "", match.group(1))
        amount = int(digits) if digits.isdigit() else -1
        if amount == 0:
            return t.FEE_FREE_BUT_NOTE if note_states_fee else t.FEE_FREE
        if 0 < amount < 1000:
            # "135 VNĐ" on the portal means 135.000 đồng: say both.
            return t.FEE_THOUSANDS.format(raw=_clean(raw), amount=_money(amount * 1000))
        if amount > 0:
            return t.FEE_AMOUNT.format(amount=_money(amount))
    if folded in ("vnd", "dong", "viet nam dong"):
        return None  # a currency without an amount: the note (if any) carries the fee
    return _clean(raw)


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = _clean(note)
    if note.startswith("(") and note.endswith(")"):
        note = note[1:-1].strip()
    note = _NOTE_BULLET.sub(" ", note).strip()
    return note or None


def _merge(values: list[tuple[str, str]], way_count: int) -> list[tuple[str, str]]:
    grouped: dict[str, list[str]] = {}
    for way, value in values:
        grouped.setdefault(value, []).append(way)
    return [(_ways_label(ways, way_count), value) for value, ways in grouped.items()]


def _ways_label(ways: list[str], way_count: int) -> str:
    if len(ways) == way_count and way_count > 1:
        return t.ALL_WAYS
    return ", ".join(_way_label(w) for w in ways)


def _way_label(way: str) -> str:
    return t.WAY_NAMES.get(way.strip().lower(), way.strip())


def _way(procedure: Procedure, name: str) -> SubmissionWay | None:
    return next((w for w in procedure.ways if w.way.strip().lower() == name), None)


def _inline(groups: list[tuple[str, str]]) -> str:
    if len(groups) == 1:
        return groups[0][1]
    return "; ".join(f"{ways}: {value}" for ways, value in groups)


def _inline_fees(groups: list[tuple[str, str, str | None]]) -> str:
    fees = list(dict.fromkeys(fee for _, fee, _ in groups))
    notes = [note for _, _, note in groups if note]
    if len(fees) == 1:
        # Same fee whatever the way; notes that differ only in wording: the first one.
        if not notes:
            return fees[0]
        return t.FEE_WITH_NOTE.format(fee=fees[0], note=_shorten(notes[0], 240))
    text = "; ".join(f"{ways}: {fee}" for ways, fee, _ in groups)
    if notes:
        text += t.FEE_SEE_BUTTON
    return text


def _copies(raw: str | None) -> str | None:
    """ "0 bản chính,1 bản sao" -> "1 bản sao"; garbled counts ("20261 bản chính") dropped."""
    if not raw:
        return None
    parts = []
    for piece in raw.split(","):
        match = _COPIES.match(piece)
        if not match:
            return None
        count = int(match.group(1))
        if count > 20:
            return None
        if count:
            parts.append(f"{count} {match.group(2)}")
    return ", ".join(parts) or None


# --- text helpers ---------------------------------------------------------------------------


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _shorten(text: str, limit: int) -> str:
    text = _clean(text)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def _excerpt(text: str, limit: int) -> str:
    """A quote of the record: lines kept, cut at a word with a pointer to the full page."""
    lines = [_clean(line) for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + t.CUT_SHORT
