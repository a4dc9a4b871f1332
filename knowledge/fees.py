"""What a record says about a fee: the portal's fee cell read with its note, clause by clause.

The portal's fee cell can mislead: "Miễn phí" beside a note that names the real fee or the
regulation that sets it, "135 VNĐ" meaning 135.000 đồng, an amount that differs from the
note's, or a reduced rate whose period has ended. :func:`read_fee` keeps all of it, and
classifies the pair so that an answer can say what the record says and flag what disagrees.
"Today" is always the caller's: whether a dated clause is in force depends on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from knowledge.clauses import clauses
from knowledge.normalise import fold

_NUMBER = r"(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)"
_PER_BODY = r"(?:\s*/\s*[^\s/,;.()“”\"]+(?:[ \-][^\s/,;.()“”\"]+){0,3})+"
_PER = f"({_PER_BODY})?"
# Words that end a unit ("/hồ sơ kể từ ngày ..." is "/hồ sơ").
_PER_STOP = {
    "ke",
    "tu",
    "doi",
    "theo",
    "ap",
    "truong",
    "khi",
    "cho",
    "va",
    "hoac",
    "dong",
    "la",
    "nam",
    "tinh",
    "tru",
    "neu",
    "duoc",
    "voi",
    "vnd",
    "thu",
    "tai",
    "trong",
}
_MONEY = re.compile(
    _NUMBER + r"\s*(triệu\s*đồng|triệu|nghìn\s*đồng|ngàn\s*đồng|việt\s*nam\s*đồng|đồng|vnđ|vnd|usd"
    r"|đ(?![a-zà-ỹđ]))" + _PER,
    re.IGNORECASE,
)
# "160.000/hộ chiếu": an amount with thousands separators and a unit, no currency named.
_BARE_MONEY = re.compile(r"(?<![\d/.,])(\d{1,3}(?:\.\d{3})+)" + f"({_PER_BODY})")
_MULTIPLIERS = {"trieu": 1_000_000, "nghin": 1_000, "ngan": 1_000}
_DATE = re.compile(
    r"(?:(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4}))"
    r"|(?:ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4}))",
    re.IGNORECASE,
)
_STARTS = ("tu ngay", "tu", "ke tu ngay", "ke tu", "bat dau tu ngay")
_ENDS = ("den het ngay", "den ngay", "den het", "den", "toi ngay", "den het ngay ngay")
_REDUCTION = re.compile(r"\b(?:giam|uu dai|mien|khong thu|khong phai nop)\b")
_PERCENT = re.compile(r"\d\s*%")  # "bằng 50% mức thu" (fold() drops the sign)
_EXEMPTION = re.compile(r"^\W*(?:mien (?:le )?phi|mien thu|mien|khong thu|khong phai nop)\b")
_REGULATION = re.compile(
    r"\b(?:thong tu|nghi dinh|quyet dinh|nghi quyet|luat phi|luat|phap luat ve phi|"
    r"hoi dong nhan dan|hdnd|uy ban nhan dan|ubnd|bo tai chinh|quy dinh cua)\b"
)
# Notes that add nothing ("Không có", "Không quy định") and list markers left by the crawl.
_NO_INFO = {"khong", "khong co", "khong quy dinh", "chua quy dinh", "khong co quy dinh"}
_NOISE = re.compile(r"^\W*(?:\d{1,2}|[a-z]{1,3}|[ivx]{1,4})\W*$", re.IGNORECASE)
# A note that only continues the amount of the fee cell: "/hồ sơ", "đồng/lần".
_UNIT_ONLY = re.compile(r"^\s*(?:đồng|đ|vnđ|vnd|usd)?\s*/\s*([^/].{0,40}?)\s*[.;]?\s*$", re.I)
_FEE_LINE = re.compile(
    r"^\s*(?:lệ phí|phí)\s*:\s*(.*?)\s*(đồng|usd)?\s*(?:\((.*)\))?\s*$", re.IGNORECASE
)
_FREE_WORDS = {"mien phi", "khong", "o", "0", ""}
_ATTACHMENT = re.compile(r"^\s*file đính kèm\s*:", re.IGNORECASE)
THOUSANDS_BELOW = 1000  # "135 VNĐ" on the portal means 135.000 đồng


class Verdict(StrEnum):
    """How the fee cell and its note read together."""

    NONE = "none"  # neither says anything
    FREE = "free"  # "Miễn phí", no note that says otherwise
    FREE_BY_NOTE = "free_by_note"  # the note itself opens with the exemption ("Miễn lệ phí")
    FREE_WITH_NOTE = "free_with_note"  # "Miễn phí" beside a note that names no fee
    FREE_BUT_AMOUNT = "free_but_amount"  # "Miễn phí", the note names an amount
    FREE_BUT_RULE = "free_but_rule"  # "Miễn phí", the note names the regulation/body setting it
    AMOUNT = "amount"  # an amount, the note (if any) agrees or names none
    CONTRADICTED = "contradicted"  # the note names amounts, none of them the cell's
    EXPIRED = "expired"  # the note says the cell's amount applied only until a past date
    REDUCED = "reduced"  # a dated reduction or rate in the note holds today
    BY_NOTE = "by_note"  # no usable cell ("VNĐ", empty): the note carries the fee
    TEXT = "text"  # the cell is text (a percentage, a regulation)


@dataclass(frozen=True, slots=True)
class Period:
    start: date | None
    end: date | None

    def state(self, today: date) -> str:
        """ "past", "current" or "future" relative to ``today``."""
        if self.end is not None and self.end < today:
            return "past"
        if self.start is not None and self.start > today:
            return "future"
        return "current"


@dataclass(frozen=True, slots=True)
class Money:
    amount: float
    currency: str  # "VND" or "USD"
    per: str = ""  # "/lần", "/hộ chiếu" as written
    period: Period | None = None  # when the clause dates this amount

    def same(self, other: Money) -> bool:
        return self.currency == other.currency and abs(self.amount - other.amount) < 0.5


@dataclass(frozen=True, slots=True)
class NoteClause:
    text: str
    amounts: tuple[Money, ...] = ()
    periods: tuple[Period, ...] = ()  # every period the clause names
    reduction: bool = False
    exemption: bool = False
    regulation: bool = False

    def expired(self, today: date) -> bool:
        """Every period it names has ended and no amount in it stands without a date."""
        if not self.periods or any(m.period is None for m in self.amounts):
            return False
        return all(p.state(today) == "past" for p in self.periods)

    def current_change(self, today: date) -> bool:
        """A dated reduction, exemption or rate that holds today."""
        return any(p.state(today) == "current" for p in self.periods) and (
            self.reduction or any(m.period is not None for m in self.amounts)
        )

    def must_keep(self, today: date) -> bool:
        """A clause a short answer may not drop: a date or a reduction that holds today
        (or will), or an amount not known to have lapsed."""
        if self.expired(today):
            return False
        return bool(self.periods) or self.reduction or bool(self.amounts)


@dataclass(frozen=True, slots=True)
class FeeCell:
    """The portal's fee cell (phi_le_phi), parsed."""

    raw: str
    kind: str  # "free", "amount", "currency", "text"
    amounts: tuple[tuple[Money, str], ...] = ()  # (amount, what it is for) per line
    thousands: bool = False  # an amount under 1.000 đồng, read as thousands
    text: str = ""  # the cell as text, attachments dropped


