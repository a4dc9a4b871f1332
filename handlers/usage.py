"""The port through which the core counts what it did (for ``motcua report``): anonymous kinds."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class UsageKind(StrEnum):
    """What happened; never who asked or what they wrote."""

    QUESTION_ANSWERED = "question_answered"  # a typed question answered with a procedure
    QUESTION_ABSTAINED = "question_abstained"  # no procedure fits: pointed to the portal
    CHOICE_OFFERED = "choice_offered"  # several procedures fit: the citizen chooses
    PROCEDURE_OPENED = "procedure_opened"  # a button, a choice or a deep link opened one
    LOOKUP_ATTEMPT = "lookup_attempt"  # a typed receipt code handed to the dossier dialog
    LOOKUP_LINK = "lookup_link"  # a d_<token> deep link (receipt QR opened in the app)
    LOOKUP_PHOTO = "lookup_photo"  # a photo of a receipt's QR code
    # Outcomes of typed-code lookups, recorded where the outcome is known (the dossier dialog).
    LOOKUP_FOUND = "lookup_found"
    LOOKUP_UNKNOWN = "lookup_unknown"
    LOOKUP_MALFORMED = "lookup_malformed"
    LOOKUP_LIMITED = "lookup_limited"


class UsageRecorder(Protocol):
    """Takes an event without waiting (buffered by the implementation); never raises."""

    def record(self, channel: str, kind: str, procedure_code: str | None = None) -> None: ...


class NoUsage:
    """The default: counts nothing."""

    def record(self, channel: str, kind: str, procedure_code: str | None = None) -> None:
        return None
