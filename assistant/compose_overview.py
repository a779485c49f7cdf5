"""Two answers people ask for in their own words, composed from the record's own facts:

- *overview* ("C-AXSPAND?", "tell me about the certolizumab study"): what it tests, for whom, phase,
  status, where, who runs it — one short cited sentence each;
- *time in study* ("how long would I be in it?", "how often are the visits?", "how many shots?"): the
  person's time, not the study's calendar — the record's sentences that give durations, frequencies
  and counts (arms, treatments, summary), each quoted in a plain frame, and when the main results are
  checked.
"""
from __future__ import annotations

import re
from typing import Any

from assistant.answer_writer import AnswerWriter, ChunkLookup, join_words
from assistant.compose_checks import asks_checks, tests_and_checks
from assistant.composers import composes
from assistant.question_focus import LENGTH, question_focus
from assistant.scoping import TITLE_FORMERLY_RE
from assistant.textutil import content_terms, overlap, split_sentences
from assistant.vocab import spelled_out
from trialchat.facts import Arm, FactSheet, age_in_years

MAX_CONDITIONS = 2
MAX_TIME_QUOTES = 3
SAME_SENTENCE = 0.6  # shared share of content words above which two sentences say the same
QUOTE_CHARS = 300  # a longer sentence is not a plain answer: skip it
DESCRIPTION_FIELDS = ("protocolSection.descriptionModule.briefSummary",
                      "protocolSection.descriptionModule.detailedDescription", "page.what_this_research_studies",
                      "page.summary", "page.what_participants_do")
# durations ("52 weeks", "up to 2 years", "Week 24"), frequencies ("every 2 weeks", "once daily") and counts
DURATION = re.compile(r"\b\d+(?:\.\d+)?\s*(?:-|to)?\s*\d*\s*(?:weeks?|months?|days?|years?|hours?|minutes?|min|h)\b|"
                      r"\b(?:weeks?|months?|days?)\s+\d+\b", re.IGNORECASE)
FREQUENCY = re.compile(r"\bevery\s+(?:\d+(?:\s*(?:-|to)\s*\d+)?\s+|other\s+)?(?:days?|weeks?|months?|\w+ weeks|\w+ days)\b|\b(?:once|twice|"
                       r"three times|\d+ times)\b|\bdaily\b|\bweekly\b|\bmonthly\b|\bq\d+w\b|\bvisits?\b|"
                       r"\bper (?:day|week|month)\b", re.IGNORECASE)
DOSES = re.compile(r"\b(?:\d+|one|two|three|four|five|six|single)\s+(?:\w+\s+)?(?:injections?|infusions?|doses?|"
                   r"shots?|treatments?|visits?|patches|tablets?|cycles?|rounds?)\b", re.IGNORECASE)
ASKS_OFTEN = re.compile(r"\bhow often\b|\bvisits?\b|\bfrequen|\bevery\b|\bhow many times\b|\bschedule\b", re.I)
ASKS_VISITS = re.compile(r"\bvisits?\b|\bclinic\b|\b(?:go|come) (?:in|back)\b|\bhospital\b|\bappointments?\b", re.I)
HOW_OFTEN = re.compile(r"\bevery\b|\b(?:once|twice|\d+ times)\b|\b(?:daily|weekly|monthly)\b|\bper (?:day|week|month)\b|"
                       r"\b\d+\s+visits?\b|\bweeks? \d+|\bmonths? \d+|"
                       # "followed up 3, 6 and 12 months after injection": a list of times is a schedule
                       r"\b\d+(?:\s*,\s*\d+)*\s*(?:,\s*)?(?:and|&)\s*\d+\s*(?:days?|weeks?|months?)\b", re.I)
