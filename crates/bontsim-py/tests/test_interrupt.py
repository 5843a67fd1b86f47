"""Ctrl-C stops a long trial promptly: SIGINT to a Python process running a trial far too
long to finish raises KeyboardInterrupt within a second or two."""

import os
import signal
import subprocess
import sys
import time

from conftest import REPOSITORY

SCRIPT = """
import sys, bontsim
def progress(done, total):
    if done > 0 and not getattr(progress, "said", False):
        progress.said = True
        print("running", flush=True)
try:
    bontsim.trial("examples/forehead_and_crows_feet.toml", patients=5_000_000, seed=1, progress=progress)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
print("finished", flush=True)
"""


def test_sigint_stops_a_long_trial_with_keyboard_interrupt():
    child = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "running"
        time.sleep(0.5)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
        stopped_after = time.monotonic() - sent
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, (out, err)
    assert out.strip() == "interrupted", (out, err)
    # Workers finish the chunk of 64 patients they are on, then stop.
    assert stopped_after < 5.0, stopped_after
