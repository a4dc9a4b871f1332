"""Read procedure JSONL files of both shipped shapes; bad lines are reported, never fatal."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.model import Document, Procedure, SubmissionWay
from knowledge.normalise import nfc, repair


@dataclass(frozen=True, slots=True)
class LoadProblem:
    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass(slots=True)
class LoadResult:
    procedures: list[Procedure] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)


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


def _documents(value: Any) -> tuple[Document, ...]:
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
        docs.append(
            Document(
                name=name,
                form=_text(item.get("mau_don")),
                copies=_copies(item),
                group=_text(item.get("nhom")),
            )
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
    code = _text(record.get("ma_thu_tuc"))
    name = _text(record.get("ten_thu_tuc"))
    if not code:
        raise RecordError("no procedure code (ma_thu_tuc)")
    if not name:
        raise RecordError(f"procedure {code} has no name (ten_thu_tuc)")
    docs_raw = _text(record.get("thanh_phan_ho_so_raw"))
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
        steps=_text(record.get("trinh_tu_thuc_hien")) or "",
        ways=_ways(record.get("cach_thuc_thuc_hien")),
        documents=_documents(record.get("thanh_phan_ho_so")),
        documents_raw=docs_raw,
        conditions=_text(record.get("yeu_cau_dieu_kien")),
        legal_basis=_legal_basis(record.get("can_cu_phap_ly")),
        results=_results(record.get("ket_qua_thuc_hien")),
        detail_url=_text(record.get("detail_url")),
        source=source,
    )


def _garbled(procedure: Procedure) -> bool:
    # U+FFFD marks bytes that could not be decoded at the source.
    return any("\ufffd" in t for t in (procedure.name, procedure.steps, procedure.field))


def load_procedures(paths: Iterable[Path | str]) -> LoadResult:
    """Procedures from JSONL files, in file order; the first record of a code wins."""
    result = LoadResult()
    seen: dict[str, str] = {}
    for raw_path in paths:
        path = Path(raw_path)
        where = str(path)
        try:
            handle = path.open(encoding="utf-8", errors="replace")
        except OSError as exc:
            result.problems.append(LoadProblem(where, 0, f"cannot read file: {exc.strerror}"))
            continue
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    reason = f"invalid JSON: {exc.msg} (column {exc.colno})"
                    result.problems.append(LoadProblem(where, number, reason))
                    continue
                if not isinstance(record, dict):
                    kind = type(record).__name__
                    reason = f"expected a JSON object, got {kind}"
                    result.problems.append(LoadProblem(where, number, reason))
                    continue
                try:
                    procedure = record_to_procedure(record, path.name)
                except RecordError as exc:
                    result.problems.append(LoadProblem(where, number, str(exc)))
                    continue
                if procedure.code in seen:
                    reason = f"duplicate code {procedure.code} (kept {seen[procedure.code]})"
                    result.problems.append(LoadProblem(where, number, reason))
                    continue
                seen[procedure.code] = f"{path.name}:{number}"
                if _garbled(procedure):
                    reason = f"garbled text in {procedure.code} (undecodable characters), kept"
                    result.problems.append(LoadProblem(where, number, reason))
                result.procedures.append(procedure)
    _short_text.cache_clear()  # a memo for one load, not for the life of the process
    return result


__all__ = ["LoadProblem", "LoadResult", "RecordError", "load_procedures", "nfc"]
