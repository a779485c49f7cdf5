"""Readable text for ClinicalTrials.gov enum codes, and the way back from display text to codes.

API v2 stores upper-case codes (``DOUBLE``, ``PHASE2``); the legacy study-fields API and classic
XML store the display text ("Double", "Phase 2"). Parsers turn display text into codes with
:func:`to_code` so that one renderer (``enum_text``) produces the same words for every format.
"""
from __future__ import annotations

import re

# Display text as ClinicalTrials.gov shows it. One flat table: no code has two meanings.
ENUM_TEXT: dict[str, str] = {
    # masking and who is masked
    "NONE": "None (Open Label)", "SINGLE": "Single", "DOUBLE": "Double", "TRIPLE": "Triple",
    "QUADRUPLE": "Quadruple", "PARTICIPANT": "Participant", "CARE_PROVIDER": "Care Provider",
    "INVESTIGATOR": "Investigator", "OUTCOMES_ASSESSOR": "Outcomes Assessor",
    # phases
    "EARLY_PHASE1": "Early Phase 1", "PHASE1": "Phase 1", "PHASE2": "Phase 2",
    "PHASE3": "Phase 3", "PHASE4": "Phase 4", "NA": "Not Applicable",
    # overall / location status
    "NOT_YET_RECRUITING": "Not yet recruiting", "RECRUITING": "Recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting", "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated", "COMPLETED": "Completed", "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Unknown status", "AVAILABLE": "Available",
    "NO_LONGER_AVAILABLE": "No longer available",
    "TEMPORARILY_NOT_AVAILABLE": "Temporarily not available",
    "APPROVED_FOR_MARKETING": "Approved for marketing", "WITHHELD": "Withheld",
    # design
    "INTERVENTIONAL": "Interventional", "OBSERVATIONAL": "Observational",
    "EXPANDED_ACCESS": "Expanded Access",
    "RANDOMIZED": "Randomized", "NON_RANDOMIZED": "Non-Randomized",
    "PARALLEL": "Parallel Assignment", "SINGLE_GROUP": "Single Group Assignment",
    "CROSSOVER": "Crossover Assignment", "FACTORIAL": "Factorial Assignment",
    "SEQUENTIAL": "Sequential Assignment",
    "TREATMENT": "Treatment", "PREVENTION": "Prevention", "DIAGNOSTIC": "Diagnostic",
    "SUPPORTIVE_CARE": "Supportive Care", "SCREENING": "Screening",
    "HEALTH_SERVICES_RESEARCH": "Health Services Research", "BASIC_SCIENCE": "Basic Science",
    "DEVICE_FEASIBILITY": "Device Feasibility", "ECT": "Educational/Counseling/Training",
    "OTHER": "Other",
    "COHORT": "Cohort", "CASE_CONTROL": "Case-Control", "CASE_ONLY": "Case-Only",
    "CASE_CROSSOVER": "Case-Crossover", "ECOLOGIC_OR_COMMUNITY": "Ecologic or Community",
    "FAMILY_BASED": "Family-Based", "DEFINED_POPULATION": "Defined Population",
    "NATURAL_HISTORY": "Natural History",
    "PROSPECTIVE": "Prospective", "RETROSPECTIVE": "Retrospective",
    "CROSS_SECTIONAL": "Cross-Sectional",
    "SAMPLES_WITH_DNA": "Samples With DNA", "SAMPLES_WITHOUT_DNA": "Samples Without DNA",
    "NONE_RETAINED": "None Retained",
    "ACTUAL": "actual", "ESTIMATED": "estimated",
    # arms and interventions
    "EXPERIMENTAL": "Experimental", "ACTIVE_COMPARATOR": "Active Comparator",
    "PLACEBO_COMPARATOR": "Placebo Comparator", "SHAM_COMPARATOR": "Sham Comparator",
    "NO_INTERVENTION": "No Intervention",
    "DRUG": "Drug", "DEVICE": "Device", "BIOLOGICAL": "Biological", "PROCEDURE": "Procedure",
    "RADIATION": "Radiation", "BEHAVIORAL": "Behavioral", "GENETIC": "Genetic",
    "DIETARY_SUPPLEMENT": "Dietary Supplement", "COMBINATION_PRODUCT": "Combination Product",
    "DIAGNOSTIC_TEST": "Diagnostic Test",
    # eligibility
    "ALL": "All", "FEMALE": "Female", "MALE": "Male",
    "CHILD": "Child", "ADULT": "Adult", "OLDER_ADULT": "Older Adult",
    "PROBABILITY_SAMPLE": "Probability Sample", "NON_PROBABILITY_SAMPLE": "Non-Probability Sample",
    # people
    "PRINCIPAL_INVESTIGATOR": "Principal Investigator", "SUB_INVESTIGATOR": "Sub-Investigator",
    "STUDY_DIRECTOR": "Study Director", "STUDY_CHAIR": "Study Chair", "CONTACT": "Contact",
    "SPONSOR": "Sponsor", "SPONSOR_INVESTIGATOR": "Sponsor-Investigator",
    # references, data sharing
    "BACKGROUND": "Background", "RESULT": "Result", "DERIVED": "Derived",
    "YES": "Yes", "NO": "No", "UNDECIDED": "Undecided",
    "STUDY_PROTOCOL": "Study Protocol", "SAP": "Statistical Analysis Plan (SAP)",
    "ICF": "Informed Consent Form (ICF)", "CSR": "Clinical Study Report (CSR)",
    "ANALYTIC_CODE": "Analytic Code",
    # secondary ID types
    "EUDRACT_NUMBER": "EudraCT Number", "NIH": "U.S. NIH Grant/Contract",
    "FDA": "U.S. FDA Grant/Contract", "VA": "U.S. VA Grant/Contract", "CTIS": "CTIS (EU CT Number)",
    "OTHER_GRANT": "Other Grant/Funding Number", "REGISTRY": "Registry Identifier",
    # results
    "PRIMARY": "Primary", "SECONDARY": "Secondary", "OTHER_PRE_SPECIFIED": "Other Pre-specified",
    "POST_HOC": "Post-Hoc", "POSTED": "Posted", "NOT_POSTED": "Not posted",
    "COUNT_OF_PARTICIPANTS": "Count of Participants", "COUNT_OF_UNITS": "Count of Units",
    "MEAN": "Mean", "MEDIAN": "Median", "NUMBER": "Number",
    "LEAST_SQUARES_MEAN": "Least Squares Mean", "GEOMETRIC_MEAN": "Geometric Mean",
    "GEOMETRIC_LEAST_SQUARES_MEAN": "Geometric Least Squares Mean", "LOG_MEAN": "Log Mean",
    "STANDARD_DEVIATION": "Standard Deviation", "STANDARD_ERROR": "Standard Error",
    "STANDARD_ERROR_OF_MEAN": "Standard Error of the Mean",
    "INTER_QUARTILE_RANGE": "Inter-Quartile Range", "FULL_RANGE": "Full Range",
    "CONFIDENCE_80": "80% Confidence Interval", "CONFIDENCE_90": "90% Confidence Interval",
    "CONFIDENCE_95": "95% Confidence Interval", "CONFIDENCE_975": "97.5% Confidence Interval",
    "CONFIDENCE_99": "99% Confidence Interval", "GEOMETRIC_COEFFICIENT": "Geometric Coefficient of Variation",
    "ONE_SIDED": "1-sided", "TWO_SIDED": "2-sided",
    "SUPERIORITY": "Superiority", "NON_INFERIORITY": "Non-Inferiority",
    "EQUIVALENCE": "Equivalence", "SUPERIORITY_OR_OTHER": "Superiority or Other",
    "NON_INFERIORITY_OR_EQUIVALENCE": "Non-Inferiority or Equivalence",
    "SYSTEMATIC_ASSESSMENT": "Systematic Assessment",
    "NON_SYSTEMATIC_ASSESSMENT": "Non-Systematic Assessment",
}

