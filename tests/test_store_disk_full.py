"""A full disk (issue #21, part 5): a real small tmpfs as the data dir, filled by a file.

The ingest that does not fit is refused before it changes anything, in one line naming the path and the
space needed; `serve` still starts and answers from what is committed; after space is freed a rerun
equals a clean ingest. Mounting needs root (CI and the dev machines run as root); elsewhere it is skipped.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import httpx
import pytest
from conftest_web import ServedApp
from store_helpers import FILES, assert_same, clean, cli, snapshot

from trialchat.settings import Settings

LEFT_FREE = 512 * 1024  # what the filler leaves: less than the second ingest needs


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(disk, leave: int) -> None:
    free = shutil.disk_usage(disk).free
    with open(disk / "filler", "wb") as f:
        f.write(b"\0" * max(free - leave, 0))


def test_a_full_disk_is_said_and_changes_nothing(small_disk, clean):
    settings = Settings(data_dir=small_disk / "data")
    assert cli(settings, "ingest", FILES[0], "--no-glossary").returncode == 0
    before = snapshot(settings)
    _fill(small_disk, LEFT_FREE)

    full = cli(settings, "ingest", *FILES[1:], "--no-glossary")
    assert full.returncode == 2, full.stderr
    assert full.stderr.count("\n") == 1 and "Traceback" not in full.stderr, full.stderr
    assert f"not enough disk space for {settings.data_dir}" in full.stderr and "MB needed" in full.stderr
    assert_same(snapshot(settings), before)  # the store as it was

    served = ServedApp(settings.data_dir).start()  # it used to fail to start while the disk was full
    try:
        ask = httpx.post(served.url + "/api/ask", json={"question": "Who can join?", "study_id": "NCT00513591"},
                         timeout=60)
        assert ask.status_code == 200 and ask.json()["citations"], (ask.text, served.log()[-4000:])
        assert "glossary: not refreshed (not enough disk space" in served.log()
    finally:
        served.stop()

    (small_disk / "filler").unlink()
    rerun = cli(settings, "ingest", *FILES[1:], "--no-glossary")
    assert rerun.returncode == 0, rerun.stderr
    assert_same(snapshot(settings), clean)
