"""The Python API against the command line: the same plans give the same JSON and CSV text,
the same trial summaries byte for byte, and bad input raises Python exceptions naming the
field."""

import json
import pathlib
import pickle

import numpy as np
import pandas as pd
import pytest

import bontsim

from conftest import EXAMPLES

MUSCLE_COLUMNS = {
    "name": object,
    "side": object,
    "day": np.int64,
    "blockade": np.float64,
    "strength": np.float64,
    "mass": np.float64,
    "volume": np.float64,
}


def is_text(series):
    return pd.api.types.is_string_dtype(series) or series.dtype == object


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_simulates_as_the_command_line_does(example, cli):
    path = f"examples/{example}"
    plan = bontsim.Plan(path)
    result = bontsim.simulate(plan)
    assert result.to_json() == cli("simulate", path, "--format", "json").decode()
    assert result.to_dict() == json.loads(cli("simulate", path, "--format", "json"))
    assert result.to_csv() == cli("simulate", path, "--format", "csv").decode()

    muscles = result.muscles
    assert list(muscles.columns) == list(MUSCLE_COLUMNS)
    for column, dtype in MUSCLE_COLUMNS.items():
        if dtype is object:
            assert is_text(muscles[column]), (column, muscles[column].dtype)
        else:
            assert muscles[column].dtype == dtype, (column, muscles[column].dtype)
    assert len(muscles) == sum(len(m["daily"]) for m in result.to_dict()["muscles"])
    if len(muscles):
        assert muscles["day"].max() == result.days - 1

    areas = result.areas
    assert list(areas.columns) == ["record", "name", "side", "day", "severity", "value"]
    assert set(areas["record"]) <= {"area", "rest_lines"}
    face = result.face
    assert list(face.columns) == ["record", "name", "side", "day", "width_change_percent", "value"]
    assert face["value"].dtype == np.float64
    assert "sunnybrook" in set(face["name"])
    risks = result.risks
    assert list(risks.columns) == ["risk", "probability", "driver", "source"]
    assert risks["probability"].between(0, 1).all()
    assert list(result.warnings["warning"]) == result.to_dict()["warnings"]
    # No NaN where the command line writes a number.
    assert not muscles.isna().any().any()


def test_every_warning_example_reports_its_warnings():
    result = bontsim.simulate("examples/every_warning.toml")
    assert len(result.warnings) > 0
    assert list(result.warnings["warning"]) == bontsim.Plan("examples/every_warning.toml").warnings


def test_a_plan_from_text_a_dict_or_a_path_is_the_same_plan():
    path = pathlib.Path("examples/glabella_light_10u.toml")
    text = path.read_text()
    from_path = bontsim.simulate(bontsim.Plan(path), days=200)
    from_text = bontsim.simulate(text, days=200)
    as_dict = bontsim.simulate(bontsim.Plan(json.loads(json.dumps(__import__("tomllib").loads(text)))), days=200)
    assert from_path.to_json() == from_text.to_json() == as_dict.to_json()
    assert from_path.days == 200
    assert bontsim.Plan(text).name == "<string>"
    restored = pickle.loads(pickle.dumps(bontsim.Plan(path)))
    assert (restored.text, restored.name, restored.format) == (text, str(path), "toml")


def test_a_daily_series_is_a_plain_numpy_array():
    result = bontsim.simulate("examples/masseter_25u_every_3_months.toml", days=400)
    strength = result.series("masseter", "left", "strength")
    assert type(strength) is np.ndarray and strength.shape == (400,)
    assert strength.min() < 0.6 < strength[0]
    with pytest.raises(ValueError, match="name: no series"):
        result.series("nose", "left")


