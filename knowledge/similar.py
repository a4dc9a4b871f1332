"""Groups short texts that say nearly the same thing (the questions staff review together)."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from knowledge.normalise import fold

DEFAULT_CUTOFF = 80.0


def group_similar(texts: Sequence[str], cutoff: float = DEFAULT_CUTOFF) -> list[list[int]]:
    """Indices of ``texts`` in groups: each text joins the first group whose first text it
    matches at ``cutoff`` or more (token set ratio on folded text); groups keep input order,
    so pass the texts most worth leading a group first."""
    if not texts:
        return []
    scores = process.cdist(
        texts,
        texts,
        scorer=fuzz.token_set_ratio,
        processor=fold,  # no diacritics, lowercase, no punctuation
        score_cutoff=cutoff,
        workers=1,
    )
    groups: list[list[int]] = []
    leads: list[int] = []
    for i in range(len(texts)):
        for g, lead in enumerate(leads):
            if scores[i][lead] >= cutoff:
                groups[g].append(i)
                break
        else:
            leads.append(i)
            groups.append([i])
    return groups
