"""bontsim: simulate botulinum toxin A treatment of the facial muscles from Python.

The same engine, plans, numbers and texts as the ``bontsim`` command: a :class:`Plan` from a
TOML/JSON file, a string or a dict; :func:`simulate` for one plan's report; :func:`trial`
for a virtual trial (all cores, a progress bar, stopped by Ctrl-C), sharded and merged with
:func:`trial_merge` or run on a Dask cluster with :func:`bontsim.distributed.trial`;
:func:`sensitivity` and :func:`plan_symmetry`; :func:`fit` (a patient's own parameters from
their observations) and :func:`optimise` (the next dose and interval over that posterior);
:func:`muscles` and :func:`products`.
Tables are pandas data frames in long format with the command line's CSV column names;
``to_dict()`` gives the command line's JSON. pandas, matplotlib and tqdm are optional and
imported when first needed.

Research and education software, not a medical device (see :data:`DISCLAIMER`).
"""

from __future__ import annotations

import io
import json
import os
import pathlib
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _bontsim
from ._bontsim import DISCLAIMER, MODEL_VERSION, PlanError, __version__

__all__ = [
    "DISCLAIMER",
    "FitResult",
    "MODEL_VERSION",
    "OptimiseProposal",
    "Plan",
    "PlanError",
    "SensitivityResult",
    "SimulationResult",
    "SymmetryProposal",
    "TrialPartial",
    "TrialSummary",
    "__version__",
    "fit",
    "muscles",
    "optimise",
    "plan_symmetry",
    "plot_face",
    "plot_muscles",
    "plot_durations",
    "plot_responders",
    "products",
    "sensitivity",
    "simulate",
    "trial",
    "trial_merge",
]

PathLike = Union[str, "os.PathLike[str]"]
PlanLike = Union["Plan", PathLike, Dict[str, Any]]
ProgressOption = Union[bool, Callable[[int, int], Any], None]


def _pandas():
    try:
        import pandas
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "bontsim's tables are pandas data frames: pip install pandas "
            "(or use to_dict() / the CSV text without pandas)"
        ) from error
    return pandas


def _frame(csv_text: str):
    """A CSV text of the command line as a data frame (``#`` lines are comments)."""
    pandas = _pandas()
    return pandas.read_csv(io.StringIO(csv_text), comment="#", keep_default_na=False, na_values=[""])


class Plan:
    """A validated treatment plan.

    ``source`` is a path to a ``.toml`` or ``.json`` plan file (a :class:`pathlib.Path` or a
    string naming an existing file), the plan's TOML or JSON text, or a dict of the plan's
    keys (as the JSON form). It is validated as the command line validates it: a
    :class:`PlanError` (a ``ValueError``) lists every problem as ``name:line: field: message``
    and holds them as ``(line, field, message)`` tuples in ``errors``.

    ``name`` labels the plan in errors and a trial's arms (default: the path as given, or
    ``"<string>"`` / ``"<dict>"``), as the command line names arms by the path typed.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        source: PlanLike,
        *,
        format: Optional[str] = None,
        name: Optional[str] = None,
    ) -> None:
        if isinstance(source, Plan):
            self._native = source._native
            return
        if isinstance(source, dict):
            text = json.dumps(source, indent=2)
            # Errors name the keys without lines: the dict has no lines of its own.
            self._native = _bontsim.NativePlan(text, "json", name or "<dict>", False)
            return
        if isinstance(source, os.PathLike) or (
            isinstance(source, str) and "\n" not in source and source.strip()[:1] not in ("{", "[")
            and (os.path.exists(source) or source.endswith((".toml", ".json")))
        ):
            path = os.fspath(source)
            with open(path, encoding="utf-8") as file:
                text = file.read()
            guessed = "json" if path.endswith(".json") else "toml"
            self._native = _bontsim.NativePlan(text, format or guessed, name or path)
            return
        if isinstance(source, str):
            guessed = "json" if source.lstrip().startswith("{") else "toml"
            self._native = _bontsim.NativePlan(source, format or guessed, name or "<string>")
            return
        raise TypeError(
            f"a plan is a path, TOML or JSON text, or a dict, not {type(source).__name__}"
        )

    @classmethod
    def _from_native(cls, native: Any) -> "Plan":
        plan = cls.__new__(cls)
        plan._native = native
        return plan

    def __reduce__(self):
        # Plans travel to worker processes as their text, parsed again there.
        return (_plan_from_text, (self.text, self.format, self.name))

    @property
    def name(self) -> str:
        """The plan's label: the path as given, or ``<string>`` / ``<dict>``."""
        return self._native.name

    @property
    def text(self) -> str:
        """The plan's text as read (a trial's partial results record its SHA-256)."""
        return self._native.text

    @property
    def format(self) -> str:
        """``"toml"`` or ``"json"``."""
        return self._native.format

    @property
    def warnings(self) -> List[str]:
        """Label-limit and interval warnings (``bontsim check``)."""
        return list(self._native.warnings)

    @property
    def extent(self) -> str:
        """The plan's extent in words, e.g. ``"7 injections in 1 session on day 0"``."""
        return self._native.extent

    @property
    def sha256(self) -> str:
        return self._native.sha256

    def __repr__(self) -> str:
        return f"Plan({self.name!r}: {self.extent})"


def _plan_from_text(text: str, format: str, name: str) -> Plan:
    return Plan._from_native(_bontsim.NativePlan(text, format, name))


def _plan(plan: PlanLike) -> Plan:
    return plan if isinstance(plan, Plan) else Plan(plan)


class SimulationResult:
    """One plan's report.

    Tables (pandas data frames, long format, the column names of
    ``bontsim simulate --format csv``): :attr:`muscles`, :attr:`areas`, :attr:`face`,
    :attr:`risks`, :attr:`warnings`, and the whole CSV as :attr:`table`. :meth:`to_dict` is
    the JSON report of ``bontsim simulate --format json``.
    """

    def __init__(self, native: Any, plan: Plan) -> None:
        self._native = native
        self.plan = plan
        self._dict: Optional[Dict[str, Any]] = None
        self._table = None

    @property
    def days(self) -> int:
        """Days simulated."""
        return self._native.days

    def to_json(self) -> str:
        """The report as ``bontsim simulate --format json`` prints it, text for text."""
        return self._native.json()

    def to_csv(self) -> str:
        """The report as ``bontsim simulate --format csv`` prints it, text for text."""
        return self._native.csv()

    def to_dict(self) -> Dict[str, Any]:
        """The JSON report as a dict (the keys of docs/cli.md)."""
        if self._dict is None:
            self._dict = json.loads(self._native.json(False))
        return self._dict

    @property
    def table(self):
        """Every daily record of the CSV report: record, name, side, day and the values."""
        if self._table is None:
            self._table = _frame(self.to_csv())
        return self._table

    def _records(self, records: Sequence[str], columns: Sequence[str]):
        table = self.table
        rows = table[table["record"].isin(records)]
        return rows.loc[:, list(columns)].reset_index(drop=True)

    @property
    def muscles(self):
        """Per muscle, side and day: blockade, strength, mass and volume (fractions of baseline)."""
        return self._records(
            ["muscle"], ["name", "side", "day", "blockade", "strength", "mass", "volume"]
        )

    @property
    def areas(self):
        """Per wrinkle area and day: ``area`` records (severity at contraction) and
        ``rest_lines`` records (severity at rest, in ``value``)."""
        return self._records(
            ["area", "rest_lines"], ["record", "name", "side", "day", "severity", "value"]
        )

    @property
    def face(self):
        """The face per day: ``face`` scores (Sunnybrook, eFACE, House-Brackmann, ...) in
        ``value``, the ``lower_face`` width change and the ``jaw`` bite force."""
        return self._records(
            ["face", "lower_face", "jaw"],
            ["record", "name", "side", "day", "width_change_percent", "value"],
        )

    @property
    def risks(self):
        """Each risk: its probability, what drives it and the source."""
        pandas = _pandas()
        return pandas.DataFrame(
            self.to_dict()["risks"], columns=["risk", "probability", "driver", "source"]
        )

    @property
    def warnings(self):
        """The report's warnings, one row each (column ``warning``)."""
        pandas = _pandas()
        return pandas.DataFrame({"warning": pandas.Series(self._native.warnings, dtype=object)})

    def series(self, name: str, side: str = "both", column: str = "strength"):
        """One daily series as a numpy array, e.g. ``series("masseter", "left", "mass")``
        or ``series("sunnybrook", column="value")``."""
        table = self.table
        rows = table[(table["name"] == name) & (table["side"] == side)]
        if rows.empty:
            raise ValueError(f"name: no series \"{name}\" on side \"{side}\" in this report")
        if column not in table.columns:
            raise ValueError(f"column: \"{column}\" is not one of {', '.join(table.columns)}")
        return rows[column].to_numpy(dtype=float)

    def __repr__(self) -> str:
        return f"SimulationResult({self.plan.name!r}, days={self.days})"


