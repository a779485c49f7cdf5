"""The answer to "where is it?": the study's sites from its fact sheet, counted, filtered or absent."""
from __future__ import annotations

import re
from importlib import resources

from assistant.answer_writer import AnswerWriter, country_words, join_words
from assistant.nearby import country_of_demonyms, gazetteer, sites_in_continent
from trialchat.facts import ENDED_STATUSES, FactSheet, Site, ranked_counts

MAX_SITES_LISTED = 6  # sites named in one sentence before "and N more"
SITE_CODE = re.compile(r"\s*/?\s*ID#\s*\d+\s*$")  # "… /ID# 254767": a sponsor's site code, not a name
LONGER_NAME = re.compile(r"\b([A-Z][a-z]+)\s+$")  # a capitalised word just before a name: part of a longer one
NOT_NAME_WORDS = {"in", "is", "any", "the", "near", "of", "a", "at", "site", "sites", "about", "and", "or", "what", "how",
                  "where", "which", "there", "from", "around", "to"}
OUTSIDE = re.compile(r"\b(?:outside(?: of)?|other than|besides|apart from|except(?: for)?|beyond|not (?:just|only) in)\s+"
                     r"(?:the\s+)?[A-Z]", re.IGNORECASE)
ASKS_STATUS = re.compile(r"\b(open|recruiting|taking (new )?(people|patients)|enrolling|accepting)\b", re.IGNORECASE)
HOW_MANY_SITES = re.compile(r"\bhow many (?:sites|places|locations|centers|centres|hospitals|clinics)\b", re.IGNORECASE)
ASKS_WHICH = re.compile(r"^\W*(?:which|what|where|list|name|how many|tell me|show me)\b", re.IGNORECASE)  # not a yes/no
PLACE_ALIASES = {"usa": "united states", "america": "united states", "uk": "united kingdom"}


def where_sentences(w: AnswerWriter, q: str, s: FactSheet, places: frozenset[str]) -> None:
    """Every site counted by country (and U.S. state), or the sites in a place the question names
    ("Is there a site in Arizona?"), or that none is listed there."""
    summary: list = [s.sites_summary] if s.sites_summary else s.sites[:3]
    ranked = ranked_counts(x.country for x in s.sites if x.country)
    place, matched = place_in(country_of_demonyms(q), s, places)  # "which German cities": Germany
    if place and OUTSIDE.search(q) and s.sites:  # "anywhere outside Germany?": the sites not there
        others = [x for x in s.sites if x not in matched]
        if not others:
            w.say("where.outside_none", summary or list(matched[:1]), place=place, n=len(matched))
        else:
            w.say("where.outside_some", others[:MAX_SITES_LISTED], place=country_words(place), n=len(others),
                  countries=join_words([c for c, _ in ranked_counts(x.country for x in others if x.country)][:10]))
    elif place and matched:  # the count, then one short sentence per site
        if HOW_MANY_SITES.search(q) and len(matched) < len(s.sites):  # "how many sites, and any in Canada?": all first
            _all_sites(w, s, summary, ranked, cities=False)
        # "is it open in Spain?": a yes would answer the place, not whether it is open (the status says that)
        listed = ASKS_STATUS.search(q) or ASKS_WHICH.search(q)
        w.say("where.in_place_listed" if listed else "where.in_place", list(matched[:MAX_SITES_LISTED]), place=place, n=len(matched),
              more=len(matched) > MAX_SITES_LISTED)
        for site in matched[:MAX_SITES_LISTED]:
            w.say("where.site_in_place", site, site=_site_words(site, place))
    elif place:
        _not_in_place(w, s, place, summary, ranked)
    elif len(s.sites) == 1:
        w.say("where.one_site_past" if _ended(s) else "where.one_site", s.sites[0], place=_site_words(s.sites[0]))
    else:
        _all_sites(w, s, summary, ranked)


def _not_in_place(w: AnswerWriter, s: FactSheet, place: str, summary: list, ranked: list[tuple[str, int]]) -> None:
    """None in the place asked: the few sites by name, or the U.S. states that have sites, or the countries."""
    states = ranked_counts(x.state for x in s.sites if x.country == "United States" and x.state)
    if len(s.sites) <= MAX_SITES_LISTED:
        w.say("where.not_in_place_sites", s.sites, place=place, n=len(s.sites),
              sites=join_words([_site_words(x) for x in s.sites]))
    elif states and gazetteer().state_code(place):  # a U.S. state asked: the states that have sites
        w.say("where.not_in_place_states", s.sites_by_us_state or summary, place=place,
              states=join_words([st for st, _ in states[:12]]))
    else:
        w.say("where.not_in_place", summary, place=place,
              countries=join_words([c for c, _ in ranked[:10]]) or "other places")


