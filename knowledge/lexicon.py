"""The curated lexicon (lexicon.toml): phrase rewriting, filler stopwords, aspect cues."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from knowledge.normalise import fold, marks_key, nfc

Phrase = tuple[str, ...]
# A query word as written (lowercase, NFC, diacritics kept) and folded.
Word = tuple[str, str]

_WORD = re.compile(r"[^\W_]+")
# Marks a word that a rewrite adds beside the citizen's own words ("người nước ngoài" →
# + "yếu tố nước ngoài"): a hint, weighed less than what the question says.
ADDED = "+"
# "đã (có|được) X": X is done or held already, not asked for; the word is kept out of phrases.
_DONE = "đã"
_DONE_VERBS = frozenset({"co", "duoc"})
# "(một kỹ sư) có X": X is held too, unless "có" follows a wish or a lack ("muốn có", "chưa
# có"). Only "có" written with its mark: "co" alone is too many words.
_HAS = "có"
_WANTS = frozenset({"muon", "can", "xin", "de", "phai", "chua", "khong", "lam", "sao"})
_NOT_ASKED = "\0"
# Words that start a purpose ("để", "nhằm"): what follows is why, not what, is asked ...
_PURPOSE_WORDS = frozenset({"để", "nhằm"})
_PURPOSE_PLAIN = frozenset({"de", "nham"})
_COPY = ("ban", "sao")  # "bản sao để ...": a copy for a purpose, not "(làm) sao để"
# A purpose runs to "thì" (then), where the main clause resumes.
_THEN = "thì"
_THEN_PLAIN = "thi"
# ... except after asking how ("làm sao để bà được nhận trợ cấp"): then it is what is asked.
_HOW_BEFORE_PURPOSE = (
    ("lam", "sao"),
    ("the", "nao"),
    ("cach", "nao"),
    ("lam", "gi"),
    ("can", "gi"),
    ("cach",),
    ("sao",),
)


def is_added(word: Word) -> bool:
    return word[0].startswith(ADDED)


def split_words(text: str) -> list[Word]:
    """(as written, folded) for each word of ``text``; words that fold to nothing are dropped."""
    out: list[Word] = []
    for raw in _WORD.findall(nfc(text).lower()):
        folded = fold(raw)
        if folded:
            out.extend((raw, part) if part == folded else (part, part) for part in folded.split())
    return out


@dataclass(frozen=True, slots=True)
class PhraseTable:
    """Folded phrase -> replacement words, matched longest first."""

    table: Mapping[Phrase, tuple[Word, ...]]
    longest: int
    starts: frozenset[str]
    # Little words a phrase may have inside it as said ("bố tôi mất", "mở một quán"): skipped
    # while matching, dropped with the phrase.
    inner: frozenset[str] = frozenset()

    @classmethod
    def build(cls, pairs: Mapping[str, str], inner: Iterable[str] = ()) -> PhraseTable:
        table: dict[Phrase, tuple[Word, ...]] = {}
        for key, value in pairs.items():
            folded = tuple(fold(key).split())
            if folded:
                words = split_words(value)
                # A value that repeats its key keeps the citizen's words and adds the rest.
                at = _find(tuple(w[1] for w in words), folded)
                if at >= 0:
                    said = range(at, at + len(folded))
                    words = [w if i in said else (ADDED + w[0], w[1]) for i, w in enumerate(words)]
                table[folded] = tuple(words)
        longest = max((len(k) for k in table), default=0)
        return cls(table, longest, frozenset(k[0] for k in table), frozenset(inner))

    def rewrite_words(self, words: Sequence[Word]) -> list[Word]:
        starts = self.starts
        if not any(w[1] in starts for w in words):
            return list(words)
        out: list[Word] = []
        i = 0
        n = len(words)
        while i < n:
            if words[i][1] not in starts:
                out.append(words[i])
                i += 1
                continue
            for size in range(min(self.longest, n - i), 0, -1):
                replacement = self.table.get(tuple(w[1] for w in words[i : i + size]))
                if replacement is not None:
                    out.extend(replacement)
                    i += size
                    break
            else:
                found = self._match_with_inner(words, i)
                if found is None:
                    out.append(words[i])
                    i += 1
                else:
                    out.extend(found[0])
                    i = found[1]
        return out

    def _match_with_inner(
        self, words: Sequence[Word], i: int
    ) -> tuple[tuple[Word, ...], int] | None:
        """The longest phrase at ``i`` when inner little words are skipped: (its replacement,
        the index after it); None when there is none or nothing was skipped."""
        if not self.inner:
            return None
        kept: list[str] = [words[i][1]]
        ends: list[int] = [i + 1]
        j = i + 1
        while j < len(words) and len(kept) < self.longest:
            if words[j][1] not in self.inner:
                kept.append(words[j][1])
                ends.append(j + 1)
            j += 1
        for size in range(len(kept), 1, -1):
            if ends[size - 1] - i == size:
                continue  # nothing skipped: the plain match above has tried it
            replacement = self.table.get(tuple(kept[:size]))
            if replacement is not None:
                return replacement, ends[size - 1]
        return None

    def rewrite(self, folded: Sequence[str]) -> list[str]:
        """Folded words in, folded words out."""
        if self.starts.isdisjoint(folded):
            return list(folded)
        return [w[1] for w in self.rewrite_words([(f, f) for f in folded])]


def _find(words: Phrase, phrase: Phrase) -> int:
    """Where ``phrase`` first occurs in ``words``, or -1."""
    size = len(phrase)
    return next((i for i in range(len(words) - size + 1) if words[i : i + size] == phrase), -1)


@dataclass(frozen=True)
class Lexicon:
    abbreviations: PhraseTable
    colloquial: PhraseTable
    stop_exact: frozenset[str]  # dropped when written with exactly these diacritics
    stop_plain: frozenset[str]  # dropped when written without diacritics
    stop_phrases: frozenset[Phrase]  # folded
    stop_weak: frozenset[str]  # plain words that are filler when next to filler or last
    aspect_cues: Mapping[str, frozenset[Phrase]]  # folded
    out_of_scope: frozenset[Phrase]  # folded topics the records do not cover
    variants: frozenset[Phrase] = frozenset()  # folded words that make a variant procedure
    shorthand: PhraseTable = field(default_factory=lambda: PhraseTable.build({}))
    # Out-of-scope topics no record's name shares words with: they tell even in a long question.
    out_of_scope_topics: frozenset[Phrase] = frozenset()
    # ... of them, those that ask which provider, and tell even after a purpose ("để").
    out_of_scope_anywhere: frozenset[Phrase] = frozenset()
    # Who handles a topic the records lack: (kind, its phrases), the first that matches wins.
    out_of_scope_kinds: tuple[tuple[str, frozenset[Phrase]], ...] = ()
    # Terms whose words are otherwise filler ("nhà ở", "tặng cho"): folded phrase -> the
    # words as spelled with marks; kept whole wherever they occur.
    terms: Mapping[Phrase, Phrase] = field(default_factory=dict)
    # Variant phrases as spelled with marks (folded phrase -> words as written).
    variant_spellings: Mapping[Phrase, Phrase] = field(default_factory=dict)
    # Stop phrases as spelled with marks (folded phrase -> each spelling listed).
    stop_spellings: Mapping[Phrase, frozenset[Phrase]] = field(default_factory=dict)
    # ``[groups.*]`` and ``[levels]`` as written: knowledge.audience reads them.
    groups: Mapping[str, Any] = field(default_factory=dict)
    levels: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def longest_term(self) -> int:
        return max((len(p) for p in self.terms), default=0)

    def term_positions(self, words: Sequence[Word]) -> set[int]:
        """Indices of ``words`` inside a listed term, each word written either without marks
        or with the term's own ("chỗ ở" and "cho o" are the term, "chợ ở" is not)."""
        kept: set[int] = set()
        folded = [w[1] for w in words]
        for size in range(2, self.longest_term + 1):
            for i in range(len(words) - size + 1):
                spelled = self.terms.get(tuple(folded[i : i + size]))
                if spelled is None:
                    continue
                if all(
                    raw in (plain, mark)
                    for (raw, plain), mark in zip(words[i : i + size], spelled, strict=True)
                ):
                    kept.update(range(i, i + size))
        return kept

    @cached_property
    def cue_index(self) -> dict[Phrase, str]:
        """Cue phrase -> aspect name (the first aspect listing it wins)."""
        index: dict[Phrase, str] = {}
        for name, cues in self.aspect_cues.items():
            for cue in cues:
                index.setdefault(cue, name)
        return index

    @cached_property
    def longest_cue(self) -> int:
        return max((len(p) for p in self.cue_index), default=1)

    @cached_property
    def longest_stop_phrase(self) -> int:
        return max((len(p) for p in self.stop_phrases), default=1)

    def mentions_out_of_scope(self, words: Sequence[Word], *, topics_only: bool = False) -> bool:
        """Whether the words ask about a topic the records do not cover (``topics_only``: one
        that no record's name shares words with), not merely as the purpose of something else
        ("giấy khai sinh để làm hồ sơ nhập học")."""
        return bool(self.out_of_scope_in(words, topics_only=topics_only))

    def out_of_scope_in(
        self, words: Sequence[Word], *, topics_only: bool = False
    ) -> frozenset[Phrase]:
        """The out-of-scope phrases the words name (see mentions_out_of_scope), not those
        said as done already ("đã có giấy phép lao động", "kỹ sư có giấy phép lao động"): what
        one has is not what one asks."""
        folded: list[str] = []
        purpose_at = -1  # where a purpose ("để ...") began; it runs to "thì" or the end
        for i, (raw, plain) in enumerate(words):
            if purpose_at >= 0 and (
                raw == _THEN or (raw == plain == _THEN_PLAIN and i > purpose_at + 1)
            ):
                purpose_at = -1  # "để đổi bằng lái thì khám ở đâu": the main clause again
            if (
                purpose_at < 0
                and (raw in _PURPOSE_WORDS or (raw == plain and plain in _PURPOSE_PLAIN))
                and not _asks_how(folded)
            ):
                purpose_at = i
            if purpose_at >= 0:
                folded.append(_NOT_ASKED + plain)
                continue
            done = (
                (i >= 1 and words[i - 1][0] == _DONE)
                or (i >= 2 and words[i - 2][0] == _DONE and words[i - 1][1] in _DONE_VERBS)
                or (
                    i >= 2
                    and words[i - 1][0] == _HAS
                    and words[i - 2][1] not in _WANTS
                    and words[i - 2][0] != _DONE
                )
            )
            folded.append(_NOT_ASKED + plain if done else plain)
        phrases = self.out_of_scope_topics
        if not topics_only:
            phrases = phrases | self.out_of_scope
        said = [w[1] for w in words]
        # "ở bệnh viện nào", "rẻ nhất": which provider is asked, whatever the purpose.
        found = find_phrases(folded, phrases) | find_phrases(said, self.out_of_scope_anywhere)
        # "giấy phép lao động có bắt buộc không": a paper asked about as a requirement of the
        # procedure asked, not the topic asked.
        return frozenset(p for p in found if not _required_only(said, p))

    def handled_by(self, folded: Sequence[str]) -> str:
        """The kind of body that handles what the folded words ask (``[out_of_scope.handled_by]``),
        or "" when none is named."""
        return next(
            (kind for kind, phrases in self.out_of_scope_kinds if find_phrases(folded, phrases)),
            "",
        )

    def variant_phrases(self, folded: Sequence[str]) -> frozenset[Phrase]:
        """The variant words ("cấp lại", "lưu động", ...) among folded words."""
        return find_phrases(folded, self.variants)

    def said_variants(self, words: Sequence[Word]) -> frozenset[Phrase]:
        """The variant words among a question's words, each written without marks or with the
        variant's own: "dùng" is not "dừng", though both fold to "dung"."""
        found = set()
        folded = [w[1] for w in words]
        for phrase in self.variant_phrases(folded):
            spelled = self.variant_spellings.get(phrase, phrase)
            size = len(phrase)
            for i in range(len(words) - size + 1):
                window = words[i : i + size]
                if tuple(folded[i : i + size]) == phrase and all(
                    raw.removeprefix(ADDED) == plain
                    or marks_key(raw.removeprefix(ADDED)) == marks_key(mark)
                    for (raw, plain), mark in zip(window, spelled, strict=True)
                ):
                    found.add(phrase)
                    break
        return frozenset(found)

    def is_stop_phrase(self, words: Sequence[Word]) -> bool:
        """Whether the words are a stop phrase, each written without marks or with the
        phrase's own: "có thẻ căn cước" holds a card, "có thể" is filler."""
        phrase = tuple(w[1] for w in words)
        if phrase not in self.stop_phrases:
            return False
        spellings = self.stop_spellings.get(phrase)
        if not spellings:
            return True
        return any(
            all(
                raw.removeprefix(ADDED) in (plain, mark)
                for (raw, plain), mark in zip(words, spelled, strict=True)
            )
            for spelled in spellings
        )

    def is_stopword(self, word: Word) -> bool:
        raw, folded = word
        if raw == folded:
            return folded in self.stop_plain
        return raw in self.stop_exact

    def expand_query(self, words: Sequence[Word]) -> list[Word]:
        """Chat shorthand, everyday words and abbreviations of a query into the portal's terms."""
        spelled = self.shorthand.rewrite_words(words)
        return self.abbreviations.rewrite_words(self.colloquial.rewrite_words(spelled))

    def expand_record(self, folded: Sequence[str]) -> list[str]:
        """Abbreviations in a record's folded text spelled out, as queries have them."""
        return self.abbreviations.rewrite(folded)