def simulate(plan: PlanLike, days: Optional[int] = None, face_days: Iterable[int] = ()) -> SimulationResult:
    """Simulate a plan (``bontsim simulate PLAN [--days N] [--face-days ...]``).

    ``days``: days simulated, 1 to 36500 (default: a year past the last injection, at least
    730). Bad values raise ``ValueError`` naming the argument.
    """
    plan = _plan(plan)
    native = _bontsim.simulate(plan._native, days, list(face_days))
    return SimulationResult(native, plan)


class TrialSummary:
    """A whole trial's summary: :meth:`to_dict` (``summary.json``) and the tables of the
    command line's trial directory as data frames (:attr:`responders`, :attr:`durations`,
    :attr:`adverse_events`, :attr:`duration_distribution`, :attr:`atrophy`, with the CSV
    files' column names). :attr:`summary_json` is ``summary.json`` byte for byte."""

    _TABLES = ("responders", "durations", "adverse_events", "duration_distribution", "atrophy")

    def __init__(self, texts: Dict[str, str]) -> None:
        self.summary_json: str = texts["summary_json"]
        self.csv: Dict[str, str] = {name: texts[name] for name in self._TABLES}
        self._frames: Dict[str, Any] = {}
        self._dict: Optional[Dict[str, Any]] = None

    def to_dict(self) -> Dict[str, Any]:
        if self._dict is None:
            self._dict = json.loads(self.summary_json)
        return self._dict

    def _table(self, name: str):
        if name not in self._frames:
            self._frames[name] = _frame(self.csv[name])
        return self._frames[name]

    @property
    def responders(self):
        """Per arm, area and day: responder rate with its 95% interval (low, high)."""
        return self._table("responders")

    @property
    def durations(self):
        """Per arm and area: median duration and onset, first-cycle figures."""
        return self._table("durations")

    @property
    def adverse_events(self):
        """Per arm and risk: the share of patients."""
        return self._table("adverse_events")

    @property
    def duration_distribution(self):
        """Per arm and area: the share of patients whose effect lasted from_day to to_day."""
        return self._table("duration_distribution")

    @property
    def atrophy(self):
        """Per arm, muscle, side and day: median, 5th and 95th percentile volume."""
        return self._table("atrophy")

    def write(self, directory: PathLike) -> None:
        """Write summary.json and the CSV tables into ``directory`` (created if missing)."""
        directory = pathlib.Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "summary.json").write_text(self.summary_json, encoding="utf-8")
        for name, text in self.csv.items():
            (directory / f"{name}.csv").write_text(text, encoding="utf-8")

    def __repr__(self) -> str:
        summary = self.to_dict()
        return (
            f"TrialSummary({len(summary['arms'])} arms, {summary['patients']} patients, "
            f"seed {summary['seed']})"
        )


