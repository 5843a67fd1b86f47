"""A patient's fit and the optimiser from Python against `bontsim fit` and `bontsim optimise`
on the bundled example patient: the same posterior JSON and CSV tables for the same seed, the
same proposed plan text, and bad observations or arguments raising ValueError with the
command line's file:line:field words. Small `draws` keep the fits quick."""

import json
import os
import subprocess

import pandas as pd
import pytest

import bontsim

from conftest import REPOSITORY, bontsim_binary

PLAN = "examples/masseter_patient_with_observations.toml"
OBSERVATIONS = "examples/masseter_patient_observations.csv"
DRAWS = "50"


def test_a_fit_gives_the_command_lines_posterior_and_tables(cli, tmp_path):
    output = tmp_path / "fit"
    cli("fit", PLAN, "--observations", OBSERVATIONS, "-o", str(output), "--draws", DRAWS, "--seed", "7")
    result = bontsim.fit(PLAN, OBSERVATIONS, seed=7, draws=int(DRAWS))

    posterior = json.loads((output / "posterior.json").read_text())
    figures = posterior.pop("figures")
    assert figures, "the command line draws the banded quantities"
    assert result.to_dict() == posterior
    assert result.to_dict()["seed"] == 7 and result.to_dict()["diagnostics"]["draws"] == 50
    assert result.to_dict()["sequential"], "visit-by-visit updating is on by default"
    assert result.bands_csv == (output / "bands.csv").read_text()
    assert result.draws_csv == (output / "draws.csv").read_text()

    parameters = result.parameters
    assert list(parameters.columns) == ["name", "meaning", "prior_sd", "map", "median", "p05", "p95"]
    assert list(parameters["name"]) == [p["name"] for p in posterior["parameters"]]
    assert (parameters["p05"] <= parameters["median"]).all() and (parameters["median"] <= parameters["p95"]).all()
    bands = result.bands
    assert list(bands.columns) == ["quantity", "unit", "day", "median", "low50", "high50", "low90", "high90"]
    assert bands["day"].dtype == "int64"
    assert {figure["quantity"] for figure in figures} <= set(bands["quantity"])
    assert len(bands) == len(pd.read_csv(output / "bands.csv"))
    assert not bands.isna().any().any()
    assert (bands["low90"] <= bands["median"]).all() and (bands["median"] <= bands["high90"]).all()
    assert list(result.draws.columns[:1]) == ["draw"] and len(result.draws) == 50


def test_without_a_file_the_plans_own_observations_are_fitted(cli, tmp_path):
    output = tmp_path / "fit"
    cli("fit", PLAN, "-o", str(output), "--draws", DRAWS)
    result = bontsim.fit(bontsim.Plan(PLAN), draws=int(DRAWS), sequential=False)
    posterior = json.loads((output / "posterior.json").read_text())
    # The plan's two [[observation]] entries, not the file's eighteen rows.
    assert result.to_dict()["diagnostics"]["observations"] == posterior["diagnostics"]["observations"] == 2
    assert result.to_dict()["sequential"] == []
    assert result.to_dict()["parameters"] == posterior["parameters"]


def test_a_bad_observations_file_raises_a_value_error_naming_file_line_and_field(tmp_path):
    bad = tmp_path / "bad_observations.csv"
    bad.write_text("day,area,kind,value\n30,glabella,severity_max,1\n60,glabella,severity_max,7\n")
    with pytest.raises(ValueError) as caught:
        bontsim.fit(PLAN, bad, draws=int(DRAWS))
    message = str(caught.value)
    assert message.startswith("invalid observations\n"), message
    assert f"{bad}:3: value: 7 is not a grade" in message, message

    # The command line's words, line for line.
    done = subprocess.run(
        [str(bontsim_binary()), "fit", PLAN, "--observations", str(bad), "-o", str(tmp_path / "out")],
        cwd=REPOSITORY,
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 2
    assert f"{bad}:3: value: 7 is not a grade" in done.stderr.decode()
    assert message.splitlines()[1] in done.stderr.decode()

    with pytest.raises(ValueError, match="invalid observations"):
        bontsim.optimise(PLAN, bad, severity_target=1, draws=int(DRAWS))
    with pytest.raises(FileNotFoundError):
        bontsim.fit(PLAN, tmp_path / "no_such_file.csv")


def test_bad_fit_arguments_raise_value_errors_naming_the_argument():
    with pytest.raises(ValueError, match="^draws: "):
        bontsim.fit(PLAN, OBSERVATIONS, draws=5)
    with pytest.raises(ValueError, match="^prior_weight: "):
        bontsim.fit(PLAN, OBSERVATIONS, prior_weight=0.0, draws=int(DRAWS))
    with pytest.raises(ValueError, match="^observations: no observations"):
        bontsim.fit("examples/masseter_25u_every_3_months.toml", draws=int(DRAWS))
    with pytest.raises(ValueError, match="^severity_target: give at least one target"):
        bontsim.optimise(PLAN, OBSERVATIONS, draws=int(DRAWS))
    with pytest.raises(ValueError, match="^severity_share: "):
        bontsim.optimise(PLAN, OBSERVATIONS, severity_target=1, severity_share=2.0, draws=int(DRAWS))


def test_optimise_proposes_the_command_lines_plan(cli):
    printed = cli(
        "optimise", PLAN, "--observations", OBSERVATIONS, "--severity-target", "1",
        "--volume-floor", "0.75", "--draws", DRAWS,
    ).decode()
    proposal = bontsim.optimise(PLAN, OBSERVATIONS, severity_target=1, volume_floor=0.75, draws=int(DRAWS))
    assert proposal.plan_text.rstrip("\n") == printed.rstrip("\n")

    original = bontsim.Plan(PLAN)
    parsed = bontsim.Plan(proposal.plan_text)
    result = proposal.to_dict()
    assert result["doses"], "the last session's doses are proposed again"
    assert 90 <= result["interval_days"] <= 180
    assert result["next_day"] > 0
    assert {goal["goal"] for goal in result["goals"]} and all(
        0 <= goal["probability"] <= 1 for goal in result["goals"]
    )
    assert result["disclaimer"] == bontsim.DISCLAIMER
    assert bontsim.DISCLAIMER in proposal.plan_text
    # The proposal keeps the treatment so far and adds the proposed sessions.
    assert proposal.plan_text.startswith(original.text.rstrip())
    assert proposal.plan.extent == parsed.extent != original.extent


def test_a_fit_releases_the_interpreter_while_it_runs():
    import threading
    import time

    finished = []
    worker = threading.Thread(
        target=lambda: finished.append(bontsim.fit(PLAN, OBSERVATIONS, draws=200, sequential=False))
    )
    worker.start()
    ticks = 0
    # Each tick needs the interpreter: were it held by the fit, the loop would wait until the end.
    while worker.is_alive():
        ticks += 1
        time.sleep(0.002)
    worker.join()
    assert finished and finished[0].to_dict()["diagnostics"]["draws"] == 200
    assert ticks >= 20, ticks
