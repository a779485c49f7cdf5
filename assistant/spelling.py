"""Spelling correction of a question before it is routed: "wat does plasebo mean" → "what does placebo mean".

SymSpell (``symspellpy``) over the words of the collection (titles, conditions, treatments, criteria,
places, the glossary's terms, the router's example questions): a word that is neither in symspellpy's
bundled English word list nor the records' own is replaced by the closest word of the collection. Names in
capitals mid-sentence, numbers and short words are left alone; chat shorthand ("u", "wat") comes from a
small data file beside the router's examples.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from importlib import resources

log = logging.getLogger(__name__)

TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*")
MIN_LENGTH = 4  # shorter words have too many neighbours to correct safely
SHORTHAND_FILE = "shorthand.tsv"


def _shorthand() -> dict[str, str]:
    text = resources.files("assistant").joinpath("routing", SHORTHAND_FILE).read_text("utf-8")
    pairs = (line.split("\t", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {a.strip().lower(): b.strip() for a, b in pairs}


class Speller:
    """Corrects questions against English plus the collection's vocabulary (built once, on first use)."""

    def __init__(self, domain_words: Callable[[], Iterable[str]]):
        self._domain_words = domain_words
        self._lock = threading.Lock()
        self._sym = None
        self._shorthand: dict[str, str] = {}
        self._english: set[str] = set()

    def _symspell(self):
        with self._lock:
            if self._sym is None:
                from symspellpy import SymSpell

                # candidates come from the collection's words only (a small index, built in about a second);
                # everyday English is only a list of words that are never "corrected"
                sym = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
                for word in {w.lower() for text in self._domain_words() for w in TOKEN.findall(text)}:
                    if len(word) >= 3:
                        sym.create_dictionary_entry(word, 1)
                english = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt")
                self._english = {line.split(" ", 1)[0] for line in english.read_text("utf-8").splitlines()}
                self._shorthand = _shorthand()
                self._sym = sym
            return self._sym

    def warm(self) -> None:
        self._symspell()

    def correct(self, question: str) -> str:
        """The question with misspelled words replaced; unchanged when every word is known."""
        from symspellpy import Verbosity

        sym = self._symspell()

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            low = word.lower()
            if low in self._shorthand:
                return self._shorthand[low]
            mid_sentence_name = word[:1].isupper() and m.start() > 0 and question[m.start() - 2:m.start()].strip() \
                not in ("", ".", "?", "!")
            if len(low) < MIN_LENGTH or low in sym.words or low in self._english or "'" in low or mid_sentence_name or word.isupper():
                return word
            found = sym.lookup(low, Verbosity.CLOSEST, max_edit_distance=1 if len(low) <= 5 else 2)
            if not found:
                return word
            best = found[0].term  # closest first; ties keep the index's order
            return best.capitalize() if word[:1].isupper() else best

        fixed = TOKEN.sub(fix, question)
        if fixed != question:
            log.info("spelling: %r → %r", question, fixed)
        return fixed
