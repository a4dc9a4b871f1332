"""Read procedure JSONL files of both shipped shapes (plain or compressed, on disk or in memory);
bad lines are reported, never fatal."""

from __future__ import annotations

import functools
import json
import lzma
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from knowledge.compressed import open_text, text_lines
from knowledge.documents import (
    clean_document_name,
    clean_documents_raw,
    is_file_name,
    steps_spill,
)
from knowledge.model import Document, Procedure, SubmissionWay
from knowledge.normalise import nfc, repair


class ProblemKind(StrEnum):
    """What went wrong; records with a repaired part are kept, the others skipped."""

    FILE = "file"  # a file that cannot be read
    JSON = "json"  # a line that is not a JSON object
    RECORD = "record"  # no code or name: skipped
    DUPLICATE = "duplicate"  # a code seen before: skipped
    GARBLED = "garbled"  # undecodable characters: kept
    FORM_FILE = "form_file"  # form file names dropped from the documents: kept
    FRAGMENT = "fragment"  # file names or garbled text cut off document names: kept
    STEPS_IN_DOCUMENTS = "steps_in_documents"  # the document text was the rest of the steps
    NOISE = "noise"  # document text that says nothing (a result code, dashes): dropped


@dataclass(frozen=True, slots=True)
class LoadProblem:
    path: str
    line: int
    reason: str
    kind: ProblemKind = ProblemKind.RECORD

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass(slots=True)
class LoadResult:
    procedures: list[Procedure] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Problems by kind."""
        return dict(Counter(str(p.kind) for p in self.problems))


class RecordError(ValueError):
    """A record that cannot become a Procedure (the reason is the message)."""


_COMMA_OUTSIDE_PARENS = re.compile(r",\s*(?![^()]*\))")


def _text(value: Any) -> str | None:
    """Clean text for a scalar; None for empty values."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value:g}"
    if not isinstance(value, str):
        return None
    if len(value) <= _SHORT:
        return _short_text(value)
    cleaned = repair(value)
    return cleaned or None


# Short values (ways, levels, agencies, document names) repeat across thousands of records.
_SHORT = 300


@functools.lru_cache(maxsize=50_000)
def _short_text(value: str) -> str | None:
    return repair(value) or None


def _str_list(value: Any) -> tuple[str, ...]:
    """A list of strings, or a comma-separated string split outside parentheses."""
    if isinstance(value, str):
        items: Iterable[Any] = _COMMA_OUTSIDE_PARENS.split(value)
    elif isinstance(value, list):
        items = value
    else:
        return ()
    out = []
    for item in items:
        text = _text(item)
        if text and text not in out:
            out.append(text)
    return tuple(out)


def _level(text: str) -> str:
    # "Cấp Xã" and "Cấp xã" are the same level.
    return text[:1].upper() + text[1:].lower()


def _ways(value: Any) -> tuple[SubmissionWay, ...]:
    if not isinstance(value, list):
        return ()
    ways = []
    for item in value:
        if not isinstance(item, dict):
            continue
        way = _text(item.get("hinh_thuc"))
        if way is None:
            continue
        ways.append(
            SubmissionWay(
                way=way,
                time=_text(item.get("thoi_han")),
                fee=_text(item.get("phi_le_phi")),
                fee_note=_text(item.get("ghi_chu_phi")),
                description=_text(item.get("mo_ta")),
            )
        )
    return tuple(ways)


def _copies(item: dict[str, Any]) -> str | None:
    if "so_luong" in item:
        return _text(item.get("so_luong"))
    parts = []
    for key, label in (("so_ban_chinh", "bản chính"), ("so_ban_sao", "bản sao")):
        count = item.get(key)
        if isinstance(count, int) and not isinstance(count, bool) and count > 0:
            parts.append(f"{count} {label}")
    return ", ".join(parts) or None


@dataclass(slots=True)
class _Repairs:
    """What the loader cut from one record, reported as problems (the record is kept)."""

    form_files: list[str] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)
    steps_spill: bool = False
    noise: str = ""