# Canonical order of the masked roles (v2 order): lets every format render the same text.
WHO_MASKED_ORDER = ("PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR")

# Display texts (legacy API, classic XML, older spellings) whose code is not derivable mechanically.
_TEXT_TO_CODE: dict[str, str] = {
    "n/a": "NA", "not applicable": "NA", "none (open label)": "NONE", "open label": "NONE",
    "none": "NONE", "unknown status": "UNKNOWN", "anticipated": "ESTIMATED",
    "estimate": "ESTIMATED", "parallel assignment": "PARALLEL",
    "single group assignment": "SINGLE_GROUP", "crossover assignment": "CROSSOVER",
    "factorial assignment": "FACTORIAL", "sequential assignment": "SEQUENTIAL",
    "case control": "CASE_CONTROL", "subject": "PARTICIPANT", "caregiver": "CARE_PROVIDER",
    "outcomes assessor": "OUTCOMES_ASSESSOR", "single blind": "SINGLE", "double blind": "DOUBLE",
    "educational/counseling/training": "ECT", "sponsor-investigator": "SPONSOR_INVESTIGATOR",
    "statistical analysis plan (sap)": "SAP", "informed consent form (icf)": "ICF",
    "clinical study report (csr)": "CSR", "observational [patient registry]": "OBSERVATIONAL",
    "standard error of the mean": "STANDARD_ERROR_OF_MEAN", "2-sided": "TWO_SIDED",
    "1-sided": "ONE_SIDED", "male": "MALE", "female": "FEMALE", "both": "ALL",
}
_PHASE_RE = re.compile(r"^(early\s+)?phase\s*([1-4])$", re.I)