SEEN = re.compile(r"\b(?:visits?|appointments?|clinic|seen|follow(?:ed)?[- ]?up|check[- ]?ups?|assess\w*)\b", re.I)
DAY_LIST = re.compile(r"\b(?:days?|weeks?|months?)\s+\d+(?:\s*,\s*\d+)+", re.I)
VISIT = re.compile(r"\bvisits?\b|\bappointments?\b|\bclinic\b", re.I)
ASKS_COUNT = re.compile(r"\bhow many\b.*\b(shots?|injections?|infusions?|doses?|pills?|tablets?|visits?|"
                        r"treatments?|patch)", re.I)


EACH_VISIT = re.compile(r"\b(?:each|every|per) visit\b", re.IGNORECASE)
ASKS_DOING = re.compile(r"\bwhat (?:would|will|do|does|did) (?:i|we|you|they|he|she|my \w+)\b.{0,30}\b(?:do|have to|"
                        r"go through|happen)|\bwhat happens\b|\bdo to (?:me|you|him|her|us)\b|\bat (?:each|the) visits?\b|"
                        r"\bwhat is involved\b|\bwhat'?s involved\b", re.IGNORECASE)
PROCEDURE = re.compile(r"\b(visits?|questionnaires?|surveys?|blood (?:samples?|tests?|draws?)|samples?|app|smartphones?|"
                       r"computers?|diary|infusions?|injections?|injected|tablets?|pills?|patch(?:es)?|scans?|MRI|x-rays?|"
                       r"interviews?|examin\w+|tests?|assessments?|check(?:s|ed|ing)?|side effects?)\b", re.IGNORECASE)
PERSON = re.compile(r"\b(participants?|patients?|subjects?|you|women|men|children|infants|babies|they|each person)\b",
                    re.IGNORECASE)
AIM = re.compile(r"(?:the |our |this )?(?:goal|purpose|aim|objective|hypothesis)s?\b|this (?:study|trial|project) "
                 r"(?:will|aims|is designed)", re.IGNORECASE)  # why the study is done, not what people do
MAX_DOING_QUOTES = 3


def placebo_arms(s: FactSheet) -> list[Arm]:
    """The study's groups that get a placebo, by their type or their label."""
    return [a for a in s.arms if "placebo" in (a.type + " " + a.label).lower()]