class TrialPartial:
    """One shard's partial result (``partial.json`` of ``bontsim trial --shard i/n``), plain
    bytes that pickle, travel between processes and merge with :func:`trial_merge`."""

    __slots__ = ("data", "label")

    def __init__(self, data: bytes, label: str = "partial") -> None:
        self.data = bytes(data)
        self.label = label

    @classmethod
    def read(cls, path: PathLike) -> "TrialPartial":
        """A partial result from a file, or from ``partial.json`` in a directory."""
        path = pathlib.Path(path)
        if path.is_dir():
            path = path / "partial.json"
        return cls(path.read_bytes(), str(path))

    def write(self, path: PathLike) -> None:
        pathlib.Path(path).write_bytes(self.data)

    @property
    def covered(self) -> List[Tuple[int, int]]:
        """The patient ranges (start, end) this partial result holds."""
        return [tuple(r) for r in json.loads(self.data)["covered"]]

    def __reduce__(self):
        return (TrialPartial, (self.data, self.label))

    def __repr__(self) -> str:
        return f"TrialPartial({self.label!r}, covered={self.covered})"


class _Bar:
    """A tqdm bar opened at the first report (when its total is known), closed at the end."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit=self.unit, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _progress(progress: ProgressOption, unit: str):
    """The callback for the native layer and the bar to close (tqdm when installed)."""
    if progress is None or progress is False:
        return None, None
    if callable(progress) and progress is not True:
        return progress, None
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return None, None
    bar = _Bar(unit)
    return bar, bar


def _shard(shard: Union[None, str, Tuple[int, int]]) -> Optional[Tuple[int, int]]:
    if shard is None:
        return None
    if isinstance(shard, str):
        index, _, count = shard.partition("/")
        try:
            return int(index), int(count)
        except ValueError:
            raise ValueError(f'shard: "{shard}" is not of the form i/n (e.g. 2/8)') from None
    index, count = shard
    return int(index), int(count)


def _plans(plans: Union[PlanLike, Sequence[PlanLike]]) -> List[Plan]:
    if isinstance(plans, (Plan, str, dict)) or isinstance(plans, os.PathLike):
        return [_plan(plans)]
    return [_plan(plan) for plan in plans]


def trial(
    plans: Union[PlanLike, Sequence[PlanLike]],
    patients: int = 1000,
    seed: int = 1,
    responder: str = "none_or_mild",
    *,
    days: Optional[int] = None,
    atrophy_days: Iterable[int] = (),
    shard: Union[None, str, Tuple[int, int]] = None,
    progress: ProgressOption = True,
    threads: Optional[int] = None,
) -> Union[TrialSummary, TrialPartial]:
    """Run a virtual trial: one arm per plan, ``patients`` virtual patients each
    (``bontsim trial PLANS --patients N --seed S --responder R [--shard i/n]``).

    Runs on all cores (``threads`` to limit) with the interpreter released; the same seed
    gives the same summary whatever the threads. ``shard=(i, n)`` (or ``"i/n"``) runs only
    shard i of n and returns a :class:`TrialPartial` for :func:`trial_merge`. ``progress``:
    a tqdm bar when tqdm is installed (``False``: none; a callable gets ``(done, total)``).
    Ctrl-C stops the trial promptly with ``KeyboardInterrupt``.
    """
    arms = _plans(plans)
    shard = _shard(shard)
    callback, bar = _progress(progress, "patient")
    try:
        result = _bontsim.trial(
            [plan._native for plan in arms],
            patients,
            seed,
            responder,
            days=days,
            atrophy_days=list(atrophy_days),
            threads=threads,
            shard=shard,
            progress=callback,
        )
    finally:
        if bar is not None:
            bar.close()
    if isinstance(result, bytes):
        return TrialPartial(result, f"shard {shard[0]}/{shard[1]}")
    return TrialSummary(result)


def trial_merge(partials: Iterable[Union[TrialPartial, bytes, PathLike]]) -> TrialSummary:
    """Merge shards' partial results into the whole trial (``bontsim trial-merge DIRS``):
    :class:`TrialPartial` objects, their bytes, or paths of ``partial.json`` files or of the
    directories holding them. Refuses partials of different trials or models, overlaps and
    gaps with a ``ValueError``."""
    labelled = []
    for index, partial in enumerate(partials, start=1):
        if isinstance(partial, TrialPartial):
            labelled.append((partial.label, partial.data))
        elif isinstance(partial, (bytes, bytearray)):
            labelled.append((f"partial {index}", bytes(partial)))
        else:
            read = TrialPartial.read(partial)
            labelled.append((read.label, read.data))
    return TrialSummary(_bontsim.trial_merge(labelled))


class SensitivityResult:
    """Tornado and Sobol indices: :meth:`to_dict` (``sensitivity.json``) and :attr:`table`
    (``sensitivity.csv``: output, parameter, first_order, total_order, low, high, typical)."""

    def __init__(self, json_text: str, csv_text: str) -> None:
        self.json = json_text
        self.csv = csv_text
        self._table = None

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(self.json)

    @property
    def table(self):
        if self._table is None:
            self._table = _frame(self.csv)
        return self._table


def sensitivity(
    plan: PlanLike,
    samples: int = 512,
    seed: int = 1,
    *,
    days: Optional[int] = None,
    mass_day: int = 180,
    progress: ProgressOption = True,
) -> SensitivityResult:
    """Sensitivity of a plan's outcomes to the model parameters
    (``bontsim sensitivity PLAN --samples N --seed S``): ``samples`` x (parameters + 2)
    model runs on all cores. An interrupt is raised when the analysis ends (it has no
    cancel point)."""
    plan = _plan(plan)
    callback, bar = _progress(progress, "run")
    try:
        json_text, csv_text = _bontsim.sensitivity(
            plan._native, samples, seed, days=days, mass_day=mass_day, progress=callback
        )
    finally:
        if bar is not None:
            bar.close()
    return SensitivityResult(json_text, csv_text)


class SymmetryProposal:
    """The symmetry planner's proposal: :attr:`plan_text` is what ``bontsim plan-symmetry``
    prints (the plan with the proposed injections), :attr:`plan` the same as a
    :class:`Plan`, :attr:`notes` the commentary of a JSON plan (empty for TOML, whose
    commentary is in comments)."""

    def __init__(self, plan_text: str, notes: List[str], source: Plan) -> None:
        self.plan_text = plan_text
        self.notes = notes
        self.plan = Plan(plan_text, format=source.format, name=source.name)

    def __repr__(self) -> str:
        return f"SymmetryProposal({self.plan.extent})"


def plan_symmetry(
    plan: PlanLike,
    *,
    max_units: float = 50.0,
    horizon_days: int = 180,
    synkinesis: bool = False,
    day: float = 0.0,
    product: str = "onabotulinumtoxinA",
    max_per_muscle: Optional[float] = None,
    step_units: float = 2.5,
    min_expressivity: Optional[float] = None,
) -> SymmetryProposal:
    """Doses that even a palsied face (``bontsim plan-symmetry PLAN [--max-units U ...]``);
    the plan needs a ``[palsy]`` profile."""
    plan = _plan(plan)
    options: Dict[str, Any] = dict(
        max_units=max_units,
        horizon_days=horizon_days,
        synkinesis=synkinesis,
        day=day,
        product=product,
        max_per_muscle=max_per_muscle,
        step_units=step_units,
    )
    if min_expressivity is not None:
        options["min_expressivity"] = min_expressivity
    text, notes = _bontsim.plan_symmetry(plan._native, **options)
    return SymmetryProposal(text, list(notes), plan)


def _observations(observations: Optional[PathLike]) -> Tuple[Optional[str], str]:
    """The observations CSV's text and the name its errors carry (the path as given)."""
    if observations is None:
        return None, "<observations>"
    if not isinstance(observations, (str, os.PathLike)):
        raise TypeError(
            f"observations: a path to an observations CSV or None, not {type(observations).__name__}"
        )
    path = os.fspath(observations)
    with open(path, encoding="utf-8") as file:
        return file.read(), path


