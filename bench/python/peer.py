#!/usr/bin/env python3
"""The bontsim compartment model in Python, integrated by SciPy and by JAX + diffrax.

Side-by-side peer of bontsim (see bench/run_peers.sh). Reads the virtual patients that
`cargo run --release -p bontsim-core --example export_population` exports (the left
corrugator supercilii of each patient: individual parameters, compartment constants, the
doses after spread and same-day merging, and bontsim's daily blockade, mass and strength),
integrates the same compartment model with

* scipy.integrate.odeint            (Fortran LSODA), rtol = atol = 1e-6
* scipy.integrate.solve_ivp LSODA   (Python LSODA),  rtol = atol = 1e-6
* diffrax Tsit5 or Dopri5, PIDController rtol = atol = 1e-6, float64, vmapped over patients

and prints per-patient times and the largest absolute difference from bontsim's daily
series, as JSON on stdout (and to --json-out).

The model (docs/model.md, sec. 2.4-2.6, 2.12-2.14) for one compartment, as
`model::derivative` integrates it. From each dose on, the export gives the toxin's closed form
and the rates (`segments`, made by bontsim's own `Toxin::dose` and `Rates::new`, so the dose's
uptake ceiling, coverage and product rates are not re-derived here):

    L = a e^{-k_L tau} + c e^{-k_in tau},  tau = t - t_ref
    E = P x^h / (1 + x^h),  x = max(L, 0) scale      (scale = sensitivity / EC50)
    dB/dt = k_on (E - B)                   if E >= B
            k_r0 / (1 + rho_R R) (E - B)   otherwise
    dR/dt = k_Rin B (1 - R) - k_Rout R
    dM/dt = k_gain (1 - b) (1 - f - M) / (1 + rho_F f) - k_loss b (M - floor) / (1 + rho_A R)
    dF/dt = k_F b (1 - M - f) - k_Fd f,     b = clamp(B, 0, 1), f = max(F, 0)
    S = (1 - clamp(B, 0, 1)) M
    start B = R = F = 0, M = 1 at day 0; output at integer days, the state just before a dose
    on a dose day; the integration restarts at every dose (segment by segment).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np
from scipy.integrate import odeint, solve_ivp

RTOL = 1e-6
ATOL = 1e-6
BASELINE = (0.0, 0.0, 1.0, 0.0)  # B, R, M, F


# --------------------------------------------------------------------------- model (scalar)


def make_rhs(seg):
    """f(t, y) for [B, R, M, F] from one dose on (`seg`: the toxin's closed form and the rates
    bontsim exports, exactly `model::derivative`); scalar math (the fastest plain-Python form:
    numpy on 4-element arrays costs more than it saves)."""
    k_in, k_l = seg["k_in"], seg["k_l"]
    k_on, k_r0, rho_r = seg["k_on"], seg["k_r0"], seg["rho_r"]
    k_r_in, k_r_out = seg["k_r_in"], seg["k_r_out"]
    k_gain, k_loss, rho_f, rho_a = seg["k_gain"], seg["k_loss"], seg["rho_f"], seg["rho_a"]
    k_f, k_fd, floor = seg["k_f"], seg["k_fd"], seg["contractile_floor"]
    x_scale, hill = seg["scale"], seg["hill"]
    t_ref, a, c, cov = seg["t_ref"], seg["a"], seg["c"], seg["coverage"]
    exp = math.exp

    def rhs(t, y):
        b_raw, r, m, f_raw = y[0], y[1], y[2], y[3]
        tau = t - t_ref
        fe = k_in * tau
        load = a * exp(-k_l * tau) + (0.0 if fe > 40.0 else c * exp(-fe))
        if load <= 0.0:
            e = 0.0
        else:
            x = (load * x_scale) ** hill
            e = cov * x / (1.0 + x)
        rate = k_on if e >= b_raw else k_r0 / (1.0 + rho_r * r)
        b = 0.0 if b_raw < 0.0 else (1.0 if b_raw > 1.0 else b_raw)
        f = f_raw if f_raw > 0.0 else 0.0
        return [
            rate * (e - b_raw),
            k_r_in * b_raw * (1.0 - r) - k_r_out * r,
            k_gain * (1.0 - b) * (1.0 - f - m) / (1.0 + rho_f * f)
            - k_loss * b * (m - floor) / (1.0 + rho_a * r),
            k_f * b * (1.0 - m - f) - k_fd * f,
        ]

    return rhs


def make_rhs_numpy(seg):
    """The same f(t, y) as a numpy user typically writes it (np.exp, np.where, np.clip,
    an np.array result): identical numbers, several times slower per call than make_rhs."""
    t_ref, a, c, cov = seg["t_ref"], seg["a"], seg["c"], seg["coverage"]

    def rhs(t, y):
        b_raw, r, m, f_raw = y
        tau = t - t_ref
        load = a * np.exp(-seg["k_l"] * tau) + c * np.exp(-seg["k_in"] * tau)
        x = np.power(np.maximum(load, 0.0) * seg["scale"], seg["hill"])
        e = cov * x / (1.0 + x)
        rate = np.where(e >= b_raw, seg["k_on"], seg["k_r0"] / (1.0 + seg["rho_r"] * r))
        b = np.clip(b_raw, 0.0, 1.0)
        f = np.maximum(f_raw, 0.0)
        return np.array([
            rate * (e - b_raw),
            seg["k_r_in"] * b_raw * (1.0 - r) - seg["k_r_out"] * r,
            seg["k_gain"] * (1.0 - b) * (1.0 - f - m) / (1.0 + seg["rho_f"] * f)
            - seg["k_loss"] * b * (m - seg["contractile_floor"]) / (1.0 + seg["rho_a"] * r),
            seg["k_f"] * b * (1.0 - m - f) - seg["k_fd"] * f,
        ])

    return rhs


def segments(patient, days):
    """The integration plan shared by every integrator, as in bontsim's solve.rs: yields
    ("output", day), ("dose", day, concentration) and ("integrate", t0, t1, output_days)."""
    doses = sorted(((d["day"], d["concentration"]) for d in patient["doses"]), key=lambda x: x[0])
    end = float(days - 1)
    t = 0.0
    next_output = 0
    i = 0
    while next_output < days:
        while next_output < days and next_output <= t:
            yield ("output", next_output)
            next_output += 1
        while i < len(doses) and doses[i][0] <= t:
            yield ("dose", t, doses[i][1])
            i += 1
        if next_output >= days:
            break
        segment_end = min(doses[i][0], end) if i < len(doses) else end
        outputs = list(range(next_output, int(math.floor(segment_end)) + 1))
        yield ("integrate", t, segment_end, outputs)
        next_output += len(outputs)
        t = segment_end


def simulate_scipy(patient, days, method, tolerance=None):
    """Daily [B, R, M, F] of one patient, segment by segment (restart at every dose);
    `tolerance` (rtol = atol) replaces RTOL and ATOL for odeint when given."""
    out = np.empty((days, 4))
    y = list(BASELINE)
    seg = None  # the exported segment of the last dose (none before the first)
    taken = 0
    for step in segments(patient, days):
        kind = step[0]
        if kind == "output":
            out[step[1]] = y
        elif kind == "dose":
            seg = patient["segments"][taken]
            taken += 1
        else:
            _, t0, t1, outputs = step
            if seg is None and y == list(BASELINE):
                out[outputs] = BASELINE  # untreated steady state: nothing to integrate
                continue
            rhs = (make_rhs_numpy if method == "odeint-numpy" else make_rhs)(seg)
            times = [float(d) for d in outputs]
            if not times or times[-1] != t1:
                times.append(t1)
            if method in ("odeint", "odeint-numpy"):
                rtol, atol = (tolerance, tolerance) if tolerance else (RTOL, ATOL)
                sol = odeint(rhs, y, [t0] + times, rtol=rtol, atol=atol, tfirst=True)[1:]
            elif method == "LSODA":
                result = solve_ivp(
                    rhs, (t0, t1), y, method="LSODA", t_eval=times, rtol=RTOL, atol=ATOL
                )
                if not result.success:
                    raise RuntimeError(result.message)
                sol = result.y.T
            else:  # tight reference
                result = solve_ivp(
                    rhs, (t0, t1), y, method="DOP853", t_eval=times, rtol=1e-12, atol=1e-12
                )
                if not result.success:
                    raise RuntimeError(result.message)
                sol = result.y.T
            out[outputs] = sol[: len(outputs)]
            y = [float(v) for v in sol[-1]]
    return out


# --------------------------------------------------------------------------- diffrax


def run_diffrax(patients, days, solver_name, repeats):
    """All patients vmapped in one diffeqsolve per segment. Every virtual patient of a plan
    has the same dose days (variability changes amounts, not days), so segments are shared."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import diffrax
    import jax.numpy as jnp

    n = len(patients)
    plan = list(segments(patients[0], days))
    dose_days = [[d["day"] for d in sorted(p["doses"], key=lambda d: d["day"])] for p in patients]
    if any(dd != dose_days[0] for dd in dose_days):
        raise SystemExit("diffrax peer: patients have different dose days")

    # Per segment (one per dose day), the exported closed form and rates of every patient,
    # in the order of the arguments of `vector_field`.
    names = (
        "k_in", "k_l", "scale", "hill", "k_on", "k_r0", "rho_r", "k_r_in", "k_r_out", "k_loss",
        "k_gain", "k_f", "k_fd", "rho_f", "rho_a", "contractile_floor", "t_ref", "a", "c",
        "coverage",
    )

    def segment_columns(k):
        return tuple(
            np.array([q["segments"][k][name] for q in patients], dtype=np.float64)
            for name in names
        )

    def vector_field(t, y, args):
        (k_in, k_l, x_scale, hill, k_on, k_r0, rho_r, k_r_in, k_r_out, k_loss, k_gain, k_f,
         k_fd, rho_f, rho_a, floor_, t_ref, a, c, cov) = args
        b_raw, r, m, f_raw = y[0], y[1], y[2], y[3]
        tau = t - t_ref
        load = a * jnp.exp(-k_l * tau) + c * jnp.exp(-k_in * tau)
        x = (jnp.maximum(load, 0.0) * x_scale) ** hill
        e = cov * x / (1.0 + x)
        rate = jnp.where(e >= b_raw, k_on, k_r0 / (1.0 + rho_r * r))
        b = jnp.clip(b_raw, 0.0, 1.0)
        f = jnp.maximum(f_raw, 0.0)
        return jnp.stack([
            rate * (e - b_raw),
            k_r_in * b_raw * (1.0 - r) - k_r_out * r,
            k_gain * (1.0 - b) * (1.0 - f - m) / (1.0 + rho_f * f)
            - k_loss * b * (m - floor_) / (1.0 + rho_a * r),
            k_f * b * (1.0 - m - f) - k_fd * f,
        ])

    solver = {"tsit5": diffrax.Tsit5(), "dopri5": diffrax.Dopri5()}[solver_name]
    term = diffrax.ODETerm(vector_field)
    controller = diffrax.PIDController(rtol=RTOL, atol=ATOL)

    def make_batch(t0, t1, ts):
        ts = jnp.asarray(ts, dtype=jnp.float64)

        def one(y0, args):
            sol = diffrax.diffeqsolve(
                term, solver, t0=t0, t1=t1, dt0=0.02, y0=y0, args=args,
                saveat=diffrax.SaveAt(ts=ts), stepsize_controller=controller,
                max_steps=100_000,
            )
            return sol.ys, sol.stats["num_steps"]

        return jax.jit(jax.vmap(one))

    compile_seconds = 0.0
    # Build per-segment arguments and compile once per segment (before timing).
    segment_args = []
    taken = 0
    current = None
    for step in plan:
        if step[0] == "dose":
            current = segment_columns(taken)
            taken += 1
        elif step[0] == "integrate":
            _, t0, t1, outputs = step
            if current is None:
                raise SystemExit("diffrax peer: an integration before the first dose")
            times = [float(d) for d in outputs]
            if not times or times[-1] != t1:
                times.append(t1)
            args = tuple(jnp.asarray(v) for v in current)
            y_shape = jnp.zeros((n, 4))
            start = time.perf_counter()
            fn = make_batch(t0, t1, times).lower(y_shape, args).compile()
            compile_seconds += time.perf_counter() - start
            segment_args.append((t0, t1, outputs, fn, args))

    def run_all():
        out = np.empty((n, days, 4))
        y = np.tile(np.array(BASELINE), (n, 1))
        steps = np.zeros(n, dtype=np.int64)
        seg = iter(segment_args)
        for step in plan:
            if step[0] == "output":
                out[:, step[1]] = y
            elif step[0] == "integrate":
                _, _, outputs, fn, args = next(seg)
                ys, num_steps = fn(jnp.asarray(y), args)
                ys = np.asarray(jax.block_until_ready(ys))
                steps += np.asarray(num_steps)
                out[:, outputs] = ys[:, : len(outputs)]
                y = ys[:, -1]
        return out, steps

    run_all()  # warm-up (already compiled: first-run allocation only)
    best = math.inf
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run_all()
        best = min(best, time.perf_counter() - start)
    out, steps = result
    return out, best, compile_seconds, steps, jax.__version__, diffrax.__version__