@composes("overview")
def overview(composer: Any, w: AnswerWriter, q: str, s: FactSheet) -> None:
    """What the study is, in five short sentences from the fact sheet."""
    observational = s.observational
    renamed = TITLE_FORMERLY_RE.match(s.title)
    if renamed and s.title_fact:  # "arthritis power?": the name it has now, which people may not know
        w.say("overview.renamed", s.title_fact, now=renamed.group("now"), was=renamed.group("was"))
    conditions = [spelled_out(c.value) for c in s.conditions[:MAX_CONDITIONS]]  # "lung cancer (NSCLC)"
    # (a registry of 64 conditions is not one "for rheumatoid arthritis and ankylosing spondylitis")
    condition_words = join_words(conditions) if len(s.conditions) <= MAX_CONDITIONS else \
        f"one of {len(s.conditions)} conditions (for example, {' or '.join(conditions)})"
    real = [i for i in s.interventions if "placebo" not in i.name.lower()] or s.interventions
    placebo = bool(placebo_arms(s)) or len(real) < len(s.interventions)
    if observational and s.study_type:
        w.say("overview.watches", [s.study_type, *s.conditions[:MAX_CONDITIONS]],
              conditions=condition_words or "a health condition",
              registry="registry" in s.study_type.value.lower())
    elif real:
        w.say("overview.tests", [*real[:3], *s.conditions[:MAX_CONDITIONS]],
              names=join_words([i.name for i in real[:3]]), conditions=condition_words, placebo=placebo)
    elif (plain := _summary_sentence(composer, s, PLAIN_SUMMARY)) or not s.conditions:
        # no treatment on the sheet: a plain-language summary (or, with no condition either, the record's summary)
        # says what the study is better than its condition headings ("Autoimmune Diseases")
        path, first = plain or _summary_sentence(composer, s, DESCRIPTION_FIELDS[0]) or ("", "")
        if first:
            w.say("overview.summary", [(path, first)], quote=first.rstrip(" ."))
    else:
        w.say("overview.about", list(s.conditions[:MAX_CONDITIONS]), conditions=condition_words)
    doing = _doing_sentences(composer, s, q)[:MAX_DOING_QUOTES] if ASKS_DOING.search(q) else []
    if doing:  # "what would I have to do?": what taking part means, in the record's words, after what it is
        for i, (path, sent) in enumerate(doing):
            w.say("overview.doing" if i == 0 else "record.also", [(path, sent)], quote=sent.rstrip(" .;"))
        if EACH_VISIT.search(q):  # "what happens at each visit?": what the record does not give, said so
            w.say("overview.no_visit_plan", doing[:1])
        return
    low, high = age_in_years(s.min_age.value if s.min_age else None), \
        age_in_years(s.max_age.value if s.max_age else None)
    ages = [f for f in (s.min_age, s.max_age) if f]
    if low is not None and high is not None:
        w.say("overview.ages", ages, ages=f"aged {low:g} to {high:g}")
    elif low is not None:
        w.say("overview.ages", ages, ages=f"aged {low:g} or older")
    if s.given_phase:
        w.say("phase.phase", s.given_phase, phase=s.given_phase.value.replace(", Phase ", "/"))
    composer._status_sentence(w, s)
    composer._stale_note(w, s)  # "looking for people right now" in a record whose own end date has passed
    countries = list(dict.fromkeys(x.country for x in s.sites if x.country))
    if len(s.sites) > 1:
        w.say("overview.sites", [s.sites_summary] if s.sites_summary else s.sites[:1], n=len(s.sites),
              countries=f"{len(countries)} countries" if len(countries) > 1 else (countries or ["one country"])[0])
    elif s.sites:
        w.say("overview.one_site", s.sites[0], place=", ".join(x for x in (s.sites[0].city, s.sites[0].country) if x))
    if observational:  # a registry people join from a phone or computer: how they take part, not only its site
        taking_part_remotely(composer, w, q, s)
    if s.sponsor:
        w.say("overview.sponsor", s.sponsor, sponsor=s.sponsor.value)


PLAIN_SUMMARY = "page.summary"  # a plain-language page's own summary, written for patients


def _summary_sentence(composer: Any, s: FactSheet, path: str) -> tuple[str, str] | None:
    """(field path, first sentence) of a summary field, when it is short enough to quote."""
    for _cid, text, meta in composer.chunks(s.study_id, path):
        first = next(iter(split_sentences(text.split("\n", 1)[-1])), "")
        if first and len(first) <= QUOTE_CHARS:
            return meta.get("field_path", path), first
    return None


def field_bodies(chunks: ChunkLookup, study_id: str, paths: tuple[str, ...]) -> list[tuple[str, str]]:
    """(field path, text without its label line) of every chunk of these fields of the study, in field order."""
    return [(meta.get("field_path", path), text.split("\n", 1)[-1])
            for path in paths for _cid, text, meta in chunks(study_id, path)]


def _doing_sentences(composer: Any, s: FactSheet, q: str = "") -> list[tuple[str, str]]:
    """The record's sentences that say what people taking part do or have done to them (visits, samples,
    questionnaires, an app, an infusion): those naming the most such things, and the question's words, first."""
    fields = field_bodies(composer.chunks, s.study_id, DESCRIPTION_FIELDS)
    fields += [(a.path, a.description) for a in s.arms if a.description]
    out: list[tuple[str, str]] = []
    for path, text in fields:
        for sent in split_sentences(text):
            things = len(PROCEDURE.findall(sent))  # one thing done to a person, or several ("assessments, questionnaires")
            if len(sent) <= QUOTE_CHARS and things and (PERSON.search(sent) or things >= 2) \
                    and not AIM.match(sent) and all(sent != x for _, x in out):
                out.append((path, sent))
    asked = content_terms(q)
    return sorted(out, key=lambda t: -(len(PROCEDURE.findall(t[1])) + 2 * len(asked & content_terms(t[1]))))


