"""Inverted index over folded unigrams and bigrams with field-weighted, BM25-saturated impacts."""

from __future__ import annotations

import math
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


def bigrams(words: Sequence[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def record_fields(procedure: Procedure, lexicon: Lexicon) -> dict[str, list[str]]:
    """Folded words of each indexed field, abbreviations spelled out."""
    docs = " ".join([d.name for d in procedure.documents] + list(procedure.results))
    if procedure.documents_raw:
        docs += " " + procedure.documents_raw
    return {
        "name": lexicon.expand_record(fold(procedure.name).split()),
        "field": lexicon.expand_record(fold(procedure.field).split()),
        "documents": lexicon.expand_record(fold(docs[:DOCUMENTS_CHARS]).split()),
        "steps": fold(procedure.steps[:STEPS_CHARS]).split(),
    }


@dataclass(slots=True)
class Postings:
    ids: IntArray
    impacts: FloatArray


class TermIndex:
    """term -> (doc ids, impact in 0..MAX_SAT); ``idf`` weighs query terms."""

    def __init__(self, procedures: Sequence[Procedure], lexicon: Lexicon) -> None:
        n = len(procedures)
        term_ids: dict[str, int] = {}
        # One row per (field, doc, term): built in flat lists, scored with numpy.
        rows_term: list[int] = []
        rows_doc: list[int] = []
        rows_tf: list[int] = []
        rows_field: list[int] = []
        field_names = list(FIELD_WEIGHTS)
        lengths = np.zeros((len(field_names), n), dtype=np.float32)
        vocabulary: set[str] = set()
        for doc_id, procedure in enumerate(procedures):
            fields = record_fields(procedure, lexicon)
            for f, fname in enumerate(field_names):
                words = fields[fname]
                lengths[f, doc_id] = len(words)
                counter = Counter(words)
                if fname != "steps":
                    vocabulary.update(words)
                    counter.update(bigrams(words))
                rows_term.extend(
                    [term_ids.setdefault(term, len(term_ids)) for term in counter]
                )
                rows_tf.extend(counter.values())
                rows_doc.extend([doc_id] * len(counter))
                rows_field.extend([f] * len(counter))

        term = np.asarray(rows_term, dtype=np.int64)
        doc = np.asarray(rows_doc, dtype=np.int64)
        tf = np.asarray(rows_tf, dtype=np.float32)
        fld = np.asarray(rows_field, dtype=np.int64)
        avg = np.maximum(1.0, lengths.mean(axis=1, keepdims=True)) if n else lengths
        b = np.asarray([LENGTH_B[f] for f in field_names], dtype=np.float32)[:, None]
        norm = K1 * (1 - b + b * lengths / avg)
        weights = np.asarray([FIELD_WEIGHTS[f] for f in field_names], dtype=np.float32)
        sat = np.minimum(MAX_SAT, tf * (K1 + 1) / (tf + norm[fld, doc]))
        value = (weights[fld] * sat).astype(np.float32)
        # Document frequency in names and fields: words every dossier lists ("hộ chiếu" among
        # identity papers) still tell procedures apart by their names.
        core_keys = np.unique(term[fld <= 1] * max(1, n) + doc[fld <= 1])
        core_df = np.bincount(core_keys // max(1, n), minlength=len(term_ids))
        # A term in several fields of one record counts where it weighs most.
        key = term * max(1, n) + doc
        order = np.lexsort((-value, key))
        key, value = key[order], value[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        group_starts = np.flatnonzero(first)
        totals = np.add.reduceat(value, group_starts) if len(value) else value
        key, value = key[first], value[first]
        value = value + np.float32(OTHER_FIELDS_SHARE) * (totals - value)
        term_of = key // max(1, n)
        doc_of = (key % max(1, n)).astype(np.int32)
        bounds = np.flatnonzero(np.diff(term_of)) + 1
        starts = np.concatenate(([0], bounds)).tolist()
        ends = np.concatenate((bounds, [len(key)])).tolist()
        names = list(term_ids)
        self.size = n
        self.postings: dict[str, Postings] = {}
        self.idf: dict[str, float] = {}
        self.idf_max = math.log(1 + (n + 0.5) / 0.5)
        for lo, hi in zip(starts, ends, strict=True):
            if hi <= lo:
                continue
            name = names[int(term_of[lo])]
            self.postings[name] = Postings(doc_of[lo:hi], value[lo:hi])
            df = float(hi - lo)
            in_core = int(core_df[int(term_of[lo])])
            if in_core:
                df = in_core + OTHER_FIELDS_DF_SHARE * (df - in_core)
            self.idf[name] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        # Words that follow a word in names, fields and documents: typo fixes by context.
        followers: dict[str, set[str]] = {}
        for name in names:
            if " " in name:
                left, right = name.split(" ", 1)
                if right in vocabulary and len(right) >= 2:
                    followers.setdefault(left, set()).add(right)
        self.followers: dict[str, list[str]] = {k: sorted(v) for k, v in followers.items()}
        # Words a typo may be corrected to: those of names, fields and documents.
        self.vocabulary: set[str] = {w for w in vocabulary if len(w) >= 2 and not w.isdigit()}

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.idf_max)
