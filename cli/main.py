"""`trialchat` command line: ingest, ask, serve, mcp, eval, demo, setup-model.

Each subcommand imports its heavy modules only when it runs, so `trialchat --help` is instant.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

from trialchat.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PATHS = [REPO_ROOT / "corpus" / "sample", REPO_ROOT / "ingest" / "glossary"]


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "collection", None):
        overrides["collection"] = args.collection
    return Settings(**overrides)


def printable(text: object) -> str:
    """Text from files and records, safe on a terminal: control characters (ESC, CR, BEL...) shown as escapes."""
    return "".join(ch if ch == "\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
                   else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def _print_summary(report, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.as_dict()))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(stderr=True, highlight=False)

    def line(tag: str, style: str, *parts: object) -> None:
        # Text, not markup: file names and record words are shown as they are, never interpreted
        console.print(Text.assemble((tag, style), " ", printable(" ".join(str(p) for p in parts))))

    console.print(Text.assemble((str(report.studies), "bold"), f" studies · added {report.chunks_added} · updated "
                                f"{report.chunks_updated} · unchanged {report.chunks_unchanged} · deleted "
                                f"{report.chunks_deleted} chunks" + (" · glossary included" if report.glossary else "")))
    if report.repaired:
        line("repaired", "yellow", f"the derived indexes disagreed with the vector store ({report.repaired}); rebuilt them")
    for r in report.removed:
        line("removed", "yellow", f"{r['study_id']} ({r['path']}): {r['reason']}")
    for d in report.duplicates:
        line("duplicate", "yellow", f"{d['study_id']} in {', '.join(d['also_in'])} and {d['kept']}: kept the one in {d['kept']}")
    for w in report.withheld:
        line("withheld", "magenta", f"{w['path']} · {w['study_id']} · {w['field']}: {w['reason']}")
    if report.withheld:
        console.print(f"{len(report.withheld)} field(s) withheld: never shown to the model or quoted in answers. "
                      "Check the records above with their source.")
    for f in report.failed:
        line("failed", "red", f"{f['path']}: {f['error']}")
    if report.failed:
        console.print(f"{len(report.failed)} problem(s); everything else was ingested. Fix the files above and re-run: "
                      "unchanged chunks are skipped.")


def _say_waiting(message: str) -> None:
    print(f"trialchat: {printable(message)}", file=sys.stderr, flush=True)


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import ingest_paths
    from trialchat.disk_space import DiskFull
    from trialchat.embedder_check import EmbedderMismatch
    from trialchat.embeddings import embeddings_for
    from trialchat.store import StoreUnavailable, open_store

    settings = _settings(args)
    try:
        store = open_store(settings, embeddings_for(settings))
        report = ingest_paths([Path(p) for p in args.paths], store, progress=sys.stderr.isatty() or args.progress,
                              glossary=not args.no_glossary, on_wait=_say_waiting)
    except (StoreUnavailable, DiskFull, EmbedderMismatch) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    _print_summary(report, args.json)
    return 0 if report.ok else 1


def cmd_remove(args: argparse.Namespace) -> int:
    from ingest.pipeline import remove_studies
    from trialchat.disk_space import DiskFull
    from trialchat.embedder_check import EmbedderMismatch
    from trialchat.embeddings import embeddings_for
    from trialchat.store import StoreUnavailable, open_store

    settings = _settings(args)
    try:
        store = open_store(settings, embeddings_for(settings))
        removed, unknown = remove_studies(args.study_ids, store, on_wait=_say_waiting)
    except (StoreUnavailable, DiskFull, EmbedderMismatch) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"removed": removed, "unknown": unknown}))
    else:
        for sid in removed:
            print(f"removed {printable(sid)}", file=sys.stderr)
        for sid in unknown:
            print(f"not found: {printable(sid)} (no such study in collection {printable(store.collection_name)})",
                  file=sys.stderr)
    return 1 if unknown else 0


def cmd_setup_model(args: argparse.Namespace) -> int:
    from assistant.llm.model_files import ensure_model
    from trialchat.embeddings import embeddings_for

    settings = Settings()
    try:
        path = ensure_model(settings.resolved_model_cache(), progress=True)
    except Exception as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(path)
    emb = embeddings_for(settings)  # the ONNX export of the embedder, made once here rather than on first use
    print(f"embedder: {type(emb).__name__} ({settings.embedding_backend})")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from cli.ask import run_ask
    from trialchat.store import StoreUnavailable

    try:
        return run_ask(_settings(args), args.question, study_id=args.study, history_file=args.history,
                       as_json=args.json)
    except StoreUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _glossary_terms(store) -> dict[str, frozenset]:
    """field path (one per term) → its chunks' (id, content hash) in the store."""
    from trialchat.schema import GLOSSARY_ID

    terms: dict[str, set] = {}
    for cid, version in store.existing_versions(sorted(store.ids_of_studies([GLOSSARY_ID]))).items():
        terms.setdefault(cid.split("::")[1], set()).add((cid, version.content_hash))
    return {path: frozenset(v) for path, v in terms.items()}


