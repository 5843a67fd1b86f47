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
* ETDRK4 whose estimate also sees the forcing: `E` alone at a fourth node (h/4), the cubic
  exponential quadrature of `k E` against ETDRK4's quadratic one; with daily values from an
  exponential continuous output;
* exponential collocation at three Gauss nodes (each state's own rate as its linear part, the
  stages iterated to convergence);
* Dormand-Prince 5(4) with every operation in float32 (what a 16-lane single-precision solver
  would compute);

and prints attempts, accepted steps and right-hand-side calls per patient (as this prototype
makes them: no stage reused from the step before) and the largest error at step ends against
solve_ivp DOP853 at rtol = atol = 1e-12, then the largest error of daily values. docs/performance.md quotes its output:

    python bench/python/etd_prototype.py POPULATION.json --patients 20 [--tolerance 1e-7]
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


def controlled(t0, t1, y0, attempt, order, on_accept=None):
    """Steps from t0 to t1 under bontsim's controller; `attempt(t, y, h)` gives the new state
    and the error norm; `on_accept(t, h)`, if given, is told of each accepted step before the
    next attempt. Returns the attempts and the accepted (t, y)."""
    t, y, h = t0, np.array(y0, float), FIRST_STEP
    attempts, rejected, accepted = 0, False, []
    while t < t1 - 1e-12:
        h = min(h, t1 - t, MAX_STEP)
        y_new, error = attempt(t, y, h)
        attempts += 1
        factor = 0.9 * error ** (-1.0 / order) if error > 0 else 5.0
        if error <= 1.0:
            if on_accept is not None:
                on_accept(t, h)
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


def phis_upto(z, n):
    """phi_1 .. phi_n of a real z <= 0 (the series below |z| = 0.5, the recurrence above)."""
    if abs(z) < 0.5:
        out = []
        for k in range(1, n + 1):
            total, term = 0.0, 1.0 / math.factorial(k)
            for m in range(30):
                total += term
                term *= z / (m + k + 1)
            out.append(total)
        return out
    out, previous = [], math.exp(z)
    for k in range(1, n + 1):
        previous = (previous - 1.0 / math.factorial(k - 1)) / z
        out.append(previous)
    return out


def phis(z):
    """phi_1 .. phi_4 of a real z <= 0."""
    return phis_upto(z, 4)


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


def blockade_level(seg, t):
    """E(t), the blockade level the toxin sets (the forcing of `B`), alone."""
    tau = t - seg["t_ref"]
    fast = seg["k_in"] * tau
    load = seg["a"] * math.exp(-seg["k_l"] * tau) + (0.0 if fast > 40.0 else seg["c"] * math.exp(-fast))
    if load <= 0.0:
        return 0.0
    x = (load * seg["scale"]) ** seg["hill"]
    return seg["coverage"] * x / (1 + x)



def exponential_weights(nodes, z, upto=1.0):
    """w_j = int_0^upto e^(z (upto - s)) l_j(s) ds, l_j the Lagrange basis on `nodes`: the
    exponential quadrature of a forcing sampled at the nodes (sum_m L_jm upto^(m+1) m!
    phi_(m+1)(upto z))."""
    n = len(nodes)
    lagrange = np.linalg.inv(np.array([[c ** m for m in range(n)] for c in nodes])).T
    ph = phis_upto(upto * z, n)
    moments = np.array([upto ** (m + 1) * math.factorial(m) * ph[m] for m in range(n)])
    return lagrange @ moments


