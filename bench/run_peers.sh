#!/usr/bin/env bash
# Side-by-side speed and agreement of bontsim with Python peers of the same compartment model
# (SciPy odeint and solve_ivp LSODA, JAX + diffrax vmapped), on identical virtual patients.
#
#   bash bench/run_peers.sh            # defaults below; writes bench/results.md and .json
#
# Environment (defaults): SEED=1 DAYS=365 SCIPY_PATIENTS=1000 DIFFRAX_PATIENTS=1000,10000
# BIG_PATIENTS=100000 DIFFRAX_SOLVERS="tsit5 dopri5" REFERENCE_PATIENTS=1000
# PLAN=bench/plans/glabella_20u_single.toml WORK=${TMPDIR:-/tmp}/bontsim-bench
# Large intermediate files (the exported population, trial outputs) go to WORK, not bench/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SEED="${SEED:-1}"
DAYS="${DAYS:-365}"
SCIPY_PATIENTS="${SCIPY_PATIENTS:-1000}"
DIFFRAX_PATIENTS="${DIFFRAX_PATIENTS:-1000,10000}"
BIG_PATIENTS="${BIG_PATIENTS:-100000}"
DIFFRAX_SOLVERS="${DIFFRAX_SOLVERS:-tsit5 dopri5}"
REFERENCE_PATIENTS="${REFERENCE_PATIENTS:-1000}"
PLAN="${PLAN:-bench/plans/glabella_20u_single.toml}"
WORK="${WORK:-${TMPDIR:-/tmp}/bontsim-bench}"
VENV="$ROOT/bench/.venv"
PY="bench/.venv/bin/python"
mkdir -p "$WORK"

log() { printf '\n== %s\n' "$*" >&2; }

# --- 1. Python peers' environment (CPU wheels from PyPI; no torch) -------------------------
if [ ! -x "$PY" ]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
log "installing bench/python/requirements.txt into bench/.venv"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r bench/python/requirements.txt
if "$VENV/bin/pip" show torch >/dev/null 2>&1; then
  echo "torch is installed in bench/.venv: not wanted here (remove it)" >&2
  exit 1
fi

# --- 2. bontsim -------------------------------------------------------------------------------
log "building bontsim (release) and the export example"
cargo build --release -p bontsim-cli
cargo build --release -p bontsim-core --example export_population
BONTSIM="${CARGO_TARGET_DIR:-target}/release/bontsim"   # where cargo just built it

# --- 3. the virtual patients, exported once for every peer -------------------------------------
max_patients="$SCIPY_PATIENTS"
for n in ${DIFFRAX_PATIENTS//,/ } "$REFERENCE_PATIENTS"; do
  [ "$n" -gt "$max_patients" ] && max_patients="$n"
done
EXPORT_CMD=(cargo run --release -q -p bontsim-core --example export_population --
  --patients "$max_patients" --seed "$SEED" --days "$DAYS" --output "$WORK/population.json" "$PLAN")
log "${EXPORT_CMD[*]}"
"${EXPORT_CMD[@]}"

# --- 4. the peers --------------------------------------------------------------------------------
solver_args=()
for s in $DIFFRAX_SOLVERS; do solver_args+=(--diffrax-solver "$s"); done
PEER_CMD=("$PY" bench/python/peer.py "$WORK/population.json"
  --odeint-patients "$SCIPY_PATIENTS" --odeint-numpy-patients "$SCIPY_PATIENTS"
  --lsoda-patients "$SCIPY_PATIENTS" --diffrax-patients "$DIFFRAX_PATIENTS" "${solver_args[@]}"
  --reference-patients "$REFERENCE_PATIENTS" --json-out "$WORK/peers.json")
log "${PEER_CMD[*]}"
"${PEER_CMD[@]}" >/dev/null

# --- 5. accuracy diagnostic: bontsim's step limit and its daily dense output (order 4) -------------
DIAG_PATIENTS=200
for max_step in 20 5 1; do
  cmd=(cargo run --release -q -p bontsim-core --example export_population --
    --patients "$DIAG_PATIENTS" --seed "$SEED" --days "$DAYS" --max-step "$max_step"
    --output "$WORK/population_max_step_$max_step.json" "$PLAN")
  log "${cmd[*]}"
  "${cmd[@]}"
  "$PY" bench/python/peer.py "$WORK/population_max_step_$max_step.json" \
    --odeint-patients "$DIAG_PATIENTS" --odeint-processes 0 --odeint-numpy-patients 0 --lsoda-patients 0 \
    --diffrax-patients 0 --reference-patients "$DIAG_PATIENTS" \
    --json-out "$WORK/diagnostic_max_step_$max_step.json" >/dev/null
done

# --- 6. bontsim trial, end to end (whole plan, metrics, aggregation, output files) -----------
sizes=$(printf '%s\n' "$SCIPY_PATIENTS" ${DIFFRAX_PATIENTS//,/ } "$BIG_PATIENTS" | sort -n -u)
for n in $sizes; do
  for threads in 1 all; do
    cmd="$BONTSIM trial $PLAN --patients $n --seed $SEED --days $DAYS"
    if [ "$threads" != all ]; then cmd="$cmd --threads $threads"; fi
    cmd="$cmd --output $WORK/trial"
    if [ "$n" -ge 100000 ]; then runs=3; elif [ "$n" -ge 10000 ]; then runs=5; else runs=20; fi
    out="$WORK/trial_${n}_${threads}.json"
    log "$cmd"
    if command -v hyperfine >/dev/null 2>&1; then
      hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$out" "$cmd" >&2
    else
      echo "(hyperfine not found: 'apt-get install hyperfine'; timing with Python instead)" >&2
      "$PY" - "$out" "$runs" "$cmd" <<'PYEOF'
import json, shlex, subprocess, sys, time
out, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3]
subprocess.run(shlex.split(cmd), check=True, capture_output=True)  # warm-up
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(shlex.split(cmd), check=True, capture_output=True)
    times.append(time.perf_counter() - start)
mean = sum(times) / len(times)
json.dump({"results": [{"command": cmd, "mean": mean, "min": min(times), "max": max(times),
                        "times": times}], "timer": "python perf_counter"}, open(out, "w"))
PYEOF
    fi
  done
done

# --- 7. the table ----------------------------------------------------------------------------
log "writing bench/results.md and bench/results.json"
"$PY" bench/python/table.py --work "$WORK" --plan "$PLAN" --seed "$SEED" --days "$DAYS" \
  --export-command "${EXPORT_CMD[*]}" --peer-command "${PEER_CMD[*]}" \
  --markdown bench/results.md --json bench/results.json
cat bench/results.md
