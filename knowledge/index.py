"""Inverted index over folded unigrams and bigrams with field-weighted, BM25-saturated impacts."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.lexicon import Lexicon
from knowledge.model import Procedure
from knowledge.normalise import fold, nfc

# How much a term found in a field counts, relative to the name (a term in the name = 1).
FIELD_WEIGHTS = {"name": 1.0, "field": 0.55, "documents": 0.6, "steps": 0.35}
# The index of everyday situations (knowledge.situations) has one field of its own.
STORY_WEIGHTS = {"situations": 1.0}
# BM25 saturation and length normalisation per field.
K1 = 1.2
LENGTH_B = {"name": 0.6, "field": 0.3, "documents": 0.3, "steps": 0.3, "situations": 0.3}
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
# "để" (for the purpose of) starts a qualifier too; matched with its marks, since "đề" (đề án)
# and "đê" (đê điều) fold to the same letters.
_PURPOSE = re.compile(r"\s+để\s+", re.IGNORECASE)


def name_head(name: str, lexicon: Lexicon) -> list[str]:
    """Folded words saying what a procedure does, without its qualifiers.

    The head of "Thủ tục cấp thẻ căn cước cho người từ đủ 14 tuổi (thực hiện tại cấp tỉnh)" is
    "cấp thẻ căn cước": a question that names no variant ("cấp lại", "đối với ...") is about
    the base procedure.
    """
    text = _PARENTHESES.sub(" ", nfc(name))
    head, *purpose = _PURPOSE.split(text, maxsplit=1)
    if purpose and len(head.split()) >= 2:
        text = head
    words = lexicon.expand_record(fold(text).split())
    if words[:2] == ["thu", "tuc"]:
        words = words[2:]
    for i in range(2, len(words)):
        if words[i] in _HEAD_ENDS or tuple(words[i : i + 2]) in _HEAD_ENDS_PAIRS:
            return words[:i]
    return words


def bigrams(words: Sequence[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


class Folder:
    """Folded words of short texts (names, fields, document names), abbreviations spelled
    out, remembered: the same document names and agencies recur across thousands of records."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._cache: dict[str, tuple[str, ...]] = {}

    def clear(self) -> None:
        self._cache.clear()

    def words(self, text: str) -> tuple[str, ...]:
        found = self._cache.get(text)
        if found is None:
            found = tuple(self.lexicon.expand_record(fold(text).split()))
            if len(text) <= 400:
                self._cache[text] = found
        return found


