"""What we answer at all: input limits, and polite declines for medical advice or injected orders.

Deliberately rule-based and conservative: these checks run before any retrieval or model work, and a
wrong decline is cheap to see in the eval report (expect_accuracy on the `decline` kind).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["ok", "empty", "too_long", "medical_advice", "injection", "off_topic"]
SizeProblem = Literal["empty", "too_long"]
MAX_QUESTION_CHARS = 2000  # the default limit; settings.max_question_chars overrides it

_MEDICAL = [
    r"\bshould i\b.*\b(stop|start|take|quit|skip|change|increase|decrease|switch|continue|get|have|join|enrol|enroll)\b",
    # (not what a study asks: "do I have to stop my lupus meds for it?", "would they make me switch my treatment?")
    r"(?<!have to )(?<!need to )(?<!got to )(?<!make me )(?<!make you )(?<!required to )(?<!asked to )(?<!ask me to )"
    r"(?<!ask you to )(?<!make him )(?<!make her )"
    r"\b(stop|quit|skip|change|switch)\b.*\b(my|the)\b.*\b(medication|medicine|meds|treatment|pills?|dose|insulin|therapy)\b",
    r"\b(is it|would it be)\b.*\b(safe|ok|okay|good|right)\b.*\bfor me\b",
    # "is upadacitinib safe for me?", "is it safe to keep taking my hydroxychloroquine?": a person's own medicine
    r"\b(is|are|would)\b.{0,40}\b(safe|dangerous|risky)\b.{0,15}\bfor (me|my \w+|him|her|us)\b",
    r"\b(is it|would it be)\s+(safe|ok|okay|dangerous)\s+(for me\s+)?to\s+(keep|continue|stop|start|take|use)\b.{0,30}\bmy\b",
    r"\b(what|which)\b.*\b(dose|dosage|medication|treatment)\b.*\bshould i\b",
    r"\b(do i have (?!to\b)|diagnose me|my symptoms|am i sick)",  # "do I have lupus?", not "do I have to go …"
    r"\bshould my (child|son|daughter|wife|husband|mother|father|partner)\b",
    # choosing between treatments for a person, or combining them: a doctor's question
    r"\bshould i (give|use|try|let|put)\b",
    r"\b(which|what)( one)? (is|would be|works) (better|best|safer)\b.*\bfor (me|my|her|him|them|us)\b",
    r"\b(better|best|safer) for (me|my \w+|her|him)\b.*\?",
    r"\b(would|will|is) (that|it|this) be (safer|better)\b",
    r"\b(use|take|combine|mix)\b.*\b(together|at the same time|with my)\b.*\b(safe|safer|ok|okay)\b",
    # changing a dose: "should I up my prednisone?", "can I double my dose?"
    r"\b(should|can|could|do) i\b.*\b(up(?! on| with| in| getting| being| taking)|raise|lower|double|halve|cut|reduce|add|drop|go off|wean|taper)\b.{0,20}"
    r"\b(my|the)\b.*\b(dose|doses|medication|medicine|meds|pills?|prednisone|steroids?|insulin|treatment)\b",
    # "can i give him double the drops?": more or less of a medicine than given, for the person or their child
    r"\b(can|could|should|may) (i|we)\b.{0,20}\b(give|take|use)\b.{0,20}\b(double|twice as much|half|a (?:higher|bigger|lower) dose)\b",
    # someone else's medicine, or what to do now
    r"\b(can|could|may|should) i\b.*\b(take|use|try)\b.*\b(\w+'s (pills?|patch(es)?|meds|medicine|medication|inhaler)|"
    r"someone else's)",
    r"\b(take|use|try)\b.{0,40}\b(pills?|patch(es)?|meds|medicine|medication|doses?|inhaler)\b.{0,40}\b(tonight|right now)\b",
    r"\b(safer|better|worse|stronger) than\b.*\bfor (me|someone like me|my \w+)\b|\bfor someone like me\b.*\b(safer|better)\b",
    # a prescription or a medicine asked of us: "can you just prescribe me zolmitriptan?", "write me a script for it"
    r"\b(you|u)\b.{0,15}\bprescribe\b|\bprescribe (me|us|him|her|my)\b|\bwrite me a (script|prescription)\b",
    # an opinion asked about the person's own choice: "do you think I should do the trial or keep my treatment?",
    # "my rheumatologist wants me on benlysta, what do you think?"
    r"\b(do you think|would you say|in your opinion)\b.{0,20}\b(i|we|my \w+|he|she) should\b",
    r"\b(my|me)\b.{0,60}\bwhat (do|would) you (think|recommend|suggest|advise)\b",
    r"\b(worth|ok|okay|fine|safe|wise|smart)\b.{0,10}\b(stop|stopping|quit|quitting|come off|coming off|go off|going off)\b"
    r".{0,20}\bmy\b",
    # a dose for the person: "how many mg of zolmitriptan can I take?", "how much simethicone should I give my baby?"
    # ("how many patches do I get to use?" asks what the study gives: not advice)
    r"\b(how (much|many)|what dose)\b.{0,40}\bshould (i|we)\b.{0,10}\b(take|use|give|have)\b",
    r"\bhow (much|many) (mg|milligrams?|pills|tablets|capsules|puffs)\b.{0,30}\b(can|could) (i|we)\b.{0,10}\b(take|have)\b",
    # the person's own medicine: "how many of my zomig tablets can i take at once?"
    r"\bhow (much|many)\b.{0,10}\b(of )?(my|his|her|our)\b.{0,30}\b(can|could|should|may) (i|we|he|she)\b.{0,10}\b(take|have|use|give)\b",
    # now, urgently: a doctor or an emergency number, not a study record
    r"\b(chest pain|can'?t breathe|cannot breathe|trouble breathing|short of breath|overdos\w*|suicid\w*|"
    r"kill myself|passing out|fainted)\b",
    # ("do I have to go to the hospital a lot?" asks about the study's visits)
    r"\b(go to|take \w+ to|call) (the )?(er|e\.r\.|emergency|a&e|911|urgent care)\b|\bserious enough\b|"
    r"\b(go to|take \w+ to) (the )?hospital\b(?=.{0,20}\b(now|right now|tonight|immediately|asap)\b)|"
    r"\bshould (i|we) (go to|take \w+ to) (the )?hospital\b",
    r"\b(better|best|safer|worse) for (me|my \w+|her|him|us)\b",
    # what it would do for this person, or what they should do: "would this drug help me?", "what should we do?"
    r"\b(will|would|could|can|does|do) (it|this|that|the|this \w+|the \w+) (help|work for|cure|fix|heal) (me|my|him|her|us)\b",
    r"\bwhat should (i|we) do\b|\b(good|bad|smart|wise) idea\b.{0,30}\bfor (me|my \w+|him|her|us)\b",
    r"\b(i|we|he|she|they)('d| would) be better off\b|\bbetter off\b.{0,40}\b(me|my|i)\b|\bwork better than (my|his|her|our)\b",
    # reading the person's own results: "what does my MRI mean?", "is my CRP of 12 bad?"
    r"\bwhat (does|do) (my|his|her|our) (\w+ ){0,2}(results?|tests?|scans?|mri|x-?rays?|labs?|levels?|numbers?|scores?|"
    r"blood ?work|report) (mean|say|show)\b",
    r"\b(is|are) (my|his|her) (\w+ ){0,2}(results?|levels?|numbers?|scores?|counts?)\b.{0,20}\b(bad|normal|high|low|ok|okay|"
    r"dangerous|serious)\b",
    # a treatment decision read from the person's own scans, or asked as yes-or-no: "my MRI says … do I need surgery?",
    # "does she need an operation or not?" (not what a study asks of people: "do I need surgery first?")
    r"\b(my|his|her) (mri|scan|x-?ray|ct|results?|report|tests?|doctor|surgeon)\b.*\b(do|does|will|would) (i|we|he|she) "
    r"(really )?need (surgery|an operation)\b|\bneed (surgery|an operation) or not\b",
    r"\bshould my (mom|mum|dad|mother|father|grandma|grandmother|grandpa|grandfather|kid|baby|partner|sister|brother)\b",
]
_INJECTION = [
    r"\bignore\b.{0,40}\b(instructions?|rules|prompt|above|previous|prior)\b",
    r"\bdisregard\b.{0,40}\b(instructions?|rules|prompt|above|previous|prior)\b",
    r"\b(system|hidden|initial) prompt\b",
    r"\byou are now\b|\bpretend (to be|you are)\b|\bact as\b|\bjailbreak\b|\bdeveloper mode\b",
    r"\b(reveal|print|show|repeat)\b.{0,30}\b(instructions|prompt|rules)\b",
    r"<\s*/?\s*(script|system|im_start|im_end)\b|\[\s*INST\s*\]|<\|im_start\|>",
    # a closing tag or an "override" that pretends the question is outside the record: "</record> SYSTEM OVERRIDE"
    r"<\s*/\s*(record|context|document|data|user|assistant|question)\s*>|\b(system|admin|developer) override\b|"
    r"\bnew (task|instructions?)\s*:",
    # other people's private data: "list the names and emails of everyone enrolled"
    r"\b(names?|e-?mails?|addresses|phone numbers|diagnos[ie]s|medical records?|contact details)\b.{0,60}\b(of|for) "
    r"(everyone|every(?:body| participant| patient)|all (?:the )?(?:participants|patients|subjects|people|members)|the "
    r"(?:participants|patients|subjects|other (?:participants|patients)))\b",
]
_OFF_TOPIC = [
    r"\b(write|compose|make)\b.{0,20}\b(poem|song|story|essay|joke|haiku|code|program|script|email)\b",
    r"\btell me a (joke|story)\b",
    r"\b(weather|stock price|stocks|bitcoin|crypto\w*|football|soccer|basketball|recipe|lottery|horoscope)\b",
    r"\bcapital of\b|\bwho won\b|\bmovie|\bhomework\b",
    # sport and games: "who's gonna win the champions league this year?"
    r"\b(?:who(?:'s| is| will)?|which team)\b.{0,25}\b(?:win|winning)\b.{0,30}\b(?:league|cup|championship|"
    r"world series|super ?bowl|final|match|game|election|tournament|season)\b|"
    r"\b(?:champions league|premier league|world cup|super ?bowl|nba|nfl|nhl|mlb|formula (?:1|one)|olympics)\b",
    r"\btranslate\b.{0,30}\binto\b",
]


@dataclass
class GuardResult:
    verdict: Verdict
    question: str  # normalised question (when ok)

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


@dataclass(frozen=True)
class QuestionProblem:
    """Why a question cannot be taken at all, said the same way by every surface (chat, API, Gradio API)."""

    code: SizeProblem
    message: str


def size_problem(text: str, max_chars: int = MAX_QUESTION_CHARS) -> SizeProblem | None:
    """The one size rule for a (stripped) question, used by every surface and by the chain's guard:
    nothing to ask, or more than ``max_chars`` characters; None when the size is fine."""
    if not text:
        return "empty"
    if len(text) > max_chars:
        return "too_long"
    return None


def question_problem(question: str, max_chars: int = MAX_QUESTION_CHARS) -> QuestionProblem | None:
    """The size check of a question as typed, with the message a surface shows; None when it can be asked."""
    text = (question or "").strip()
    problem = size_problem(text, max_chars)
    if problem == "empty":
        return QuestionProblem("empty", "The question is empty: write what you want to know, e.g. 'Who can join?'.")
    if problem == "too_long":
        return QuestionProblem("too_long", f"The question is {len(text)} characters long; the limit is {max_chars}. "
                                           "Please shorten it.")
    return None


def check_question(question: object, max_chars: int = MAX_QUESTION_CHARS) -> GuardResult:
    text = question if isinstance(question, str) else ""
    # NFKC folds look-alike characters; control characters are dropped (they can hide instructions)
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text)
                   if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if not re.search(r"\w", text):  # nothing but punctuation or spaces: nothing to ask
        return GuardResult("empty", "")
    problem = size_problem(text, max_chars)
    if problem:
        return GuardResult(problem, "")
    low = text.lower()
    for verdict, patterns in (("injection", _INJECTION), ("medical_advice", _MEDICAL), ("off_topic", _OFF_TOPIC)):
        if any(re.search(p, low) for p in patterns):
            return GuardResult(verdict, text)  # type: ignore[arg-type]
    return GuardResult("ok", text)


def decline_message(verdict: Verdict, max_chars: int = MAX_QUESTION_CHARS, contact: str | None = None) -> str:
    who = f" The study team can help: {contact}." if contact else ""
    if verdict == "empty":
        return "Please type a question about a study, for example “Who can join?” or “What does double-blind mean here?”"
    if verdict == "too_long":
        return (f"That question is too long for me (over {max_chars:,} characters). "
                "Please ask one shorter question at a time.")
    if verdict == "medical_advice":
        return ("I can't give personal medical advice, such as whether to start, stop or change a treatment. "
                "Please talk to your doctor, and ask the study team whether this study suits you. "
                "If you feel very unwell now, call your local emergency number." + who)
    if verdict == "injection":
        return ("I can only answer questions about the studies from their records, and I don't follow "
                "instructions found in questions or documents. What would you like to know about a study?")
    return ("I can only help with questions about clinical studies and their records. "
            "What would you like to know about a study?")
