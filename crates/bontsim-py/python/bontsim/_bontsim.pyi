"""Type stubs of the native layer ``bontsim._bontsim`` (Rust, PyO3). Use the ``bontsim``
package's functions; these are the thin calls underneath."""

from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

__version__: str
MODEL_VERSION: str
DISCLAIMER: str

class PlanError(ValueError):
    """A plan that is not valid; ``errors`` holds (line, field, message) tuples."""

    errors: List[Tuple[Optional[int], str, str]]

class NativePlan:
    name: str
    text: str
    format: str
    warnings: List[str]
    extent: str
    sha256: str
    def __init__(self, text: str, format: str, name: str, with_lines: bool = True) -> None: ...

class NativeReport:
    days: int
    warnings: List[str]
    def json(self, pretty: bool = True) -> str: ...
    def csv(self) -> str: ...

def simulate(
    plan: NativePlan, days: Optional[int] = None, face_days: Sequence[int] = ...
) -> NativeReport: ...
def trial(
    plans: Sequence[NativePlan],
    patients: int,
    seed: int,
    responder: str,
    days: Optional[int] = None,
    atrophy_days: Sequence[int] = ...,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    progress: Optional[Callable[[int, int], object]] = None,
) -> Union[Dict[str, str], bytes]: ...
def trial_merge(partials: Sequence[Tuple[str, bytes]]) -> Dict[str, str]: ...
def sensitivity(
    plan: NativePlan,
    samples: int,
    seed: int,
    days: Optional[int] = None,
    mass_day: int = 180,
    progress: Optional[Callable[[int, int], object]] = None,
) -> Tuple[str, str]: ...
def plan_symmetry(
    plan: NativePlan,
    max_units: float = 50.0,
    horizon_days: int = 180,
    synkinesis: bool = False,
    day: float = 0.0,
    product: str = "onabotulinumtoxinA",
    max_per_muscle: Optional[float] = None,
    step_units: float = 2.5,
    min_expressivity: float = ...,
) -> Tuple[str, List[str]]: ...

class NativeFit:
    def json(self) -> str: ...
    def draws_csv(self) -> str: ...
    def bands_csv(self) -> str: ...

def fit(
    plan: NativePlan,
    observations: Optional[str] = None,
    observations_name: str = "<observations>",
    seed: int = 1,
    draws: int = 1000,
    prior_weight: float = 1.0,
    sequential: bool = True,
    days: Optional[int] = None,
) -> NativeFit: ...
def optimise(
    plan: NativePlan,
    observations: Optional[str] = None,
    observations_name: str = "<observations>",
    seed: int = 1,
    draws: int = 1000,
    prior_weight: float = 1.0,
    severity_target: Optional[float] = None,
    severity_share: float = 0.8,
    volume_floor: Optional[float] = None,
    slimming_target: Optional[float] = None,
    units_weight: float = 0.0,
    antibody_weight: float = 0.0,
    horizon_days: int = 365,
) -> Tuple[str, str]: ...
def muscles() -> List[Dict[str, object]]: ...
def products() -> List[Dict[str, object]]: ...