# What follows a paper that is asked about as a requirement ("... có bắt buộc không").
_REQUIRED = (("co", "bat", "buoc"), ("bat", "buoc"), ("co", "can", "thiet"))


def _asks_how(before: Sequence[str]) -> bool:
    """Whether the words before a purpose ask how ("làm sao để"); "bản sao để" is a copy."""
    if tuple(before[-2:]) == _COPY:
        return False
    return any(tuple(before[-len(how) :]) == how for how in _HOW_BEFORE_PURPOSE)


def _required_only(folded: Sequence[str], phrase: Phrase) -> bool:
    """Whether every time ``phrase`` occurs it is asked about as a requirement."""
    size = len(phrase)
    ends = [
        i + size for i in range(len(folded) - size + 1) if tuple(folded[i : i + size]) == phrase
    ]
    return bool(ends) and all(
        any(tuple(folded[end : end + len(after)]) == after for after in _REQUIRED) for end in ends
    )


def find_phrases(folded: Sequence[str], phrases: frozenset[Phrase]) -> frozenset[Phrase]:
    """Which of ``phrases`` occur in the folded words."""
    longest = max((len(p) for p in phrases), default=0)
    found = set()
    for size in range(1, longest + 1):
        for i in range(len(folded) - size + 1):
            phrase = tuple(folded[i : i + size])
            if phrase in phrases:
                found.add(phrase)
    return frozenset(found)