def _documents(value: Any, repairs: _Repairs) -> tuple[Document, ...]:
    if not isinstance(value, list):
        return ()
    docs = []
    for raw in value:
        item = {"ten_giay_to": raw} if isinstance(raw, str) else raw
        if not isinstance(item, dict):
            continue
        name = _text(item.get("ten_giay_to"))
        if name is None:
            continue
        name, dropped = clean_document_name(name)
        if dropped:
            repairs.fragments.append(dropped)
        form = _text(item.get("mau_don"))
        if form is not None and is_file_name(form):
            repairs.form_files.append(form)
            form = None  # a file name means nothing to a citizen; the official page has it
        docs.append(
            Document(name=name, form=form, copies=_copies(item), group=_text(item.get("nhom")))
        )
    return tuple(docs)


def _results(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        names = [_text(v.get("ten")) if isinstance(v, dict) else _text(v) for v in value]
        return tuple(n for n in names if n)
    text = _text(value)
    return (text,) if text else ()


def _legal_basis(value: Any) -> str | None:
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, dict):
                line = _text(item.get("trich_yeu")) or _text(item.get("so_ky_hieu"))
            else:
                line = _text(item)
            if line:
                lines.append(line)
        return "\n".join(lines) or None
    return _text(value)


def record_to_procedure(record: dict[str, Any], source: str) -> Procedure:
    """Map one record of either shape; raises RecordError when code or name is missing."""
    return _record(record, source, _Repairs())


_MEANINGFUL = 20  # characters of raw document text below which it says nothing


def _record(record: dict[str, Any], source: str, repairs: _Repairs) -> Procedure:
    code = _text(record.get("ma_thu_tuc"))
    name = _text(record.get("ten_thu_tuc"))
    if not code:
        raise RecordError("no procedure code (ma_thu_tuc)")
    if not name:
        raise RecordError(f"procedure {code} has no name (ten_thu_tuc)")
    steps = _text(record.get("trinh_tu_thuc_hien")) or ""
    docs_raw = _text(record.get("thanh_phan_ho_so_raw"))
    if docs_raw is not None:
        cleaned = clean_documents_raw(docs_raw)
        if len(cleaned) < _MEANINGFUL:  # a result code, dashes, a lone "Bước 7:"
            repairs.noise, docs_raw = docs_raw, None
        elif steps_spill(steps, cleaned):
            repairs.steps_spill = True  # kept as recorded; Procedure.full_steps joins them
        else:
            docs_raw = cleaned
    return Procedure(
        code=code,
        name=name,
        field=_text(record.get("linh_vuc")) or "",
        ministry=_text(record.get("bo_nganh")) or "",
        levels=tuple(_level(x) for x in _str_list(record.get("cap_thuc_hien"))),
        audiences=_str_list(record.get("doi_tuong_thuc_hien")),
        agency=_text(record.get("co_quan_thuc_hien"))
        or _text(record.get("co_quan_co_tham_quyen"))
        or "",
        address=_text(record.get("dia_chi_tiep_nhan")),
        steps=steps,
        ways=_ways(record.get("cach_thuc_thuc_hien")),
        documents=_documents(record.get("thanh_phan_ho_so"), repairs),
        documents_raw=docs_raw,
        steps_in_documents=repairs.steps_spill,
        conditions=_text(record.get("yeu_cau_dieu_kien")),
        legal_basis=_legal_basis(record.get("can_cu_phap_ly")),
        results=_results(record.get("ket_qua_thuc_hien")),
        detail_url=_text(record.get("detail_url")),
        source=source,
    )


def _garbled(procedure: Procedure) -> bool:
    # U+FFFD marks bytes that could not be decoded at the source.
    return any("\ufffd" in t for t in (procedure.name, procedure.steps, procedure.field))


K = ProblemKind