def record_fields(procedure: Procedure, folder: Folder) -> dict[str, list[str]]:
    """Folded words of each indexed field, abbreviations spelled out."""
    docs: list[str] = []
    left = DOCUMENTS_CHARS
    items = [d.name for d in procedure.documents] + list(procedure.results)
    if procedure.documents_raw:
        items.append(procedure.documents_raw)
    for item in items:
        if left <= 0:
            break
        docs.extend(folder.words(item if len(item) <= left else item[:left]))
        left -= len(item) + 1
    return {
        "name": list(folder.words(procedure.name)),
        "field": [*folder.words(procedure.field), *folder.words(procedure.agency)],
        "documents": docs,
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
    weights: Mapping[str, float]  # the fields indexed and what a term in each counts


def _collect(
    procedures: Sequence[Procedure],
    folder: Folder,
    situations: Sequence[Sequence[str]] | None = None,
) -> _Rows:
    """The rows of the records' own fields, or (``situations``) of their situations only."""
    # Term ids handed out in first-seen order by the dict's own default factory (C speed).
    term_ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    rows_term: list[int] = []
    rows_tf: list[int] = []
    sizes: list[int] = []
    weights = FIELD_WEIGHTS if situations is None else STORY_WEIGHTS
    field_names = list(weights)
    lengths = np.zeros((len(field_names), len(procedures)), dtype=np.float32)
    vocabulary: set[str] = set()
    # Sibling procedures (the same service at province and central level) share their texts:
    # a field's terms are counted once per distinct text.
    counted: dict[tuple[int, tuple[str, ...]], tuple[list[int], list[int]]] = {}
    for doc_id, procedure in enumerate(procedures):
        if situations is None:
            fields = record_fields(procedure, folder)
        else:
            fields = {"situations": [w for text in situations[doc_id] for w in folder.words(text)]}
        for f, fname in enumerate(field_names):
            words = fields[fname]
            lengths[f, doc_id] = len(words)
            cell = (f, tuple(words))
            found = counted.get(cell)
            if found is None:
                counter = Counter(words)
                if fname != "steps":  # steps are long: their words count alone
                    counter.update(bigrams(words))
                if fname in ("name", "field", "documents"):  # what typos are fixed to
                    vocabulary.update(words)
                found = (list(map(term_ids.__getitem__, counter)), list(counter.values()))
                counted[cell] = found
            rows_term.extend(found[0])
            rows_tf.extend(found[1])
            sizes.append(len(found[0]))
    # One (field, record) cell per entry of ``sizes``, in record-major order.
    cells = np.asarray(sizes, dtype=np.int64)
    cell_ids = np.arange(len(sizes), dtype=np.int64)
    return _Rows(
        term=np.asarray(rows_term, dtype=np.int64),
        doc=np.repeat(cell_ids // len(field_names), cells),
        tf=np.asarray(rows_tf, dtype=np.float32),
        field=np.repeat(cell_ids % len(field_names), cells),
        lengths=lengths,
        terms=list(term_ids),
        vocabulary=vocabulary,
        weights=weights,
    )


def _impacts(rows: _Rows) -> FloatArray:
    """BM25-saturated, length-normalised, field-weighted value of each row."""
    field_names = list(rows.weights)
    lengths = rows.lengths
    avg = np.maximum(1.0, lengths.mean(axis=1, keepdims=True)) if lengths.size else lengths
    b = np.asarray([LENGTH_B[f] for f in field_names], dtype=np.float32)[:, None]
    norm = K1 * (1 - b + b * lengths / avg)
    weights = np.asarray([rows.weights[f] for f in field_names], dtype=np.float32)
    sat = np.minimum(MAX_SAT, rows.tf * (K1 + 1) / (rows.tf + norm[rows.field, rows.doc]))
    return (weights[rows.field] * sat).astype(np.float32)


class TermIndex:
    """term -> (doc ids, impact in 0..MAX_SAT); ``idf`` weighs query terms."""

    def __init__(
        self,
        procedures: Sequence[Procedure],
        lexicon: Lexicon,
        folder: Folder | None = None,
        situations: Sequence[Sequence[str]] | None = None,
    ) -> None:
        """``situations``: index each record's everyday situations (knowledge.situations)
        alone, instead of its own texts."""
        n = max(1, len(procedures))
        rows = _collect(procedures, folder or Folder(lexicon), situations)
        value = _impacts(rows)
        # A term in several fields of one record counts where it weighs most, plus a share of
        # the others.
        key = rows.term * n + rows.doc
        order = np.argsort(key)
        key, value = key[order], value[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        starts_at = np.flatnonzero(first)
        if len(value):
            totals = np.add.reduceat(value, starts_at)
            best = np.maximum.reduceat(value, starts_at)
            # Document frequency in names and fields: words every dossier lists ("hộ chiếu"
            # among identity papers) still tell procedures apart by their names.
            in_core = np.maximum.reduceat((rows.field[order] <= 1).astype(np.int8), starts_at)
        else:
            totals = best = value
            in_core = np.zeros(0, dtype=np.int8)
        key = key[first]
        value = best + np.float32(OTHER_FIELDS_SHARE) * (totals - best)
        core_df = np.bincount((key // n)[in_core.astype(bool)], minlength=len(rows.terms))
        term_of = key // n
        doc_of = (key % n).astype(np.int32)
        bounds = np.flatnonzero(np.diff(term_of)) + 1
        starts = np.concatenate(([0], bounds)).astype(np.int64)
        ends = np.concatenate((bounds, [len(key)])).astype(np.int64)
        if not len(key):
            starts = ends = np.zeros(0, dtype=np.int64)
        term_ids = term_of[starts]
        df = (ends - starts).astype(np.float64)
        core = core_df[term_ids].astype(np.float64)
        df = np.where(core > 0, core + OTHER_FIELDS_DF_SHARE * (df - core), df)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        names = [rows.terms[t] for t in term_ids.tolist()]
        self.size = len(procedures)
        self.idf_max = math.log(1 + (n + 0.5) / 0.5)
        self.idf: dict[str, float] = dict(zip(names, idf.tolist(), strict=True))
        self.postings: dict[str, Postings] = {
            name: Postings(doc_of[lo:hi], value[lo:hi])
            for name, lo, hi in zip(names, starts.tolist(), ends.tolist(), strict=True)
        }
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

    def drop_held_by(self, other: TermIndex) -> None:
        """Leave out of each term's postings the records ``other`` holds the term for (a
        situation explains the words its record lacks); terms left with none are dropped."""
        for term in list(self.postings):
            held = other.postings.get(term)
            if held is None:
                continue
            postings = self.postings[term]
            keep = ~np.isin(postings.ids, held.ids)
            if keep.all():
                continue
            if keep.any():
                self.postings[term] = Postings(postings.ids[keep], postings.impacts[keep])
            else:
                del self.postings[term]
