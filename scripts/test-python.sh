#!/usr/bin/env bash
# Tests of the Python package (crates/bontsim-py): builds the wheel with maturin, installs it
# into a fresh virtual environment with the pinned test requirements, runs pytest (the API
# against the `bontsim` binary, Ctrl-C, a Dask cluster of three worker processes) and the
# quickstart example. Needs python3 (3.9 or later) with venv, and the release binary
# (built here; a no-op after `cargo test --release`). Run from anywhere in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
repository="$(pwd)"
target="${CARGO_TARGET_DIR:-$repository/target}"
venv="$target/python-venv"
wheels="$target/wheels"

# The command line the tests compare with (a no-op when `cargo test --release` built it).
cargo build --release -p bontsim-cli

# A fresh environment each run: what a user's `pip install` on a new machine gets.
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r crates/bontsim-py/requirements-test.txt

rm -rf "$wheels"
"$venv/bin/maturin" build --release --manifest-path crates/bontsim-py/Cargo.toml --out "$wheels"
"$venv/bin/python" -m pip install --quiet "$wheels"/bontsim-*.whl

export BONTSIM_BIN="$target/release/bontsim"
export MPLBACKEND=Agg
# From outside the source tree, so the installed wheel is what is tested.
cd "$target"
"$venv/bin/python" -m pytest -q "$repository/crates/bontsim-py/tests"
cd "$repository"
"$venv/bin/python" examples/python/quickstart.py --output "$target/python-quickstart"
echo "python package: tests and quickstart passed"
