#!/usr/bin/env python3
"""How many steps an exponential treatment of the blockade saves: a prototype, not a solver.

Integrates one compartment per virtual patient (the corrugator of the population that
`cargo run --release -p bontsim-core --example export_population` writes, the same right-hand
side as peer.py) over one dose segment, with bontsim's step controller (rtol = atol = 1e-6,
first step 0.02 d, steps of 20 d at most, growth between 0.2x and 5x, no growth right after a
rejection), by

* Dormand-Prince 5(4), as `solve.rs` does (without its daily dense output);
* RK4 and ETDRK4 (Cox and Matthews, J. Comput. Phys. 176, 2002), the error estimated by step
  doubling; ETDRK4's linear part is the blockade's own rate at the step's start (`-k_on` while
  `E >= B`, else `-k_r0 / (1 + rho_R R)`), frozen over the step; `R`, `M`, `F` have none;
* ETD(3,4) (Whalen, Brio and Moloney, J. Comput. Phys. 280, 2015: Krogstad's fourth-order
  exponential method with an embedded third-order estimate), the same linear part;
* the exponential Rosenbrock method exprb43 (Hochbruck, Ostermann and Schweitzer 2009) with
  the same diagonal linear part instead of the whole Jacobian;

and prints attempts and accepted steps per patient and the largest error at step ends against
solve_ivp DOP853 at rtol = atol = 1e-12. docs/performance.md quotes its output:

    python bench/python/etd_prototype.py POPULATION.json --patients 20
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer import make_rhs  # noqa: E402  (the model's right-hand side, shared with peer.py)

RTOL = ATOL = 1e-6
FIRST_STEP, MAX_STEP = 0.02, 20.0

# Dormand-Prince 5(4).
A = [[], [1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
     [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
     [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
     [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]]
C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1]
B5 = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0]
E5 = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40]


def norm(y0, y1, error):
    scale = ATOL + RTOL * np.maximum(abs(y0), abs(y1))
    return math.sqrt(np.mean((error / scale) ** 2))


def controlled(t0, t1, y0, attempt, order):
    """Steps from t0 to t1 under bontsim's controller; `attempt(t, y, h)` gives the new state
    and the error norm. Returns the attempts and the accepted (t, y)."""
    t, y, h = t0, np.array(y0, float), FIRST_STEP
    attempts, rejected, accepted = 0, False, []
    while t < t1 - 1e-12:
        h = min(h, t1 - t, MAX_STEP)
        y_new, error = attempt(t, y, h)
        attempts += 1
        factor = 0.9 * error ** (-1.0 / order) if error > 0 else 5.0
        if error <= 1.0:
            t, y = t + h, y_new
            accepted.append((t, y.copy()))
            if rejected:
                factor = min(factor, 1.0)
            h *= min(max(factor, 0.2), 5.0)
            rejected = False
        else:
            h *= min(max(factor, 0.1), 0.9)
            rejected = True
    return attempts, accepted


def dormand_prince(f):
    def attempt(t, y, h):
        k = [np.array(f(t, y))]
        for s in range(1, 7):
            point = y + h * sum(a * kk for a, kk in zip(A[s], k))
            k.append(np.array(f(t + C[s] * h, point)))
        y_new = y + h * sum(b * kk for b, kk in zip(B5, k))
        return y_new, norm(y, y_new, h * sum(e * kk for e, kk in zip(E5, k)))
    return attempt, 5


def phis(z):
    """phi_1 .. phi_4 of a real z <= 0: a series for small |z|, the recurrence above."""
    if abs(z) < 0.5:
        out = []
        for k in range(1, 5):
            total, term = 0.0, 1.0 / math.factorial(k)
            for n in range(25):
                total += term
                term *= z / (n + k + 1)
            out.append(total)
        return out
    p1 = (math.exp(z) - 1) / z
    p2 = (p1 - 1) / z
    p3 = (p2 - 0.5) / z
    p4 = (p3 - 1 / 6) / z
    return [p1, p2, p3, p4]


def blockade_rate(seg, t, y):
    """The blockade's own rate (minus d(dB/dt)/dB) in the regime at (t, y)."""
    tau = t - seg["t_ref"]
    load = seg["a"] * math.exp(-seg["k_l"] * tau) + seg["c"] * math.exp(-seg["k_in"] * tau)
    x = (max(load, 0.0) * seg["scale"]) ** seg["hill"]
    e = seg["coverage"] * x / (1 + x)
    return seg["k_on"] if e >= y[0] else seg["k_r0"] / (1 + seg["rho_r"] * y[1])