@dataclass(frozen=True, slots=True)
class FeeReading:
    cell: FeeCell | None
    note: tuple[NoteClause, ...]
    per: str  # a unit the note adds to the cell's amount ("/hồ sơ"), else ""
    verdict: Verdict
    note_raw: str = ""  # the note as written (noise and empty notes give "")

    def note_amounts(self) -> list[Money]:
        return [m for c in self.note for m in c.amounts]


def _number(raw: str) -> float:
    groups = re.split(r"[.,]", raw)
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        return float("".join(groups))  # thousands separators
    return float(raw.replace(",", "."))


def _per(raw: str | None) -> str:
    """ "/ người/lần đăng ký kể từ" -> "/người/lần đăng ký"."""
    out = []
    for part in (raw or "").split("/")[1:]:
        words = []
        for word in part.split():
            if fold(word) in _PER_STOP:
                break
            words.append(word)
        if not words:
            break
        out.append(" ".join(words))
    return "".join("/" + p for p in out)


def _money(text: str, period: Period | None = None) -> list[Money]:
    found: list[Money] = []
    taken: list[tuple[int, int]] = []
    for match in _MONEY.finditer(text):
        unit = fold(match.group(2))
        amount = _number(match.group(1))
        amount *= next((f for w, f in _MULTIPLIERS.items() if unit.startswith(w)), 1)
        currency = "USD" if unit == "usd" else "VND"
        found.append(Money(amount, currency, _per(match.group(3)), period))
        taken.append(match.span())
    for match in _BARE_MONEY.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        found.append(Money(_number(match.group(1)), "VND", _per(match.group(2)), period))
    return [m for m in found if m.amount > 0]


