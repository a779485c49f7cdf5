"""Which of a study's treatments a question names ("how much of the chamomile drops?", "the L reuteri one"):
by the words of a treatment's name (or other names) that no other treatment of the study has."""
from __future__ import annotations

import re

from assistant.textutil import content_terms
from trialchat.facts import Arm, FactSheet, Intervention


def _own_terms(texts: list[str]) -> list[set[str]]:
    """Each text's words that no other text has (shared words such as "drops" or "solution" name none)."""
    terms = [content_terms(t) for t in texts]
    return [t - set().union(*(o for j, o in enumerate(terms) if j != i)) for i, t in enumerate(terms)]


# how a treatment is given names no treatment of a study in a question ("how many infusions in MiSLE?" asks of the
# stem cell infusion, not of the one named "Placebo Infusion")
FORM_WORDS = content_terms("infusion infusions injection injections shot shots tablet tablets pill pills capsule "
                           "capsules patch patches drops")
# a treatment's kind in everyday words: "is it surgery?" names the study's procedure
KIND_WORDS = {"procedure": "surgery surgical operation operate procedure", "device": "device gadget machine",
              "behavioral": "behavior behaviour therapy counselling counseling",
              "radiation": "radiation radiotherapy"}
STEM = 6  # "chamomile" names "Chamomilla": a shared start this long is the same word in another spelling


def _said(asked: set[str], words: set[str]) -> set[str]:
    """The words of ``words`` the question says, as written or spelled another way."""
    return {w for w in words if w in asked or (len(w) >= STEM and any(a[:STEM] == w[:STEM] for a in asked))}


def named_treatments(question: str, s: FactSheet) -> tuple[list[Intervention], list[Arm]]:
    """The treatments the question names, and the groups that get them; ([], []) when it names none, or
    names every one (then all are asked about)."""
    asked = content_terms(question) - FORM_WORDS
    own = _own_terms([f"{i.name} {i.other_names} {KIND_WORDS.get(i.type.lower(), '')}" for i in s.interventions])
    said = [_said(asked, words) for words in own]
    named = [i for i, words in zip(s.interventions, said, strict=True) if words]
    if not named or len(named) == len(s.interventions):
        return [], []
    words = set().union(*said)
    placebo = any("placebo" in i.name.lower() for i in named)  # "matching placebo to X" is not a group given X
    arms = [a for a in s.arms if content_terms(f"{a.label} {a.description}") & words
            and (placebo or "placebo" not in a.type.lower())]
    return named, arms


DOSE_ASKED = re.compile(r"\b(?:doses?|dosage|dosing|mg|ml|milligrams?|how many (?:drops|pills|tablets|shots|injections|"
                        r"patches|puffs))\b|\bhow much\b(?=.*\b(?:get|gets|got|given|give|gives|take|takes|took|"
                        r"receive\w*|used?)\b)", re.IGNORECASE)


def asks_dose_of_named(question: str, s: FactSheet) -> bool:
    """ "How much of the chamomile drops did they get?": an amount of one of the study's treatments, by name."""
    return bool(DOSE_ASKED.search(question)) and bool(named_treatments(question, s)[0])


def names_a_treatment(question: str, s: FactSheet) -> bool:
    """Whether the question names any of the study's own treatments ("what is C213 exactly?")."""
    asked = content_terms(question) - {"placebo"}
    return any(_said(asked, content_terms(f"{i.name} {i.other_names}")) for i in s.interventions)
