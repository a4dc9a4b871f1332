"""Inverted index over folded unigrams and bigrams with field-weighted, BM25-saturated impacts."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.lexicon import Lexicon
from knowledge.model import Procedure
from knowledge.normalise import fold

# How much a term found in a field counts, relative to the name (a term in the name = 1).
FIELD_WEIGHTS = {"name": 1.0, "field": 0.55, "documents": 0.6, "steps": 0.35}
# BM25 saturation and length normalisation per field.
K1 = 1.2
LENGTH_B = {"name": 0.6, "field": 0.3, "documents": 0.3, "steps": 0.3}
MAX_SAT = 1.25
# The best field counts fully; the term in other fields of the record adds this share.
OTHER_FIELDS_SHARE = 0.15
# How much appearances outside names/fields count in a term's document frequency.
OTHER_FIELDS_DF_SHARE = 0.1
STEPS_CHARS = 1500  # the start of the steps text says what the procedure is; the rest is detail
DOCUMENTS_CHARS = 3000

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]


_PARENTHESES = re.compile(r"\([^)]*\)")
_HEAD_ENDS = frozenset({"cho", "tai", "thuoc"})
_HEAD_ENDS_PAIRS = frozenset({("doi", "voi"), ("truong", "hop")})


def name_head(name: str, lexicon: Lexicon) -> list[str]:
    """Folded words saying what a procedure does, without its qualifiers.

    The head of "Thủ tục cấp thẻ căn cước cho người từ đủ 14 tuổi (thực hiện tại cấp tỉnh)" is
    "cấp thẻ căn cước": a question that names no variant ("cấp lại", "đối với ...") is about
    the base procedure.
    """
    words = lexicon.expand_record(fold(_PARENTHESES.sub(" ", name)).split())
    if words[:2] == ["thu", "tuc"]:
        words = words[2:]
    for i in range(2, len(words)):
        if words[i] in _HEAD_ENDS or tuple(words[i : i + 2]) in _HEAD_ENDS_PAIRS:
            return words[:i]
    return words


def bigrams(words: Sequence[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def record_fields(procedure: Procedure, lexicon: Lexicon) -> dict[str, list[str]]:
    """Folded words of each indexed field, abbreviations spelled out."""
    docs = " ".join([d.name for d in procedure.documents] + list(procedure.results))
    if procedure.documents_raw:
        docs += " " + procedure.documents_raw
    return {
        "name": lexicon.expand_record(fold(procedure.name).split()),
        "field": lexicon.expand_record(fold(f"{procedure.field} {procedure.agency}").split()),
        "documents": lexicon.expand_record(fold(docs[:DOCUMENTS_CHARS]).split()),
        "steps": fold(procedure.steps[:STEPS_CHARS]).split(),
    }


@dataclass(slots=True)
class Postings:
    ids: IntArray
    impacts: FloatArray


@dataclass(slots=True)
class _Rows:
    """One row per (field, record, term) with the term's count: the raw index."""

    term: npt.NDArray[np.int64]
    doc: npt.NDArray[np.int64]
    tf: FloatArray
    field: npt.NDArray[np.int64]
    lengths: FloatArray  # words per field (rows) and record (columns)
    terms: list[str]  # term id -> term
    vocabulary: set[str]  # words of names, fields and documents


def _collect(procedures: Sequence[Procedure], lexicon: Lexicon) -> _Rows:
    term_ids: dict[str, int] = {}
    rows_term: list[int] = []
    rows_doc: list[int] = []
    rows_tf: list[int] = []
    rows_field: list[int] = []
    field_names = list(FIELD_WEIGHTS)
    lengths = np.zeros((len(field_names), len(procedures)), dtype=np.float32)
    vocabulary: set[str] = set()
    for doc_id, procedure in enumerate(procedures):
        fields = record_fields(procedure, lexicon)
        for f, fname in enumerate(field_names):
            words = fields[fname]
            lengths[f, doc_id] = len(words)
            counter = Counter(words)
            if fname != "steps":  # steps are long: their words count alone
                vocabulary.update(words)
                counter.update(bigrams(words))
            rows_term.extend([term_ids.setdefault(term, len(term_ids)) for term in counter])
            rows_tf.extend(counter.values())
            rows_doc.extend([doc_id] * len(counter))
            rows_field.extend([f] * len(counter))
    return _Rows(
        term=np.asarray(rows_term, dtype=np.int64),
        doc=np.asarray(rows_doc, dtype=np.int64),
        tf=np.asarray(rows_tf, dtype=np.float32),
        field=np.asarray(rows_field, dtype=np.int64),
        lengths=lengths,
        terms=list(term_ids),
        vocabulary=vocabulary,
    )


