"""A trial on a Dask cluster of three worker processes merges into the single run's summary,
byte for byte, and the command line's."""

import pytest

import bontsim

distributed = pytest.importorskip("distributed")

PLANS = ["examples/glabella_20u_every_4_months.toml", "examples/masseter_25u_every_3_months.toml"]


def test_a_dask_local_cluster_trial_equals_the_single_run(cli, tmp_path):
    import bontsim.distributed

    with distributed.LocalCluster(
        n_workers=3, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 3
        merged = bontsim.distributed.trial(PLANS, 500, 11, client, days=400, threads=1)
        uneven = bontsim.distributed.trial(PLANS, 500, 11, client, days=400, shards=7, threads=1)
    single = bontsim.trial(PLANS, patients=500, seed=11, days=400, progress=False)
    assert merged.summary_json == single.summary_json
    assert uneven.summary_json == single.summary_json
    cli("trial", *PLANS, "--patients", "500", "--seed", "11", "--days", "400", "-o", str(tmp_path / "t"))
    assert merged.summary_json == (tmp_path / "t" / "summary.json").read_text()
