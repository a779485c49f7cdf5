"""Evaluation harness: the same questions through several configurations, with a vanilla-RAG
baseline in the same run; metrics, report.md and plots. Entry point: `eval.cli.main`."""
