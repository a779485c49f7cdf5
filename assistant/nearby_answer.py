"""The answer to "any site near Boston?": the nearest sites with their distance and each one's own status
(open sites first; a withdrawn or closed site said as closed), or the sites in a region, or the nearest
one when none is within the distance asked. Sentences: ``[nearby]`` in prompts/answers.toml."""
from __future__ import annotations

import re

from assistant.answer_writer import AnswerWriter
from assistant.compose_where import SITE_CODE
from assistant.nearby import (
    KM_PER_MILE,
    Place,
    gazetteer,
    in_city_question,
    near_question,
    nearest,
    region_states,
    resolve,
    study_countries,
)
from trialchat.facts import RECRUITING_STATUSES, FactSheet, Site

MAX_NEAR = 5  # sites listed
SAME_PLACE_KM = 40.0
FAR_KM = 500.0  # nearest site farther than this: say first that none is near  # "a site in Portland, Maine": within this distance of the city
CLOSED = ("withdrawn", "terminated", "completed", "suspended", "active, not recruiting", "no longer available",
          "temporarily not available")


def near_sentences(w: AnswerWriter, q: str, s: FactSheet) -> bool:
    """Write the answer; False when the question names no place the gazetteer knows (the caller answers then).
    Places joined by "or" ("in Munich or around Stuttgart?") are answered one after the other."""
    parts = [p for p in OR_PLACES.split(q) if p.strip()]
    if len(parts) > 1:
        said = [_near_one(w, p, s) for p in parts[:MAX_PLACES_ASKED]]
        if any(said):
            return True
    return _near_one(w, q, s)


def _near_one(w: AnswerWriter, q: str, s: FactSheet) -> bool:
    region = region_states(q)
    if region:
        return _region(w, s, *region)
    nq = near_question(q)
    if not nq:  # "is there one in boston?": only when no site is in that city (else the list of sites there answers)
        nq = in_city_question(q, study_countries(s.sites))
        if nq and any(site.city.lower() == nq.words.lower() for site in s.sites):
            return False
    if not nq:
        return False
    origin = resolve(nq.words, study_countries(s.sites))
    if origin is None:
        return False
    ranked, unplaced = nearest(origin, s.sites)
    if not ranked:
        return False
    place = place_words(origin)
    radius = nq.radius_km if nq.radius_km is not None else SAME_PLACE_KM if nq.exact else None
    within = [t for t in ranked if radius is None or t[1] <= radius]
    if radius is not None and not within:
        site, km = ranked[0]
        w.say("nearby.none_within", site, place=place, radius=distance_words(radius, origin, rough=False),
              site=site_words(site), distance=distance_words(km, origin))
        _status_line(w, site)
        return True
    shown = sorted(within[:MAX_NEAR], key=lambda t: (_rank(t[0]), t[1]))
    if shown[0][1] > FAR_KM:
        shown = sorted(within[:MAX_NEAR], key=lambda t: t[1])[:2]  # all far away: the nearest two say it  # open sites first, then nearest
    key = "nearby.intro_within" if nq.radius_km else "nearby.intro_far" if shown[0][1] > FAR_KM else "nearby.intro"
    ordered = any(site.status for site, _ in shown)  # "open sites first" only when the record gives statuses
    w.say(key, [t[0] for t in shown], place=place, n=len(within), shown=len(shown), ordered=ordered)
    for site, km in shown:
        w.item("nearby.site", site, site=site_words(site), distance=distance_words(km, origin), status=_status(site))
    if unplaced:
        w.say("nearby.unplaced", unplaced[:3], n=len(unplaced))
    return True


def _region(w: AnswerWriter, s: FactSheet, name: str, states: tuple[str, ...]) -> bool:
    g = gazetteer()
    matched = [x for x in s.sites if g.country_code(x.country) == "US" and g.state_code(x.state) in states]
    label = ("" if name == "new england" else "the ") + name.title()  # "the Pacific Northwest", "New England"
    if not matched:
        summary: list = [s.sites_summary] if s.sites_summary else s.sites[:3]
        return w.say("nearby.none_in_region", summary, region=label,
                     states=", ".join(g.state_names[c] for c in states if c in g.state_names))
    w.say("nearby.in_region", matched[:MAX_NEAR], region=label, n=len(matched))
    for site in sorted(matched, key=_rank)[:MAX_NEAR]:
        w.item("nearby.site_in_region", site, site=site_words(site, with_state=True), status=_status(site))
    return True


# "in Munich or around Stuttgart", "near Leeds or Manchester": each place asked about in turn
OR_PLACES = re.compile(r"\s+or\s+(?=(?:in|near|around|close to|by)?\s*[A-Z])")
MAX_PLACES_ASKED = 3


def place_words(p: Place) -> str:
    """'Boston, Massachusetts', 'Munich, Germany', 'Chicago, IL 60601'."""
    g = gazetteer()
    if "," in p.name:
        return p.name
    where = g.state_names.get(p.admin1, "") if p.country == "US" else g.country_names.get(p.country, p.country)
    return f"{p.name}, {where}" if where else p.name


def distance_words(km: float, origin: Place, rough: bool = True) -> str:
    """'about 12 miles (19 km)' for a place in the US or UK, 'about 19 km' elsewhere."""
    if km < 1.5 and rough:
        return "in the same city"
    about = "about " if rough else ""
    if origin.country in ("US", "GB"):
        return f"{about}{_round(km / KM_PER_MILE)} miles ({_round(km)} km)"
    return f"{about}{_round(km)} km"


def _round(x: float) -> str:
    return f"{x:.0f}" if x < 100 else f"{round(x, -1):.0f}"


def site_words(site: Site, with_state: bool = False) -> str:
    parts = [SITE_CODE.sub("", site.facility), site.city] + ([site.state] if with_state else [])
    return ", ".join(x for x in parts if x)


def _status(site: Site) -> str:
    st = site.status.strip().lower()
    if not st:
        return ""
    if site.status in RECRUITING_STATUSES:
        return "taking people"
    if st == "not yet recruiting":
        return "not taking people yet"
    return f"closed ({st})" if st in CLOSED else st


def _rank(site: Site) -> int:
    st = _status(site)
    return 0 if st == "taking people" else 2 if st.startswith("closed") else 1


def _status_line(w: AnswerWriter, site: Site) -> None:
    st = _status(site)
    if st:
        w.say("nearby.site_status", site, status=st)