def test_a_bad_plan_raises_a_value_error_with_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[patient]\nsex = "female"\nage = 42\n\n[[injection]]\nday = 0\nmuscle = "masseterr"\nside = "left"\nunits = 20\n')
    with pytest.raises(bontsim.PlanError) as caught:
        bontsim.Plan(bad)
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert f"{bad}:7: injection[1].muscle:" in message, message
    assert "masseter" in message
    assert any(line == 7 and field == "injection[1].muscle" for line, field, _ in caught.value.errors)
    with pytest.raises(bontsim.PlanError, match="<dict>: patient.age: missing"):
        bontsim.Plan({"patient": {"sex": "female"}})
    with pytest.raises(FileNotFoundError):
        bontsim.Plan("examples/no_such_plan.toml")
    with pytest.raises(TypeError):
        bontsim.Plan(42)


def test_bad_arguments_raise_value_errors_naming_the_argument():
    plan = bontsim.Plan("examples/glabella_light_10u.toml")
    with pytest.raises(ValueError, match="^days: must be from 1 to 36500, got 0"):
        bontsim.simulate(plan, days=0)
    with pytest.raises(ValueError, match="^face_days: day 400"):
        bontsim.simulate(plan, days=100, face_days=[400])
    with pytest.raises(ValueError, match="^responder:"):
        bontsim.trial(plan, patients=10, responder="everyone", progress=False)
    with pytest.raises(ValueError, match="^patients:"):
        bontsim.trial(plan, patients=0, progress=False)
    with pytest.raises(ValueError, match="^shard:"):
        bontsim.trial(plan, patients=10, shard=(3, 2), progress=False)
    with pytest.raises(ValueError, match="^shard:"):
        bontsim.trial(plan, patients=10, shard="two of three", progress=False)
    with pytest.raises(ValueError, match="^samples:"):
        bontsim.sensitivity(plan, samples=2, progress=False)
    with pytest.raises(ValueError, match="^palsy:"):
        bontsim.plan_symmetry(plan)


TRIAL_PLANS = ["examples/glabella_20u_every_4_months.toml", "examples/glabella_light_10u.toml"]
TRIAL_ARGS = ["--patients", "300", "--seed", "7", "--days", "400"]


def test_a_trial_summary_is_the_command_lines_byte_for_byte(cli, tmp_path):
    cli("trial", *TRIAL_PLANS, *TRIAL_ARGS, "-o", str(tmp_path / "trial"))
    summary = bontsim.trial(TRIAL_PLANS, patients=300, seed=7, days=400, progress=False)
    assert summary.summary_json == (tmp_path / "trial" / "summary.json").read_text()
    assert summary.to_dict() == json.loads((tmp_path / "trial" / "summary.json").read_text())
    for name, text in summary.csv.items():
        assert text == (tmp_path / "trial" / f"{name}.csv").read_text(), name
    responders = summary.responders
    assert list(responders.columns) == ["arm", "area", "day", "rate", "low", "high"]
    assert responders["day"].dtype == np.int64 and responders["rate"].dtype == np.float64
    assert set(responders["arm"]) == set(TRIAL_PLANS)
    assert (responders["low"] <= responders["rate"]).all() and (responders["rate"] <= responders["high"]).all()
    assert list(summary.atrophy.columns) == ["arm", "muscle", "side", "day", "median_volume", "p05_volume", "p95_volume"]
    assert list(summary.adverse_events.columns) == ["arm", "risk", "rate"]
    assert summary.durations["median_duration_days"].notna().all()
    summary.write(tmp_path / "again")
    assert (tmp_path / "again" / "summary.json").read_text() == summary.summary_json


