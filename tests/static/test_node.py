"""Runs the web app's JavaScript unit tests (``tests/static/js/*.test.js``) with Node's
own test runner: the client sync library's backoff, batching and push/pull loop (#15)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_sync_library_unit_tests_pass_under_node():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required for the web app's unit tests (./dev.sh test installs nodejs)")
    done = subprocess.run(
        [node, "--test", "--experimental-default-type=module", "tests/static/js/"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout
