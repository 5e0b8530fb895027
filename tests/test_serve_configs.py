"""The Serve YAMLs: valid for `serve deploy` and as a RayService serveConfigV2, and what `hrm serve` adds."""

from pathlib import Path

import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from hrm_ray.cli import main
from hrm_ray.config import ConfigError
from hrm_ray.serve.config_file import gpu_deployments, local_config, read_serve_config
from hrm_ray.serve.settings import AppSettings, ModelSettings

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "serve_configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_serve_config_is_a_valid_deploy_config_with_valid_settings(path):
    config = yaml.safe_load(path.read_text())
    ServeDeploySchema.model_validate(config)  # what `serve deploy` and KubeRay's serveConfigV2 accept
    app = config["applications"][0]
    assert app["import_path"] == "hrm_ray.serve.app:build_app"
    AppSettings(**app["args"])
    names = {d["name"] for d in app["deployments"]}
    assert {"Api", "encoder", "screening", "sentiment", "attrition", "performance"} == names
    for deployment in app["deployments"]:
        if "user_config" in deployment:
            settings = ModelSettings(**deployment["user_config"])
            # Serve caps a batch at max_ongoing_requests: it must not be below the batch size.
            assert deployment["max_ongoing_requests"] >= settings.max_batch_size


def test_local_config_keeps_only_trained_tasks_and_puts_the_token_in_the_ingress_env(tmp_path):
    for task in ("sentiment", "attrition"):
        (tmp_path / task).mkdir()
        (tmp_path / task / "LATEST").write_text("v1")
    config = local_config(read_serve_config(CONFIGS[-1].parent / "local.yaml"), str(tmp_path), api_token="t0k")
    app = config["applications"][0]
    assert app["args"]["models_root"] == str(tmp_path.resolve())
    names = [d["name"] for d in app["deployments"]]
    assert "sentiment" in names and "attrition" in names
    assert "screening" not in names and "encoder" not in names and "performance" not in names
    ingress = next(d for d in app["deployments"] if d["name"] == "Api")
    assert ingress["ray_actor_options"]["runtime_env"]["env_vars"]["HRM_API_TOKEN"] == "t0k"
    ServeDeploySchema.model_validate(config)


def test_a_config_without_models_or_applications_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no trained model"):
        local_config(read_serve_config(CONFIGS[-1].parent / "local.yaml"), str(tmp_path))
    bad = tmp_path / "bad.yaml"
    bad.write_text("http_options: {port: 8000}\n")
    with pytest.raises(ConfigError, match="applications"):
        read_serve_config(bad)
    with pytest.raises(ConfigError, match="not found"):
        read_serve_config(tmp_path / "missing.yaml")


def test_a_gpu_config_where_ray_would_start_without_gpus_is_a_clear_error(tmp_path, monkeypatch, capsys):
    serve_configs = CONFIGS[-1].parent
    assert gpu_deployments(read_serve_config(serve_configs / "local.yaml")) == []
    assert gpu_deployments(read_serve_config(serve_configs / "gpu.yaml")) == ["encoder", "screening", "sentiment"]
    (tmp_path / "sentiment").mkdir()
    (tmp_path / "sentiment" / "LATEST").write_text("v1")
    monkeypatch.setattr("hrm_ray.ray_session.running_cluster", lambda: None)  # no cluster to join
    monkeypatch.setattr("torch.cuda.device_count", lambda: 0)
    code = main(["serve", "--config", str(serve_configs / "gpu.yaml"), "--models", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "puts sentiment on GPUs and this machine has none" in err, err
