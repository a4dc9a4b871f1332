"""The fee part of an answer: the fee cell and its note read together, as the record says them.

Never a bare "Miễn phí" beside a note that names an amount, a reduction or the regulation that
sets the fee; a note is shortened only by whole clauses, and a clause with a date or a
reduction in force today is always kept; a cell that disagrees with its note is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handlers import texts_vi as t
from handlers.render_common import Context, Section, clean, fit, quoted, unbullet
from knowledge.clauses import ELLIPSIS, clip
from knowledge.fees import (
    THOUSANDS_BELOW,
    FeeReading,
    Money,
    NoteClause,
    Verdict,
    lapsed_on,
    read_fee,
)
from knowledge.model import Procedure, SubmissionWay
from knowledge.normalise import fold

PURPOSE_LIMIT = 70  # characters of "what this amount is for" in a multi-amount cell
HEADLINE_LIMIT = 160
INLINE_LIMIT = 230  # the fee line of an overview
ONLINE_NOTE_LIMIT = 200  # the fee note in the "online" answer
NOTE_KEY_CHARS = 60
NOTE_MARGIN = 12


@dataclass(frozen=True, slots=True)
class FeeGroup:
    ways: str  # "Nộp trực tuyến", "Mọi hình thức nộp", ...
    reading: FeeReading


def fee_groups(procedure: Procedure, today: date, *, strict: bool = True) -> list[FeeGroup]:
    """One group per distinct (cell, note) over the ways, identical ways merged. Not
    ``strict`` (a short answer): notes that differ only in clauses that change nothing today
    are one group, so that what holds today is said once."""
    keyed: dict[tuple[str, str], tuple[list[str], FeeReading]] = {}
    for way in procedure.ways:
        reading = read_fee(way.fee, way.fee_note, today)
        if reading.verdict is Verdict.NONE and not reading.note:
            continue
        if strict:
            note = fold(reading.note_raw)
        else:
            note = "|".join(fold(c.text) for c in reading.note if _holds_today(c, today))
        key = (fold(way.fee or ""), note + reading.per)
        keyed.setdefault(key, ([], reading))[0].append(way.way)
    return [
        FeeGroup(ways_label(ways, procedure.ways), reading) for ways, reading in keyed.values()
    ]


def ways_label(ways: list[str], all_ways: tuple[SubmissionWay, ...]) -> str:
    names = {w.strip().lower() for w in ways}
    every = {w.way.strip().lower() for w in all_ways}
    if names == every and len(every) > 1:
        return t.ALL_WAYS
    return ", ".join(sorted({way_label(w) for w in ways}, key=_way_rank))


def _way_rank(label: str) -> int:
    labels = list(t.WAY_NAMES.values())
    return labels.index(label) if label in labels else len(labels)


def way_label(way: str) -> str:
    return t.WAY_NAMES.get(way.strip().lower(), way.strip())


# --- the headline: what the fee is, in a few words -----------------------------------------


def money_text(money: Money, per: str = "") -> str:
    if money.currency == "USD":
        amount = f"{money.amount:g}".replace(".", ",")
        return t.FEE_USD.format(amount=amount) + (money.per or per)
    whole = round(money.amount)
    return t.FEE_AMOUNT.format(amount=f"{whole:,}".replace(",", ".")) + (money.per or per)


def _cell_amounts(reading: FeeReading) -> str:
    cell = reading.cell
    assert cell is not None
    parts = []
    for money, purpose in cell.amounts:
        if money.currency == "VND" and 0 < money.amount < THOUSANDS_BELOW:
            confirmed = any(
                m.same(Money(money.amount * 1000, "VND")) for m in reading.note_amounts()
            )
            thousands = Money(money.amount * 1000, "VND")
            template = t.FEE_THOUSANDS_CONFIRMED if confirmed else t.FEE_THOUSANDS
            text = template.format(raw=clean(cell.text), amount=money_text(thousands))
        else:
            text = money_text(money, reading.per)
        if purpose:
            text += f" ({clip(purpose, PURPOSE_LIMIT)})"
        parts.append(text)
    return "; ".join(parts)


def _note_amounts(reading: FeeReading, context: Context) -> str:
    """The amounts the note states that stand today (undated or in force), at most two."""
    standing = [
        m
        for m in reading.note_amounts()
        if m.period is None or m.period.state(context.today) != "past"
    ]
    shown = list(dict.fromkeys(money_text(m) for m in standing))
    text = "; ".join(shown[:2])
    return text + ("; …" if len(shown) > 2 else "")


def headline(reading: FeeReading, context: Context) -> str:
    """What the fee is, in the record's terms (the note follows separately)."""
    verdict = reading.verdict
    if verdict is Verdict.FREE:
        return t.FEE_FREE
    if verdict is Verdict.FREE_BY_NOTE:
        return clip(unbullet(reading.note[0].text).rstrip(" ;,."), HEADLINE_LIMIT)
    if verdict is Verdict.FREE_WITH_NOTE:
        return t.FEE_PAGE_SAYS_FREE
    if verdict is Verdict.FREE_BUT_AMOUNT:
        return t.FEE_PER_NOTE_AMOUNT.format(amounts=_note_amounts(reading, context))
    if verdict in (Verdict.FREE_BUT_RULE, Verdict.BY_NOTE):
        return t.FEE_PER_NOTE
    if verdict is Verdict.TEXT:
        assert reading.cell is not None
        return clip(clean(reading.cell.text), HEADLINE_LIMIT)
    text = _cell_amounts(reading)
    if verdict is Verdict.REDUCED:
        text += t.FEE_REDUCED_NOW
    return text


