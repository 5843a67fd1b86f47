#!/usr/bin/env bash
# How the cost of a virtual trial grows with patients, days and treated compartments: runs
# `bontsim trial` on one machine in one go and prints a markdown table of CPU microseconds per
# patient-year (user + system time of the whole process, so start-up and the written files
# are included) and wall seconds.
#
#   bash bench/scaling.sh                  # builds the release binary first
#
# Environment (defaults): THREADS=2 (RAYON_NUM_THREADS) SEED=1 BONTSIM=target/release/bontsim
# WORK=${TMPDIR:-/tmp}/bontsim-scaling (trial outputs go there, not into the repository).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
THREADS="${THREADS:-2}"
SEED="${SEED:-1}"
BONTSIM="${BONTSIM:-target/release/bontsim}"
WORK="${WORK:-${TMPDIR:-/tmp}/bontsim-scaling}"
mkdir -p "$WORK"
if [ "$BONTSIM" = "target/release/bontsim" ]; then
  cargo build --release -p bontsim-cli >&2
fi

# One run: plan, patients, days -> a table row.
run() {
  local plan="$1" patients="$2" days="$3"
  local timing
  timing=$( { RAYON_NUM_THREADS="$THREADS" /usr/bin/time -f "%U %S %e %M" \
      "$BONTSIM" trial "$plan" --patients "$patients" --seed "$SEED" --days "$days" \
      --output "$WORK/out" >/dev/null 2>"$WORK/stderr"; } 2>&1; tail -1 "$WORK/stderr")
  read -r user system wall memory <<<"$(tail -1 <<<"$timing")"
  python3 - "$plan" "$patients" "$days" "$user" "$system" "$wall" "$memory" <<'EOF'
import sys
plan, patients, days, user, system, wall, memory = sys.argv[1:]
patients, days = int(patients), int(days)
cpu = float(user) + float(system)
patient_years = patients * days / 365
print(f"| `{plan}` | {patients:,} | {days:,} | {cpu:.2f} | {float(wall):.2f} | "
      f"{cpu / patient_years * 1e6:.1f} | {int(memory) / 1024:.0f} |")
EOF
}

echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores;" \
  "RAYON_NUM_THREADS=$THREADS; $(date -u +%Y-%m-%d); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| plan | patients | days | CPU s | wall s | CPU us per patient-year | peak MB |"
echo "|---|---|---|---|---|---|---|"
GLABELLA=bench/plans/glabella_20u_single.toml
for patients in 1000 10000 100000 1000000; do
  run "$GLABELLA" "$patients" 365
done
for days in 1 30 730 1825 3650; do
  run "$GLABELLA" 10000 "$days"
done
for days in 365 1825 3650; do
  run examples/masseter_25u_every_3_months.toml 10000 "$days"
done
for plan in examples/forehead_and_crows_feet.toml bench/plans/full_face_every_120_days.toml; do
  run "$plan" 10000 365
done