def _counted(n: int, what: str) -> str:
    return f"{n} term{'s' if n != 1 else ''} {what}"


def refresh_glossary(settings: Settings) -> str:
    """Bring the bundled glossary in the collection up to date, as ``trialchat serve`` does before serving:
    a store built before a glossary change (or before there was a glossary) gets the current terms. Only
    changed terms are embedded; nothing else in the collection is touched. Returns what happened, for the log."""
    from trialchat.embeddings import embeddings_for
    from trialchat.store import open_store

    store = open_store(settings, embeddings_for(settings))
    try:  # closed after: the service opens its own client, and an embedded one is reopened only when alone
        return _refresh_glossary(store)
    finally:
        store.close()


def _refresh_glossary(store) -> str:
    from ingest.pipeline import GLOSSARY_DIR, ingest_paths
    from trialchat.disk_space import DiskFull
    from trialchat.store import StoreBusy

    # ingesting the glossary folder syncs only that folder (by its real location): a user's own folder that
    # happens to be named "glossary" is another source, and its studies stay
    elsewhere = store.writer_elsewhere()
    if elsewhere:  # another replica's ingest: this data dir's lock does not see it, Chroma's mark does
        return f"glossary: not checked ({elsewhere} is writing the collection)"
    before = _glossary_terms(store)
    try:  # never wait for a running ingest (it may take hours): serve what is committed, check next start
        report = ingest_paths([GLOSSARY_DIR], store, glossary=True, wait=0)
    except StoreBusy:
        return f"glossary: not checked ({store.writer.holder()} is writing the collection)"
    except DiskFull as e:  # serve what is committed: a full disk must not keep the service down
        return f"glossary: not refreshed ({e})"
    if report.failed:
        return "glossary: not refreshed: " + "; ".join(f"{f['path']}: {f['error']}" for f in report.failed)
    after = _glossary_terms(store)
    added, removed = after.keys() - before.keys(), before.keys() - after.keys()
    updated = {t for t in after.keys() & before.keys() if after[t] != before[t]}
    if not before:
        message = f"glossary: added ({len(after)} terms)"
    elif added or removed or updated:
        message = "glossary: " + ", ".join(_counted(len(ts), verb) for ts, verb in (
            (updated, "updated"), (added, "added"), (removed, "removed")) if ts) + f" ({len(after)} terms)"
    else:
        message = f"glossary: up to date ({len(after)} terms)"
    if report.repaired:  # ingest checks the derived indexes against the vector store first
        message += f"; rebuilt the derived indexes ({report.repaired})"
    if report.removed:  # not expected (only the bundled folder is synced), but never silent
        message += "; removed " + ", ".join(r["study_id"] for r in report.removed)
    return message


