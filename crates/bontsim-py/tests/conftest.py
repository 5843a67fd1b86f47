"""Shared fixtures: the repository root (plans are named by their relative paths, as users
type them, so arm names match the command line's) and the built `bontsim` binary."""

import os
import pathlib
import subprocess

import pytest

REPOSITORY = pathlib.Path(__file__).resolve().parents[3]
EXAMPLES = sorted(p.name for p in (REPOSITORY / "examples").glob("*.toml"))


def bontsim_binary() -> pathlib.Path:
    if os.environ.get("BONTSIM_BIN"):
        return pathlib.Path(os.environ["BONTSIM_BIN"])
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPOSITORY / "target"))
    return target / "release" / "bontsim"


@pytest.fixture(autouse=True)
def in_repository(monkeypatch):
    monkeypatch.chdir(REPOSITORY)


@pytest.fixture(scope="session")
def cli():
    binary = bontsim_binary()
    if not binary.exists():
        pytest.fail(f"{binary} is missing: build it with `cargo build --release` (or set BONTSIM_BIN)")

    def run(*args: str) -> bytes:
        done = subprocess.run(
            [str(binary), *args],
            cwd=REPOSITORY,
            capture_output=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout

    return run
