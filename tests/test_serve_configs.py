"""The Serve YAMLs: valid for `serve deploy` and as a RayService serveConfigV2, and what `hrm serve` adds."""

from pathlib import Path

import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from hrm_ray.cli import main
from hrm_ray.config import ConfigError
from hrm_ray.kinds import KINDS
from hrm_ray.serve.config_file import gpu_deployments, local_config, read_serve_config
from hrm_ray.serve.settings import AppSettings, ModelSettings, check_kinds
from hrm_ray.tasks import TASKS, get_task

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "serve_configs").glob("*.yaml"))
LOCAL = CONFIGS[-1].parent / "local.yaml"


def assert_batches_fit(options: dict, where: str) -> None:
    # Serve caps a batch at max_ongoing_requests: it must not be below the batch size.
    batch = ModelSettings(**options.get("user_config", {})).max_batch_size
    assert options["max_ongoing_requests"] >= batch, f"{where}: max_ongoing_requests below max_batch_size {batch}"


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_serve_config_is_a_valid_deploy_config_with_valid_settings(path):
    config = yaml.safe_load(path.read_text())
    ServeDeploySchema.model_validate(config)  # what `serve deploy` and KubeRay's serveConfigV2 accept
    app = config["applications"][0]
    assert app["import_path"] == "hrm_ray.serve.app:build_app"
    settings = AppSettings(**app["args"])
    check_kinds(settings)
    assert set(settings.tasks) <= set(TASKS)  # [] serves every task of the registry
    # Every kind's task models get the options written for that kind, not a default for all.
    assert set(settings.kind_deployments) == set(KINDS)
    for kind, deployment in settings.kind_deployments.items():
        assert_batches_fit(deployment.options(), f"kind_deployments.{kind}")
    # A named entry overrides a deployment the app creates: the ingress, the encoder, or a task's model.
    names = {d["name"] for d in app["deployments"]}
    assert names <= {"Api", "encoder", *TASKS}, names - {"Api", "encoder", *TASKS}
    assert "Api" in names
    for deployment in app["deployments"]:
        if "user_config" in deployment:
            assert_batches_fit(deployment, deployment["name"])


def test_local_config_keeps_only_trained_tasks_and_puts_the_token_in_the_ingress_env(tmp_path):
    trained = ("sentiment", "attrition")
    for task in trained:
        (tmp_path / task).mkdir()
        (tmp_path / task / "LATEST").write_text("v1")
    # The YAML may override any task's deployment by name; Serve refuses an override for one the app does not
    # create, so the entries of tasks without a model go.
    written = read_serve_config(LOCAL)
    written["applications"][0]["deployments"] += [{"name": task, "max_ongoing_requests": 64} for task in TASKS]
    config = local_config(written, str(tmp_path), api_token="t0k")
    app = config["applications"][0]
    assert app["args"]["models_root"] == str(tmp_path.resolve())
    names = [d["name"] for d in app["deployments"]]
    assert sorted(names) == sorted(["Api", "encoder", *trained])  # the encoder is always bound
    ingress = next(d for d in app["deployments"] if d["name"] == "Api")
    assert ingress["ray_actor_options"]["runtime_env"]["env_vars"]["HRM_API_TOKEN"] == "t0k"
    ServeDeploySchema.model_validate(config)
    # A task with a model that the YAML does not serve is not deployed either: its entry goes too.
    written["applications"][0]["args"]["tasks"] = ["sentiment"]
    names = [d["name"] for d in local_config(written, str(tmp_path))["applications"][0]["deployments"]]
    assert sorted(names) == ["Api", "encoder", "sentiment"]


def test_a_config_without_models_or_applications_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no trained model"):
        local_config(read_serve_config(LOCAL), str(tmp_path))
    bad = tmp_path / "bad.yaml"
    bad.write_text("http_options: {port: 8000}\n")
    with pytest.raises(ConfigError, match="applications"):
        read_serve_config(bad)
    with pytest.raises(ConfigError, match="not found"):
        read_serve_config(tmp_path / "missing.yaml")


def test_a_gpu_config_where_ray_would_start_without_gpus_is_a_clear_error(tmp_path, monkeypatch, capsys):
    serve_configs = CONFIGS[-1].parent
    assert gpu_deployments(read_serve_config(LOCAL)) == []
    # The tables' trees stay on CPU.
    assert gpu_deployments(read_serve_config(serve_configs / "gpu.yaml")) == [
        "encoder", "the sequence_classification models", "the token_classification models"]
    (tmp_path / "sentiment").mkdir()
    (tmp_path / "sentiment" / "LATEST").write_text("v1")
    monkeypatch.setattr("hrm_ray.ray_session.running_cluster", lambda: None)  # no cluster to join
    monkeypatch.setattr("torch.cuda.device_count", lambda: 0)
    code = main(["serve", "--config", str(serve_configs / "gpu.yaml"), "--models", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "on GPUs and this machine has none" in err, err
    assert f"the {get_task('sentiment').kind} models" in err, err