def etdrk4_fourth_node(f, seg, store=None):
    """ETDRK4 whose error estimate sees the forcing: `E` alone at a fourth node (h/4), the
    exponential quadrature of `k E` on the nodes 0, 1/4, 1/2, 1 against ETDRK4's own on 0,
    1/2, 1 (exact for cubics against quadratics); the difference corrects `B` and is its
    forcing error; the state error is ETD(3,4)'s `f3 (N(c) - N(u4))` (whose `N(u4)` is the
    next step's first stage). `store` keeps the last step for the daily output: `B` exactly
    for `B' = -k B + p(t)`, `p` the cubic through `N_B` at the four nodes, the others by cubic
    Hermite interpolation."""
    def attempt(t, y, h):
        k = blockade_rate(seg, t, y)
        c = np.array([-k, 0.0, 0.0, 0.0])
        u4, s = etdrk4_stages(f, t, y, h, c)
        n5 = s["n"](t + h, u4)
        e = [blockade_level(seg, t + node * h) for node in (0.0, 0.25, 0.5, 1.0)]
        cubic = exponential_weights([0.0, 0.25, 0.5, 1.0], -k * h) @ np.array(e)
        quadratic = exponential_weights([0.0, 0.5, 1.0], -k * h) @ np.array([e[0], e[2], e[3]])
        forcing = h * k * (cubic - quadratic)
        error = s["f3"] * (s["nc"] - n5)
        error[0] += forcing
        u = u4.copy()
        u[0] += forcing
        if store is not None:
            store["last"] = (t, h, y.copy(), u.copy(), k, s["nu"], n5, e)
        return u, norm(y, u, error)
    return attempt, 4


def fourth_node_daily(step, theta):
    """`B` and `M` at the fraction `theta` of the last step of `etdrk4_fourth_node`."""
    t, h, y0, y1, k, nu, n5, e = step
    # N_B = k E + a remainder from the state, taken linear between the step's ends.
    r0, r1 = nu[0] - k * e[0], n5[0] - k * e[3]
    nodes = [0.0, 0.25, 0.5, 1.0]
    values = [k * e[i] + r0 + (r1 - r0) * nodes[i] for i in range(4)]
    blockade = math.exp(-k * h * theta) * y0[0] + h * exponential_weights(nodes, -k * h, theta) @ np.array(values)
    h00, h10 = 2 * theta**3 - 3 * theta**2 + 1, theta**3 - 2 * theta**2 + theta
    h01, h11 = -2 * theta**3 + 3 * theta**2, theta**3 - theta**2
    mass = h00 * y0[2] + h10 * h * nu[2] + h01 * y1[2] + h11 * h * n5[2]
    return blockade, mass


def gauss_collocation(f, seg):
    """Exponential collocation at the three Gauss nodes: each state's own rate (its diagonal
    Jacobian entry, frozen over the step, at most 0) as the linear part, the stages by
    fixed-point iteration from exponential Euler until they move by less than 1% of the
    tolerance; the estimate is the quadrature on the nodes and the step's start (order 4)
    against the collocation's (order 6)."""
    nodes = (np.polynomial.legendre.leggauss(3)[0] + 1) / 2

    def own_rates(t, y):
        rates, f0 = np.zeros(4), np.array(f(t, y))
        for i in range(4):
            delta = 1e-7 * max(1.0, abs(y[i]))
            shifted = y.copy()
            shifted[i] += delta
            rates[i] = (f(t, shifted)[i] - f0[i]) / delta
        return np.minimum(rates, 0.0)

    def attempt(t, y, h):
        lam = own_rates(t, y)
        within = [[exponential_weights(nodes, lam[i] * h, c) for c in nodes] for i in range(4)]
        whole = [exponential_weights(nodes, lam[i] * h) for i in range(4)]
        n0 = np.array(f(t, y)) - lam * y
        euler = [np.array([phis_upto(lam[i] * c * h, 1)[0] for i in range(4)]) for c in nodes]
        stages = np.array([np.exp(lam * c * h) * y + c * h * euler[j] * n0 for j, c in enumerate(nodes)])
        for _ in range(30):
            n = np.array([np.array(f(t + c * h, stage)) - lam * stage for c, stage in zip(nodes, stages)])
            new = np.array([np.exp(lam * c * h) * y + h * np.array([within[i][j] @ n[:, i] for i in range(4)])
                            for j, c in enumerate(nodes)])
            moved = np.max(abs(new - stages) / (ATOL + RTOL * abs(stages)))
            stages = new
            if moved < 1e-2:
                break
        n = np.array([np.array(f(t + c * h, stage)) - lam * stage for c, stage in zip(nodes, stages)])
        y1 = np.exp(lam * h) * y + h * np.array([whole[i] @ n[:, i] for i in range(4)])
        lower_nodes = [0.0] + list(nodes)
        lower = [exponential_weights(lower_nodes, lam[i] * h) for i in range(4)]
        values = np.vstack([n0, n])
        y_lower = np.exp(lam * h) * y + h * np.array([lower[i] @ values[:, i] for i in range(4)])
        return y1, norm(y, y1, y1 - y_lower)
    return attempt, 5