class FitResult:
    """A patient's fit (``bontsim fit``): :meth:`to_dict` is ``posterior.json`` (parameters,
    next cycle's return of movement, diagnostics, visit-by-visit updating) without its
    ``figures`` list, which names the SVG files only the command line draws. Tables as data
    frames with the CSV files' column names: :attr:`parameters` (``name, meaning, prior_sd,
    map, median, p05, p95``: multiples of the typical patient's value), :attr:`bands`
    (``bands.csv``: ``quantity, unit, day, median, low50, high50, low90, high90``) and
    :attr:`draws` (``draws.csv``); :attr:`bands_csv` and :attr:`draws_csv` are the files'
    text."""

    def __init__(self, native: Any, plan: Plan) -> None:
        self._native = native
        self.plan = plan
        self._dict: Optional[Dict[str, Any]] = None
        self._frames: Dict[str, Any] = {}

    def to_dict(self) -> Dict[str, Any]:
        """``posterior.json`` as a dict (the keys of docs/cli.md "fit"), without ``figures``."""
        if self._dict is None:
            self._dict = json.loads(self._native.json())
        return self._dict

    @property
    def bands_csv(self) -> str:
        """``bands.csv``, text for text."""
        return self._native.bands_csv()

    @property
    def draws_csv(self) -> str:
        """``draws.csv``, text for text."""
        return self._native.draws_csv()

    @property
    def parameters(self):
        """The posterior of each parameter: name, meaning, prior_sd, map, median, p05, p95."""
        if "parameters" not in self._frames:
            self._frames["parameters"] = _pandas().DataFrame(
                self.to_dict()["parameters"],
                columns=["name", "meaning", "prior_sd", "map", "median", "p05", "p95"],
            )
        return self._frames["parameters"]

    @property
    def bands(self):
        """Daily forecast bands of every observed quantity and of the injected muscles'
        strength, mass and volume: quantity, unit, day, median, low50, high50, low90, high90."""
        if "bands" not in self._frames:
            self._frames["bands"] = _frame(self.bands_csv)
        return self._frames["bands"]

    @property
    def draws(self):
        """The posterior draws: draw, one column per parameter, return_day_AREA per target."""
        if "draws" not in self._frames:
            self._frames["draws"] = _frame(self.draws_csv)
        return self._frames["draws"]

    def __repr__(self) -> str:
        diagnostics = self.to_dict()["diagnostics"]
        return (
            f"FitResult({self.plan.name!r}, {diagnostics['observations']} observations, "
            f"{diagnostics['draws']} draws)"
        )