def _parentheses(text: str) -> list[tuple[int, int]]:
    """Spans of every parenthesis in ``text``, innermost first (unclosed ones run to the end)."""
    spans = []
    opened: list[int] = []
    for i, char in enumerate(text):
        if char == "(":
            opened.append(i)
        elif char == ")" and opened:
            spans.append((opened.pop(), i + 1))
    spans += [(start, len(text)) for start in reversed(opened)]
    return sorted(spans, key=lambda span: span[1] - span[0])


def _period(text: str) -> Period | None:
    start: date | None = None
    end: date | None = None
    for match in _DATE.finditer(text):
        day, month, year = (match.group(1), match.group(2), match.group(3))
        if day is None:
            day, month, year = (match.group(4), match.group(5), match.group(6))
        try:
            when = date(int(year), int(month), int(day))
        except ValueError:
            continue
        before = fold(text[max(0, match.start() - 24) : match.start()])
        if before.endswith(_ENDS) and end is None:
            end = when
        elif before.endswith(_STARTS) and start is None:
            start = when
    return Period(start, end) if start or end else None


def read_clause(text: str) -> NoteClause:
    """One clause of a note. A dated parenthesis that states its own reduction or amount
    ("2.000.000đ/lần (Miễn kể từ ngày 07/4/2026 đến 30/6/2026 ...)") dates only itself;
    one that does not ("320.000đ (áp dụng đến hết ngày 31/12/2023 ...)") dates the clause."""
    amounts: list[Money] = []
    periods: list[Period] = []
    rest = text  # the text with the parentheses that date themselves blanked out
    for start, end in _parentheses(text):
        inner = rest[start:end]
        period = _period(inner)
        if period is None:
            continue
        own = _money(inner, period)
        if own or _REDUCTION.search(fold(inner)):
            amounts += own
            periods.append(period)
            rest = rest[:start] + " " * (end - start) + rest[end:]
    clause_period = _period(rest)
    if clause_period is not None:
        periods.append(clause_period)
    folded = fold(text)
    return NoteClause(
        text=text,
        amounts=tuple(_money(rest, clause_period) + amounts),
        periods=tuple(periods),
        reduction=bool(_REDUCTION.search(folded) or _PERCENT.search(text)),
        exemption=bool(_EXEMPTION.search(folded)),
        regulation=bool(_REGULATION.search(folded)),
    )


def read_cell(raw: str | None) -> FeeCell | None:
    if raw is None or not raw.strip():
        return None
    lines = [ln.strip() for ln in raw.splitlines() if ln.strip() and not _ATTACHMENT.match(ln)]
    text = "\n".join(dict.fromkeys(lines))
    folded = fold(text)
    if folded in _FREE_WORDS:
        return FeeCell(raw, "free", text=text)
    if folded in ("vnd", "dong", "viet nam dong", "usd"):
        return FeeCell(raw, "currency", text=text)
    amounts: list[tuple[Money, str]] = []
    for line in lines:
        labelled = _FEE_LINE.match(line)
        body, purpose = (line, "")
        if labelled:
            value = labelled.group(1) or ""
            currency = labelled.group(2) or ""
            purpose = (labelled.group(3) or "").strip()
            if fold(value) in _FREE_WORDS and not purpose:
                continue  # "Phí : 0 Đồng", "Phí : Không Đồng"
            body = f"{value} {currency}".strip()
        plain = re.fullmatch(_NUMBER + r"\s*(việt\s*nam\s*đồng|vnđ|vnd|đồng|usd)", body, re.I)
        if plain is None:
            return FeeCell(raw, "text", text=text)
        currency = "USD" if fold(plain.group(2)) == "usd" else "VND"
        amount = _number(plain.group(1))
        if amount > 0 or purpose:
            amounts.append((Money(amount, currency), purpose))
    if not amounts:
        return FeeCell(raw, "free", text=text)
    thousands = any(m.currency == "VND" and 0 < m.amount < THOUSANDS_BELOW for m, _ in amounts)
    return FeeCell(raw, "amount", tuple(amounts), thousands, text)