# taking part without going anywhere: asked ("do i have to go somewhere?", "from home?", "all on my phone?") and
# said by a record ("the app runs on web browsers and smartphones")
REMOTE_Q = re.compile(r"\b(?:go (?:somewhere|anywhere|in|to (?:a|the) (?:site|clinic|hospital|center|centre))|travel|(?:need|have|has) to go to|"
                      r"in person|from home|at home|remotely|online|on (?:my|the) (?:phone|computer)|come in)\b",
                      re.IGNORECASE)
REMOTE_SAID = re.compile(r"\b(?:app|smartphones?|computers?|web(?:site| browsers?)?|online|internet|remote\w*|"
                         r"telephone|phone calls?|e-?mail)\b", re.IGNORECASE)


def remote_sentences(chunks: ChunkLookup, s: FactSheet) -> list[tuple[str, str]]:
    """The record's sentences that say people take part by app, computer or phone (none for a study at sites)."""
    fields = field_bodies(chunks, s.study_id, DESCRIPTION_FIELDS)
    return [(path, sent) for path, text in fields for sent in split_sentences(text)
            if REMOTE_SAID.search(sent) and len(sent) <= QUOTE_CHARS][:2]


def taking_part_remotely(composer: Any, w: AnswerWriter, q: str, s: FactSheet) -> bool:
    """The record's sentences that say people take part by app, computer or phone, when it has them."""
    said = remote_sentences(composer.chunks, s)
    if said:
        w.say("where.remote", said[:1], quote=said[0][1].rstrip(" .;"))
    return bool(said)


SUMMARY = "the study summary"
TAKING_PART = re.compile(r"\b(follow(?:ed)?[- ]?up|followed|receive|take part|participat\w*|treated|enrol\w*|stay|"
                         r"seen|visits?|diary)\b", re.I)


def _time_candidates(composer: Any, s: FactSheet) -> list[tuple[str, str, str]]:
    """(field path, sentence, what it is about) of every sentence that gives a duration, frequency or count."""
    fields: list[tuple[str, str, str]] = []
    fields += [(a.path, a.description, f"the group “{a.label}”") for a in s.arms if a.description]
    fields += [(i.path, i.description, i.name) for i in s.interventions if i.description]
    fields += [(path, body, SUMMARY) for path, body in field_bodies(composer.chunks, s.study_id, DESCRIPTION_FIELDS)]
    out = []
    for path, text, about in fields:
        for sent in split_sentences(text):
            if len(sent) > QUOTE_CHARS or not (DURATION.search(sent) or FREQUENCY.search(sent) or DOSES.search(sent)):
                continue
            if about == SUMMARY and not (FREQUENCY.search(sent) or DOSES.search(sent) or TAKING_PART.search(sent)):
                continue  # the summary's background ("10 years mortality remains 10-15%") is no one's time in it
            out.append((path, sent, about))
    return out


_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(day|week|month|year)s?\b|\b(day|week|month|year)s?\s*(\d+(?:\.\d+)?)", re.I)
_DAYS = {"day": 1.0, "week": 7.0, "month": 30.4, "year": 365.0}


def _days(time_frame: str) -> float:
    """The longest span a time frame names, in days ("Baseline to Week 52" → 364; "68 months" → 2067)."""
    spans = [float(m.group(1) or m.group(4)) * _DAYS[(m.group(2) or m.group(3)).lower()] for m in _SPAN.finditer(time_frame)]
    return max(spans, default=0.0)


def _longest_time_frame(outcomes: list) -> Any:
    """The outcome checked last: how long the record follows people, by its own time frames."""
    timed = [o for o in outcomes if o.time_frame and _days(o.time_frame) > 0]
    return max(timed, key=lambda o: _days(o.time_frame), default=None)


