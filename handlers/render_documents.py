"""The documents part of an answer: the papers a citizen brings, numbered; the rest on demand.

The portal's list mixes papers with notes (items counted "0 bản chính"), papers for every case
with papers for special cases, and groups that are parts of one dossier ("Giấy tờ phải nộp",
"Giấy tờ phải xuất trình") with groups that are alternative cases ("Đăng ký tạm trú theo danh
sách"). The short answer numbers the papers of the usual case; the full one lists everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers import texts_vi as t
from handlers.render_common import (
    Context,
    Section,
    base_name,
    clean,
    excerpt,
    fit,
    quoted,
    unbullet,
)
from knowledge.clauses import clip
from knowledge.model import Document, Procedure
from knowledge.normalise import fold

ITEM_LIMIT = 110  # characters of one paper in the short list
ITEM_LIMIT_FEW = 170  # ... when there are only a few
FEW = 3
FOOTER_ROOM = 100  # kept for the line that says what the full list adds
GROUP_LIMIT = 90
FORM_LIMIT = 60
FULL_ITEM_LIMIT = 400
_COPIES = re.compile(r"^\s*0*(\d+)\s*(.+?)\s*$")
_NOTE_OPENINGS = ("truong hop", "luu y", "doi voi", "neu ", "ghi chu", "vi du", "so luong ho so")
_CASE_OPENINGS = ("truong hop", "neu ", "doi voi", "i ", "ii ", "iii ", "iv ", "v ", "vi ")
_PART_GROUPS = (
    "giay to phai nop", "giay to phai xuat trinh", "thanh phan ho so", "cac giay to phai",
    "ho so gom", "ho so bao gom", "a thanh phan ho so", "giay to phai", "nop truc tiep",
)  # fmt: skip
_SHOW = ("xuat trinh",)
_DOCUMENT_WORDS = ("phieu", "to khai", "don ", "giay ", "ban khai", "van ban")
_ENUMERATOR = re.compile(r"^\s*(?:\(?[ivxIVX]{1,4}\)|[a-zđ]\)|\d{1,2}[.)])\s*")


@dataclass(frozen=True, slots=True)
class Paper:
    doc: Document
    case: str | None  # the alternative case it belongs to (a group), None: every case
    show: bool  # to show (xuất trình), not to hand in
    conditional: bool  # needed only in a situation the item itself names
    rank: int


def copies_text(raw: str | None) -> str | None:
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


def is_paper(doc: Document) -> bool:
    """A paper to bring, not a note or a heading: it has copies, or no count at all and reads
    like one; "Lưu ý: ..." and "*Hồ sơ đăng ký giải thể:" are not papers whatever their count."""
    name = unbullet(doc.name)
    folded = fold(name)
    if folded.startswith(("luu y", "ghi chu", "vi du", "so luong ho so")):
        return False
    if name.lstrip("*").strip().endswith(":") or (name.startswith("*") and len(name) < 60):
        return False
    if copies_text(doc.copies):
        return True
    if doc.copies and re.match(r"^\s*0+\s", doc.copies):
        return False
    return not folded.startswith(_NOTE_OPENINGS)


def _rank(name: str) -> int:
    """The application form first, then the usual papers, then papers for a situation (as
    the first clause of the item says)."""
    folded = re.sub(r"^\d{1,2} ", "", fold(name))  # "01 tờ khai ..."
    first = fold(re.split(r"[;.]\s", name, maxsplit=1)[0])
    if folded.startswith(("to khai", "don ", "mau ", "phieu", "giay de nghi", "van ban de nghi")):
        return 0
    if folded.startswith(_CASE_OPENINGS):
        return 3
    if "truong hop" in first or "uy quyen" in first or "doi voi nguoi" in first:
        return 2
    return 1


def _part_group(group: str) -> bool:
    """A group that is part of every dossier ("Giấy tờ phải nộp"), or a heading the crawl
    took from a document ("Phiếu đề nghị ..."), not an alternative case."""
    folded = fold(group)
    return folded.startswith(_PART_GROUPS) or folded.startswith(("luu y", *_DOCUMENT_WORDS))


def _main_case(groups: list[str], procedure: Procedure) -> str | None:
    """The case group that reads most like the procedure itself: not a "Trường hợp ..." or a
    proxy's case, sharing the most words with the procedure's name."""
    name_words = set(fold(base_name(procedure)).split())

    def score(position: int) -> tuple[int, float, int]:
        folded = fold(cases[position])
        recall = len(set(folded.split()) & name_words) / max(len(name_words), 1)
        penalty = ("uy quyen" in folded) * 2 + folded.startswith(_CASE_OPENINGS)
        return (-penalty, recall, -position)

    cases = [g for g in groups if not _part_group(g)]
    return cases[max(range(len(cases)), key=score)] if cases else None


def papers(procedure: Procedure) -> tuple[list[Paper], int]:
    """The papers in reading order (every case first, then each case) and the number of notes
    (items that are not papers)."""
    groups = list(dict.fromkeys(d.group for d in procedure.documents if d.group))
    found: list[Paper] = []
    notes = 0
    seen: set[str] = set()
    for doc in procedure.documents:
        if not is_paper(doc):
            notes += 1
            continue
        key = fold(doc.name) + "|" + (doc.group or "")
        if key in seen:
            continue
        seen.add(key)
        group = doc.group or ""
        case = group if group and not _part_group(group) else None
        show = any(word in fold(group) for word in _SHOW)
        rank = _rank(unbullet(doc.name))
        found.append(Paper(doc, case, show, rank >= 2, rank))
    main = _main_case(groups, procedure)
    order = {g: i + 1 for i, g in enumerate(groups)}
    if main is not None:
        order[main] = 0
    found.sort(key=lambda p: (order[p.case] if p.case else -1, p.show, p.rank))
    return found, notes


def _item(paper: Paper, limit: int) -> str:
    text = _ENUMERATOR.sub("", unbullet(paper.doc.name))
    name = clip(text.rstrip(" ;,."), limit).rstrip(" ;,.")
    copies = copies_text(paper.doc.copies)
    if copies and copies != t.DOCUMENT_ONE_ORIGINAL:
        name += t.DOCUMENT_COPIES.format(copies=copies)
    if paper.doc.form:  # a form's name (file names were dropped by the loader)
        name += t.DOCUMENT_FORM.format(form=clip(clean(paper.doc.form), FORM_LIMIT))
    if paper.show:
        name += t.DOCUMENT_TO_SHOW
    return name


def documents_section(procedure: Procedure, context: Context, budget: int | None) -> Section:
    name = quoted(procedure)
    if not procedure.documents:
        raw = procedure.documents_text
        if raw and raw.strip():
            title = t.DOCUMENTS_TITLE.format(name=name)
            body = excerpt(raw, None if budget is None else budget - len(title) - 1)
            return Section(title + "\n" + body.text, body.more)
        return Section(t.DOCUMENTS_NONE.format(name=name))
    listed, notes = papers(procedure)
    if budget is None:
        return _full(procedure, listed, notes)
    return _short(procedure, listed, notes, budget)


def _short(procedure: Procedure, listed: list[Paper], notes: int, budget: int) -> Section:
    general = [p for p in listed if p.case is None]
    label = None
    if general:
        usual = sorted(general, key=lambda p: p.conditional)  # stable: reading order kept
    else:
        label = listed[0].case if listed else None  # the main case sorts first
        usual = [p for p in listed if p.case == label]
    lines = [t.DOCUMENTS_TITLE.format(name=quoted(procedure))]
    if label:
        lines.append(t.DOCUMENTS_CASE.format(case=clip(clean(label).rstrip(":"), GROUP_LIMIT)))
    limit = ITEM_LIMIT if len(usual) > FEW else ITEM_LIMIT_FEW
    shown: list[Paper] = []
    used = sum(len(line) + 1 for line in lines)
    for paper in usual:
        line = t.DOCUMENT_NUMBERED.format(number=len(shown) + 1, name=_item(paper, limit))
        if used + len(line) + 1 > budget - FOOTER_ROOM:
            break
        lines.append(line)
        shown.append(paper)
        used += len(line) + 1
    rest = [p for p in listed if p not in shown]
    in_cases = [p for p in rest if p.case and p.case != label]
    cases = list(dict.fromkeys(p.case for p in in_cases))
    more_parts = []
    if len(rest) > len(in_cases):
        more_parts.append(t.DOCUMENTS_MORE_PAPERS.format(count=len(rest) - len(in_cases)))
    if cases:
        more_parts.append(t.DOCUMENTS_MORE_CASES.format(papers=len(in_cases), count=len(cases)))
    if notes:
        more_parts.append(t.DOCUMENTS_MORE_NOTES.format(count=notes))
    if more_parts:
        lines.append(t.DOCUMENTS_MORE.format(what=", ".join(more_parts)))
    section = fit("\n".join(lines), budget)
    return Section(section.text, section.more or bool(more_parts))


def _full(procedure: Procedure, listed: list[Paper], notes: int) -> Section:
    lines = [t.DOCUMENTS_TITLE.format(name=quoted(procedure))]
    case: str | None = None
    for number, paper in enumerate(listed, start=1):
        if paper.case != case:
            case = paper.case
            if case:
                lines.append(t.DOCUMENTS_CASE.format(case=clean(case).rstrip(":")))
        lines.append(t.DOCUMENT_NUMBERED.format(number=number, name=_item(paper, FULL_ITEM_LIMIT)))
    note_lines = [
        t.DOCUMENT_NOTE.format(note=clip(unbullet(d.name), FULL_ITEM_LIMIT))
        for d in procedure.documents
        if not is_paper(d)
    ]
    if note_lines:
        lines.append(t.DOCUMENTS_NOTES_TITLE)
        lines += note_lines
    return Section("\n".join(lines))