def read_note(note: str | None) -> tuple[tuple[NoteClause, ...], str, str]:
    """(clauses, unit, note as written) of a fee note; noise gives no clauses."""
    if note is None:
        return (), "", ""
    text = note.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    if not text or _NOISE.match(text):
        return (), "", ""
    unit = _UNIT_ONLY.match(text)
    if unit and not re.search(r"\d", unit.group(1)):
        return (), "/" + unit.group(1).strip(), ""
    parts = clauses(re.sub(r"\s+(?=(?:lệ phí|phí)\s*:)", "\n", text, flags=re.IGNORECASE))
    return tuple(read_clause(p) for p in parts), "", text


def read_fee(cell_raw: str | None, note_raw: str | None, today: date) -> FeeReading:
    """The fee cell and note of one way of submitting, read together as of ``today``."""
    cell = read_cell(cell_raw)
    note, per, note_text = read_note(note_raw)
    substantive = bool(note) and fold(note_text).rstrip() not in _NO_INFO
    verdict = _verdict(cell, note if substantive else (), today)
    return FeeReading(cell, note, per, verdict, note_text)


def _verdict(cell: FeeCell | None, note: tuple[NoteClause, ...], today: date) -> Verdict:
    money = [m for c in note for m in c.amounts]
    if cell is None or cell.kind == "currency":
        return Verdict.BY_NOTE if note else Verdict.NONE
    if cell.kind == "text":
        return Verdict.TEXT
    if cell.kind == "free":
        if not note:
            return Verdict.FREE
        if note[0].exemption and not note[0].amounts:
            return Verdict.FREE_BY_NOTE
        if money:
            return Verdict.FREE_BUT_AMOUNT
        if any(c.regulation for c in note):
            return Verdict.FREE_BUT_RULE
        return Verdict.FREE_WITH_NOTE
    if any(c.current_change(today) for c in note):
        return Verdict.REDUCED
    if not money:
        return Verdict.AMOUNT
    values = [value for value, _ in cell.amounts]
    if cell.thousands:
        values += [Money(v.amount * 1000, "VND") for v in values if v.currency == "VND"]
    matching = [m for m in money if any(m.same(v) for v in values)]
    undated = [m for m in money if m.period is None]
    if not matching and undated and any(_sums_to(undated, v) for v in values):
        return Verdict.AMOUNT  # "gồm 3.000.000 đồng ...; 1.500.000 đồng ..." for 4.500.000
    if any(m.period is None or m.period.state(today) != "past" for m in matching):
        return Verdict.AMOUNT
    if matching:
        return Verdict.EXPIRED
    if all(m.period is not None for m in money):
        return Verdict.AMOUNT  # the note's other rates are dated and over (or not yet)
    return Verdict.CONTRADICTED


def _sums_to(parts: list[Money], total: Money) -> bool:
    same = [m.amount for m in parts if m.currency == total.currency]
    return len(same) > 1 and abs(sum(same) - total.amount) < 0.5


def lapsed_on(reading: FeeReading, today: date) -> date | None:
    """The end date of the clause that gave the cell's amount, when it has passed."""
    if reading.verdict is not Verdict.EXPIRED or reading.cell is None:
        return None
    ends = [m.period.end for m in reading.note_amounts() if m.period and m.period.end]
    past = [end for end in ends if end < today]
    return max(past) if past else None
