"""Virtual trials on a Dask cluster: the trial's patients split into shards, one task per
shard on the cluster's workers (each runs its shard on all the cores it has), the partial
results merged here. The merged summary is byte for byte the one a single
``bontsim trial`` with the same seed writes: shards draw the same patients, and the merge
adds the same counts in patient order (docs/distributed.md).
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Union

from . import Plan, PlanLike, TrialPartial, TrialSummary, _plans
from . import trial as _trial
from . import trial_merge

__all__ = ["trial", "run_shard"]


def run_shard(
    plans: Sequence[Plan],
    patients: int,
    seed: int,
    index: int,
    count: int,
    responder: str = "none_or_mild",
    days: Optional[int] = None,
    atrophy_days: Iterable[int] = (),
    threads: Optional[int] = None,
) -> TrialPartial:
    """Shard ``index`` of ``count`` of a trial, on this machine (the task a worker runs)."""
    partial = _trial(
        list(plans),
        patients,
        seed,
        responder,
        days=days,
        atrophy_days=list(atrophy_days),
        shard=(index, count),
        progress=False,
        threads=threads,
    )
    assert isinstance(partial, TrialPartial)
    return partial


def trial(
    plans: Union[PlanLike, Sequence[PlanLike]],
    patients: int,
    seed: int,
    client,
    *,
    shards: Optional[int] = None,
    responder: str = "none_or_mild",
    days: Optional[int] = None,
    atrophy_days: Iterable[int] = (),
    threads: Optional[int] = None,
) -> TrialSummary:
    """Run a virtual trial on the workers of a ``distributed.Client``.

    ``shards``: how many tasks the patients are split into (default: one per worker; more
    shards balance uneven workers). ``threads``: worker threads per shard (default: all the
    cores of the worker's machine). Plans travel to the workers as their text. Returns the
    merged :class:`bontsim.TrialSummary`; a worker's error is raised here.
    """
    arms = _plans(plans)
    if shards is None:
        shards = max(1, len(client.scheduler_info()["workers"]))
    if shards < 1:
        raise ValueError(f"shards: must be at least 1, got {shards}")
    futures = [
        client.submit(
            run_shard,
            arms,
            patients,
            seed,
            index,
            shards,
            responder,
            days,
            list(atrophy_days),
            threads,
            pure=False,
            key=f"bontsim-shard-{index}-of-{shards}-{seed}-{id(arms)}",
        )
        for index in range(1, shards + 1)
    ]
    partials = client.gather(futures)
    return trial_merge(partials)