def etdrk4_stages(f, t, y, h, c):
    """One ETDRK4 step of y' = c y + N(t, y), c diagonal (an array): the new state and what
    the embedded estimates below read of the step (the phi functions, the stages' N)."""
    z = c * h
    ph = [phis(v) for v in z]
    p1, p2, p3 = (np.array([p[i] for p in ph]) for i in range(3))
    q = (h / 2) * np.array([phis(v / 2)[0] for v in z])
    e, e2 = np.exp(z), np.exp(z / 2)
    f1, f2, f3 = h * (p1 - 3 * p2 + 4 * p3), h * (p2 - 2 * p3), h * (-p2 + 4 * p3)

    def n(tt, u):
        return np.array(f(tt, u)) - c * u

    nu = n(t, y)
    a = e2 * y + q * nu
    na = n(t + h / 2, a)
    b = e2 * y + q * na
    nb = n(t + h / 2, b)
    cc = e2 * a + q * (2 * nb - nu)
    nc = n(t + h, cc)
    u4 = e * y + f1 * nu + 2 * f2 * (na + nb) + f3 * nc
    return u4, dict(n=n, e=e, p1=p1, p2=p2, p3=p3, f1=f1, f3=f3, nu=nu, na=na, nb=nb, nc=nc)


def etdrk4_step(f, t, y, h, c):
    """One ETDRK4 step of y' = c y + N(t, y), c diagonal (an array)."""
    return etdrk4_stages(f, t, y, h, c)[0]


def etdrk4_embedded(f, seg, estimate):
    """ETDRK4 with an error estimate from its own stages: `exponential trapezoid`, the
    second-order exponential quadrature of the forcing at the step's two ends, `u2 = e u + h
    phi_1 N(u) + h phi_2 (N(c) - N(u))`; or `third order, same nodes`, the third-order quadrature
    on ETDRK4's nodes 0, 1/2, 1 with the end value `N(u4)`."""
    def attempt(t, y, h):
        c = np.array([-blockade_rate(seg, t, y), 0.0, 0.0, 0.0])
        u4, s = etdrk4_stages(f, t, y, h, c)
        if estimate == "trapezoid":
            lower = s["e"] * y + h * s["p1"] * s["nu"] + h * s["p2"] * (s["nc"] - s["nu"])
        else:
            lower = (s["e"] * y + s["f1"] * s["nu"]
                     + h * (4 * s["p2"] - 8 * s["p3"]) * 0.5 * (s["na"] + s["nb"])
                     + s["f3"] * s["n"](t + h, u4))
        return u4, norm(y, u4, u4 - lower)
    return attempt, (3 if estimate == "trapezoid" else 4)


def etdrk4(f, seg, exponential):
    def attempt(t, y, h):
        rate = blockade_rate(seg, t, y) if exponential else 0.0
        c = np.array([-rate, 0.0, 0.0, 0.0])
        whole = etdrk4_step(f, t, y, h, c)
        half = etdrk4_step(f, t, y, h / 2, c)
        halves = etdrk4_step(f, t + h / 2, half, h / 2, c)
        difference = (halves - whole) / 15.0  # Richardson, order 4
        return halves + difference, norm(y, halves, difference)
    return attempt, 5