def _impacts(rows: _Rows) -> FloatArray:
    """BM25-saturated, length-normalised, field-weighted value of each row."""
    field_names = list(FIELD_WEIGHTS)
    lengths = rows.lengths
    avg = np.maximum(1.0, lengths.mean(axis=1, keepdims=True)) if lengths.size else lengths
    b = np.asarray([LENGTH_B[f] for f in field_names], dtype=np.float32)[:, None]
    norm = K1 * (1 - b + b * lengths / avg)
    weights = np.asarray([FIELD_WEIGHTS[f] for f in field_names], dtype=np.float32)
    sat = np.minimum(MAX_SAT, rows.tf * (K1 + 1) / (rows.tf + norm[rows.field, rows.doc]))
    return (weights[rows.field] * sat).astype(np.float32)


class TermIndex:
    """term -> (doc ids, impact in 0..MAX_SAT); ``idf`` weighs query terms."""

    def __init__(self, procedures: Sequence[Procedure], lexicon: Lexicon) -> None:
        n = max(1, len(procedures))
        rows = _collect(procedures, lexicon)
        value = _impacts(rows)
        # Document frequency in names and fields: words every dossier lists ("hộ chiếu" among
        # identity papers) still tell procedures apart by their names.
        in_core = rows.field <= 1
        core_keys = np.unique(rows.term[in_core] * n + rows.doc[in_core])
        core_df = np.bincount(core_keys // n, minlength=len(rows.terms))
        # A term in several fields of one record counts where it weighs most, plus a share of
        # the others.
        key = rows.term * n + rows.doc
        order = np.lexsort((-value, key))
        key, value = key[order], value[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        totals = np.add.reduceat(value, np.flatnonzero(first)) if len(value) else value
        key, value = key[first], value[first]
        value = value + np.float32(OTHER_FIELDS_SHARE) * (totals - value)
        term_of = key // n
        doc_of = (key % n).astype(np.int32)
        bounds = np.flatnonzero(np.diff(term_of)) + 1
        starts = np.concatenate(([0], bounds)).astype(np.int64).tolist()
        ends = np.concatenate((bounds, [len(key)])).astype(np.int64).tolist()
        self.size = len(procedures)
        self.postings: dict[str, Postings] = {}
        self.idf: dict[str, float] = {}
        self.idf_max = math.log(1 + (n + 0.5) / 0.5)
        for lo, hi in zip(starts, ends, strict=True):
            if hi <= lo:
                continue
            term_id = int(term_of[lo])
            name = rows.terms[term_id]
            self.postings[name] = Postings(doc_of[lo:hi], value[lo:hi])
            df = float(hi - lo)
            if core_df[term_id]:
                df = core_df[term_id] + OTHER_FIELDS_DF_SHARE * (df - core_df[term_id])
            self.idf[name] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        # Words that follow a word in names, fields and documents: typo fixes by context.
        followers: dict[str, set[str]] = {}
        for name in rows.terms:
            left, _, right = name.partition(" ")
            if right and right in rows.vocabulary:
                followers.setdefault(left, set()).add(right)
        self.followers: dict[str, list[str]] = {k: sorted(v) for k, v in followers.items()}
        # Words a typo may be corrected to: those of names, fields and documents.
        self.vocabulary: set[str] = {w for w in rows.vocabulary if len(w) >= 2 and not w.isdigit()}

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.idf_max)