HOW_LONG_Q = re.compile(r"\bhow long\b|\bhow many (?:weeks|months|years)\b|\bduration\b|\blength of\b", re.I)


def span_words(days: float) -> str:
    """A span as a reader says it: "about 3 years", "about 6 months", "about 8 weeks", "about 10 days"."""
    for unit, size, over in (("year", 365.0, 360), ("month", 30.4, 60), ("week", 7.0, 14), ("day", 1.0, 0)):
        if days >= over:
            n = max(round(days / size), 1)
            return f"about {n} {unit}{'s' if n != 1 else ''}"
    return "about 1 day"


def last_check(w: AnswerWriter, s: FactSheet, said: str = "") -> None:
    """"The last thing the record measures is checked at: up to Week 156": how long people are followed, when
    it is later than the time frame already said."""
    last = _longest_time_frame(s.outcomes)
    if last and _days(last.time_frame) > _days(said):
        w.say("time.last_check", [(last.path, last.time_frame)],
              time_frame=re.sub(r"^(?:at|on)\s+", "", last.time_frame.rstrip(". "), flags=re.I))


# the time taking part costs a person each week or day ("how many hours a week is it?"), and a sentence that gives it
PER_PERIOD_Q = re.compile(r"\bhow (?:much time|many hours|many minutes|long)\b[^?]*?\b(?:each|per|a|every) (week|day|month)\b",
                          re.IGNORECASE)
HOURS = re.compile(r"\b\d+(?:\.\d+)?\s*(?:-\s*\d+\s*)?(?:minutes?|mins?|hours?|hrs?)\b", re.IGNORECASE)


# "what happens after the first year?", "do I ever get the real drug?": what comes after a study's first part
AFTER_Q = re.compile(r"\bafter (?:the |that |this )?(?:first |1st |initial )?(?:year|\d+ (?:weeks|months|years)|"
                     r"(?:study|trial|treatment) (?:period|part|ends|is over)|it(?:'s| is) over|it ends|that)\b|"
                     r"\bwhat happens (?:next|afterwards?|at the end)\b|\b(?:ever|later|eventually) (?:get|be given|receive)\b",
                     re.IGNORECASE)
# a sentence about what follows the first part: moving on into a later part, an extension, open-label treatment
LATER_PART = re.compile(r"\b(?:enter|move|moving|continue|roll)\w*\b.{0,40}\b(?:study \d|period|phase|extension|part)\b|"
                        r"\b(?:from|of) (?:study|period|part) \d\b|\bextension\b|\bafter (?:week|completing|completion)\b",
                        re.IGNORECASE)
MAX_LATER = 2


def _later_part_sentences(composer: Any, s: FactSheet) -> list[tuple[str, str, str]]:
    """(path, sentence, what it is about) of the record's sentences on a later part (a sub-study, an extension)."""
    fields = [(a.path, a.description, f"the group “{a.label}”") for a in s.arms if a.description]
    fields += [(path, body, SUMMARY) for path, body in field_bodies(composer.chunks, s.study_id, DESCRIPTION_FIELDS)]
    return [(path, sent, about) for path, text, about in fields for sent in split_sentences(text)
            if LATER_PART.search(sent) and len(sent) <= QUOTE_CHARS]


def _after_the_first_part(composer: Any, w: AnswerWriter, q: str, s: FactSheet, most: int = MAX_LATER,
                          later: list[tuple[str, str, str]] | None = None) -> bool:
    """The record's sentences on what follows the first part of a study (a later sub-study, an extension), those
    about placebo first when the question asks about placebo; False when it has none. ``later``: those sentences,
    when the caller read them already."""
    later = list(later) if later is not None else _later_part_sentences(composer, s)
    placebo = bool(re.search(r"\bplacebo|dummy|sugar pill|real (?:drug|thing|one)\b", q, re.IGNORECASE))
    later.sort(key=lambda c: (not (placebo and "placebo" in c[1].lower()), c[2] != SUMMARY))
    said = 0
    for path, sent, about in later:
        if said < most and w.say("time.quote", [(path, sent)], about=about, quote=sent.rstrip(" .;")):
            said += 1
    return bool(said)


