"""Ranking: query analysis (lexicon, filler, aspects, typos), index scoring, priors, cutoff."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process, utils

from knowledge.aspects import Aspect, find_cues
from knowledge.audience import (
    Ages,
    age_fit,
    parse_groups,
    parse_levels,
    question_ages,
    question_groups,
    question_levels,
    record_ages,
    record_groups,
)
from knowledge.index import FloatArray, Folder, TermIndex, name_head
from knowledge.lexicon import Lexicon, Phrase, Word, is_added, split_words
from knowledge.model import Procedure
from knowledge.normalise import fold, marks_key
from knowledge.situations import default_situations, per_record

BIGRAM_WEIGHT = 0.6  # a matched phrase confirms its words; it should not double them
UNSEEN_PAIR_WEIGHT = 0.3
MAX_SCORED_TERMS = 48
MIN_SCORED_WEIGHT = 0.12
CONTEXT_WEIGHT = 0.5  # words of a sentence that tells the story rather than asks
CLAUSE_WEIGHT = 0.65  # earlier clauses of the asking sentence ("tôi có ..., vậy ... không?")
SAYS_LITTLE_WORDS = 2  # an asking sentence with fewer content words defers to the one before
MAX_QUERY_CHARS = 2000  # a pasted essay says no more about the procedure than its start
CORRECTED_WEIGHT = 0.8  # a typo fix is a guess
# A word a rewrite adds beside the citizen's own ("người nước ngoài" + "yếu tố nước ngoài"):
# it may fit a qualifier of some names, but must not outweigh the action and object asked.
ADDED_WEIGHT = 0.5
HINTED_MISSING_SHARE = 0.5  # a variant only hinted at, missing from a name, counts this much
RUN_TOGETHER_MIN_RECORDS = 3  # a pair two run-together words make must be this common
TYPO_CUTOFF = 75.0  # rapidfuzz ratio for correcting an unknown word to a known one
PAIR_TYPO_CUTOFF = 75.0  # ... and a known word that makes no known pair with the one before
PAIR_TYPO_MAX_WORDS = 10
OUT_OF_SCOPE_MAX_WORDS = 12
STORY_TOPIC_ASKING_WORDS = 4  # an asking sentence this short may take up the story's topic
STORY_TOPIC_WORDS_TAKEN = 2  # ... and one of any length that takes up this many of its words
CANDIDATES = 30
FUZZ_WEIGHT = 0.05  # rapidfuzz similarity of the query to the name, on the shortlist
MAX_VARIANTS_PENALISED = 2
VARIANT_PENALTY = 0.05  # per variant word ("cấp lại", "lưu động") the question does not say
SAID_VARIANT_BONUS = 0.1  # per variant word of the name that the question says too
MISSING_VARIANT_PENALTY = 0.1  # per variant word the question says and the name lacks
FIELD_SUPPORT_WEIGHT = 0.05  # the record's field holds much of the shortlist's coverage
AUDIENCE_WEIGHT = 0.08  # small: a nudge among records that fit equally, never a topic
# A record for a force's own people or for civil servants, when the question names no such
# group: it is about the same thing (a health-insurance card) but not for this person.
GROUP_WEIGHT = 0.3
# An age said in the question rules out the variants it does not fit ("con 14 tuổi": not
# "dưới 14 tuổi"); fitting one earns nothing, or every record with an age would rise.
AGE_WEIGHT = 0.3
# The everyday situations a record is needed in (knowledge.situations), matched by a story:
# a suggestion, weighed below the record's own words.
SITUATION_WEIGHT = 0.7
BUSINESS_AUDIENCES = ("Doanh nghiệp", "Doanh nghiệp có vốn đầu tư nước ngoài", "Hợp tác xã")
BUSINESS_WORDS = frozenset({"doanh nghiep", "cong ty", "hop tac xa", "nha dau tu", "chi nhanh"})
# A question naming one of these is not (only) a person's own: records for organisations fit.
ORGANISATION_WORDS = BUSINESS_WORDS | {"to chuc", "co quan", "don vi", "ngan hang"}
NAME_WEIGHT = 0.3  # share of the procedure name (its head) found in the question, on the shortlist
# Re-ranking of the shortlist: a weighted sum of these features (Searcher.candidates).
RERANK_FEATURES = (
    "coverage",  # share of the question's weight the record matches (index)
    "prior",  # level, audience and popularity
    "similarity",  # rapidfuzz token_set_ratio of the question's content words and the name
    "name",  # share of the name's head the question says
    "variants",  # minus the variant words ("cấp lại") of the name the question does not say
    "said_variants",  # variant words of the name that the question says too
    "missing_variants",  # minus the variant words of the question that the name lacks
    "field_support",  # share of the shortlist's coverage in the record's field
    "audience",  # a question about a business, and a record for businesses
    "group",  # minus: the record serves a group (police, army, civil servants) not named
    "age",  # minus: the age said in the question lies outside the record's ("dưới 14 tuổi")
    "situations",  # share of the question's weight the record's everyday situations match
)
# Coordinate-ascent fits on one half of the dev set gained little on the other half and lost
# short chat queries, so these stay small: each helps both halves and the tests' own queries
# (bench/search.py prints both halves).
RERANK_WEIGHTS = np.asarray(
    [
        1.0,
        1.0,
        FUZZ_WEIGHT,
        NAME_WEIGHT,
        VARIANT_PENALTY,
        SAID_VARIANT_BONUS,
        MISSING_VARIANT_PENALTY,
        FIELD_SUPPORT_WEIGHT,
        AUDIENCE_WEIGHT,
        GROUP_WEIGHT,
        AGE_WEIGHT,
        SITUATION_WEIGHT,
    ]
)
# The features that weigh who a record is for rather than how well it fits the question.
TRUST_WEIGHTS = np.asarray(
    [
        w if name in ("group", "age") else 0.0
        for name, w in zip(RERANK_FEATURES, RERANK_WEIGHTS, strict=True)
    ]
)
# Priors (added to a 0..1 coverage score): where citizens go and what they use most.
POPULARITY_WEIGHT = 0.2
LEVEL_PRIOR = {"Cấp xã": 0.03, "Cấp tỉnh": 0.015}
CITIZEN_PRIOR = 0.02
CITIZEN_AUDIENCES = ("Công dân Việt Nam", "Người Việt Nam định cư ở nước ngoài")
# Audiences that are people filing for themselves: a foreigner is a person too (a visa, a
# naturalisation); whether the asker is one is the foreigners group's concern (lexicon).
PERSON_AUDIENCES = (*CITIZEN_AUDIENCES, "Người nước ngoài")
# Share of the question's weight that the best records' names/fields must hold (cutoff()).
CUTOFF_SHORT = 0.42
CUTOFF_LONG = 0.08
SHORT_WORDS = 5
LONG_WORDS = 10
# The same procedure at another level ("(thực hiện tại cấp tỉnh)" / "... cấp trung ương"):
# ranked below the first one by this much, so that the top places show different procedures.
SIBLING_PENALTY = 0.1
# The best record's final score (0..SCORE_FULL) must reach this too: chat-length questions
# that the best record fits this loosely were not about it (in the dev and tests' queries the
# lowest right answers score about 35 of 100 for a chat question, 23 for a long FAQ one).
MIN_FINAL_SHORT = 0.6
MIN_FINAL_LONG = 0.4
SCORE_FULL = 2.0  # ranking value shown as 100
# The best record's name or field must share with the question at least one word pair (most
# Vietnamese words are two syllables) this rare: one everyday syllable or two ("xe", "bệnh
# viện", "ngân hàng") do not name a procedure.
SPECIFIC_MIN_IDF = 2.5
SPECIFIC_MIN_RECORDS = 100  # ... in a knowledge base of at least this many records
CITIZEN_CHECK_WORDS = 7  # ... in questions of up to this many content words
CITIZEN_CHECK_TOP = 3  # how many of the best records are looked at for one citizens may file

_LEVEL_REMARK = re.compile(
    r"\((?:\s*thực hiện tại)?\s*(?:cấp|ở)\s+(?:xã|huyện|tỉnh|trung ương)[^)]*\)", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?<=[.?!;\n])\s+")
# Nouns a number after them labels rather than counts (folded).
_LABELLED = frozenset({"lop", "hang", "cap", "loai", "nhom", "khoan", "dieu", "muc", "bac", "so"})


_VOWELS = frozenset("aeiouy")
BASE_ACTION_WORDS = 2  # "Cấp", "Đăng ký": a base action listed first is this short


def lists_base_action(lexicon: Lexicon, name: str) -> bool:
    """Whether a name lists a base action, then its variants ("Cấp, cấp lại, đổi ...")."""
    head, _, rest = name.partition(",")
    if not rest or len(head.split()) > BASE_ACTION_WORDS:
        return False
    if lexicon.said_variants(split_words(head)):
        return False  # "Gia hạn, điều chỉnh ...": variants only
    second = rest.split(",")[0]
    return bool(lexicon.said_variants(split_words(second)))


def _syllable(word: str) -> bool:
    """Whether a folded word can be a Vietnamese syllable: every one has a vowel."""
    return any(ch in _VOWELS for ch in word)


def _closest(word: str, choices: Sequence[str], cutoff: float) -> str | None:
    """The choice most like ``word`` by rapidfuzz ratio, if it reaches ``cutoff``."""
    best = process.extractOne(
        word, choices, scorer=fuzz.ratio, processor=utils.default_process, score_cutoff=cutoff
    )
    return best[0] if best else None


@dataclass(frozen=True, slots=True)
class Hit:
    procedure: Procedure
    score: float  # 0..100
    # The same procedure kept at other levels (xã / tỉnh / trung ương), merged into this one;
    # ``level``: the level of this record that the answer is about, ``level_asked``: whether
    # the question named it (else it is the one closest to citizens).
    siblings: tuple[Procedure, ...] = ()
    level: str = ""
    level_asked: bool = False

    @property
    def sibling_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.siblings)


class Gate(StrEnum):
    """Why a question gets no procedure at all (the first that applies)."""

    NOTHING_ASKED = "nothing_asked"  # only filler, greetings or aspect words
    OUT_OF_SCOPE = "out_of_scope"  # asks about a topic the records do not cover
    NO_MATCH = "no_match"  # no record shares a word with it
    TOO_LITTLE_MATCHES = "too_little_matches"  # the best names/fields hold too little of it
    NO_SPECIFIC_WORD = "no_specific_word"  # only everyday words ("xe", "ngân hàng") match
    NOT_FOR_CITIZENS = "not_for_citizens"  # a personal question; the best serve firms, banks
    FITS_LOOSELY = "fits_loosely"  # the best record's score is too low


@dataclass(slots=True)
class QueryAnalysis:
    """What the ranking sees of a question."""

    words: list[str]
    content: list[str]
    aspects: list[Aspect]
    terms: dict[str, float] = field(default_factory=dict)
    corrected: dict[str, str] = field(default_factory=dict)
    # Weight of word pairs no record has ("thời tiết"): ignored for ranking, but they make a
    # short question look less like any procedure.
    unseen: float = 0.0
    out_of_scope: bool = False
    # Who handles it instead, when out of scope (a kind of [out_of_scope.handled_by]).
    handled_by: str = ""
    # Folded content word -> the forms it was written in with diacritics (words typed with
    # marks only; a rewrite's words in the lexicon's spelling): "lái" of "bằng lái" and "lại"
    # of "thi lại" are both said, and a record with either spelling matches.
    marked: dict[str, frozenset[str]] = field(default_factory=dict)
    # Term -> how much the question stresses it (sentence weight x typo factor, 0..1): a
    # name word said only in the story names the procedure less than one said where it asks.
    stress: dict[str, float] = field(default_factory=dict)
    # Variant words ("cấp lại") the citizen said, and those said or hinted by a rewrite.
    said_variants: frozenset[Phrase] = frozenset()
    hinted_variants: frozenset[Phrase] = frozenset()
    # Everyday words and shorthand the lexicon rewrote: (as said, folded; as read, folded).
    rewrites: list[tuple[str, str]] = field(default_factory=list)
    # Typo fixes tried and refused (the question reads better as written): word -> the fix.
    refused: dict[str, str] = field(default_factory=dict)
    groups: frozenset[str] = frozenset()  # groups of people the question names
    ages: Ages | None = None  # the age the question says
    levels: list[str] = field(default_factory=list)  # levels of government it names

    @property
    def mass(self) -> float:
        return sum(self.terms.values())


def cutoff(content_words: int) -> float:
    """Name/field coverage needed to answer: short questions must match mostly, long ones partly.

    A long FAQ question carries a story around the procedure it names, so a lower share
    suffices; a two-word chat query that half-matches is more likely something else.
    """
    if content_words <= SHORT_WORDS:
        return CUTOFF_SHORT
    if content_words >= LONG_WORDS:
        return CUTOFF_LONG
    share = (content_words - SHORT_WORDS) / (LONG_WORDS - SHORT_WORDS)
    return CUTOFF_SHORT - (CUTOFF_SHORT - CUTOFF_LONG) * share


class Searcher:
    """Coverage of the question's weighted terms (index), reranked on a shortlist by how much
    of each name the question says, rapidfuzz similarity, variants and priors; then a cutoff.
    """

    def __init__(
        self,
        procedures: Sequence[Procedure],
        lexicon: Lexicon,
        popularity: Mapping[str, int] | None = None,
        situations: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``situations``: code -> everyday situations (default: the shipped ones,
        knowledge.situations)."""
        self.procedures = list(procedures)
        self.lexicon = lexicon
        self.folder = Folder(lexicon)
        # Records that differ only by where they are carried out share this key.
        self.sibling_keys = [
            fold(_LEVEL_REMARK.sub(" ", p.name)).removeprefix("thu tuc ") or str(i)
            for i, p in enumerate(self.procedures)
        ]
        stories = per_record(
            [p.code for p in self.procedures],
            self.sibling_keys,
            default_situations() if situations is None else situations,
        )
        self.index = TermIndex(self.procedures, lexicon, self.folder)
        # Everyday situations apart: they suggest a procedure, they never name it (a feature
        # of their own, which the decision does not let carry a lone answer).
        self.stories = TermIndex(self.procedures, lexicon, self.folder, situations=stories)
        self.stories.drop_held_by(self.index)
        self.names = [fold(p.name) for p in self.procedures]
        # The name's own words (without "Thủ tục" or a "(thực hiện tại ...)" remark), to see
        # how much of a procedure the question names: "đăng ký lại kết hôn" has a word that
        # "đăng ký kết hôn?" lacks.
        self.name_terms = [self._terms(p.name, head=True) for p in self.procedures]
        self.variants = [lexicon.said_variants(split_words(p.name)) for p in self.procedures]
        # "Cấp, cấp lại, chuyển đổi giấy chứng nhận ...": the base action listed beside its
        # variants is the procedure for a first issue too, so unasked variants cost nothing.
        self.lists_base = [lists_base_action(lexicon, p.name) for p in self.procedures]
        weight = self.index.weight
        self.name_weights = []
        for terms in self.name_terms:
            weighted = tuple((t, weight(t)) for t in terms)
            self.name_weights.append((weighted, sum(w for _, w in weighted)))
        # Name and field words: what an in-scope question almost always shares with its answer.
        self.core_terms = [
            frozenset(self._terms(p.name) + self._terms(p.field)) for p in self.procedures
        ]
        self.folder.clear()  # needed while building only
        # Name and field words as written (marks kept), built for a record when first needed.
        self._core_raw_words: dict[int, frozenset[str]] = {}
        self._whole_names: dict[int, tuple[tuple[tuple[str, float], ...], float]] = {}
        self.prior = self._priors(popularity or {})
        self.groups = parse_groups(lexicon.groups)
        self.levels = parse_levels(lexicon.levels)
        serves: dict[tuple[str, str, str, str], frozenset[str]] = {}
        self.record_groups = []
        for p in self.procedures:
            key = (p.name, p.ministry, p.field, (p.conditions or "")[:400])
            if key not in serves:
                serves[key] = record_groups(p, self.groups)
            self.record_groups.append(serves[key])
        self.record_ages = [record_ages(p.name) for p in self.procedures]
        self.for_business = np.asarray(
            [any(a in BUSINESS_AUDIENCES for a in p.audiences) for p in self.procedures],
            dtype=np.float32,
        )
        # A knowledge base of a few records tells no common word from a rare one.
        small = len(self.procedures) < SPECIFIC_MIN_RECORDS
        self.specific_min_idf = 0.0 if small else SPECIFIC_MIN_IDF
        # Records a person may file for themselves (or that name no audience).
        self.for_citizens = [
            not p.audiences or any(a in PERSON_AUDIENCES for a in p.audiences)
            for p in self.procedures
        ]
        by_length: dict[int, list[str]] = {}
        for word in sorted(self.index.vocabulary):
            by_length.setdefault(len(word), []).append(word)
        self._by_length = by_length
        self._correct = lru_cache(maxsize=20_000)(self._correct_word)

    # Pickled by knowledge.cache (the prebuilt index): memos are left out and start empty.
    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        del state["_correct"]
        state["_core_raw_words"] = {}
        state["_whole_names"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._correct = lru_cache(maxsize=20_000)(self._correct_word)

    def _terms(self, text: str, *, head: bool = False) -> tuple[str, ...]:
        """Folded unigrams and bigrams of a name or field; ``head``: see index.name_head."""
        words = name_head(text, self.lexicon) if head else list(self.folder.words(text))
        pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
        return tuple(dict.fromkeys(words + pairs))

    def name_coverage(self, doc: int, analysis: QueryAnalysis) -> float:
        """Share of the name's (head's) weight that the question says, each term as much as
        the question stresses it (0..1)."""
        terms, total = self.name_weights[doc]
        if not total:
            return 0.0
        stress = analysis.stress
        return sum(w * stress.get(t, 0.0) for t, w in terms) / total

    def whole_name_coverage(self, doc: int, analysis: QueryAnalysis) -> float:
        """Share of the whole name (qualifiers too, not its level remark) that the question
        says, each term as much as the question stresses it (0..1): 1 when it names exactly
        this procedure ("đăng ký khai sinh", not "... lưu động")."""
        said, total = self.whole_name_said(doc, analysis)
        return said / total if total else 0.0

    def whole_name_said(self, doc: int, analysis: QueryAnalysis) -> tuple[float, float]:
        """How much of the whole name the question says, and the name's whole weight (idf):
        a longer name can be said more than a short one it contains."""
        found = self._whole_names.get(doc)
        if found is None:
            words = self.sibling_keys[doc].split()
            words = self.lexicon.expand_record(words)
            terms = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
            weighted = tuple((t, self.index.weight(t)) for t in dict.fromkeys(terms))
            found = (weighted, sum(w for _, w in weighted))
            self._whole_names[doc] = found
        weighted_terms, total = found
        stress = analysis.stress
        return sum(w * stress.get(t, 0.0) for t, w in weighted_terms), total

    def core_raw_words(self, doc: int) -> frozenset[str]:
        found = self._core_raw_words.get(doc)
        if found is None:
            p = self.procedures[doc]
            found = frozenset(marks_key(w) for w, _ in split_words(f"{p.name} {p.field}"))
            self._core_raw_words[doc] = found
        return found

    def core_coverage(self, doc: int, analysis: QueryAnalysis) -> float:
        """Share of the question's weight found in the record's name or field (0..1).

        A word the citizen wrote with its marks must be there with the same marks: "buồn" is
        not "buôn", "tiền" is not "tiện" (folding alone would match them).
        """
        core = self.core_terms[doc]
        marked = analysis.marked
        raw_words = self.core_raw_words(doc) if marked else frozenset()
        # Words the record has only as an abbreviation ("sổ BHXH") have no marks to compare.
        written = {key.partition("|")[0] for key in raw_words}
        mass = analysis.mass + analysis.unseen
        matched = 0.0
        for term, weight in analysis.terms.items():
            if term not in core:
                continue
            if marked and any(
                part in marked and part in written and not marked[part] & raw_words
                for part in term.split(" ")
            ):
                continue
            matched += weight
        return matched / mass if mass else 0.0

    def specific_evidence(self, doc: int, analysis: QueryAnalysis) -> float:
        """The rarest (highest idf) word pair that the question and the record's name or field
        share, spelled with the same marks where the question has them; 0 when none."""
        core = self.core_terms[doc]
        marked = analysis.marked
        raw_words = self.core_raw_words(doc) if marked else frozenset()
        # Words the record has only as an abbreviation ("BHYT") have no marks to compare.
        written = {key.partition("|")[0] for key in raw_words}
        best = 0.0
        for term in analysis.terms:
            if " " not in term or term not in core:
                continue
            if marked and any(
                part in marked and part in written and not marked[part] & raw_words
                for part in term.split(" ")
            ):
                continue
            best = max(best, self.index.weight(term))
        return best

    def _priors(self, popularity: Mapping[str, int]) -> FloatArray:
        prior = np.zeros(len(self.procedures), dtype=np.float32)
        top = max(popularity.values(), default=1)
        for i, p in enumerate(self.procedures):
            value = max((LEVEL_PRIOR.get(level, 0.0) for level in p.levels), default=0.0)
            if any(a in CITIZEN_AUDIENCES for a in p.audiences):
                value += CITIZEN_PRIOR
            rank = popularity.get(p.code)
            if rank is not None:
                value += POPULARITY_WEIGHT * (1 - math.log(rank) / math.log(top + 1))
            prior[i] = value
        return prior

    # -- query analysis -------------------------------------------------------------------
    def _correct_word(self, word: str, *, fuzzy: bool = True) -> str | None:
        """Two known words run together, or (``fuzzy``) a known word close to an unknown one."""
        if word.isdigit() or len(word) < 3:
            return None
        vocab = self.index.vocabulary
        for cut in range(2, len(word) - 1):
            left, right = word[:cut], word[cut:]
            # Each part a syllable (a vowel in it): "xach" is one word the records lack, not
            # "xa" + "ch" (a fragment that only abbreviations in the records hold).
            # ... and a pair several records hold: "honda" is a name, not "hơn" + "đa".
            pair = f"{left} {right}"
            held = self.index.postings.get(pair)
            if (
                left in vocab
                and right in vocab
                and _syllable(left)
                and _syllable(right)
                and held is not None
                and len(held.ids) >= RUN_TOGETHER_MIN_RECORDS
            ):
                return pair
        if not fuzzy:
            return None
        sizes = (len(word) - 1, len(word), len(word) + 1)
        choices = [w for n in sizes for w in self._by_length.get(n, ())]
        return _closest(word, choices, TYPO_CUTOFF)

    def _sentences(self, query: str) -> list[tuple[list[Word], float, list[Word]]]:
        """Words of each sentence, expanded by the lexicon, with the sentence's weight.

        A long question tells a story and then asks: the asking sentences (with "?", else
        the last one) say which procedure is meant; the others weigh less.
        """
        parts = [p for p in _SENTENCE_END.split(query[:MAX_QUERY_CHARS]) if p.strip()]
        asking = [i for i, p in enumerate(parts) if "?" in p]
        if not asking:
            asking = [len(parts) - 1]
        # "Vậy yêu cầu của tôi có được thực hiện không?": an asking sentence that names
        # nothing asks about the sentence before it.
        for i in list(asking):
            if i > 0 and i - 1 not in asking and self._says_little(parts[i]):
                asking.append(i - 1)
        pieces: list[tuple[str, float]] = []
        for i, part in enumerate(parts):
            if i not in asking:
                pieces.append((part, CONTEXT_WEIGHT))
                continue
            clauses = [c for c in part.split(",") if c.strip()]
            pieces.extend((c, CLAUSE_WEIGHT) for c in clauses[:-1])
            pieces.append((clauses[-1] if clauses else part, 1.0))
        out = []
        for piece, weight in pieces:
            said = split_words(piece)
            words = self.lexicon.expand_query(said)
            # "thẻ" + "thẻ căn cước" from a rewrite: one word, not two. Two words the citizen
            # wrote stay two ("địa chỉ chi nhánh" folds to "dia chi chi nhanh"): a word passed
            # through unchanged is the very tuple split_words made.
            typed = {id(w) for w in said}
            words = [
                w
                for j, w in enumerate(words)
                if j == 0
                or w[1] != words[j - 1][1]
                or (id(w) in typed and id(words[j - 1]) in typed)
            ]
            if words:
                out.append((words, weight, said))
        return out

    def _says_little(self, sentence: str) -> bool:
        """Whether a sentence has fewer than two content words (the rest is filler)."""
        pairs = self.lexicon.expand_query(split_words(sentence))
        return sum(self._filler(pairs)) < SAYS_LITTLE_WORDS

    def _filler(self, pairs: Sequence[Word]) -> list[bool]:
        """Which words are filler (stopwords, stop phrases, aspect cues): True = keep."""
        lex = self.lexicon
        words = [w[1] for w in pairs]
        _, is_cue = find_cues(words, lex)
        # "nhà ở", "tặng cho", "xã hội": terms made of words that are elsewhere filler or an
        # aspect cue ("ở xã") stay whole.
        term = lex.term_positions(pairs)
        keep = [not cue or j in term for j, cue in enumerate(is_cue)]
        longest = lex.longest_stop_phrase
        i = 0
        while i < len(words):
            for size in range(min(longest, len(words) - i), 1, -1):
                if lex.is_stop_phrase(pairs[i : i + size]):
                    for j in range(i, i + size):
                        keep[j] = keep[j] and j in term
                    i += size
                    break
            else:
                if i not in term and (
                    lex.is_stopword(pairs[i]) or (words[i],) in lex.stop_phrases
                ):
                    keep[i] = False
                i += 1
        # A number in a story ("5 ngày", "200 triệu", "năm 2010") says how much or when, not which
        # procedure; ages and levels are read from the question apart (knowledge.audience).
        # A number after a noun it labels ("lớp 1", "hạng 2", "cấp 3") is part of a name, and an
        # age ("14 tuổi") is a condition names say too ("dưới 14 tuổi"): those are kept.
        for i, word in enumerate(words):
            if (
                word.isdigit()
                and i not in term
                and (i == 0 or words[i - 1] not in _LABELLED)
                and (i + 1 == len(words) or words[i + 1] != "tuoi")
            ):
                keep[i] = False
        # An ambiguous little word ("co" = có/cổ/cơ) next to filler or at the end is filler too.
        for i in range(len(words) - 1, -1, -1):
            if (
                keep[i]
                and i not in term
                and pairs[i][0] in lex.stop_weak
                and (i + 1 == len(words) or not keep[i + 1])
            ):
                keep[i] = False
        return keep

    def analyse(self, query: str) -> QueryAnalysis:
        analysis = QueryAnalysis(words=[], content=[], aspects=[])
        scope = _ScopeNotes()
        # Runs of content words (word, weight factor); a run ends at filler, a sentence end or
        # where words a rewrite added begin or end ("người nước ngoài | yếu tố nước ngoài"),
        # and word pairs (bigrams) never cross that end.
        runs: list[list[tuple[str, float]]] = []
        run_weights: list[float] = []  # the sentence's weight, x ADDED_WEIGHT for added words
        run_added: list[bool] = []
        lex = self.lexicon
        for pairs, sentence_weight, said in self._sentences(query):
            words = [w[1] for w in pairs]
            analysis.words.extend(words)
            if words != [w[1] for w in said]:
                analysis.rewrites.append((" ".join(w[1] for w in said), " ".join(words)))
            analysis.groups |= question_groups(pairs, self.groups)
            for level in question_levels(pairs, self.levels):
                if level not in analysis.levels:
                    analysis.levels.append(level)
            analysis.hinted_variants |= lex.said_variants(pairs)
            analysis.said_variants |= lex.said_variants([w for w in pairs if not is_added(w)])
            kept_words = self._filler(pairs)
            scope.note(lex, pairs, sentence_weight, kept_words)
            for aspect in find_cues(words, lex)[0]:
                if aspect not in analysis.aspects:
                    analysis.aspects.append(aspect)
            runs.append([])
            run_weights.append(sentence_weight)
            run_added.append(False)
            for (raw, word), kept in zip(pairs, kept_words, strict=True):
                added = is_added((raw, word))
                if not kept or added != run_added[-1]:
                    if runs[-1]:
                        runs.append([])
                        run_weights.append(sentence_weight)
                        run_added.append(added)
                    run_added[-1] = added
                    run_weights[-1] = sentence_weight * (ADDED_WEIGHT if added else 1.0)
                    if not kept:
                        continue
                fixed = word
                factor = 1.0
                if not added and raw != word:
                    analysis.marked[word] = analysis.marked.get(word, frozenset()) | {
                        marks_key(raw)
                    }
                # Fuzzy fixes only for words typed without marks: "gái" is a word, just not
                # one of ours; "quyềnchiếm" is two words run together either way.
                if not added and word not in self.index.postings:
                    correction = self._correct(word, fuzzy=raw == word)
                    if correction is not None:
                        analysis.corrected[word] = correction
                        fixed = correction
                        factor = CORRECTED_WEIGHT
                runs[-1].extend((part, factor) for part in fixed.split())
        # A long question mentions many things in passing ("việc làm", "bệnh viện"): only a
        # chat-length one is judged out of scope by such a word alone; a longer one only by a
        # topic no record's name shares words with ("trợ cấp thất nghiệp").
        content_words = sum(len(run) for run in runs)
        analysis.out_of_scope = scope.asks_topic() or (
            scope.asks and content_words <= OUT_OF_SCOPE_MAX_WORDS
        )
        if analysis.out_of_scope:
            analysis.handled_by = lex.handled_by(analysis.words)
        analysis.ages = question_ages(fold(query[:MAX_QUERY_CHARS]))
        if content_words <= PAIR_TYPO_MAX_WORDS:  # chat, not a pasted text
            return self._read_pairs(runs, run_weights, analysis)
        self._weigh(runs, run_weights, analysis)
        return analysis

    def _read_pairs(
        self,
        runs: list[list[tuple[str, float]]],
        run_weights: list[float],
        analysis: QueryAnalysis,
    ) -> QueryAnalysis:
        """The question with typos of known words fixed by the word before them, when it
        reads better so: a fix is a guess, and "mới sinh" must not become "mới hình"."""
        fixed_runs = [list(run) for run in runs]
        fixes: dict[str, str] = {}
        for run in fixed_runs:
            self._correct_pairs(run, analysis, fixes)
        if not fixes:
            self._weigh(runs, run_weights, analysis)
            return analysis
        plain = dataclasses.replace(
            analysis,
            content=[],
            terms={},
            stress={},
            unseen=0.0,
            corrected=dict(analysis.corrected),
            refused=dict(fixes),
        )
        self._weigh(runs, run_weights, plain)
        analysis.corrected.update(fixes)
        self._weigh(fixed_runs, run_weights, analysis)
        if self._best(analysis) > self._best(plain):
            return analysis
        return plain

    def _best(self, analysis: QueryAnalysis) -> float:
        scored = self._rank(analysis) if analysis.terms else []
        return scored[0][0] if scored else 0.0

    def _weigh(
        self,
        runs: Sequence[Sequence[tuple[str, float]]],
        run_weights: Sequence[float],
        analysis: QueryAnalysis,
    ) -> None:
        """The query's terms: each word and each pair of neighbours in a run, by idf."""
        for run, sentence_weight in zip(runs, run_weights, strict=True):
            for part, factor in run:
                analysis.content.append(part)
                term_weight = self.index.weight(part) * sentence_weight * factor
                if term_weight > analysis.terms.get(part, 0.0):
                    analysis.terms[part] = term_weight
                    analysis.stress[part] = sentence_weight * factor
        for run, sentence_weight in zip(runs, run_weights, strict=True):
            for (left, _), (right, _) in zip(run, run[1:], strict=False):
                gram = f"{left} {right}"
                # A pair no record has does not rank anything (its words still count).
                if gram not in self.index.postings:
                    if gram not in analysis.terms:
                        pair = analysis.terms[left] + analysis.terms[right]
                        analysis.unseen += UNSEEN_PAIR_WEIGHT * pair * sentence_weight
                    continue
                weight = self.index.weight(gram) * sentence_weight * BIGRAM_WEIGHT
                if weight > analysis.terms.get(gram, 0.0):
                    analysis.terms[gram] = weight
                    analysis.stress[gram] = sentence_weight

    def _correct_pairs(
        self, run: list[tuple[str, float]], analysis: QueryAnalysis, fixes: dict[str, str]
    ) -> None:
        """Fix a typo that is itself a word ("ho chiu" → "ho chieu") by the word before it.

        When no record has the pair, the second word is compared with the words that follow
        the first one in the records' names, fields and documents. A word written with its
        marks that the records use ("mới sinh") is spelled as meant: never changed.
        """
        for i in range(1, len(run)):
            left, right = run[i - 1][0], run[i][0]
            if len(right) < 3 or right.isdigit() or f"{left} {right}" in self.index.postings:
                continue
            if right in analysis.marked and right in self.index.vocabulary:
                continue
            if i + 1 < len(run) and f"{right} {run[i + 1][0]}" in self.index.postings:
                continue  # the word makes sense with the next one
            followers = self.index.followers.get(left)
            if not followers:
                continue
            best = _closest(right, followers, PAIR_TYPO_CUTOFF)
            if best is not None and best != right:
                fixes[right] = best
                run[i] = (best, CORRECTED_WEIGHT)

    # -- ranking --------------------------------------------------------------------------
    def coverage(self, analysis: QueryAnalysis, *, stories: bool = False) -> FloatArray:
        """Share of the query's weight each record matches (0..~1.25) in its own texts, or
        (``stories``) in its everyday situations by words its own texts lack: a situation
        explains a story's words, it does not say the record's name twice."""
        postings_of = self.stories.postings if stories else self.index.postings
        scores = np.zeros(len(self.procedures), dtype=np.float32)
        mass = analysis.mass
        if mass <= 0:
            return scores
        # Near-ubiquitous words hardly move the order but cost the most: the heaviest terms
        # carry the ranking (all of them still count in ``mass``).
        ranked = sorted(analysis.terms.items(), key=lambda item: -item[1])[:MAX_SCORED_TERMS]
        for term, weight in ranked:
            if weight < MIN_SCORED_WEIGHT:
                break
            postings = postings_of.get(term)
            if postings is not None:
                scores[postings.ids] += postings.impacts * np.float32(weight / mass)
        return scores

    def candidates(self, analysis: QueryAnalysis) -> list[tuple[int, FloatArray]]:
        """The shortlist by coverage and priors, each record with its re-ranking features
        (see RERANK_FEATURES); the final score is their dot product with RERANK_WEIGHTS."""
        cover = self.coverage(analysis)
        stories = self.coverage(analysis, stories=True)
        ranked = cover + self.prior + np.float32(SITUATION_WEIGHT) * stories
        count = min(CANDIDATES, len(ranked))
        if count <= 0:
            return []
        shortlist = np.argpartition(-ranked, count - 1)[:count]
        content = " ".join(analysis.content)
        # A variant only a rewrite hints at ("yếu tố nước ngoài") earns the bonus of a name
        # that has it, and counts less against names that lack it.
        hinted_variants = analysis.hinted_variants
        asked_variants = analysis.said_variants
        # How much of the shortlist's coverage lies in each record's field (linh vực): a
        # question whose words keep pointing at one field is most likely about that field.
        docs = shortlist.tolist()
        by_field: dict[str, float] = {}
        for doc in docs:
            field_name = self.procedures[doc].field
            by_field[field_name] = by_field.get(field_name, 0.0) + float(cover[doc])
        total_cover = sum(by_field.values()) or 1.0
        business = any(term in BUSINESS_WORDS for term in analysis.terms)
        best_cover = max((float(cover[doc]) for doc in docs), default=0.0)
        named_groups = analysis.groups
        out: list[tuple[int, FloatArray]] = []
        for doc in docs:
            cov = float(cover[doc])
            if cov <= 0 and stories[doc] <= 0:
                continue
            similarity = fuzz.token_set_ratio(
                content, self.names[doc], processor=utils.default_process, score_cutoff=40
            )
            unasked = 0 if self.lists_base[doc] else len(self.variants[doc] - asked_variants)
            said = len(self.variants[doc] & hinted_variants)
            missing = len(asked_variants - self.variants[doc]) + HINTED_MISSING_SHARE * len(
                hinted_variants - asked_variants - self.variants[doc]
            )
            features = np.asarray(
                [
                    cov,
                    float(self.prior[doc]) * self._prior_share(cov, best_cover),
                    similarity / 100,
                    self.name_coverage(doc, analysis),
                    -min(MAX_VARIANTS_PENALISED, unasked),
                    min(MAX_VARIANTS_PENALISED, said),
                    -min(MAX_VARIANTS_PENALISED, missing),
                    by_field[self.procedures[doc].field] / total_cover,
                    float(self.for_business[doc]) if business else 0.0,
                    -float(bool(self.record_groups[doc] - named_groups)),
                    float(min(0, age_fit(self.record_ages[doc], analysis.ages))),
                    float(stories[doc]),
                ],
                dtype=np.float32,
            )
            out.append((doc, features))
        return out

    @staticmethod
    def _prior_share(cover: float, best_cover: float) -> float:
        """How much of its prior a record keeps: all of it when it fits the question as well as
        the best one, less as it fits worse. A popular record ("Đăng ký tạm trú") must not be
        lifted into the answers to questions it barely touches."""
        return min(1.0, cover / best_cover) if best_cover > 0 else 1.0

    def scored(self, analysis: QueryAnalysis) -> list[tuple[float, int, FloatArray]]:
        """(final score, record, features) of the shortlist, best first."""
        out = [
            (float(np.dot(RERANK_WEIGHTS, features)), doc, features)
            for doc, features in self.candidates(analysis)
        ]
        out.sort(key=lambda item: (-item[0], self.procedures[item[1]].code))
        return out

    def _rank(self, analysis: QueryAnalysis) -> list[tuple[float, int]]:
        """(score, record) best first; another level of a record already listed comes after
        the other procedures that fit almost as well (SIBLING_PENALTY)."""
        return self.spread([(final, doc) for final, doc, _ in self.scored(analysis)])

    def fit_ranking(
        self, scored: Sequence[tuple[float, int, FloatArray]]
    ) -> list[tuple[float, int]]:
        """The ranking without the trust features (who a record is for, ages): whether the
        question matches any record at all does not depend on whom they serve."""
        fit = [
            (final - float(np.dot(TRUST_WEIGHTS, features)), doc)
            for final, doc, features in scored
        ]
        fit.sort(key=lambda item: (-item[0], self.procedures[item[1]].code))
        return self.spread(fit)

    def spread(self, scored: Sequence[tuple[float, int]]) -> list[tuple[float, int]]:
        """Another level of a record already listed, moved down by SIBLING_PENALTY."""
        if SIBLING_PENALTY <= 0:
            return list(scored)
        seen: set[str] = set()
        spread = []
        for final, doc in scored:
            key = self.sibling_keys[doc]
            spread.append((final - SIBLING_PENALTY if key in seen else final, doc))
            seen.add(key)
        spread.sort(key=lambda item: (-item[0], self.procedures[item[1]].code))
        return spread

    def gate(self, analysis: QueryAnalysis, ranked: Sequence[tuple[float, int]]) -> Gate | None:
        """Why no record fits the question well enough to be named (None: some do)."""
        if not analysis.terms:
            return Gate.NOTHING_ASKED
        if analysis.out_of_scope:
            return Gate.OUT_OF_SCOPE
        if not ranked:
            return Gate.NO_MATCH
        core = max(self.core_coverage(doc, analysis) for _, doc in ranked[:3])
        content_words = len(set(analysis.content))
        if core < cutoff(content_words):
            return Gate.TOO_LITTLE_MATCHES
        if self.specific_evidence(ranked[0][1], analysis) < self.specific_min_idf:
            return Gate.NO_SPECIFIC_WORD
        # A short question that names no business, when the best records all serve banks,
        # firms or agencies: a citizen asking about everyday life ("vay tiền ngân hàng"),
        # not about those records.
        if (
            content_words <= CITIZEN_CHECK_WORDS
            and not any(term in BUSINESS_WORDS for term in analysis.terms)
            and not any(self.for_citizens[doc] for _, doc in ranked[:CITIZEN_CHECK_TOP])
        ):
            return Gate.NOT_FOR_CITIZENS
        if ranked[0][0] < (MIN_FINAL_LONG if content_words >= LONG_WORDS else MIN_FINAL_SHORT):
            return Gate.FITS_LOOSELY
        return None

    def search(self, query: str, top: int = 3) -> list[Hit]:
        """Up to ``top`` hits, best first, or none when the question is out of scope."""
        if top <= 0:
            return []
        analysis = self.analyse(query)
        if not analysis.terms or analysis.out_of_scope:
            return []
        scored = self.scored(analysis)
        if self.gate(analysis, self.fit_ranking(scored)) is not None:
            return []
        ranked = self.spread([(final, doc) for final, doc, _ in scored])
        return [Hit(self.procedures[doc], score_points(final)) for final, doc in ranked[:top]]


@dataclass(slots=True)
class _ScopeNotes:
    """What the sentences of a question say about being out of scope (Searcher.analyse)."""

    asks: bool = False  # an asking sentence names a topic the records lack ...
    asks_topic_itself: bool = False  # ... one that no record's name shares words with
    story_topics: set[Phrase] = field(default_factory=set)  # such topics the story names
    asked_words: list[str] = field(default_factory=list)  # the asking sentences' own words

    def note(
        self, lex: Lexicon, pairs: Sequence[Word], sentence_weight: float, kept: Sequence[bool]
    ) -> None:
        if sentence_weight <= CONTEXT_WEIGHT:
            self.story_topics |= lex.out_of_scope_in(pairs, topics_only=True)
            return
        self.asked_words.extend(
            word[1] for word, keep in zip(pairs, kept, strict=True) if keep and not is_added(word)
        )
        # A topic the records lack, named where the question asks (not in its story) ...
        if lex.mentions_out_of_scope(pairs):
            self.asks = True
            # ... and a topic no record shares words with tells in a question of any length.
            self.asks_topic_itself |= lex.mentions_out_of_scope(pairs, topics_only=True)

    def asks_topic(self) -> bool:
        """A topic no record covers is asked about: where the question asks, or in its story
        when a short asking sentence takes up a word of it ("Tôi muốn đăng ký bảo hộ nhãn
        hiệu ... . Nộp đơn đăng ký ở đâu?")."""
        if self.asks_topic_itself:
            return True
        asked = set(self.asked_words)
        # A longer asking sentence that takes up two words of it ("... đồng hồ nước bị hỏng.
        # Liên hệ ai để kiểm tra lại đồng hồ?") asks about it too.
        if any(len(asked & set(topic)) >= STORY_TOPIC_WORDS_TAKEN for topic in self.story_topics):
            return True
        if not self.story_topics or len(self.asked_words) > STORY_TOPIC_ASKING_WORDS:
            return False
        return any(asked & set(topic) for topic in self.story_topics)


def score_points(final: float) -> float:
    """A ranking value as shown (0..100)."""
    return round(100 * min(1.0, max(0.0, final) / SCORE_FULL), 1)
