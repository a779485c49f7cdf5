"""Fixtures and helpers for the web tests (imported by tests/test_web_*.py, test_widget.py, test_api.py).

* ``real_corpus``: the bundled sample corpus + glossary (+ one hostile study, NCT09999999, whose title
  is ``<img src=x onerror=alert(1)> study``) ingested once per test session with the real CLI.
* ``real_service``: the real answering service over it, ``TRIALCHAT_LLM=extractive`` (real retrieval
  and citations, no generative model), built once.
* ``live_app``: the real app (``create_app``) served by uvicorn on a free loopback port, allowing one
  partner origin (``partner_site``, a static server on another port); ``other_site`` is a third,
  not-allowed origin serving the same partner page.
* ``served_cli``: ``python -m cli serve`` itself, in a subprocess over ``real_corpus`` (what a user
  runs; for the Gradio client tests), its log kept for the tests to read.
* ``browser``: Debian chromium through Playwright (never a downloaded browser).

Expensive things are cached per process, so importing these fixtures into several modules still
ingests and starts each server once.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "docs" / "screenshots"
XSS_STUDY_ID = "NCT09999999"
XSS_TITLE = "<img src=x onerror=alert(1)> study"
PINNED_STUDY = "NCT02552212"  # a bundled sample study (API v2 JSON)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a background thread on 127.0.0.1:<free port>."""

    def __init__(self, app, port: int | None = None):
        import uvicorn

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                timeout_graceful_shutdown=1, proxy_headers=False)  # as app.serve runs it
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name=f"uvicorn-{self.port}")

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the app server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


class StaticSite:
    """A 'partner site': http.server serving one folder on its own port (so its own origin)."""

    def __init__(self, root: Path, port: int | None = None):
        self.port = port or free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name=f"site-{self.port}")

    def start(self) -> StaticSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


class ServedApp:
    """``trialchat serve`` as a user starts it: its own process on a free loopback port, over a data dir."""

    def __init__(self, data_dir: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        env = {**os.environ, "TRIALCHAT_DATA_DIR": str(data_dir), "TRIALCHAT_LLM": "extractive", "PYTHONPATH": str(REPO),
               **{f"TRIALCHAT_{k.upper()}": v for k, v in env.items()}}
        env.pop("FORWARDED_ALLOW_IPS", None)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(self.port)],
                                     cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def start(self, timeout: float = 180) -> ServedApp:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"trialchat serve exited ({self.proc.returncode}):\n{self.log()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"trialchat serve did not answer /healthz in {timeout}s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def xss_study_json() -> dict:
    """A minimal ClinicalTrials.gov API v2 record with a hostile title."""
    return {"protocolSection": {
        "identificationModule": {"nctId": XSS_STUDY_ID, "briefTitle": XSS_TITLE,
                                 "officialTitle": XSS_TITLE + " (official)"},
        "statusModule": {"overallStatus": "RECRUITING"},
        "descriptionModule": {"briefSummary": "This study checks that <script>alert(2)</script> and "
                                              "<b>markup</b> in a record are shown as plain text."},
        "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n* Adults aged 18 or older",
                              "minimumAge": "18 Years", "sex": "ALL"},
    }}


# ------------------------------------------------------------------ cached, once per process
_CACHE: dict[str, object] = {}
_LOCK = threading.Lock()


def _once(key, make):
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = make()
        return _CACHE[key]


def _ingest_real_corpus(base: Path) -> Path:
    data_dir = base / "data"
    extra = base / "extra"
    extra.mkdir(parents=True, exist_ok=True)
    (extra / f"{XSS_STUDY_ID}.json").write_text(json.dumps(xss_study_json()), encoding="utf-8")
    env = {**os.environ, "TRIALCHAT_DATA_DIR": str(data_dir), "TRIALCHAT_LLM": "extractive",
           "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "cli", "ingest", "corpus/sample", "ingest/glossary", str(extra), "--json"]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"ingest failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-4000:]}")
    return data_dir


def real_settings(data_dir: Path, **overrides):
    from trialchat.settings import Settings

    return Settings(data_dir=data_dir, llm="extractive", **overrides)


