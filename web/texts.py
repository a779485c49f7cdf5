"""Words shown to people by every front end (web chat, widget, API)."""

NOT_MEDICAL_ADVICE = ("Information from the study records, not medical advice. For questions about your own health "
                      "or about joining a study, talk to the study team or your doctor.")

EXAMPLE_QUESTIONS = ("What does double-blind mean here?", "Who can join?", "Where is it happening?")

PUBLIC_PAGE_LABEL = "Study's public page"