def cmd_serve(args: argparse.Namespace, glossary_fresh: bool = False) -> int:
    from app import serve
    from trialchat.store import StoreUnavailable

    settings = _settings(args)
    if getattr(args, "no_glossary", False):
        print("trialchat: glossary: not checked (--no-glossary)", flush=True)
    elif not glossary_fresh:  # `demo` has just ingested it
        try:
            print(f"trialchat: {printable(refresh_glossary(settings))}", flush=True)
        except StoreUnavailable as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    try:
        serve(settings.model_copy(update={k: v for k, v in (("host", args.host), ("port", args.port)) if v}))
    except StoreUnavailable as e:  # the store went away between the glossary check and the start
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    """The MCP server on stdin/stdout, for an MCP client that starts it (Claude Desktop and the like)."""
    import contextlib
    import logging

    from app import _version
    from assistant.service import build_answer_service
    from trialchat.store import StoreUnavailable
    from web.mcp_server import build_mcp, records_of

    settings = _settings(args)
    # stdout carries the protocol: anything a library prints while loading goes to stderr instead
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        with contextlib.redirect_stdout(sys.stderr):
            service = build_answer_service(settings)
            server = build_mcp(service, records=records_of(service), max_question_chars=settings.max_question_chars,
                               version=_version())
    except StoreUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"trialchat: MCP server on stdio (collection {printable(settings.collection)})", file=sys.stderr, flush=True)
    server.run("stdio")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: ingest the bundled sample corpus and glossary, then serve the chat."""
    args.paths, args.json, args.progress, args.no_glossary = [str(p) for p in SAMPLE_PATHS], False, True, False
    if cmd_ingest(args) not in (0,):
        print("error: the bundled sample did not ingest cleanly (see above).", file=sys.stderr)
        return 1
    if args.no_serve:
        return 0
    return cmd_serve(args, glossary_fresh=True)


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.cli import main as eval_main

    return eval_main(args.eval_args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="trialchat", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    ing = sub.add_parser("ingest", help="ingest study files, folders, .zip, .json/.jsonl")
    ing.add_argument("paths", nargs="+")
    ing.add_argument("--collection", help="keep corpora apart (default: trialchat)")
    ing.add_argument("--json", action="store_true", help="print the summary as one JSON object on stdout")
    ing.add_argument("--progress", action="store_true", help="show progress bars even when not on a terminal")
    ing.add_argument("--no-glossary", action="store_true",
                     help="leave the bundled glossary out (by default every collection gets it)")
    ing.set_defaults(func=cmd_ingest)

    rm = sub.add_parser("remove", help="remove studies (their chunks and fact sheets) by study ID")
    rm.add_argument("study_ids", nargs="+", metavar="STUDY_ID")
    rm.add_argument("--collection")
    rm.add_argument("--json", action="store_true", help="print {removed, unknown} as JSON on stdout")
    rm.set_defaults(func=cmd_remove)

    ask = sub.add_parser("ask", help="ask one question")
    ask.add_argument("question")
    ask.add_argument("--study", help="pin the question to a study ID")
    ask.add_argument("--history", help="JSON file: [{role, content}, ...] of earlier turns")
    ask.add_argument("--collection")
    ask.add_argument("--json", action="store_true", help="print the Answer as one JSON object")
    ask.set_defaults(func=cmd_ask)

    for name, func, helptext in (("serve", cmd_serve, "serve the web chat, widget and JSON API"),
                                 ("demo", cmd_demo, "ingest the bundled sample and serve the chat")):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("--host")
        s.add_argument("--port", type=int)
        s.add_argument("--collection")
        if name == "demo":
            s.add_argument("--no-serve", action="store_true", help="only ingest the sample")
        else:
            s.add_argument("--no-glossary", action="store_true",
                           help="serve the collection as it is (by default the bundled glossary in it is first "
                                "brought up to date: only changed terms are embedded)")
        s.set_defaults(func=func)

    mc = sub.add_parser("mcp", help="serve the MCP server on stdio (for Claude Desktop and other MCP clients; "
                                    "`serve` also has it at /mcp over HTTP)")
    mc.add_argument("--collection")
    mc.set_defaults(func=cmd_mcp)

    ev = sub.add_parser("eval", help="run the evaluation harness (see `trialchat eval -- --help`)", add_help=False)
    ev.add_argument("eval_args", nargs=argparse.REMAINDER)
    ev.set_defaults(func=cmd_eval)

    sm = sub.add_parser("setup-model", help="assemble and verify the local GGUF model and export the embedder to ONNX (once)")
    sm.set_defaults(func=cmd_setup_model)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["eval"]:  # the harness owns its flags (argparse REMAINDER would drop leading options)
        from eval.cli import main as eval_main

        return eval_main(argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