def single_precision_rhs(seg):
    """peer.py's right-hand side with every constant, state and operation in float32 (the
    toxin's closed form too): what a 16-lane f32 solver would compute."""
    F = np.float32
    k_in, k_l = F(seg["k_in"]), F(seg["k_l"])
    k_on, k_r0, rho_r = F(seg["k_on"]), F(seg["k_r0"]), F(seg["rho_r"])
    k_r_in, k_r_out = F(seg["k_r_in"]), F(seg["k_r_out"])
    k_gain, k_loss = F(seg["k_gain"]), F(seg["k_loss"])
    rho_f, rho_a = F(seg["rho_f"]), F(seg["rho_a"])
    k_f, k_fd, floor = F(seg["k_f"]), F(seg["k_fd"]), F(seg["contractile_floor"])
    scale, hill = F(seg["scale"]), F(seg["hill"])
    a, c, coverage, t_ref = F(seg["a"]), F(seg["c"]), F(seg["coverage"]), F(seg["t_ref"])
    one, zero = F(1), F(0)

    def rhs(t, y):
        tau = F(t) - t_ref
        b_raw, r, m, f_raw = y
        load = a * np.exp(-k_l * tau) + c * np.exp(-k_in * tau)
        if load <= zero:
            e = zero
        else:
            x = (load * scale) ** hill
            e = coverage * x / (one + x)
        rate = k_on if e >= b_raw else k_r0 / (one + rho_r * r)
        b = min(max(b_raw, zero), one)
        f = max(f_raw, zero)
        return np.array([
            rate * (e - b_raw),
            k_r_in * b * (one - r) - k_r_out * r,
            k_gain * (one - b) * (one - f - m) / (one + rho_f * f)
            - k_loss * b * (m - floor) / (one + rho_a * r),
            k_f * b * (one - m - f) - k_fd * f,
        ], dtype=np.float32)
    return rhs


def dormand_prince_single(rhs):
    """Dormand-Prince 5(4) with its stages, sums and state in float32 (the controller's norm
    in float64, as it would be a handful of operations a step)."""
    F = np.float32
    a = [[F(x) for x in row] for row in A]
    b5, e5 = [F(x) for x in B5], [F(x) for x in E5]

    def total(weights, k):
        out = np.zeros(4, np.float32)
        for w, kk in zip(weights, k):
            out = out + w * kk
        return out

    def attempt(t, y, h):
        h32, y32 = F(h), y.astype(np.float32)
        k = [rhs(t, y32)]
        for s in range(1, 7):
            k.append(rhs(t + C[s] * float(h32), y32 + h32 * total(a[s], k)))
        y_new = y32 + h32 * total(b5, k)
        error = h32 * total(e5, k)
        return y_new.astype(float), norm(y32.astype(float), y_new.astype(float), error.astype(float))
    return attempt, 5


def counted(f):
    """f that counts its calls."""
    count = [0]

    def wrapped(t, y):
        count[0] += 1
        return f(t, y)
    return wrapped, count