def _repair_problems(where: str, line: int, code: str, repairs: _Repairs) -> list[LoadProblem]:
    found = []
    if repairs.form_files:
        names = ", ".join(repr(f.split("\n")[0][:40]) for f in repairs.form_files[:2])
        reason = f"{code}: {len(repairs.form_files)} form file name(s) dropped ({names})"
        found.append(LoadProblem(where, line, reason, K.FORM_FILE))
    if repairs.fragments:
        cut = repr(repairs.fragments[0][:40])
        reason = f"{code}: {len(repairs.fragments)} document name(s) cut before {cut}"
        found.append(LoadProblem(where, line, reason, K.FRAGMENT))
    if repairs.steps_spill:
        reason = f"{code}: the document text is the rest of the steps (shown as steps)"
        found.append(LoadProblem(where, line, reason, K.STEPS_IN_DOCUMENTS))
    if repairs.noise:
        reason = f"{code}: document text {repairs.noise[:30]!r} dropped (says nothing)"
        found.append(LoadProblem(where, line, reason, K.NOISE))
    return found


def load_procedures(paths: Iterable[Path | str]) -> LoadResult:
    """Procedures from JSONL files (plain, .xz, .gz or .bz2), in file order; the first record
    of a code wins."""
    loading = _Loading()
    for raw_path in paths:
        path = Path(raw_path)
        try:
            handle = open_text(path, errors="replace")
        except OSError as exc:
            reason = f"cannot read file: {exc.strerror or exc}"
            loading.result.problems.append(LoadProblem(str(path), 0, reason, K.FILE))
            continue
        with handle:
            loading.lines(str(path), _plain_name(path.name), handle)
    _short_text.cache_clear()  # a memo for one load, not for the life of the process
    return loading.result


def load_export(files: Sequence[tuple[str, bytes]]) -> LoadResult:
    """The same as :func:`load_procedures` for files held in memory: (file name, content as
    stored, compressed by its suffix or plain), e.g. an export kept in the database."""
    loading = _Loading()
    for name, data in files:
        try:
            handle = text_lines(name, data)
        except (OSError, EOFError, lzma.LZMAError) as exc:
            problem = LoadProblem(name, 0, f"cannot read file: {exc}", K.FILE)
            loading.result.problems.append(problem)
            continue
        with handle:
            loading.lines(name, _plain_name(name), handle)
    _short_text.cache_clear()
    return loading.result


def _plain_name(name: str) -> str:
    """The file name a record's ``source`` keeps: without a compression suffix."""
    for suffix in (".xz", ".gz", ".bz2"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(slots=True)
class _Loading:
    """One load: the procedures and problems so far, and where each code was first seen."""

    result: LoadResult = field(default_factory=LoadResult)
    seen: dict[str, str] = field(default_factory=dict)

    def lines(self, where: str, name: str, lines: Iterable[str]) -> None:
        try:
            for number, line in enumerate(lines, start=1):
                self.line(where, name, number, line)
        except (OSError, EOFError, lzma.LZMAError) as exc:  # a truncated or corrupt archive
            problem = LoadProblem(where, 0, f"cannot read file: {exc}", K.FILE)
            self.result.problems.append(problem)

    def line(self, where: str, name: str, number: int, line: str) -> None:
        problems = self.result.problems
        if not line.strip():
            return
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = f"invalid JSON: {exc.msg} (column {exc.colno})"
            problems.append(LoadProblem(where, number, reason, K.JSON))
            return
        if not isinstance(record, dict):
            reason = f"expected a JSON object, got {type(record).__name__}"
            problems.append(LoadProblem(where, number, reason, K.JSON))
            return
        repairs = _Repairs()
        try:
            procedure = _record(record, name, repairs)
        except RecordError as exc:
            problems.append(LoadProblem(where, number, str(exc)))
            return
        if procedure.code in self.seen:
            reason = f"duplicate code {procedure.code} (kept {self.seen[procedure.code]})"
            problems.append(LoadProblem(where, number, reason, K.DUPLICATE))
            return
        self.seen[procedure.code] = f"{name}:{number}"
        if _garbled(procedure):
            reason = f"garbled text in {procedure.code} (undecodable characters), kept"
            problems.append(LoadProblem(where, number, reason, K.GARBLED))
        problems += _repair_problems(where, number, procedure.code, repairs)
        self.result.procedures.append(procedure)


__all__ = [
    "LoadProblem",
    "LoadResult",
    "ProblemKind",
    "RecordError",
    "load_export",
    "load_procedures",
    "nfc",
]