def etd34(f, seg):
    """ETD(3,4) of Whalen, Brio and Moloney (J. Comput. Phys. 280, 2015): Krogstad's
    fourth-order exponential method with an embedded third-order error estimate, four new
    right-hand sides a step (the fifth stage's serves the next step)."""
    def attempt(t, y, h):
        c = np.array([-blockade_rate(seg, t, y), 0.0, 0.0, 0.0])
        z = c * h
        ph = [phis(v) for v in z]
        ph2 = [phis(v / 2) for v in z]
        # psi_r = r! phi_r
        psi1, psi2, psi3 = (np.array([p[i] * math.factorial(i + 1) for p in ph]) for i in range(3))
        psi1h, psi2h = (np.array([p[i] * math.factorial(i + 1) for p in ph2]) for i in range(2))
        e, e2 = np.exp(z), np.exp(z / 2)
        a21 = 0.5 * h * psi1h
        a31 = 0.5 * h * (psi1h - psi2h)
        a32 = 0.5 * h * psi2h
        a41 = h * (psi1 - psi2)
        a43 = h * psi2
        a51 = h * (psi1 - 1.5 * psi2 + (2.0 / 3.0) * psi3)
        a52 = h * (psi2 - (2.0 / 3.0) * psi3)
        a54 = h * (-0.5 * psi2 + (2.0 / 3.0) * psi3)

        def n(tt, u):
            return np.array(f(tt, u)) - c * u

        n1 = n(t, y)
        k2 = e2 * y + a21 * n1
        n2 = n(t + h / 2, k2)
        k3 = e2 * y + a31 * n1 + a32 * n2
        n3 = n(t + h / 2, k3)
        k4 = e * y + a41 * n1 + a43 * n3
        n4 = n(t + h, k4)
        k5 = e * y + a51 * n1 + a52 * (n2 + n3) + a54 * n4
        n5 = n(t + h, k5)
        return k5, norm(y, k5, a54 * (n4 - n5))
    return attempt, 4


def exprb43(f, seg):
    def attempt(t, y, h):
        jd = np.array([-blockade_rate(seg, t, y), 0.0, 0.0, 0.0])
        f0 = np.array(f(t, y))

        def n(tt, u):
            return np.array(f(tt, u)) - jd * u

        n0 = n(t, y)
        ph, ph_half = [phis(v) for v in jd * h], [phis(v) for v in jd * h / 2]
        p1 = np.array([p[0] for p in ph])
        p3 = np.array([p[2] for p in ph])
        p4 = np.array([p[3] for p in ph])
        p1h = np.array([p[0] for p in ph_half])
        u2 = y + h / 2 * p1h * f0
        d2 = n(t + h / 2, u2) - n0
        u3 = y + h * p1 * f0 + h * p1 * d2
        d3 = n(t + h, u3) - n0
        y4 = y + h * p1 * f0 + h * (16 * p3 - 48 * p4) * d2 + h * (-2 * p3 + 12 * p4) * d3
        y3 = y + h * p1 * f0 + h * 16 * p3 * d2 - 2 * h * p3 * d3
        return y4, norm(y, y4, y4 - y3)
    return attempt, 4


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("population")
    parser.add_argument("--patients", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    patients = json.load(open(args.population))["patients"][: args.patients]
    end = float(args.days - 1)
    totals = {}
    for patient in patients:
        if len(patient["segments"]) != 1 or patient["doses"][0]["day"] != 0:
            sys.exit("the prototype integrates one dose on day 0 (a one-dose plan)")
        seg = patient["segments"][0]
        f = make_rhs(seg)
        y0 = [0.0, 0.0, 1.0, 0.0]
        reference = solve_ivp(f, (0.0, end), y0, method="DOP853", rtol=1e-12, atol=1e-12,
                              dense_output=True)
        methods = {
            "Dormand-Prince 5(4), as bontsim": dormand_prince(f),
            "RK4, step doubling": etdrk4(f, seg, exponential=False),
            "ETDRK4 with the blockade's rate, step doubling": etdrk4(f, seg, exponential=True),
            "ETDRK4, estimate by the exponential trapezoid": etdrk4_embedded(f, seg, "trapezoid"),
            "ETDRK4, estimate of third order on its own nodes": etdrk4_embedded(f, seg, "third"),
            "ETD(3,4) with the blockade's rate, embedded estimate": etd34(f, seg),
            "exprb43 with the blockade's rate": exprb43(f, seg),
        }
        for name, (attempt, order) in methods.items():
            attempts, accepted = controlled(0.0, end, y0, attempt, order)
            error = max(np.max(abs(y - reference.sol(t))) for t, y in accepted)
            total = totals.setdefault(name, [0, 0, 0.0])
            total[0] += attempts
            total[1] += len(accepted)
            total[2] = max(total[2], error)
    n = len(patients)
    print(f"{n} patients, {args.days} days, rtol = atol = {RTOL:g}")
    for name, (attempts, accepted, error) in totals.items():
        print(f"{name}: {attempts / n:.1f} attempts, {accepted / n:.1f} accepted steps per "
              f"patient; largest error at step ends {error:.1e}")


if __name__ == "__main__":
    main()