def _one_thing_not_measured(w: AnswerWriter, q: str, s: FactSheet, ranked: list[tuple[str, str, str]]) -> bool:
    """"How long does the infusion take?", "how often do they give it, every 3 weeks?": what the record gives on
    that one thing, or that it does not give it (an abstention, with what it does say). False when the question
    asks the person's whole time in the study."""
    focus = question_focus(q)
    if focus is not None and focus.measure == "long" and focus.words & ONE_GIVING and not focus.about_the_study \
            and not (ASKS_OFTEN.search(q) or ASKS_COUNT.search(q)):  # ("how long was it and how often …": the whole)
        thing = content_terms(focus.thing)
        thing |= {w for t in thing for w in SAME_THING.get(t, ())}  # "the drip" is the infusion
        naming = list({c[1]: c for c in reversed(ranked) if thing & content_terms(c[1])}.values())[::-1]  # once each
        timed = [c for c in naming if LENGTH.search(c[1])]
        for path, sent, about in timed[:MAX_GIVEN_QUOTES]:
            w.say("time.quote", [(path, sent)], about=about, quote=sent.rstrip(" .;"))
        if not timed:
            w.say("time.given_not_stated", [(c[0], c[1]) for c in naming[:1]] or _any_treatment(s), thing=focus.thing)
            for path, sent, about in naming[:MAX_GIVEN_QUOTES]:
                w.say("time.quote", [(path, sent)], about=about, quote=sent.rstrip(" .;"))
            w.stops_short = True
        return True
    per = PER_PERIOD_Q.search(q)
    if per and not any(HOURS.search(c[1]) for c in ranked):
        # "how much time does that take each week?": a person's effort, which no sentence gives in hours or minutes
        w.say("time.per_period_not_stated", [(c[0], c[1]) for c in ranked[:1]] or _any_treatment(s)
              or [(f.path, f.quote) for f in (s.target_duration, s.study_type) if f][:1], period=per.group(1).lower())
        w.stops_short = True
        return True
    if GIVEN_OFTEN_Q.search(q) and not ASKS_VISITS.search(q) and ranked and not any(FREQUENCY.search(c[1]) for c in ranked):
        # "how often do they give the sugemalimab?": the record names cycles, never how far apart
        w.say("time.often_not_stated", [(c[0], c[1]) for c in ranked[:1]])
        for path, sent, about in ranked[:MAX_GIVEN_QUOTES]:
            w.say("time.quote", [(path, sent)], about=about, quote=sent.rstrip(" .;"))
        w.stops_short = True
        return True
    return False


def _any_treatment(s: FactSheet) -> list[tuple[str, str]]:
    return [(i.path, i.quote) for i in s.interventions[:1]]


# how often the treatment is given ("how often do they give it", "every 3 weeks?"), not how often the visits are
GIVEN_OFTEN_Q = re.compile(r"\bhow often\b[^?]{0,30}\b(?:give|given|get|gets|take|takes|taken|have|dose|doses|dosed|"
                           r"infus\w*|inject\w*|shots?)\b", re.IGNORECASE)
MAX_GIVEN_QUOTES = 2
# one giving of the treatment, whose own length a record may give ("how long does the drip take?"); "how long is
# the treatment" is the person's time on it, answered whole
ONE_GIVING = frozenset("drip drips infusion infusions injection injections shot shots".split())
# what a record calls a thing that is given, by the word a person uses (stems, as content_terms gives them)
SAME_THING = {t: frozenset(content_terms(words)) for t, words in (
    (next(iter(content_terms("drip"))), "infusion infusions intravenous"),
    (next(iter(content_terms("shot"))), "injection injections injected"),
    (next(iter(content_terms("pill"))), "tablet tablets capsule capsules oral"),
)}