def test_shards_merge_into_the_whole_trial_and_match_the_command_lines_partials(cli, tmp_path):
    whole = bontsim.trial(TRIAL_PLANS, patients=300, seed=7, days=400, progress=False)
    partials = [
        bontsim.trial(TRIAL_PLANS, patients=300, seed=7, days=400, shard=(i, 3), progress=False)
        for i in (1, 2, 3)
    ]
    assert [p.covered for p in partials] == [[(0, 100)], [(100, 200)], [(200, 300)]]
    cli("trial", *TRIAL_PLANS, *TRIAL_ARGS, "--shard", "2/3", "-o", str(tmp_path / "part2"))
    assert partials[1].data == (tmp_path / "part2" / "partial.json").read_bytes()
    # Objects, the command line's directory and bytes merge alike, in any order.
    merged = bontsim.trial_merge([partials[2], tmp_path / "part2", partials[0].data])
    assert merged.summary_json == whole.summary_json
    shipped = pickle.loads(pickle.dumps(partials[0]))
    assert shipped.data == partials[0].data
    with pytest.raises(ValueError, match="patients"):
        bontsim.trial_merge([partials[0], partials[2]])
    other = bontsim.trial(TRIAL_PLANS, patients=300, seed=8, days=400, shard=(2, 3), progress=False)
    with pytest.raises(ValueError):
        bontsim.trial_merge([partials[0], other, partials[2]])


def test_the_trial_reports_its_progress_and_does_not_depend_on_threads():
    seen = []
    one = bontsim.trial(TRIAL_PLANS[0], patients=400, seed=2, days=300, threads=1,
                        progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (400, 400)
    assert all(done <= total for done, total in seen)
    two = bontsim.trial(TRIAL_PLANS[0], patients=400, seed=2, days=300, threads=2, progress=False)
    assert one.summary_json == two.summary_json
    # The default bar (tqdm) runs and closes without error.
    assert bontsim.trial(TRIAL_PLANS[0], patients=64, seed=2, days=100).to_dict()["patients"] == 64


def test_sensitivity_is_the_command_lines(cli, tmp_path):
    plan = "examples/glabella_light_10u.toml"
    cli("sensitivity", plan, "--samples", "8", "--seed", "3", "--days", "200", "--mass-day", "100", "-o", str(tmp_path / "s"))
    result = bontsim.sensitivity(plan, samples=8, seed=3, days=200, mass_day=100, progress=False)
    assert result.json == (tmp_path / "s" / "sensitivity.json").read_text()
    assert result.csv == (tmp_path / "s" / "sensitivity.csv").read_text()
    table = result.table
    assert list(table.columns) == ["output", "parameter", "first_order", "total_order", "low", "high", "typical"]
    assert table["total_order"].dtype == np.float64


def test_plan_symmetry_prints_the_command_lines_plan(cli):
    plan = "examples/palsy_long_standing_untreated.toml"
    expected = cli("plan-symmetry", plan, "--max-units", "20", "--horizon-days", "60").decode()
    proposal = bontsim.plan_symmetry(plan, max_units=20, horizon_days=60)
    assert proposal.plan_text == expected
    assert proposal.notes == []
    assert "[[injection]]" in proposal.plan_text
    assert len(proposal.plan.text) > len(bontsim.Plan(plan).text)


def test_muscles_and_products_are_data_frames(cli):
    muscles = bontsim.muscles()
    listed = cli("muscles").decode().splitlines()[1:]
    assert list(muscles["muscle"]) == [line.split()[0] for line in listed]
    assert muscles["mass_g"].dtype == np.float64 and (muscles["mass_g"] > 0).all()
    products = bontsim.products()
    assert "onabotulinumtoxinA" in set(products["product"])
    assert products.loc[products["product"] == "onabotulinumtoxinA", "potency"].item() == 1.0


def test_the_plot_helpers_return_matplotlib_figures():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    result = bontsim.simulate("examples/palsy_healthy_side.toml", days=200)
    summary = bontsim.trial(TRIAL_PLANS, patients=64, seed=1, days=200, progress=False)
    for figure in (
        bontsim.plot_muscles(result),
        bontsim.plot_face(result),
        bontsim.plot_responders(summary),
        bontsim.plot_durations(summary),
    ):
        assert isinstance(figure, Figure)
        assert figure.axes[0].lines, "a figure with no line"
        assert any(bontsim.DISCLAIMER in t.get_text() for t in figure.texts)
