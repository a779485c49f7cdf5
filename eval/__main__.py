"""`python -m eval QUESTIONS.jsonl ...` — the same as `trialchat eval`."""
import sys

from eval.cli import main

sys.exit(main(sys.argv[1:]))