# "can people keep getting it after?", "can I get it outside the trial?": the treatment after or outside the study
KEEP_GETTING_Q = re.compile(r"\b(?:keep|continue|stay on)\s+(?:getting|taking|get|take|on|receiving|receive|using|use)\b"
                            r"(?!\s+(?:people|patients|part|new))|\bstill\s+(?:get|getting|take|taking|receive|have|use|using)\s+"
                            r"(?:it|the drug|the medicine|the treatment|this drug|them|the shots?|the pills?)\b(?!\s+(?:people|part))|"
                            r"\bcontinue\s+(?:with\s+)?(?:the|this|my)\s+(?:treatment|drug|medicine|medication)\b|"
                            r"\bexpanded access\b|\bcompassionate use\b|\baccess (?:program|programme|scheme)\b|\b(?:get|take|have|buy|use)\s+(?:[\w-]+\s+){0,2}"
                            r"(?:outside|without being in|after) (?:of )?(?:the|this|a) (?:study|trial)\b", re.IGNORECASE)
EXPANDED_ACCESS = re.compile(r"^Expanded access: Yes(?:; listed as (?P<listing>NCT\d{8}))?(?:; status: (?P<status>.+))?$")


def asks_access(q: str) -> bool:
    """"can ppl keep getting it after?", not "how long do you have to keep taking the pills?"."""
    return bool(KEEP_GETTING_Q.search(q)) and not re.search(r"\bhow long\b", q, re.IGNORECASE)


def expanded_access(w: AnswerWriter, s: FactSheet) -> bool:
    """Whether the treatment can be had outside the study, as the record's expanded access field says."""
    if s.observational:
        return False  # (a registry gives no treatment to go on with: "can i keep using the app after?")
    m = EXPANDED_ACCESS.match(s.expanded_access.value) if s.expanded_access else None
    if m and s.expanded_access:
        return w.say("time.access_yes", s.expanded_access, listing=m.group("listing") or "a separate listing",
                     status=(m.group("status") or "not given").lower())
    # (no expanded access listed says nothing of what a person in it gets after it ends: the record does not answer)
    w.stops_short = True
    return w.say("time.access_no", [f for f in (s.expanded_access, s.status) if f][:1])


