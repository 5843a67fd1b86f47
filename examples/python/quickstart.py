# %% [markdown]
# # bontsim from Python: a quickstart
#
# Notebook-style (the `# %%` cells open as a notebook in Jupyter with jupytext, VS Code or
# PyCharm) and a plain script that CI runs: `python examples/python/quickstart.py`.
# Install first: `pip install ./crates/bontsim-py pandas matplotlib tqdm`.
#
# Research and education software, not a medical device.

# %%
import argparse
import os
import pathlib

import bontsim

repository = pathlib.Path(__file__).resolve().parents[2]
os.chdir(repository)  # plans are named by their paths relative to the repository, as in the CLI
parser = argparse.ArgumentParser(description="bontsim quickstart")
parser.add_argument("--output", default="quickstart-output", help="directory for the figures")
parser.add_argument("--patients", type=int, default=2000, help="virtual patients per arm")
arguments, _ = parser.parse_known_args()
output = pathlib.Path(arguments.output)
output.mkdir(parents=True, exist_ok=True)
print(bontsim.DISCLAIMER)

# %% [markdown]
# ## A plan and its simulation (`bontsim simulate PLAN`)

# %%
plan = bontsim.Plan("examples/glabella_20u_every_4_months.toml")
print(plan, plan.warnings)
result = bontsim.simulate(plan)
muscles = result.muscles  # long format: name, side, day, blockade, strength, mass, volume
print(muscles.head())

# The weakest day of each injected muscle, and its strength then.
weakest = muscles.loc[muscles.groupby(["name", "side"])["strength"].idxmin()]
print(weakest[["name", "side", "day", "strength"]].to_string(index=False))

# The same numbers as the JSON contract of `bontsim simulate PLAN --format json`.
report = result.to_dict()
print("days simulated:", report["days"], "| risks:", [r["risk"] for r in report["risks"]])
print(result.risks[["risk", "probability"]].to_string(index=False))

# A plain numpy array of one daily series.
procerus = result.series("procerus", "left", "strength")  # a midline dose reaches both halves
print(f"procerus strength: min {procerus.min():.2f} on day {procerus.argmin()}")

# %% [markdown]
# ## A plan written in code (a dict with the plan file's keys)

# %%
masseter = bontsim.Plan(
    {
        "patient": {"sex": "female", "age": 38},
        "injection": [
            {"day": 0, "product": "onabotulinumtoxinA", "muscle": "masseter", "side": side,
             "units": 25, "every_days": 90, "times": 4}
            for side in ("left", "right")
        ],
    }
)
masseter_result = bontsim.simulate(masseter, days=540)
volume = masseter_result.series("masseter", "left", "volume")
print(f"masseter volume after 540 days: {volume[-1]:.2f} of baseline")

# %% [markdown]
# ## Figures (`bontsim plot PLAN`)

# %%
import matplotlib

matplotlib.use("Agg")
bontsim.plot_muscles(result).savefig(output / "glabella_strength.png", dpi=100)
bontsim.plot_face(bontsim.simulate("examples/palsy_healthy_side.toml")).savefig(output / "palsy_face.png", dpi=100)

# %% [markdown]
# ## A virtual trial (`bontsim trial PLANS --patients N --seed S`)
#
# All cores, the interpreter released, a tqdm progress bar; Ctrl-C stops it. The same seed
# gives the same summary as the command line, byte for byte.

# %%
summary = bontsim.trial(
    ["examples/glabella_20u_every_4_months.toml", "examples/glabella_light_10u.toml"],
    patients=arguments.patients,
    seed=1,
    responder="none_or_mild",
)
day_30 = summary.responders.query("day == 30")
print(day_30[["arm", "area", "rate", "low", "high"]].to_string(index=False))
print(summary.durations[["arm", "area", "median_duration_days"]].to_string(index=False))
bontsim.plot_responders(summary).savefig(output / "responders.png", dpi=100)

# %% [markdown]
# ## Shards and their merge (`--shard i/n`, `bontsim trial-merge`)
#
# Each shard can run anywhere (another process, a cluster node); `bontsim.distributed.trial`
# does this on a Dask cluster.

# %%
shards = [
    bontsim.trial("examples/glabella_light_10u.toml", patients=600, seed=5, shard=(i, 3), progress=False)
    for i in (1, 2, 3)
]
merged = bontsim.trial_merge(shards)
single = bontsim.trial("examples/glabella_light_10u.toml", patients=600, seed=5, progress=False)
assert merged.summary_json == single.summary_json
print("three shards merged = the single run, byte for byte")

# %% [markdown]
# ## Muscles and products (`bontsim muscles`, `bontsim products`)

# %%
print(bontsim.muscles()[["muscle", "region", "mass_g", "usual_units_low", "usual_units_high"]].head())
print(bontsim.products()[["product", "potency", "brands"]].to_string(index=False))
print(f"figures in {output}")