def _phrases(items: Any) -> frozenset[Phrase]:
    if not isinstance(items, list):
        return frozenset()
    return frozenset(p for p in (tuple(fold(str(i)).split()) for i in items) if p)


def _spelled(items: Any, *, shortest: int = 2) -> dict[Phrase, Phrase]:
    if not isinstance(items, list):
        return {}
    out: dict[Phrase, Phrase] = {}
    for item in items:
        words = split_words(str(item))
        if len(words) >= shortest:
            out[tuple(w[1] for w in words)] = tuple(w[0] for w in words)
    return out


def _spellings(items: Any) -> dict[Phrase, frozenset[Phrase]]:
    """Folded phrase -> every way the list spells it (two phrases may fold alike)."""
    out: dict[Phrase, set[Phrase]] = {}
    for item in items if isinstance(items, list) else []:
        words = split_words(str(item))
        if words:
            out.setdefault(tuple(w[1] for w in words), set()).add(tuple(w[0] for w in words))
    return {phrase: frozenset(spelled) for phrase, spelled in out.items()}


def _colloquial(data: Mapping[str, Any]) -> dict[str, str]:
    """The colloquial table, plus "người / quốc tịch / nước <country>" for each listed country
    and each topic's concepts (kept as said, the topic's procedure words added beside them)."""
    pairs = {str(k): str(v) for k, v in data.get("colloquial", {}).items()}
    for country in data.get("foreign", {}).get("countries", []):
        name = str(country)
        pairs.setdefault(f"người {name}", "yếu tố nước ngoài")
        pairs.setdefault(f"quốc tịch {name}", "quốc tịch nước ngoài yếu tố nước ngoài")
        pairs.setdefault(f"nước {name}", "nước ngoài yếu tố nước ngoài")
    for topic in data.get("topics", {}).values():
        words = str(topic.get("procedure", ""))
        for concept in topic.get("concepts", []):
            pairs.setdefault(str(concept), f"{concept} {words}")
    return pairs