@pytest.fixture(scope="session")
def real_corpus(tmp_path_factory, request) -> Path:
    """Ingested once per session. To iterate on web tests faster, point TRIALCHAT_WEB_TEST_CORPUS at a
    folder: it is ingested there on first use and reused (re-ingest is incremental) on later runs.
    Otherwise it starts from a copy of the session's ingested sample (tests/conftest.py), so the CLI
    run below only embeds the extra study."""
    reuse = os.environ.get("TRIALCHAT_WEB_TEST_CORPUS")
    base = Path(reuse) if reuse else tmp_path_factory.getbasetemp() / "web_real_corpus"

    def make() -> Path:
        if not reuse and not (base / "data").exists():
            request.getfixturevalue("sample_store")
            shutil.copytree(request.getfixturevalue("sample_settings").data_dir, base / "data")
        return _ingest_real_corpus(base)
    return _once("corpus", make)


@pytest.fixture(scope="session")
def real_service(real_corpus):
    def make():
        from assistant.service import build_answer_service

        return build_answer_service(real_settings(real_corpus))
    return _once("service", make)


@pytest.fixture(scope="session")
def partner_page_dir(tmp_path_factory) -> Path:
    return _once("partner_dir", lambda: tmp_path_factory.getbasetemp() / "partner_pages")


@pytest.fixture(scope="session")
def partner_site(partner_page_dir) -> StaticSite:
    def make():
        partner_page_dir.mkdir(parents=True, exist_ok=True)
        return StaticSite(partner_page_dir).start()
    return _once("partner_site", make)


@pytest.fixture(scope="session")
def other_site(partner_page_dir) -> StaticSite:
    """Serves the same pages from an origin that is NOT allowed."""
    return _once("other_site", lambda: StaticSite(partner_page_dir).start())


@pytest.fixture(scope="session")
def live_app(real_service, real_corpus, partner_site) -> LiveServer:
    def make():
        from app import create_app

        settings = real_settings(real_corpus, allowed_origins=[partner_site.origin], rate_limit_per_minute=600)
        return LiveServer(create_app(settings, service=real_service)).start()
    return _once("live_app", make)


class ServedCli:
    """``trialchat serve`` in a subprocess, stdout and stderr in a log file."""

    def __init__(self, data_dir: Path, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {**os.environ, "TRIALCHAT_DATA_DIR": str(data_dir), "TRIALCHAT_LLM": "extractive",
               "TRIALCHAT_RATE_LIMIT_PER_MINUTE": "600", "PYTHONPATH": str(REPO)}
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1",
                                      "--port", str(self.port)], cwd=REPO, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 600) -> ServedCli:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"trialchat serve exited ({self.proc.returncode}):\n{self.log()[-4000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"trialchat serve did not answer /healthz in {timeout:.0f} s:\n{self.log()[-4000:]}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text("utf-8", errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture(scope="session")
def served_cli(real_corpus, tmp_path_factory, request) -> ServedCli:
    def make():
        server = ServedCli(real_corpus, tmp_path_factory.mktemp("served") / "serve.log")
        request.config.add_cleanup(server.stop)
        return server.wait_ready()
    return _once("served_cli", make)


@pytest.fixture(scope="session")
def served_app(real_corpus, partner_site, request) -> ServedApp:
    """The real ``trialchat serve`` over the ingested sample (extractive answers), one partner origin."""
    def make():
        server = ServedApp(real_corpus, allowed_origins=partner_site.origin, rate_limit_per_minute="600").start()
        request.config.add_cleanup(server.stop)
        return server
    return _once("served_app", make)


@pytest.fixture(scope="session")
def browser(request):
    """One Playwright + chromium per process (the sync API allows only one), closed at session end."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")

    def make():
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def close():
            b.close()
            pw.stop()
        request.config.add_cleanup(close)
        return b
    return _once("browser", make)


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs  # type: ignore[attr-defined]  # any alert() = a script ran: tests assert it stays empty
    yield pg
    context.close()


def partner_html(app_url: str, studies: str, title: str | None = None, color: str | None = None) -> str:
    attrs = f'data-study="{studies}"' + (f' data-title="{title}"' if title else "") + (
        f' data-color="{color}"' if color else "")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Friends of Trials</title>
<style>body{{font-family:Georgia,serif;max-width:720px;margin:40px auto;color:#222}}
header{{border-bottom:3px solid #6a1b9a;margin-bottom:20px}}h1{{color:#6a1b9a}}</style></head>
<body><header><h1>Friends of Trials</h1><p>A patient group's page (not trialchat's).</p></header>
<h2>A study we are following</h2><p>Read about the study below and ask the assistant in the corner
if something is unclear. It answers from the study's own record.</p>
<script src="{app_url}/widget.js" {attrs} async></script></body></html>"""