@composes("time_in_study")
def time_in_study(composer: Any, w: AnswerWriter, q: str, s: FactSheet) -> None:
    """How long a person takes part and how often: the record's sentences that say it, best first."""
    # (a question about visits too is left to the visits' own sentences when no check is about it)
    if asks_checks(q) and tests_and_checks(w, q, s, composer.rank, unnamed_said=not ASKS_VISITS.search(q)):
        return  # "how often do they check you, is there an MRI?": the record's checks on it, and when
    if asks_access(q) and expanded_access(w, s):  # then what the record says of a later part, if any
        _after_the_first_part(composer, w, q, s)
        return
    if asks_access(q) and s.observational:
        # "can i keep using the app after the study ends?": a registry's record does not say
        w.say("time.after_not_stated", [f for f in (s.target_duration, s.study_type) if f][:1])
        w.stops_short = True
        return
    often, count = bool(ASKS_OFTEN.search(q)), bool(ASKS_COUNT.search(q))
    visits = bool(ASKS_VISITS.search(q))  # "how often are the visits?" is not "how often do I take it?"
    q_terms = content_terms(q)

    def score(c: tuple[str, str, str]) -> float:
        sent = c[1]
        value = 1.0 if DURATION.search(sent) else 0.0
        value += (1.5 if often else 0.3) * bool(FREQUENCY.search(sent)) + (1.5 if count else 0.3) * bool(DOSES.search(sent))
        value += 0.5 * bool(re.search(r"\b(participants?|patients?|subjects?|you|people)\b", sent, re.I))
        value += 0.5 * bool(re.search(r"\b(follow(?:ed)?[- ]up|treatment period|study duration|last|up to)\b", sent, re.I))
        value += 0.7 * (c[2] != SUMMARY)  # a group's or treatment's own words, before the summary's background
        value += 2.5 * (visits and bool(VISIT.search(sent)))
        return value + overlap(q_terms, content_terms(sent))

    if AFTER_Q.search(q) and _after_the_first_part(composer, w, q, s):
        return
    if _one_thing_not_measured(w, q, s, sorted(_time_candidates(composer, s), key=score, reverse=True)):
        return
    last = _longest_time_frame(s.outcomes)
    lead = bool(HOW_LONG_Q.search(q) and not s.target_duration and last)
    later = _later_part_sentences(composer, s) if lead else []  # read once: the span's words and the quote after it
    if s.target_duration:  # an observational study's follow-up time per person, when the record gives one
        w.say("time.target", s.target_duration, duration=s.target_duration.value.lower())
    elif lead:  # "how long would I be in it?": the span in plain words first, from the record's last check (of its
        # first part, when people may go on to a later one: SELECT-SLE's Study 3 adds another year)
        w.say("time.span_first" if later else "time.span", [(last.path, last.time_frame)],
              span=span_words(_days(last.time_frame)),
              time_frame=re.sub(r"^(?:at|on)\s+", "", last.time_frame.rstrip(". "), flags=re.I))
    ranked = sorted(_time_candidates(composer, s), key=score, reverse=True)
    visit_sents = [(path, sent) for path, sent, _ in ranked if VISIT.search(sent)] if visits else []
    # (a frequency in any sentence about seeing people counts: "seen every 4-6 weeks", "visits on days 7, 14, 21 and
    # 28"; a pill "once daily" is no visit)
    # (a rule that asks people to keep to the visits names them, without how often: "comply with scheduled visit")
    visit_rules = [(f.path, f.quote) for f in (*s.inclusion, *s.exclusion, *s.criteria) if VISIT.search(f.value)]
    if visits and (visit_sents or visit_rules) and not any((HOW_OFTEN.search(sent) or DAY_LIST.search(sent))
                                                           and SEEN.search(sent) for _, sent, _ in ranked):
        # "Participants will attend regular visits": visits, but not how often (what was asked is not there)
        w.say("time.visits_not_stated", (visit_sents or visit_rules)[:1])
        w.stops_short = True
        if not visit_sents:  # nothing else in the record is about visits: the treatment's schedule is not theirs
            return
    said: list[set[str]] = []
    for path, sent, about in ranked:
        if len(said) >= (MAX_TIME_QUOTES - 1 if lead else MAX_TIME_QUOTES):
            break
        terms = content_terms(sent)
        if any(len(terms & t) >= SAME_SENTENCE * max(len(terms | t), 1) for t in said):
            continue  # the same sentence for a sibling group ("dose A" / "dose B"): said once
        if w.say("time.quote", [(path, sent)], about=about, quote=sent.rstrip(" .;")):
            said.append(terms)
    if lead:  # "how long would I be in it?": a later part people may go on to (SELECT-SLE's Study 3) belongs to it
        _after_the_first_part(composer, w, q, s, most=1, later=later)
    primary = [o for o in s.outcomes if o.primary and o.time_frame]
    if primary:
        w.say("time.checked", [(primary[0].path, primary[0].time_frame)],
              time_frame=re.sub(r"^(?:at|on)\s+", "", primary[0].time_frame.rstrip(". "), flags=re.I))
    if not lead:  # the span said first already names the last check
        last_check(w, s, primary[0].time_frame if primary else "")
    if not said and not primary:
        return
    if not said and not s.target_duration:  # only the results' time frame: not the person's whole time
        w.say("time.not_stated", [(primary[0].path, primary[0].time_frame)])
