"""A real 2-node Ray cluster on this machine (cluster/local.sh, token auth on), used the way users use one:
`ray job submit` of a fine-tune, `hrm tune` joining it through RAY_ADDRESS (interrupted and resumed), and
`jobs/batch_predict.py` as a job over a real HR table. About 3 minutes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hrm_ray.ray_session import free_port

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
IBM = "ibm_hr_attrition/WA_Fn-UseC_-HR-Employee-Attrition.csv"

pytestmark = pytest.mark.slow


class LocalCluster:
    def __init__(self, home: Path):
        # Short: Ray keeps its sockets under this folder, and socket paths are limited to 107 characters.
        self.dir = f"/tmp/hrm-test-{uuid.uuid4().hex[:6]}"
        self.port, self.dashboard = free_port(), free_port()
        # A new, empty HOME: the fresh machine, with no ~/.ray/auth_token yet, is the path CI checks. Every
        # process of the test (nodes, `ray job submit`, drivers) reads its token from there.
        self.home = home
        self.env = {
            **os.environ,
            "HOME": str(home),
            "PATH": f"{BIN}:{os.environ['PATH']}",  # the nodes' `python` (job entrypoints) is this venv's
            "RAY_AUTH_MODE": "token",
            "HF_HUB_OFFLINE": "1",
            "HRM_CLUSTER_DIR": self.dir,
            "HRM_HEAD_PORT": str(self.port),
            "HRM_DASHBOARD_PORT": str(self.dashboard),
            "HRM_WORKERS": "1",
            "HRM_NODE_CPUS": "2",
        }
        for name in ("RAY_ADDRESS", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):  # nothing of the real home's Ray
            self.env.pop(name, None)

    def script(self, action: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(REPO / "cluster" / "local.sh"), action], env=self.env, text=True,
                              capture_output=True, timeout=180)

    def driver_env(self) -> dict:
        return {**self.env, "RAY_ADDRESS": f"127.0.0.1:{self.port}"}

    def submit(self, *entrypoint: str, timeout: int = 420) -> subprocess.CompletedProcess:
        command = [str(BIN / "ray"), "job", "submit", "--address", f"http://127.0.0.1:{self.dashboard}",
                   "--working-dir", str(REPO), "--", *entrypoint]
        return subprocess.run(command, env=self.env, cwd=REPO, text=True, capture_output=True, timeout=timeout)

    def processes(self) -> list[str]:
        listing = subprocess.run(["ps", "-eo", "args"], text=True, capture_output=True).stdout
        return [line for line in listing.splitlines() if self.dir in line]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = LocalCluster(home=tmp_path_factory.mktemp("home"))
    token = cluster.home / ".ray" / "auth_token"
    assert not token.exists()
    started = cluster.script("up")
    assert started.returncode == 0, started.stdout + started.stderr
    assert "1 head + 1 worker node(s)" in started.stdout
    # No token on this "machine": `up` made one where Ray's clients look, and said so.
    assert f"created a Ray auth token in {token}" in started.stdout, started.stdout
    assert token.is_file() and token.read_text().strip(), "no token in the new HOME"
    yield cluster
    stopped = cluster.script("down")
    assert stopped.returncode == 0, stopped.stderr
    assert cluster.processes() == [], "cluster processes left after local.sh down"
    shutil.rmtree(cluster.dir, ignore_errors=True)


def test_the_cluster_refuses_clients_without_the_token(cluster):
    env = {**cluster.env, "RAY_AUTH_MODE": "disabled"}
    status = subprocess.run([str(BIN / "ray"), "job", "list", "--address", f"http://127.0.0.1:{cluster.dashboard}"],
                            env=env, text=True, capture_output=True, timeout=60)
    assert status.returncode != 0
    assert "auth" in (status.stdout + status.stderr).lower()


def test_a_finetune_job_submitted_to_the_cluster_registers_a_model(cluster, data_dir, tmp_path):
    models = tmp_path / "models"
    # 2 workers x 2 CPUs on nodes of 2 CPUs each: one worker per node, so gloo really crosses nodes.
    job = cluster.submit(
        "python", "jobs/finetune.py", "performance", "--learner", "transformer", "--data-dir", str(data_dir),
        "--output", str(models), "--num-workers", "2", "--max-train-samples", "120", "--max-length", "64",
        "--epochs", "1", "--batch-size", "8", "--set", "cpus_per_worker=2", "--set", "fast_path_check=false",
    )
    assert job.returncode == 0, job.stdout[-3000:] + job.stderr[-3000:]
    assert "succeeded" in job.stdout + job.stderr
    version = (models / "performance" / "LATEST").read_text().strip()
    model_dir = models / "performance" / version
    assert json.loads((model_dir / "metrics.json").read_text())["n"] > 0
    assert yaml.safe_load((model_dir / "hrm_config.yaml").read_text())["num_workers"] == 2


TINY_SPACE = {
    "xgboost.max_depth": {"choice": [2, 4]},
    "xgboost.eta": {"loguniform": [0.05, 0.3]},
    "xgboost.num_boost_round": {"choice": [50, 100]},
}


def test_an_interrupted_search_resumes_and_registers_its_best_trial(cluster, data_dir, tmp_path):
    models, space = tmp_path / "models", tmp_path / "space.yaml"
    space.write_text(yaml.safe_dump(TINY_SPACE))
    command = [str(BIN / "hrm"), "tune", "attrition", "--data-dir", str(data_dir), "--output", str(models),
               "--space", str(space), "--num-samples", "3", "--max-concurrent", "1"]
    search = subprocess.Popen(command, env=cluster.driver_env(), text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    # Interrupt once Tune says the first trial completed (its last report alone is not enough: a trial
    # interrupted between its final report and its end is, rightly, run again).
    seen = []
    for line in search.stdout:
        seen.append(line)
        if "completed after" in line:
            break
    assert search.poll() is None, "the search ended before it could be interrupted:\n" + "".join(seen)[-3000:]
    search.send_signal(signal.SIGINT)
    interrupted_output = "".join(seen) + search.communicate(timeout=120)[0]
    assert search.returncode == 2, interrupted_output[-3000:]
    assert "interrupted; run the same command with --resume" in interrupted_output
    assert not (models / "attrition").exists(), "an interrupted search must not register a model"
    (experiment,) = [p for p in models.glob(".tune/*") if p.is_dir()]
    completed = seen[-1].split("Trial ", 1)[1].split()[0]  # "Trial run_trial_x_00000 completed after ..."
    finished_first = list(experiment.glob(f"{completed}_*/result.json"))
    assert len(finished_first) == 1 and '"final": 1' in finished_first[0].read_text()

    resumed = subprocess.run([*command, "--resume"], env=cluster.driver_env(), text=True, capture_output=True,
                             timeout=420)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert f"resuming search {experiment}" in resumed.stdout
    for result_file in finished_first:  # a finished trial is kept, not run again
        assert result_file.read_text().count('"final": 1') == 1

    table = pd.read_csv(experiment / "results.csv")
    assert len(table) == 3
    assert set(table["status"]) <= {"finished", "stopped early"}
    assert (experiment / "curves.png").stat().st_size > 10_000
    # the search maximises validation ROC-AUC
    best = table[table["status"] == "finished"].sort_values("eval_roc_auc", ascending=False).iloc[0]
    registered = yaml.safe_load((models / "attrition" / "latest" / "hrm_config.yaml").read_text())["xgboost"]
    assert registered["max_depth"] == best["param.xgboost.max_depth"]
    assert registered["eta"] == pytest.approx(best["param.xgboost.eta"])
    assert registered["num_boost_round"] == best["param.xgboost.num_boost_round"]
    test_metrics = json.loads((models / "attrition" / "latest" / "metrics.json").read_text())
    assert test_metrics["roc_auc"] == pytest.approx(best["test_roc_auc"])


@pytest.fixture(scope="module")
def attrition_model(cluster, data_dir, tmp_path_factory) -> Path:
    """A small attrition model (40 trees) that `hrm train` registers from a driver on the cluster: what the
    batch-predict job scores with, made here so that test needs no other test to have run."""
    models = tmp_path_factory.mktemp("cluster-models") / "models"
    done = subprocess.run([str(BIN / "hrm"), "train", "attrition", "--learner", "xgboost", "--data-dir",
                           str(data_dir), "--output", str(models), "--set", "xgboost.num_boost_round=40"],
                          env=cluster.driver_env(), text=True, capture_output=True, timeout=420)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return models / "attrition"


def test_batch_predict_job_scores_every_row_of_a_real_table(cluster, attrition_model, data_dir, tmp_path):
    output = tmp_path / "scored"
    job = cluster.submit("python", "jobs/batch_predict.py", "attrition", "--model", str(attrition_model),
                         "--input", str(data_dir / IBM), "--output", str(output), "--batch-size", "200")
    assert job.returncode == 0, job.stdout[-3000:] + job.stderr[-3000:]
    scored = pd.read_parquet(output)
    source = pd.read_csv(data_dir / IBM, encoding="utf-8-sig")
    assert len(scored) == len(source)
    assert scored["error"].isna().all()
    assert set(scored["predicted_label"]) <= {"stays", "leaves"}
    assert scored["score"].between(0, 1).all()
    assert sorted(scored["EmployeeNumber"]) == sorted(source["EmployeeNumber"])  # each row once, none lost
    summary = json.loads([line for line in job.stdout.splitlines() if line.startswith('{"rows"')][-1])
    assert summary["rows"] == len(source) and summary["errors"] == 0