def flag(reading: FeeReading, context: Context) -> str | None:
    """A line saying where the record disagrees with itself, or None."""
    verdict = reading.verdict
    if verdict is Verdict.FREE_BUT_AMOUNT:
        return t.FEE_FLAG_FREE_BUT_AMOUNT
    if verdict is Verdict.FREE_BUT_RULE:
        return t.FEE_FLAG_FREE_BUT_RULE
    if verdict is Verdict.CONTRADICTED:
        return t.FEE_FLAG_CONTRADICTED
    if verdict is Verdict.EXPIRED:
        ended = lapsed_on(reading, context.today)
        when = f"{ended:%d/%m/%Y}" if ended else "?"
        return t.FEE_FLAG_EXPIRED.format(date=when)
    return None


# --- the note: whole clauses, the ones in force first ------------------------------------


def _note_clauses(reading: FeeReading) -> list[NoteClause]:
    if reading.verdict is Verdict.FREE_BY_NOTE:
        return list(reading.note[1:])  # the first one is the headline
    return list(reading.note)


def _flat(text: str) -> str:
    """A clause on one line, without its bullet."""
    return " ".join(unbullet(text).split())


def clause_key(text: str) -> str:
    """Two clauses that say the same (the crawl repeats notes with small garbles) share it."""
    return fold(unbullet(text).lstrip("( "))[:NOTE_KEY_CHARS]


def note_text(
    reading: FeeReading, context: Context, budget: int | None, said: set[str] | None = None
) -> Section:
    """The note by whole clauses within ``budget``: an amount, a rate or a reduction that holds
    today always (even beyond the budget), then clauses with a date, then the others in order;
    lapsed ones only in the full text (``budget`` None), marked as such. Clauses in ``said``
    (shown for another way just above) are referred to, not repeated."""
    items = _note_clauses(reading)
    if not items:
        return Section("")
    today = context.today
    if budget is None:
        parts = [_flat(c.text) + (t.FEE_CLAUSE_LAPSED if c.expired(today) else "") for c in items]
        return Section(" ".join(parts))
    repeated = {i for i, c in enumerate(items) if said and clause_key(c.text) in said}
    if repeated:
        budget -= len(t.FEE_NOTE_AS_ABOVE) + 2  # "như trên; " comes first

    def priority(clause: NoteClause) -> int:
        if _holds_today(clause, today):
            return 0  # a reduction, a rate or an amount that holds today: always said
        return 1 if clause.must_keep(today) else 2

    order = sorted(range(len(items)), key=lambda i: (priority(items[i]), i))
    chosen: set[int] = set()
    used = 0
    for i in order:
        if items[i].expired(today) or i in repeated:
            continue  # a lapsed rate is for the full text, marked as lapsed
        cost = len(items[i].text) + 1
        if priority(items[i]) == 0 or used + cost <= budget - 2:
            chosen.add(i)
            used += cost
    text = " ".join(_flat(items[i].text) for i in sorted(chosen))
    if repeated:
        text = t.FEE_NOTE_AS_ABOVE + ("; " + text if text else "")
    more = len(chosen) + len(repeated) < len(items)
    if not text:
        return Section("", more=True)
    return Section(text + (" " + ELLIPSIS if more else ""), more)


def _standing_amount(clause: NoteClause, today: date) -> bool:
    return any(m.period is None or m.period.state(today) != "past" for m in clause.amounts)


