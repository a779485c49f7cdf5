"""What a short form in the question stands for, read from the study's own record: "what does ALK+ mean?" →
"Anaplastic Lymphoma Kinase" (the title), "what's rw-PFS?" → "real-world progression-free survival".

A long form is a run of words, one per letter of the short form, each starting with that letter (hyphens split
words: "Anti-Inflammatory" is two). A form written just before "(ALK" is taken first; a two-letter short form
only in that place, since two initials match by chance.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.textutil import split_sentences

# "ALK+", "ASDAS-MI", "rw-PFS", "SLEDAI": two capitals in a row somewhere in the token
SHORT_FORM = re.compile(r"(?<![\w-])([A-Za-z]*[A-Z]{2,}[A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)\+?(?![\w-])")
WORD = re.compile(r"[A-Za-z][A-Za-z']*")
MIN_WORD = 3  # "of", "to" are not what a letter of a short form stands for
MIN_LETTERS_ANYWHERE = 3
# a sentence that says what the short form is ("ASDAS-MI was achieved when …", "rw-PFS, defined as …")
DEFINES = re.compile(r"\b(defined as|was achieved when|is achieved when|means|refers to|is the|is a|was measured)\b",
                     re.IGNORECASE)
MAX_EXPLAINED = 300


def asked_short_forms(question: str, own_names: Iterable[str] = ()) -> list[str]:
    """The short forms the question names, without the study's own names ("what does ALK+ mean in ABP?")."""
    skip = {n.lower() for n in own_names}
    return [m.group(1) for m in SHORT_FORM.finditer(question) if m.group(1).lower() not in skip]


def long_form(short: str, text: str) -> str | None:
    """The words of ``text`` the short form stands for, as written there; None when no run of words fits."""
    letters = [c.lower() for c in short if c.isalpha()]
    if len(letters) < 2:
        return None
    words = list(WORD.finditer(text))
    found: list[tuple[bool, str]] = []
    for i in range(len(words) - len(letters) + 1):
        window = words[i:i + len(letters)]
        if all(w.group(0)[0].lower() == c and len(w.group(0)) >= MIN_WORD for w, c in zip(window, letters)):
            span = text[window[0].start():window[-1].end()]
            before_short = text[window[-1].end():window[-1].end() + len(short) + 4].lstrip().startswith(f"({short}")
            if before_short or len(letters) >= MIN_LETTERS_ANYWHERE:
                found.append((before_short, span))
    return max(found, key=lambda t: t[0])[1] if found else None


def find_long_form(short: str, fields: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """(field path, long form) from the first field that spells the short form out before "(short", else the
    first that spells it out anywhere."""
    anywhere: tuple[str, str] | None = None
    for path, text in fields:
        span = long_form(short, text)
        if span and f"{span} ({short}" in re.sub(r"\s+", " ", text):
            return path, span
        anywhere = anywhere or ((path, span) if span else None)
    return anywhere


def explaining_sentence(short: str, fields: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """(field path, sentence) of the record's first sentence that names the short form and says what it is."""
    for path, text in fields:
        for sentence in split_sentences(text.split("\n", 1)[-1]):
            at = sentence.find(short)
            says = DEFINES.search(sentence, at) if at >= 0 else None
            # the saying follows the short form closely: "ASDAS-MI was achieved when", not "This is a … (ALK+)"
            if says and says.start() - at <= len(short) + 12 and len(sentence) <= MAX_EXPLAINED:
                return path, sentence
    return None