def fit(
    plan: PlanLike,
    observations: Optional[PathLike] = None,
    seed: int = 1,
    draws: int = 1000,
    prior_weight: float = 1.0,
    sequential: bool = True,
    days: Optional[int] = None,
) -> FitResult:
    """Fit a patient's own parameters to their observations and forecast over the posterior
    (``bontsim fit PLAN [--observations OBS] [--seed S] [--draws N] [--prior-weight W]
    [--days N]``).

    ``observations``: the path of an observations CSV (docs/cli.md "Observations"), or
    ``None`` for the plan's own ``[[observation]]`` entries only (they are fitted in either
    case). A bad row raises ``ValueError`` with the command line's ``FILE:LINE: FIELD: why``
    lines; a bad argument raises ``ValueError`` naming it (``draws``: 10 to 100000,
    ``prior_weight``: above 0 and at most 100). ``sequential``: the visit-by-visit updating
    too (``sequential`` of :meth:`FitResult.to_dict`; the command line always does it).
    Runs with the interpreter released; Ctrl-C is raised when the fit ends.
    """
    plan = _plan(plan)
    text, name = _observations(observations)
    native = _bontsim.fit(
        plan._native,
        text,
        name,
        seed=seed,
        draws=draws,
        prior_weight=prior_weight,
        sequential=sequential,
        days=days,
    )
    return FitResult(native, plan)


