"""Speed of the Python package (docs/performance.md, "Python package"): `bontsim.simulate`
on the full-face benchmark plan against the engine's own time (criterion:
`cargo bench -p bontsim-core --bench simulate -- "engine simulate"`), the conversions of its
report, a trial's patients per core-second, and a 100,000-patient trial summary to pandas.

    python crates/bontsim-py/bench/python_overhead.py [--patients 100000]
"""

import argparse
import os
import pathlib
import statistics
import time

import bontsim

repository = pathlib.Path(__file__).resolve().parents[3]
os.chdir(repository)
parser = argparse.ArgumentParser()
parser.add_argument("--patients", type=int, default=100_000)
parser.add_argument("--repeats", type=int, default=200)
arguments = parser.parse_args()


def timed(work, repeats):
    """Median and minimum wall time of `work` over `repeats` calls, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


plan = bontsim.Plan("bench/plans/full_face_every_120_days.toml")
bontsim.simulate(plan)  # warm up
median, best = timed(lambda: bontsim.simulate(plan), arguments.repeats)
print(f"bontsim.simulate(full face): median {median:.2f} ms, min {best:.2f} ms")
result = bontsim.simulate(plan)
for name, work in [
    ("to_dict()", lambda: bontsim.simulate(plan).to_dict()),
    (".muscles", lambda: bontsim.simulate(plan).muscles),
]:
    median, best = timed(work, max(10, arguments.repeats // 10))
    print(f"simulate + {name}: median {median:.2f} ms, min {best:.2f} ms")

trial_plan = "examples/glabella_light_10u.toml"
cores = os.cpu_count() or 1
start = time.perf_counter()
summary = bontsim.trial(trial_plan, patients=arguments.patients, seed=1, progress=False)
seconds = time.perf_counter() - start
print(
    f"trial {trial_plan}, {arguments.patients} patients: {seconds:.1f} s on {cores} cores = "
    f"{arguments.patients / seconds / cores:.0f} patients per core-second"
)
start = time.perf_counter()
frames = [summary.responders, summary.durations, summary.adverse_events,
          summary.duration_distribution, summary.atrophy, summary.to_dict()]
print(
    f"summary of {arguments.patients} patients to pandas (5 tables + dict): "
    f"{(time.perf_counter() - start) * 1000:.1f} ms, {sum(len(f) for f in frames[:5])} rows"
)
