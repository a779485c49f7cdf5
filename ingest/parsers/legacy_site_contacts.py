"""A legacy study-fields record lists its sites' contacts as one flat list for all sites, with no count per
site, so their order cannot say whose site is whose. What can: an e-mail address names its person ("holly.milaeger@…")
and its institution ("…@northwestern.edu" is Northwestern University, "…@omrf.org" the Oklahoma Medical Research
Foundation). A contact is given to a site only when both say so; anyone else is left out, never guessed.
"""
from __future__ import annotations

import re

from ingest.parsers.legacy_fields import column

_WORD = re.compile(r"[a-z0-9]+")
_NOT_NAMING = frozenset({"of", "at", "the", "for", "and", "in", "de", "la"})
# parts of an address that name no institution ("med.unc.edu", "mail.example.org")
_GENERIC_LABELS = frozenset({"www", "mail", "email", "med", "medicine", "edu", "org", "com", "net", "gov", "health"})
MIN_LABEL = 3  # a shorter label ("cs") names nothing for sure
MAX_INITIALS = 2  # "kcaylor", "anshaw": initials before the surname
MIN_SURNAME_PREFIX = 5  # "wakefies" is Susannah Wakefield's address: the surname's first letters are enough


def _facility_words(facility: str) -> list[str]:
    return [w for w in _WORD.findall(facility.lower()) if w not in _NOT_NAMING]


def names_facility(email: str, facility: str) -> bool:
    """Whether the address's domain names the facility: one of its words ("emory"), or its initials ("omrf",
    "urmc") or their start ("unc" for the University of North Carolina at Chapel Hill)."""
    words = _facility_words(facility)
    initials = "".join(w[0] for w in words)
    labels = [x for x in email.lower().rpartition("@")[2].split(".")[:-1] if x not in _GENERIC_LABELS]
    return any(len(x) >= MIN_LABEL and (x in words or x == initials or initials.startswith(x)) for x in labels)


def _names_person(email: str, name: str) -> bool:
    """Whether the address's own part names the person: their surname, or its first letters ("wakefies")."""
    words = [w for w in _WORD.findall(name.split(",")[0].lower()) if len(w) > 1]
    surname = words[-1] if words else ""
    # each word of the address alone ("kallena-haynes" is not Maria Allen's): the surname, with an initial or two
    # before it ("kcaylor"), or its first letters ("wakefies")
    return bool(surname) and any(
        t == surname or (t.endswith(surname) and len(t) - len(surname) <= MAX_INITIALS)
        or (len(surname) >= MIN_SURNAME_PREFIX and t.startswith(surname[:MIN_SURNAME_PREFIX]))
        for t in _WORD.findall(email.lower().partition("@")[0]))


def site_contacts(rec: dict, facilities: list[str]) -> list[list[dict]]:
    """For each facility (in order), the contacts whose e-mail names both them and that facility, as API v2
    location contacts; an empty list for a site none is sure of."""
    names, roles = column(rec, "LocationContactName"), column(rec, "LocationContactRole")
    emails, phones = column(rec, "LocationContactEMail"), column(rec, "LocationContactPhone")
    out: list[list[dict]] = [[] for _ in facilities]
    if len(names) != len(roles):
        return out
    people = [n for n, r in zip(names, roles, strict=True) if r.strip().lower() == "contact"]
    # (a phone goes with its address only when the two lists are the same length: then they are read in step)
    phone_of = dict(zip(emails, phones, strict=True)) if len(emails) == len(phones) else {}
    for email in emails:
        who = [p for p in people if _names_person(email, p)]
        where = [i for i, f in enumerate(facilities) if names_facility(email, f)]
        if len(who) == 1 and len(where) == 1:
            contact = {"name": who[0], "role": "CONTACT", "email": email}
            if phone_of.get(email):
                contact["phone"] = phone_of[email]
            out[where[0]].append(contact)
    return out
