#!/usr/bin/env python3
"""Builds bench/results.md and bench/results.json from the outputs of bench/run_peers.sh."""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import platform
import re
import subprocess


def command_output(*args):
    try:
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not available"


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    system = platform.platform()
    try:
        with open("/etc/os-release") as handle:
            for line in handle:
                if line.startswith("PRETTY_NAME="):
                    system = line.split("=", 1)[1].strip().strip('"') + f" ({platform.release()})"
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            kb = int(handle.readline().split()[1])
            memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    dirty = command_output("git", "status", "--porcelain", "--", "crates", "Cargo.toml",
                           "Cargo.lock")
    return {
        "git_head": command_output("git", "rev-parse", "--short", "HEAD"),
        # The status letters, then the path (the output is stripped, so the first line may
        # have lost its leading blank: split rather than cut at a fixed column).
        "git_dirty": [line.split(maxsplit=1)[1] for line in dirty.splitlines() if line.strip()]
        if dirty != "not available" else [],
        "nproc": command_output("nproc"),
        "cpu": cpu,
        "memory": memory,
        "os": system,
        "rustc": command_output("rustc", "--version"),
        "hyperfine": command_output("hyperfine", "--version"),
    }


def fmt_seconds(s):
    return f"{s:.3f}" if s < 100 else f"{s:.1f}"


def fmt_us(us):
    return f"{us:,.1f}" if us < 1000 else f"{us:,.0f}"


def fmt_ratio(r):
    return f"{r:,.1f}×" if r < 100 else f"{r:,.0f}×"