def _all_sites(w: AnswerWriter, s: FactSheet, summary: list, ranked: list[tuple[str, int]], cities: bool = True) -> None:
    n = len(ranked)
    w.say("where.summary_past" if _ended(s) else "where.summary", summary, sites=f"{len(s.sites)} sites",
          countries=f"{n} countries" if n > 1 else (country_words(ranked[0][0]) if ranked else "the places listed"))
    if n > 1:
        rest = f", and {n - 10} more countries" if n > 10 else ""
        w.say("where.countries", summary, list=", ".join(f"{c} ({k})" for c, k in ranked[:10]) + rest)
    if s.sites_by_us_state:
        top = ranked_counts(x.state for x in s.sites if x.country == "United States" and x.state)
        shown = ", ".join(f"{st} ({k})" for st, k in top[:10]) + \
            (f", and {len(top) - 10} more states" if len(top) > 10 else "")
        w.say("where.states", s.sites_by_us_state, list=shown)
    if not cities:
        return
    names = list(dict.fromkeys(x.city for x in s.sites if x.city))
    if names and (n <= 1 or len(s.sites) <= 12):
        picked = [next(x for x in s.sites if x.city == c) for c in names[:5]]
        w.say("where.cities", picked, list=", ".join(names[:5]) + (" and others" if len(names) > 5 else ""))


def place_in(q: str, s: FactSheet, places: frozenset[str]) -> tuple[str, list[Site]]:
    """A place named in the question, and the sites there ([] when none is listed there)."""
    names: dict[str, list[Site]] = {}
    spelled: dict[str, str] = {}
    for site in s.sites:
        for value in (site.country, site.state, site.city):
            if value and len(value) > 2:
                names.setdefault(value.lower(), []).append(site)
                spelled.setdefault(value.lower(), value)
    for value in places:
        names.setdefault(value.lower(), [])
        spelled.setdefault(value.lower(), value)
    for name in sorted(names, key=len, reverse=True):
        m = re.search(rf"\b{re.escape(name)}\b", q, re.IGNORECASE)
        if m:
            longer = LONGER_NAME.search(q[:m.start()])
            if longer and longer.group(1).lower() not in NOT_NAME_WORDS:  # "Baja California", "Northern Ireland"
                return f"{longer.group(1)} {spelled[name]}", []
            sites = sites_in_continent(name, s.sites)
            sites = names.get(PLACE_ALIASES.get(name, name), []) if sites is None else sites
            return _which(spelled[name], sites), sites
    return "", []


# "who's the contact there?", "is it open there?": a place said before (not "is there …", "there are …")
THERE_RE = re.compile(r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<!\bbe )\bthere\b(?!\s+(?:is|are|was|were|will|be|any|"
                      r"a|an|been)\b)", re.IGNORECASE)


def place_said_before(turns: list[str], s: FactSheet) -> str:
    """The one city of the study's sites the newest turn that names any of them names ("Cedars-Sinai Medical Center
    in Los Angeles is listed as recruiting"): what "there" points at; "" when that turn names several or none does."""
    cities = {x.city for x in s.sites if x.city and len(x.city) > 2}
    for turn in reversed(turns):
        said = {c for c in cities if re.search(rf"\b{re.escape(c)}\b", turn, re.IGNORECASE)}
        if said:
            return said.pop() if len(said) == 1 else ""
    return ""


def _which(place: str, sites: list[Site]) -> str:
    """A city or state said with where it is ("Birmingham, Alabama", "Georgia, United States"), so a reader
    who meant the namesake elsewhere sees it is not theirs."""
    first = sites[0] if sites else None
    if first and first.city.lower() == place.lower():
        return ", ".join(x for x in (first.city, first.state or first.country) if x)
    if first and first.state.lower() == place.lower() and first.country:
        return f"{first.state}, {first.country}"
    return place


def load_places() -> frozenset[str]:
    """Place names a question may name (``assistant/routing/places.txt``), beyond the study's own sites."""
    text = resources.files("assistant").joinpath("routing", "places.txt").read_text("utf-8")
    return frozenset(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


def _site_words(site: Site, place: str = "") -> str:
    """'Emory University, Atlanta, Georgia, United States'; within a place asked about, only what is
    not the place itself; without registry site codes ("… /ID# 254767")."""
    facility = SITE_CODE.sub("", site.facility)
    parts = [facility, site.city] + ([] if place else [site.state, site.country])
    return ", ".join(x for x in parts if x and x.lower() != place.lower())


def _ended(s: FactSheet) -> bool:
    return bool(s.status and s.status.value in ENDED_STATUSES)


# a place people are seen at, named in running text ("University of Naples", "Pediatric Gastroenterology units")
INSTITUTION = re.compile(r"\b(?:Universit\w+|Hospitals?|Clinics?|Cent(?:er|re)s?|Institutes?|Medical School|units?|"
                         r"departments?|sites?|centres?|clinics?)\b")
MAX_DESCRIBED_CHARS = 600


def described_places(w: AnswerWriter, bodies: list[tuple[str, str]]) -> bool:
    """With no site list, the description's sentence that names the most places (institutions, cities), quoted."""
    g = gazetteer()
    best: tuple[int, str, str] | None = None
    for path, text in bodies:
        for sent in re.split(r"(?<=[.!?])\s+(?=[A-Z])", re.sub(r"\s+", " ", text)):
            if len(sent) > MAX_DESCRIBED_CHARS or not INSTITUTION.search(sent):
                continue
            cities = sum(1 for word in set(re.findall(r"\b[A-Z][a-z]{3,}\b", sent)) if g.city(word))
            score = cities + len(INSTITUTION.findall(sent))
            if cities and (best is None or score > best[0]):
                best = (score, path, sent)
    return best is not None and w.say("where.described", [(best[1], best[2])], quote=best[2].rstrip(" ."))