def _holds_today(clause: NoteClause, today: date) -> bool:
    """A clause a short answer always says: an amount, a rate or a reduction in force."""
    return clause.current_change(today) or _standing_amount(clause, today)


# --- the section and the overview line ------------------------------------------------


def fee_section(procedure: Procedure, context: Context, budget: int | None) -> Section:
    name = quoted(procedure)
    groups = fee_groups(procedure, context.today)
    if not groups:
        return Section(t.FEE_NONE.format(name=name))
    if budget is not None:
        groups = fee_groups(procedure, context.today, strict=False)
    single = len(groups) == 1
    title = t.FEE_TITLE.format(name=name)
    # What must be said first (headlines, flags, the clauses that hold today), then what is
    # left of the budget goes to the other clauses, group by group.
    flags_said: set[str] = set()
    heads = [_group_head(g, context, single, flags_said) for g in groups]
    notes = _notes(groups, context, None if budget is None else 0)
    flagged = any(flag(g.reading, context) for g in groups)
    if budget is not None:
        used = len(title) + sum(len(h) + 1 for h in heads)
        used += sum(len(n.text) + len(t.FEE_NOTE) for n in notes if n.text)
        used += NOTE_MARGIN * len(groups)  # " …" and line breaks the counts above miss
        notes = _notes(groups, context, max(budget - used, 0))
    lines = [title]
    for head, note in zip(heads, notes, strict=True):
        lines.append(head)
        if note.text:
            lines.append((t.FEE_SINGLE_NOTE if single else t.FEE_NOTE).format(note=note.text))
    tail = t.FEE_CHECK
    fits = budget is None or len("\n".join([*lines, tail])) <= budget
    if fits and not flagged:  # a flag already sends the citizen to the desk
        lines.append(tail)
    section = fit("\n".join(lines), budget)
    return Section(section.text, section.more or any(n.more for n in notes))


def _notes(groups: list[FeeGroup], context: Context, extra: int | None) -> list[Section]:
    """The notes of the groups in order: what holds today, plus ``extra`` characters of the
    other clauses shared out in order; a clause said for an earlier group is not repeated."""
    if extra is None:
        return [note_text(g.reading, context, None) for g in groups]
    said: set[str] = set()
    notes = []
    for group in groups:
        base = note_text(group.reading, context, 0, said)
        note = note_text(group.reading, context, len(base.text) + extra, said)
        extra -= len(note.text) - len(base.text)
        said |= {clause_key(c.text) for c in group.reading.note if _flat(c.text) in note.text}
        notes.append(note)
    return notes


def _group_head(group: FeeGroup, context: Context, single: bool, flags_said: set[str]) -> str:
    """The headline line of a group, and its flag line when the record disagrees with itself
    (once: the same flag for another way is not repeated)."""
    top = clip(headline(group.reading, context), HEADLINE_LIMIT)
    first = t.FEE_SINGLE.format(fee=top) if single else t.FEE_LINE.format(ways=group.ways, fee=top)
    warn = flag(group.reading, context)
    if warn and warn not in flags_said:
        flags_said.add(warn)
        first += "\n" + (warn if single else "  " + warn)
    return first


def fee_inline(procedure: Procedure, context: Context) -> str | None:
    """The fee in one line for an overview; a pointer to the full fee when there is more."""
    groups = fee_groups(procedure, context.today)
    if not groups:
        return None
    if len(groups) == 1:
        text = headline(groups[0].reading, context)
    else:
        text = "; ".join(f"{g.ways}: {headline(g.reading, context)}" for g in groups)
    needs_more = any(g.reading.note or flag(g.reading, context) for g in groups)
    if needs_more:
        text = clip(text, INLINE_LIMIT - len(t.FEE_SEE_BUTTON)) + t.FEE_SEE_BUTTON
    return clip(text, INLINE_LIMIT)


def online_fee(way: SubmissionWay, context: Context) -> list[str]:
    """The fee of the online way for the "online" answer: the headline, then its flag and
    its note (shortened) on lines of their own."""
    reading = read_fee(way.fee, way.fee_note, context.today)
    if reading.verdict is Verdict.NONE:
        return []
    lines = [t.ONLINE_FEE.format(fee=headline(reading, context))]
    warn = flag(reading, context)
    if warn:
        lines.append("  " + warn)
    note = note_text(reading, context, ONLINE_NOTE_LIMIT)
    if note.text:
        lines.append(t.FEE_NOTE.format(note=note.text))
    return lines
