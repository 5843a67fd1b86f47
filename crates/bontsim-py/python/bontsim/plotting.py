"""matplotlib figures of bontsim's results (matplotlib is imported here only). Every helper
returns a ``matplotlib.figure.Figure`` carrying the research-software disclaimer, draws on
``ax`` when one is given, and reads the same tables as the data frames of the results.
"""

from __future__ import annotations

from typing import Optional, Sequence

from . import DISCLAIMER, SimulationResult, TrialSummary


def _axes(ax, title: str):
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("bontsim's plots need matplotlib: pip install matplotlib") from error
    if ax is None:
        figure, ax = plt.subplots(figsize=(9, 5))
    else:
        figure = ax.figure
    ax.set_title(title)
    figure.text(0.01, 0.005, DISCLAIMER, fontsize=6, color="0.4", wrap=True)
    return figure, ax


def plot_muscles(
    result: SimulationResult,
    names: Optional[Sequence[str]] = None,
    column: str = "strength",
    ax=None,
):
    """Daily ``column`` (strength, mass, volume or blockade) of each muscle and side
    (default: the injected muscles), as ``bontsim plot PLAN --muscle NAME`` draws strength."""
    table = result.muscles
    if names is None:
        injected = {i["muscle"] for i in result.to_dict().get("injections", [])}
        names = sorted(injected) or sorted(set(table["name"]))
    figure, ax = _axes(ax, f"{column} — {result.plan.name}")
    for (name, side), rows in table[table["name"].isin(names)].groupby(["name", "side"]):
        ax.plot(rows["day"].to_numpy(), rows[column].to_numpy(), label=f"{name} ({side})")
    ax.set_xlabel("day")
    ax.set_ylabel(f"{column} (fraction of baseline)")
    ax.legend(fontsize=7)
    return figure


def plot_face(
    result: SimulationResult,
    scores: Sequence[str] = ("sunnybrook", "eface_total"),
    ax=None,
):
    """The face's daily scores (``bontsim plot PLAN --face``)."""
    face = result.face
    figure, ax = _axes(ax, f"face scores — {result.plan.name}")
    for score in scores:
        rows = face[(face["record"] == "face") & (face["name"] == score)]
        ax.plot(rows["day"].to_numpy(), rows["value"].to_numpy(), label=score)
    ax.set_xlabel("day")
    ax.set_ylabel("score")
    ax.legend(fontsize=7)
    return figure


def plot_responders(summary: TrialSummary, ax=None):
    """Responder rate per arm and area with its 95% interval (responders.svg of a trial)."""
    table = summary.responders
    figure, ax = _axes(ax, "responders")
    for (arm, area), rows in table.groupby(["arm", "area"], sort=False):
        day = rows["day"].to_numpy()
        (line,) = ax.plot(day, rows["rate"].to_numpy(), label=f"{arm}: {area}")
        ax.fill_between(
            day, rows["low"].to_numpy(), rows["high"].to_numpy(), color=line.get_color(), alpha=0.2
        )
    ax.set_xlabel("day")
    ax.set_ylabel("share of patients responding")
    ax.legend(fontsize=7)
    return figure


def plot_durations(summary: TrialSummary, ax=None):
    """The distribution of effect durations per arm and area (durations.svg of a trial)."""
    table = summary.duration_distribution
    figure, ax = _axes(ax, "effect duration")
    for (arm, area), rows in table.groupby(["arm", "area"], sort=False):
        middle = (rows["from_day"].to_numpy() + rows["to_day"].to_numpy()) / 2
        ax.plot(middle, rows["share"].to_numpy(), drawstyle="steps-mid", label=f"{arm}: {area}")
    ax.set_xlabel("days of effect")
    ax.set_ylabel("share of patients")
    ax.legend(fontsize=7)
    return figure