def fourth_node_days(attempt, store, end):
    """Days 1..end of `etdrk4_fourth_node` under bontsim's controller, from its continuous
    output."""
    values = {}

    def record(t, h):
        for day in range(max(1, math.floor(t) + 1), math.floor(min(t + h + 1e-12, end)) + 1):
            if day > t:
                values[day] = fourth_node_daily(store["last"], (day - t) / h)

    controlled(0.0, end, [0.0, 0.0, 1.0, 0.0], attempt, 4, record)
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("population")
    parser.add_argument("--patients", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--tolerance", type=float, default=1e-6,
                        help="rtol = atol of every method (bontsim's: 1e-6)")
    args = parser.parse_args()
    global RTOL, ATOL
    RTOL = ATOL = args.tolerance
    patients = json.load(open(args.population))["patients"][: args.patients]
    end = float(args.days - 1)
    totals, daily_errors = {}, {}
    for patient in patients:
        if len(patient["segments"]) != 1 or patient["doses"][0]["day"] != 0:
            sys.exit("the prototype integrates one dose on day 0 (a one-dose plan)")
        seg = patient["segments"][0]
        f = make_rhs(seg)
        y0 = [0.0, 0.0, 1.0, 0.0]
        reference = solve_ivp(f, (0.0, end), y0, method="DOP853", rtol=1e-12, atol=1e-12,
                              dense_output=True)
        methods = {
            "Dormand-Prince 5(4), as bontsim": lambda g: dormand_prince(g),
            "RK4, step doubling": lambda g: etdrk4(g, seg, exponential=False),
            "ETDRK4 with the blockade's rate, step doubling": lambda g: etdrk4(g, seg, exponential=True),
            "ETDRK4, estimate by the exponential trapezoid": lambda g: etdrk4_embedded(g, seg, "trapezoid"),
            "ETDRK4, estimate of third order on its own nodes": lambda g: etdrk4_embedded(g, seg, "third"),
            "ETD(3,4) with the blockade's rate, embedded estimate": lambda g: etd34(g, seg),
            "exprb43 with the blockade's rate": lambda g: exprb43(g, seg),
            "ETDRK4, forcing estimated at a fourth node": lambda g: etdrk4_fourth_node(g, seg),
            "exponential Gauss collocation, 3 nodes": lambda g: gauss_collocation(g, seg),
            "Dormand-Prince 5(4) in single precision (float32)": lambda g: dormand_prince_single(
                lambda t, y: (g(t, y), single(t, y))[1]),
        }
        single = single_precision_rhs(seg)
        for name, make in methods.items():
            g, calls = counted(f)
            attempt, order = make(g)
            attempts, accepted = controlled(0.0, end, y0, attempt, order)
            error = max(np.max(abs(y - reference.sol(t))) for t, y in accepted)
            total = totals.setdefault(name, [0, 0, 0.0, 0])
            total[0] += attempts
            total[1] += len(accepted)
            total[2] = max(total[2], error)
            total[3] += calls[0]
        # Daily values (days 1-364), from each method's own continuous output, against the
        # reference: Dormand-Prince's is bontsim's own output (the population file's).
        days = np.arange(1, int(end) + 1)
        truth = reference.sol(days)
        daily = daily_errors.setdefault("Dormand-Prince 5(4), bontsim's daily output", [0.0, 0.0])
        daily[0] = max(daily[0], np.max(abs(np.array(patient["blockade"][1 : int(end) + 1]) - truth[0])))
        daily[1] = max(daily[1], np.max(abs(np.array(patient["mass"][1 : int(end) + 1]) - truth[2])))
        store = {}
        attempt, _ = etdrk4_fourth_node(f, seg, store)
        values = fourth_node_days(attempt, store, end)
        daily = daily_errors.setdefault("ETDRK4, forcing estimated at a fourth node", [0.0, 0.0])
        daily[0] = max(daily[0], max(abs(values[d][0] - truth[0][d - 1]) for d in days))
        daily[1] = max(daily[1], max(abs(values[d][1] - truth[2][d - 1]) for d in days))
    n = len(patients)
    print(f"{n} patients, {args.days} days, rtol = atol = {RTOL:g}")
    for name, (attempts, accepted, error, calls) in totals.items():
        print(f"{name}: {attempts / n:.1f} attempts, {accepted / n:.1f} accepted steps, "
              f"{calls / attempts:.1f} right-hand sides an attempt; largest error at step ends "
              f"{error:.1e}")
    for name, (blockade, mass) in daily_errors.items():
        print(f"{name}: largest error of the daily B {blockade:.1e}, of the daily M {mass:.1e}")

if __name__ == "__main__":
    main()