def _out_of_scope_topics(data: Mapping[str, Any]) -> frozenset[Phrase]:
    """The listed topics (those that tell anywhere too), plus "xin / làm visa <country>": a
    visa to go to a country is that country's to give (the records hold the visas of
    foreigners coming to Việt Nam). Only asked for: "hộ chiếu còn visa Hàn Quốc" holds one
    already."""
    section = data.get("out_of_scope", {})
    listed = [str(t) for t in [*section.get("topics", []), *section.get("anywhere", [])]]
    countries = [str(c) for c in data.get("foreign", {}).get("countries", [])]
    visas = [
        f"{verb} {word} {country}"
        for verb in ("xin", "làm")
        for word in ("visa", "thị thực")
        for country in countries
    ]
    return _phrases(listed + visas)


def parse_lexicon(data: Mapping[str, Any]) -> Lexicon:
    stop = data.get("stopwords", {})
    aspects = data.get("aspects", {})
    return Lexicon(
        abbreviations=PhraseTable.build(data.get("abbreviations", {})),
        shorthand=PhraseTable.build(
            {str(k): str(v) for k, v in data.get("shorthand", {}).items()}
        ),
        colloquial=PhraseTable.build(
            _colloquial(data), inner=(fold(str(w)) for w in stop.get("inner", []))
        ),
        stop_exact=frozenset(nfc(str(w)).lower() for w in stop.get("words", [])),
        stop_plain=frozenset(fold(str(w)) for w in stop.get("plain", [])),
        stop_phrases=_phrases(stop.get("phrases", [])),
        stop_weak=frozenset(fold(str(w)) for w in stop.get("weak", [])),
        aspect_cues={name: _phrases(cues) for name, cues in aspects.items()},
        out_of_scope=_phrases(data.get("out_of_scope", {}).get("phrases", [])),
        out_of_scope_topics=_out_of_scope_topics(data),
        out_of_scope_anywhere=_phrases(data.get("out_of_scope", {}).get("anywhere", [])),
        out_of_scope_kinds=tuple(
            (str(kind), _phrases(phrases))
            for kind, phrases in data.get("out_of_scope", {}).get("handled_by", {}).items()
        ),
        variants=_phrases(data.get("variants", {}).get("phrases", [])),
        variant_spellings=_spelled(data.get("variants", {}).get("phrases", []), shortest=1),
        stop_spellings=_spellings(stop.get("phrases", [])),
        terms=_spelled(stop.get("terms", [])),
        groups=dict(data.get("groups", {})),
        levels=dict(data.get("levels", {})),
    )


def load_lexicon(path: Path | None = None) -> Lexicon:
    """The lexicon at ``path``, by default the one shipped in this package."""
    if path is None:
        return default_lexicon()
    with path.open("rb") as handle:
        return parse_lexicon(tomllib.load(handle))


@cache
def default_lexicon() -> Lexicon:
    # Beside this module (package data); importlib.resources is avoided because a tests/knowledge
    # folder on sys.path can make "knowledge" look like a namespace package to it.
    with (Path(__file__).resolve().parent / "lexicon.toml").open("rb") as handle:
        return parse_lexicon(tomllib.load(handle))
