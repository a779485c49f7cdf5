"""Outcome titles in plain words (assistant/outcome_words.py): real titles from ../shared/data and the sample."""
from __future__ import annotations

import pytest

from assistant.outcome_words import measure_words


@pytest.mark.parametrize("title,words", [
    # a long name replaced by the short name the title gives for it; the time said from the time frame
    ("Percentage of Subjects With Ankylosing Spondylitis Disease Activity Score Major Improvement (ASDAS-MI) "
     "Response Criteria Response at Week 52", "how many people had an ASDAS-MI response"),
    ("Percentage of Subjects With Axial SpondyloArthritis International Society 40% Response Criteria (ASAS40) "
     "Response at Week 12", "how many people had an ASAS40 response"),
    ("Percentage of Subjects Who Achieve Pain Relief", "how many people achieved pain relief"),
    # a short name after a short name is dropped; a name it does not stand for is kept whole
    ("Number of Patients With Progression-free Survival (PFS) at 24 Weeks",
     "how many people had progression-free survival"),
    ("Participants With At Least One Treatment-Emergent Adverse Event (TEAE)",
     "participants with at least one treatment-emergent adverse event"),
    ("Mean Change From Baseline in the Weekly Average Number of Cluster Headache (CH) Attacks During the 4-Week "
     "Period After Administration of the First Dose of the IMP",
     "the change in the weekly average number of cluster headache attacks during the 4-week period after "
     "administration of the first dose of the IMP"),
    ("Number of Participants With Treatment Emergent Adverse Events (TEAEs) and Serious AEs (SAEs)",
     "how many people had treatment emergent adverse events and serious AEs"),
    # how it was measured: in the cited title, not in the sentence
    ("Change in Primary Tumor FFNP Uptake Before and After Estradiol Challenge as Measured by Percent Change in "
     "Standardized Uptake Value (SUV)", "the change in primary tumor FFNP uptake before and after estradiol challenge"),
])
def test_long_titles_in_plain_words(title, words):
    assert measure_words(title, has_time_frame=True) == words


def test_short_titles_are_quoted_and_the_time_stays_without_a_time_frame():
    assert measure_words("Overall Survival", has_time_frame=True) is None
    assert measure_words("Number of Responders", has_time_frame=True) is None
    assert measure_words("Number of Patients With Progression-free Survival (PFS) at 24 Weeks", has_time_frame=False) \
        == "how many people had progression-free survival at 24 weeks"
