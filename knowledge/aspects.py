"""What a question asks about a procedure (documents, time, fee, place, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from knowledge.lexicon import Lexicon, default_lexicon, split_words

MAX_TEXT = 2000  # the aspects of a pasted essay are in its first lines, if anywhere


class Aspect(StrEnum):
    DOCUMENTS = "documents"
    TIME = "time"
    FEE = "fee"
    PLACE = "place"
    ONLINE = "online"
    STEPS = "steps"
    CONDITIONS = "conditions"
    LEGAL = "legal"


def find_cues(words: Sequence[str], lexicon: Lexicon) -> tuple[list[Aspect], list[bool]]:
    """Aspects named in folded ``words`` (first mention order) and which words were cues."""
    found: list[Aspect] = []
    is_cue = [False] * len(words)
    cues = lexicon.cue_index
    longest = lexicon.longest_cue
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            name = cues.get(tuple(words[i : i + size]))
            if name is not None:
                aspect = Aspect(name)
                if aspect not in found:
                    found.append(aspect)
                for j in range(i, i + size):
                    is_cue[j] = True
                i += size
                break
        else:
            i += 1
    return found, is_cue


def detect_aspects(text: str, lexicon: Lexicon | None = None) -> list[Aspect]:
    """Aspects ``text`` asks about, in order of first mention ("lệ phí bao nhiêu" -> [fee])."""
    lex = lexicon or default_lexicon()
    words = [w[1] for w in lex.expand_query(split_words(text[:MAX_TEXT]))]
    return find_cues(words, lex)[0]