def fmt_diff(d):
    return "—" if d is None else f"{d:.1e}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("--days", required=True)
    parser.add_argument("--export-command", required=True)
    parser.add_argument("--peer-command", required=True)
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    with open(os.path.join(args.work, "peers.json")) as handle:
        peers = json.load(handle)
    accuracy = peers.get("accuracy_vs_tight_reference", {})

    trials = []
    for path in sorted(glob.glob(os.path.join(args.work, "trial_*_*.json"))):
        match = re.search(r"trial_(\d+)_(\w+)\.json$", path)
        with open(path) as handle:
            result = json.load(handle)["results"][0]
        trials.append({
            "patients": int(match.group(1)),
            "threads": match.group(2),
            "command": result["command"],
            "mean": result["mean"],
            "min": result["min"],
            "stddev": result.get("stddev"),
            "runs": len(result.get("times", [])),
        })
    trials.sort(key=lambda t: (t["patients"], t["threads"] != "1"))
    trial_all = {t["patients"]: t for t in trials if t["threads"] == "all"}

    integrate = peers["bontsim_integrate"]
    # Like for like with the peers: bontsim integrating the same compartments on one thread,
    # a batch of patients at a time (one per vector lane) as `simulate` and the trial run
    # them; older exports only timed one at a time.
    batched = peers.get("bontsim_integrate_many")
    base = (batched or integrate)["microseconds_per_patient"]
    # The same batches on every core: bontsim's time per patient on the whole machine.
    all_cores = peers.get("bontsim_integrate_many_all_cores")
    threads = peers.get("bontsim_threads")
    base_machine = all_cores["microseconds_per_patient"] if all_cores else None

    rows = []

    def row(tool, patients, seconds, difference=None, reference=None, compile_s=None):
        us = seconds * 1e6 / patients
        trial = trial_all.get(patients)
        rows.append({
            "tool": tool,
            "patients": patients,
            "seconds": seconds,
            "microseconds_per_patient": us,
            "ratio_same_work": us / base,
            "ratio_whole_machine": us / base_machine if base_machine else None,
            "ratio_trial": us / (trial["min"] * 1e6 / patients) if trial else None,
            "largest_difference_from_bontsim": difference,
            "largest_error_vs_reference": reference,
            "compile_seconds": compile_s,
        })

    if batched:
        row("bontsim `solve::integrate_many`, left corrugator only, 16 patients per batch "
            "(one per single-precision vector lane of AVX-512; 8 on AVX2), 1 thread",
            batched["patients"], batched["best_seconds"])
    if all_cores:
        row(f"bontsim `solve::integrate_many`, the same batches on all {threads} cores "
            "(rayon)", all_cores["patients"], all_cores["best_seconds"])
    row("bontsim `solve::integrate`, left corrugator only, one patient at a time, 1 thread",
        integrate["patients"], integrate["best_seconds"])
    simulate = peers.get("bontsim_simulate")
    if simulate:
        row(f"bontsim `simulate`, whole plan ({peers['compartments_per_patient']:.0f} "
            f"compartments, {peers['integrations_per_patient']:.1f} integrated), 1 thread",
            simulate["patients"], simulate["best_seconds"], reference=accuracy.get("bontsim"))
    for t in trials:
        threads = "1 thread" if t["threads"] == "1" else f"all {machine()['nproc']} threads"
        row(f"bontsim trial (CLI, end to end), {threads}", t["patients"], t["min"])
    for p in peers["peers"]:
        row(p["tool"], p["patients"], p["seconds"], p["difference"]["largest"],
            accuracy.get(p["tool"]), p.get("compile_seconds"))

    info = machine()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = []
    add = lines.append
    add("# bontsim beside Python peers of the same model")
    add("")
    add(f"Generated by `bash bench/run_peers.sh` on {date}.")
    add("")
    add(f"- Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']}, {info['os']}")
    source = f"commit {info['git_head']}"
    if info["git_dirty"]:
        source += (" plus uncommitted changes to " + ", ".join(f"`{f}`" for f in info["git_dirty"]))
    add(f"- bontsim built from {source}")
    add(f"- Tools: {info['rustc']}; Python {peers['python']}, numpy {peers['numpy']}, "
        f"scipy {peers['scipy']}"
        + next((f", jax {p['jax']}, diffrax {p['diffrax']}" for p in peers["peers"]
                if "jax" in p), "")
        + f"; {info['hyperfine']}")
    add(f"- Plan `{args.plan}` (ONA 20 U glabella once), seed {args.seed}, {args.days} days, "
        f"virtual patients 0..N-1 of `bontsim trial` (`population::virtual_patient`, default "
        f"variability). Peers integrate the {peers['muscle']} compartment of each patient with "
        f"the parameters, constants and doses bontsim exports for it.")
    solver = peers["solver"]
    add(f"- Tolerances: rtol = atol = 1e-6 everywhere (bontsim `SolverOptions::default()`: "
        f"rtol {solver['relative_tolerance']:g}, atol {solver['absolute_tolerance']:g}, "
        f"max_step {solver['max_step']:g} d, initial_step {solver['initial_step']:g} d).")
    add("")
    add("| tool | patients | total s | µs per patient | × bontsim, same work (1 compartment, 1 thread) "
        f"| × bontsim, same work on the whole machine ({info['nproc']} cores) "
        "| × bontsim trial, same N (all cores) | largest \\|Δ\\| from bontsim (B, M, S) "
        "| largest error vs tight reference | JIT compile s (excluded) |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        compile_cell = "" if r["compile_seconds"] is None else f"{r['compile_seconds']:.1f}"
        trial_cell = "—" if r["ratio_trial"] is None else fmt_ratio(r["ratio_trial"])
        machine_cell = ("—" if r["ratio_whole_machine"] is None
                        else fmt_ratio(r["ratio_whole_machine"]))
        add(f"| {r['tool']} | {r['patients']:,} | {fmt_seconds(r['seconds'])} "
            f"| {fmt_us(r['microseconds_per_patient'])} | {fmt_ratio(r['ratio_same_work'])} "
            f"| {machine_cell} "
            f"| {trial_cell} | {fmt_diff(r['largest_difference_from_bontsim'])} "
            f"| {fmt_diff(r['largest_error_vs_reference'])} | {compile_cell} |")
    add("")
    add("Ratios are µs per patient of the row divided by bontsim's: above 1× bontsim is "
        "faster. \"Same work\" divides by the first row (bontsim integrating exactly the "
        "compartment the peers integrate, on one thread, a batch of patients at a time as "
        "vmapped diffrax does). \"Whole machine\" divides by the second row, the same "
        "work spread over every core: SciPy runs on one core as it is usually called, except "
        "the \"processes\" row, which spreads the patients over every core with "
        "multiprocessing (pool start-up not timed); XLA runs vmapped diffrax as it schedules "
        "it. \"Trial\" divides by "
        "`bontsim trial` at the same patient count on all cores, which integrates the whole "
        "plan (every compartment the doses reach), computes metrics and risks, aggregates and "
        "writes its output files. Times are the fastest of several runs for bontsim "
        "(hyperfine `min`; the example's best of 5) and diffrax (best of "
        f"{next((p.get('repeats') for p in peers['peers'] if 'repeats' in p), 3)}, after "
        "compilation and a warm-up run); one run over all patients (after a one-patient "
        "warm-up) for SciPy.")
    add("")
    # Speed at matched accuracy: odeint at the loosest tolerance whose error against the tight
    # reference is no larger than bontsim's own.
    bontsim_error = accuracy.get("bontsim")
    matched = [r for r in rows if r["tool"].startswith("scipy odeint (LSODA)")
               and "processes" not in r["tool"] and "numpy" not in r["tool"]
               and r["largest_error_vs_reference"] is not None and bontsim_error is not None
               and r["largest_error_vs_reference"] <= bontsim_error]
    if matched:
        best = min(matched, key=lambda r: r["microseconds_per_patient"])
        add(f"At matched accuracy: the fastest `odeint` run whose largest error against the "
            f"tight reference ({best['largest_error_vs_reference']:.1e}) is at most bontsim's "
            f"({bontsim_error:.1e}) is \"{best['tool']}\", {fmt_us(best['microseconds_per_patient'])} "
            f"µs per patient: bontsim is faster by {fmt_ratio(best['ratio_same_work'])} core for core "
            f"and {fmt_ratio(best['ratio_whole_machine'])} on the whole machine.")
        add("")
    add(f"Largest |Δ| from bontsim: over all patients of the row, all {args.days} days and the "
        "three daily series blockade B, mass M and strength S = (1 - clamp(B)) M. Error vs "
        f"tight reference: the same over the first {accuracy.get('patients', 0)} patients, "
        f"against {accuracy.get('reference', 'a tight reference')}.")
    add("")
    add("### Where the largest differences from bontsim are")
    add("")
    add("| tool | blockade B (patient #, day) | mass M (patient #, day) "
        "| strength S (patient #, day) | there: peer − reference | there: bontsim − reference |")
    add("|---|---:|---:|---:|---:|---:|")
    for p in peers["peers"]:
        d = p["difference"]
        cells = [f"{d[s]['max_abs']:.1e} (#{d[s]['patient']}, day {d[s]['day']})"
                 for s in ("blockade", "mass", "strength")]
        at = d.get("at_largest")
        if at:
            cells += [f"{at['peer_error']:+.1e}", f"{at['bontsim_error']:+.1e}"]
        else:
            cells += ["", ""]
        add(f"| {p['tool']}, {p['patients']:,} patients | " + " | ".join(cells) + " |")
    add("")
    add("\"There\": at the patient, day and series of the row's largest difference, each tool's "
        "value minus the tight reference (solve_ivp DOP853, rtol = atol = 1e-12), which says "
        "whose error the difference is.")
    add("")

    diagnostics = []
    for path in sorted(glob.glob(os.path.join(args.work, "diagnostic_max_step_*.json")),
                       key=lambda p: -float(re.search(r"max_step_([\d.]+)\.json", p).group(1))):
        with open(path) as handle:
            d = json.load(handle)
        diagnostics.append({
            "max_step": d["solver"]["max_step"],
            "patients": d["bontsim_integrate"]["patients"],
            "integrate_us": d["bontsim_integrate"]["microseconds_per_patient"],
            "bontsim_vs_reference": d["accuracy_vs_tight_reference"]["bontsim"],
            "odeint_vs_reference": d["accuracy_vs_tight_reference"].get("scipy odeint (LSODA)"),
            "odeint_vs_bontsim": d["peers"][0]["difference"]["largest"] if d["peers"] else None,
        })
    if diagnostics:
        add("### bontsim's daily output against its step limit (diagnostic)")
        add("")
        add("bontsim's daily values come from Dormand-Prince's continuous extension of order 4 "
            "over its accepted steps (up to `max_step` days); the peers use their integrators' "
            "own dense output. Same patients, `--max-step` changed in the export only:")
        add("")
        add("| bontsim max_step (d) | patients | `integrate` µs per patient (1 compartment) "
            "| bontsim (`simulate`) error vs tight reference | odeint \\|Δ\\| from bontsim |")
        add("|---:|---:|---:|---:|---:|")
        for d in diagnostics:
            add(f"| {d['max_step']:g} | {d['patients']} | {d['integrate_us']:.1f} "
                f"| {fmt_diff(d['bontsim_vs_reference'])} | {fmt_diff(d['odeint_vs_bontsim'])} |")
        add("")

    add("### Notes")
    add("")
    add(f"- Per patient, the peers integrate one compartment; `bontsim trial` integrates "
        f"{peers.get('integrations_per_patient') or 0:.1f} distinct compartments per patient "
        f"(of {peers.get('compartments_per_patient') or 0:.0f} reached by the plan's doses and "
        "spread), then computes metrics and risks and aggregates. The \"same work\" column is "
        "the like-for-like comparison.")
    add("- SciPy right-hand sides are plain-Python scalar arithmetic (`math.exp`), the fastest "
        "plain-Python form; the \"numpy-array RHS\" row is the same function written with numpy "
        "calls and an `np.array` result, as it is often written.")
    add("- Doses restart every integrator (segment by segment); this plan has one dose day "
        "(day 0), so every patient has one segment of 364 days.")
    for p in peers["peers"]:
        if "steps_mean" in p:
            add(f"- {p['tool']}, {p['patients']:,} patients: {p['steps_mean']:.1f} accepted "
                f"steps per patient on average, {p['steps_max']} at most; a vmapped batch steps "
                "until its slowest patient is done.")
    if any("steps_mean" in p for p in peers["peers"]):
        add("- JAX's CPU backend may use both cores (CPU time was about 1.4× wall time over a "
            "diffrax run when this script was written); SciPy runs on one.")
    add("- bontsim's largest error against the tight reference is in `simulate`'s series (the "
        "left corrugator as the trial computes it); those are the series the peers are "
        "compared with.")
    add("- Daily values: bontsim evaluates Dormand-Prince's continuous extension of order 4 "
        "over each accepted step; odeint and solve_ivp LSODA interpolate their Nordsieck "
        "history; diffrax evaluates its solver's dense output at `SaveAt(ts=...)`.")
    add("")
    add("### Commands")
    add("")
    add("```")
    add(args.export_command)
    add(args.peer_command)
    for t in trials:
        add(f"hyperfine --warmup 1 --runs {t['runs']} '{t['command']}'")
    add("```")
    add("")
    if peers.get("integrate_alone_vs_simulate") is not None:
        add(f"`simulate` (and so `bontsim trial`) and `solve::integrate` of the compartment alone "
            f"differ by at most {peers['integrate_alone_vs_simulate']:.1e} over these patients "
            "(B, M, S); the peers are compared with `simulate`'s series.")
        add("")
    add("Raw numbers: `bench/results.json`.")
    text = "\n".join(lines) + "\n"
    with open(args.markdown, "w") as handle:
        handle.write(text)
    with open(args.json, "w") as handle:
        json.dump({"date": date, "machine": info, "rows": rows, "trials": trials,
                   "diagnostics": diagnostics, "peers": peers}, handle, indent=2)
        handle.write("\n")


if __name__ == "__main__":
    main()