# --------------------------------------------------------------------------- comparison


def differences(states, patients):
    """Largest |peer - bontsim| over patients and days, per series, and where."""
    b = states[..., 0]
    m = states[..., 2]
    s = (1.0 - np.clip(b, 0.0, 1.0)) * m
    ref = {
        "blockade": np.array([p["blockade"] for p in patients]),
        "mass": np.array([p["mass"] for p in patients]),
        "strength": np.array([p["strength"] for p in patients]),
    }
    peer = {"blockade": b, "mass": m, "strength": s}
    result = {}
    for name in ("blockade", "mass", "strength"):
        diff = np.abs(peer[name] - ref[name])
        where = np.unravel_index(int(np.argmax(diff)), diff.shape)
        result[name] = {
            "max_abs": float(diff.max()),
            "patient": int(patients[where[0]]["index"]),
            "day": int(where[1]),
        }
    result["largest"] = max(result[n]["max_abs"] for n in ("blockade", "mass", "strength"))
    return result


def timed_scipy(patients, days, method, tolerance=None):
    simulate_scipy(patients[0], days, method, tolerance)  # warm-up (first-call caches)
    start = time.perf_counter()
    states = np.stack([simulate_scipy(p, days, method, tolerance) for p in patients])
    return states, time.perf_counter() - start


