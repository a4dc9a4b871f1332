"""The document list as the crawl left it, made a list of documents again.

The crawl glued form file names onto document names ("...Thông tư số 53/2025/TT-BCA).1.Mu
CT01banhnhkmtheo", "...hết hạnmau so 20.doc"), kept form files as "forms" ("Thngts53.doc")
and, for some records, put the rest of the steps where the document list should be. These
helpers say what to drop; the loader drops it and reports it.
"""

from __future__ import annotations

import re

from knowledge.normalise import fold

# Not IGNORECASE: ".docxMau44.docx" is two files, ".document" is a word.
_EXTENSION = re.compile(
    r"(?<![“\"'])\.(?:docx?|DOCX?|Docx?|pdf|PDF|xlsx?|XLSX?|rtf|odt|zip|rar)(?![a-zà-ỹ])"
)
# A form word glued to the letter before it starts a file name ("hạnmau so 20", "CPMau45").
_FORM_WORD = re.compile(
    r"(?<=[^\s(“\"/])(?=(?:mẫu|mau|mus|maudon|phụ lục|phu luc|văn bản|báo cáo|tờ trình|đơn |"
    r"Mẫu|MẪU|Mau|Mus|Phụ lục|PHỤ LỤC|Phu luc|TTHC|TT\d|Đơn |Tờ khai|BC[. ])(?![a-zà-ỹ]))"
)
_PUNCT_GLUE = re.compile(
    r"(?<=[.;,)\]”])(?=[^\s\d.;,)\]”/])|(?<=[.;)\]”])(?=\d+[.\-]\s*[A-Za-zÀ-ỹ])"
)
# Enumerators left glued at the end ("...hàng không)12.1.", "...cá nhân7-").
_RESIDUE = re.compile(r"(?:(?<=[^\s\d])(?:\d{1,3}[.\-])+|(?<=[.;])\d{1,4})\s*$")
# A form word alone glued after the end of the name ("... Bộ Công an).Mau").
_FORM_STUB = re.compile(r"(?<=[.;)])(?:Mẫu|Mau|Mus|mau|MẪU)\.?\s*$")
_FILE_WORDS = 14  # a glued "file name" longer than this is text, not a file name
_VOWELS = re.compile(r"[aeiouy]", re.IGNORECASE)
_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xz]{5,}", re.IGNORECASE)
# Table headers flattened into the text ("Tên giấy tờMẫu đơn, tờ khaiSố lượng").
_TABLE_HEADER = re.compile(r"Tên giấy tờ\s*Mẫu đơn,?\s*tờ khai\s*Số lượng", re.IGNORECASE)
_RESULT_CODE = re.compile(r"^\s*KQ\.[A-Z]\d{2}\.\d+\s*$")


def _case_glue(text: str) -> list[int]:
    """Positions where a lowercase letter runs straight into a capital or a digit."""
    return [
        i
        for i in range(1, len(text))
        if text[i - 1].isalpha()
        and text[i - 1].islower()
        and (text[i].isupper() or text[i].isdigit())
    ]


def is_file_name(form: str) -> bool:
    """A form cell that names files ("Thngts53.doc", "Mau01.docx\nMau02.docx")."""
    return bool(_EXTENSION.search(form))


def _garbled_token(fragment: str) -> bool:
    """Vietnamese with its accented letters lost ("MuCT01banhnhkmtheo"), or a file name with
    dashes for spaces ("Mẫu-NA12,-Đơn-xin-thường-trú")."""
    core = fragment.strip(" .,;")
    letters = sum(ch.isalpha() for ch in core)
    if " " in core or letters < 6 or not any(ch.islower() for ch in core):
        return False
    camel = re.search(r"[a-z][A-Z]", core[1:]) is not None
    no_vowels = _CONSONANT_RUN.search(core) is not None or not _VOWELS.search(core)
    return (core.isascii() and (camel or no_vowels)) or core.count("-") >= 3


def _file_start(prefix: str) -> int | None:
    """Where the file name glued at the end of ``prefix`` begins (the text before an
    extension): the closest glue after punctuation or before a form word, else the closest
    lowercase-to-capital glue."""
    strong = [m.start() for m in _PUNCT_GLUE.finditer(prefix)]
    strong += [m.start() for m in _FORM_WORD.finditer(prefix)]
    for cut in sorted((c for c in strong if c > 0), reverse=True):
        if len(prefix[cut:].split()) <= _FILE_WORDS:
            return cut
    weak = _case_glue(prefix)
    return weak[-1] if weak else None


def _tidy(kept: str) -> str:
    return _RESIDUE.sub("", kept.rstrip()).rstrip(" ,;:-–_").strip()


def clean_document_name(name: str) -> tuple[str, str]:
    """(name without glued file names or garbled fragments, what was dropped)."""
    text = name.strip()
    for _ in range(3):  # a cut can uncover another glued fragment
        kept, dropped = _clean_once(text)
        if not dropped or not kept:
            break
        text = kept
    return text, name.strip()[len(text) :].strip()


def _clean_once(text: str) -> tuple[str, str]:
    ext = _EXTENSION.search(text)
    if ext is not None:
        prefix = text[: ext.start()]
        cut = _file_start(prefix)
        if cut is None:
            # The whole name reads as a file name ("Phụ lục ... .docx"): keep its words.
            return prefix.strip(" -_"), text[ext.start() :]
        kept = _tidy(prefix[:cut])
        return kept, text[len(kept) :].strip()
    stub = _FORM_STUB.search(text)
    if stub:
        return text[: stub.start()].rstrip(), stub.group(0)
    words = text.split(" ")
    last = words[-1]
    glue = [m.start() for m in _PUNCT_GLUE.finditer(last)] + _case_glue(last)
    for cut in sorted(c for c in glue if c > 0):
        if _garbled_token(last[cut:]):
            kept = _tidy(" ".join([*words[:-1], last[:cut]]))
            return kept, text[len(kept) :].strip()
    return text, ""


def steps_spill(steps: str, documents_raw: str) -> bool:
    """True when the raw document text is the rest of the steps (the crawl cut the steps at
    the words "Thành phần hồ sơ" and put what followed in the document column)."""
    raw = documents_raw.lstrip()
    if re.search(r"\bBước\s*\d", raw) or re.match(r"^[);.,:]", raw):
        return True
    ends_mid_sentence = bool(steps.rstrip()) and steps.rstrip()[-1] not in ".!?;:…"
    return ends_mid_sentence and raw[:1].islower()


def join_steps(steps: str, spill: str) -> str:
    """The steps with their spilled rest put back; the cut words are marked, not guessed,
    except "Thành phần hồ sơ" between brackets, which is what the crawl split on."""
    head = steps.rstrip()
    tail = spill.lstrip()
    if head.endswith("(") and tail.startswith(")"):
        return f"{head}Thành phần hồ sơ{tail}"
    return f"{head} (…) {tail}"


def clean_documents_raw(raw: str) -> str:
    """The raw document text without flattened table headers, result codes or dashes only."""
    text = _TABLE_HEADER.sub("\n", raw)
    lines = [ln.strip(" -\t") for ln in text.splitlines()]
    lines = [ln for ln in lines if fold(ln) and not _RESULT_CODE.match(ln)]
    return "\n".join(lines)
