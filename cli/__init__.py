"""The `trialchat` command line: ingest, remove, ask, serve, demo, eval, setup-model.

It sits on top of everything (ingest, assistant, eval, the web app), beside app.py, so the ground
package `trialchat/` never imports upward.
"""