# Patients and settings the worker processes of `timed_scipy_processes` inherit (fork).
_SHARED = {}


def _simulate_shared(position):
    return simulate_scipy(_SHARED["patients"][position], _SHARED["days"], _SHARED["method"])


def timed_scipy_processes(patients, days, method, processes):
    """The same as `timed_scipy` on `processes` worker processes (multiprocessing, fork), the
    usual way to put every core to work from Python: each worker integrates whole patients,
    the results come back in order. Pool start-up and one warm-up task per process (as the
    pool hands them out; not necessarily one to each) are not timed."""
    import multiprocessing

    _SHARED.update(patients=patients, days=days, method=method)
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        pool.map(_simulate_shared, [0] * processes, chunksize=1)  # warm-up
        start = time.perf_counter()
        states = pool.map(_simulate_shared, range(len(patients)),
                          chunksize=max(1, len(patients) // (processes * 16)))
        seconds = time.perf_counter() - start
    return np.stack(states), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="JSON written by the export_population example")
    parser.add_argument("--odeint-patients", type=int, default=1000)
    parser.add_argument("--odeint-processes", type=int, default=os.cpu_count() or 1,
                        help="also run odeint on this many worker processes (0 or 1: skip)")
    parser.add_argument("--odeint-numpy-patients", type=int, default=1000,
                        help="odeint with the right-hand side written with numpy arrays")
    parser.add_argument("--lsoda-patients", type=int, default=1000)
    parser.add_argument("--diffrax-patients", default="10000",
                        help="comma-separated batch sizes, e.g. 1000,10000")
    parser.add_argument("--diffrax-solver", choices=["tsit5", "dopri5"], action="append")
    parser.add_argument("--diffrax-repeats", type=int, default=5)
    parser.add_argument("--reference-patients", type=int, default=1000,
                        help="patients also solved by DOP853 at rtol=atol=1e-12 (accuracy of "
                             "every tool, bontsim included, against a tight reference)")
    parser.add_argument("--odeint-looser", default="2e-6,5e-6,1e-5,3e-5,1e-4",
                        help="further odeint runs at these rtol = atol (comma-separated; "
                        "empty: none), so that its speed can be read at bontsim's accuracy")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    solvers = args.diffrax_solver or ["tsit5"]

    load_start = time.perf_counter()
    with open(args.export) as handle:
        export = json.load(handle)
    load_seconds = time.perf_counter() - load_start
    days = export["days"]
    patients = export["patients"]
    print(f"loaded {len(patients)} patients x {days} days from {args.export} "
          f"in {load_seconds:.1f} s", file=sys.stderr)

    import scipy

    results = {
        "export": args.export,
        "days": days,
        "muscle": f"{export['muscle']} ({export['side']})",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "bontsim_integrate": export["bontsim_integrate"],
        "bontsim_integrate_many": export.get("bontsim_integrate_many"),
        "bontsim_integrate_many_all_cores": export.get("bontsim_integrate_many_all_cores"),
        "bontsim_threads": export.get("threads"),
        "bontsim_simulate": export.get("bontsim_simulate"),
        "compartments_per_patient": export.get("compartments_per_patient"),
        "integrations_per_patient": export.get("integrations_per_patient"),
        "integrate_alone_vs_simulate": export.get("integrate_alone_vs_simulate"),
        "solver": export["solver"],
        "peers": [],
    }

    reference_cache = {}

    def reference_of(position):
        if position not in reference_cache:
            reference_cache[position] = simulate_scipy(patients[position], days, "reference")
        return reference_cache[position]

    def series(states, name):
        b = states[..., 0]
        return {"blockade": b, "mass": states[..., 2],
                "strength": (1.0 - np.clip(b, 0.0, 1.0)) * states[..., 2]}[name]

    def record(tool, states, subset, seconds, extra=None):
        count = len(subset)
        diff = differences(states, subset)
        # Who is off where the difference is largest: both against the tight reference.
        name = max(("blockade", "mass", "strength"), key=lambda n: diff[n]["max_abs"])
        position = next(i for i, p in enumerate(subset) if p["index"] == diff[name]["patient"])
        day = diff[name]["day"]
        reference = series(reference_of(position), name)[day]
        diff["at_largest"] = {
            "series": name,
            "patient": diff[name]["patient"],
            "day": day,
            "reference": float(reference),
            "peer_error": float(series(states[position], name)[day] - reference),
            "bontsim_error": float(subset[position][name][day] - reference),
        }
        entry = {
            "tool": tool,
            "patients": count,
            "seconds": seconds,
            "microseconds_per_patient": seconds * 1e6 / count,
            "difference": diff,
        }
        entry.update(extra or {})
        results["peers"].append(entry)
        at = diff["at_largest"]
        print(f"{tool}: {count} patients in {seconds:.3f} s "
              f"({entry['microseconds_per_patient']:.1f} us/patient), largest difference "
              f"from bontsim {diff['largest']:.3e} ({at['series']}, patient {at['patient']}, "
              f"day {at['day']}: peer {at['peer_error']:+.2e}, bontsim "
              f"{at['bontsim_error']:+.2e} from the tight reference)", file=sys.stderr)

    reference_states = {}
    if args.odeint_patients > 0:
        subset = patients[: args.odeint_patients]
        states, seconds = timed_scipy(subset, days, "odeint")
        record("scipy odeint (LSODA)", states, subset, seconds)
        reference_states["scipy odeint (LSODA)"] = states
    looser = [float(v) for v in str(args.odeint_looser).split(",") if v.strip()]
    for tolerance in looser if args.odeint_patients > 0 else []:
        subset = patients[: args.odeint_patients]
        states, seconds = timed_scipy(subset, days, "odeint", tolerance)
        name = f"scipy odeint (LSODA), rtol = atol = {tolerance:g}"
        record(name, states, subset, seconds, {"tolerance": tolerance})
        reference_states[name] = states
    if args.odeint_patients > 0 and args.odeint_processes > 1:
        subset = patients[: args.odeint_patients]
        states, seconds = timed_scipy_processes(subset, days, "odeint", args.odeint_processes)
        record(f"scipy odeint (LSODA), {args.odeint_processes} processes", states, subset,
               seconds, {"processes": args.odeint_processes})
    if args.odeint_numpy_patients > 0:
        subset = patients[: args.odeint_numpy_patients]
        states, seconds = timed_scipy(subset, days, "odeint-numpy")
        record("scipy odeint (LSODA), numpy-array RHS", states, subset, seconds)
        reference_states["scipy odeint (LSODA), numpy-array RHS"] = states
    if args.lsoda_patients > 0:
        subset = patients[: args.lsoda_patients]
        states, seconds = timed_scipy(subset, days, "LSODA")
        record("scipy solve_ivp LSODA", states, subset, seconds)
        reference_states["scipy solve_ivp LSODA"] = states
    sizes = [int(v) for v in str(args.diffrax_patients).split(",") if int(v) > 0]
    for solver, size in [(solver, size) for solver in solvers for size in sizes]:
        subset = patients[:size]
        states, seconds, compile_seconds, steps, jax_version, diffrax_version = run_diffrax(
            subset, days, solver, args.diffrax_repeats)
        name = f"jax+diffrax {solver.capitalize()} vmapped"
        record(name, states, subset, seconds, {
            "compile_seconds": compile_seconds,
            "repeats": args.diffrax_repeats,
            "steps_mean": float(steps.mean()),
            "steps_max": int(steps.max()),
            "jax": jax_version,
            "diffrax": diffrax_version,
        })
        if name not in reference_states or len(states) > len(reference_states[name]):
            reference_states[name] = states

    # Accuracy of every tool against a tight reference on the first patients.
    k = args.reference_patients
    if k > 0:
        subset = patients[:k]
        reference = np.stack([simulate_scipy(p, days, "reference") for p in subset])
        ref_b = reference[..., 0]
        ref_m = reference[..., 2]
        ref_s = (1.0 - np.clip(ref_b, 0.0, 1.0)) * ref_m

        def error(b, m, s):
            return float(max(np.abs(b - ref_b).max(), np.abs(m - ref_m).max(),
                             np.abs(s - ref_s).max()))

        accuracy = {"patients": len(subset), "reference": "solve_ivp DOP853 rtol=atol=1e-12"}
        accuracy["bontsim"] = error(
            np.array([p["blockade"] for p in subset]),
            np.array([p["mass"] for p in subset]),
            np.array([p["strength"] for p in subset]),
        )
        for name, states in reference_states.items():
            st = states[: len(subset)]
            if len(st) < len(subset):
                continue
            b = st[..., 0]
            accuracy[name] = error(b, st[..., 2], (1.0 - np.clip(b, 0.0, 1.0)) * st[..., 2])
        results["accuracy_vs_tight_reference"] = accuracy
        print("largest difference from a tight reference (first "
              f"{len(subset)} patients): " + ", ".join(
                  f"{n} {v:.2e}" for n, v in accuracy.items() if isinstance(v, float)),
              file=sys.stderr)

    text = json.dumps(results, indent=2)
    print(text)
    if args.json_out:
        os.makedirs(os.path.dirname(os.path.abspath(args.json_out)), exist_ok=True)
        with open(args.json_out, "w") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