def enum_text(code: str | None) -> str:
    """Display text for a v2 code; unknown codes are title-cased (``FOO_BAR`` → "Foo Bar")."""
    if not code:
        return ""
    code = str(code).strip()
    if code in ENUM_TEXT:
        return ENUM_TEXT[code]
    if code.isupper() or "_" in code:
        return " ".join(w.capitalize() for w in code.split("_") if w)
    return code  # already display text


def to_code(text: str | None) -> str | None:
    """Display text → v2 code ("Parallel Assignment" → PARALLEL, "Phase 2" → PHASE2)."""
    if text is None:
        return None
    t = " ".join(str(text).split())
    if not t:
        return None
    low = t.lower()
    if low in _TEXT_TO_CODE:
        return _TEXT_TO_CODE[low]
    m = _PHASE_RE.match(t)
    if m:
        return ("EARLY_PHASE" if m.group(1) else "PHASE") + m.group(2)
    return re.sub(r"[^A-Za-z0-9]+", "_", t).strip("_").upper()


def phases_to_codes(text: str | None) -> list[str]:
    """Legacy/XML phase text ("Phase 1/Phase 2", "N/A") → v2 ``phases`` list."""
    if not text or not str(text).strip():
        return []
    if str(text).strip().lower() in ("n/a", "not applicable"):
        return ["NA"]
    return [c for c in (to_code(p) for p in str(text).split("/")) if c]


def phases_text(phases: list[str] | None) -> str:
    return ", ".join(enum_text(p) for p in (phases or []) if p)


def sort_who_masked(who: list[str] | None) -> list[str]:
    known = [w for w in WHO_MASKED_ORDER if w in (who or [])]
    return known + sorted({w for w in (who or []) if w not in WHO_MASKED_ORDER})


def masking_text(masking: str | None, who_masked: list[str] | None = None) -> str:
    """"Double (Participant, Investigator)". Without ``whoMasked`` only QUADRUPLE (all four roles)
    and NONE have a definite meaning; the other levels are given by name alone."""
    if not masking:
        return ""
    masking = str(masking).upper()
    who = sort_who_masked(who_masked)
    if masking == "NONE":
        return enum_text("NONE")
    if not who and masking == "QUADRUPLE":
        who = list(WHO_MASKED_ORDER)
    base = enum_text(masking)
    return f"{base} ({', '.join(enum_text(w) for w in who)})" if who else base


def parse_masking_text(text: str | None) -> tuple[str | None, list[str]]:
    """Classic XML "Double (Participant, Investigator)" / legacy "Double" → (code, whoMasked)."""
    if not text or not str(text).strip():
        return None, []
    m = re.match(r"^\s*([^()]*?)\s*(?:\((.*)\))?\s*$", str(text))
    level, who = (m.group(1), m.group(2)) if m else (str(text), None)
    code = to_code(level)
    if code == "NONE" or (who and who.strip().lower() == "open label"):
        return "NONE", []
    roles = [c for c in (to_code(w) for w in (who or "").split(",")) if c]
    return code, sort_who_masked(roles)