class OptimiseProposal:
    """The optimiser's proposal (``bontsim optimise``): :attr:`plan_text` is what the command
    prints (the plan with the proposed sessions appended as commented ``[[injection]]``
    tables), :attr:`plan` the same as a :class:`Plan`, and :meth:`to_dict` the engine's
    result (``next_day``, ``interval_days``, ``sessions``, ``doses``, ``expected_loss``,
    ``label_expected_loss``, ``goals``, ``units_per_year``, ``antibody_risk`` and the label
    plan's figures, ``draws``, ``candidates``, ``disclaimer``)."""

    def __init__(self, plan_text: str, result_json: str, source: Plan) -> None:
        self.plan_text = plan_text
        self._result = result_json
        self.plan = Plan(plan_text, format=source.format, name=source.name)

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(self._result)

    def __repr__(self) -> str:
        result = self.to_dict()
        return (
            f"OptimiseProposal(every {result['interval_days']:.0f} days from day "
            f"{result['next_day']:g}, expected loss {result['expected_loss']:.3f})"
        )


def optimise(
    plan: PlanLike,
    observations: Optional[PathLike] = None,
    *,
    severity_target: Optional[float] = None,
    severity_share: float = 0.8,
    volume_floor: Optional[float] = None,
    slimming_target: Optional[float] = None,
    units_weight: float = 0.0,
    antibody_weight: float = 0.0,
    horizon_days: int = 365,
    seed: int = 1,
    draws: int = 1000,
    prior_weight: float = 1.0,
) -> OptimiseProposal:
    """Choose the next dose and interval over the patient's posterior (``bontsim optimise
    PLAN [--observations OBS] [--severity-target G] [--severity-share F] [--volume-floor F]
    [--slimming-target F] [--units-weight W] [--antibody-weight W] [--horizon-days N]
    [--seed S] [--draws N] [--prior-weight W]``). At least one of ``severity_target``,
    ``volume_floor`` and ``slimming_target`` is required. ``observations`` as in :func:`fit`.
    Bad values raise ``ValueError`` naming the argument. Runs with the interpreter released;
    Ctrl-C is raised when the search ends.
    """
    plan = _plan(plan)
    text, name = _observations(observations)
    plan_text, result_json = _bontsim.optimise(
        plan._native,
        text,
        name,
        seed=seed,
        draws=draws,
        prior_weight=prior_weight,
        severity_target=severity_target,
        severity_share=severity_share,
        volume_floor=volume_floor,
        slimming_target=slimming_target,
        units_weight=units_weight,
        antibody_weight=antibody_weight,
        horizon_days=horizon_days,
    )
    return OptimiseProposal(plan_text, result_json, plan)


def muscles():
    """The muscles bontsim knows (``bontsim muscles``), one row each."""
    return _pandas().DataFrame(_bontsim.muscles())


def products():
    """The products and their potency relative to onabotulinumtoxinA (``bontsim products``)."""
    return _pandas().DataFrame(_bontsim.products())


def __getattr__(name: str):
    # The plot helpers import matplotlib only when first asked for.
    if name in ("plot_muscles", "plot_face", "plot_responders", "plot_durations"):
        from . import plotting

        return getattr(plotting, name)
    raise AttributeError(f"module 'bontsim' has no attribute {name!r}")
