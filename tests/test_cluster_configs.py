"""cluster/: the KubeRay manifests (current, complete, carrying the Serve config) and the launcher YAML."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
KUBERAY = REPO / "cluster" / "kuberay"
MANIFESTS = {"raycluster.yaml": "RayCluster", "rayjob-finetune.yaml": "RayJob", "rayservice.yaml": "RayService"}


def manifest(name: str) -> dict:
    return yaml.safe_load((KUBERAY / name).read_text())


def cluster_spec_of(document: dict) -> dict:
    spec = document["spec"]
    return {"RayCluster": spec, "RayJob": spec.get("rayClusterSpec"),
            "RayService": spec.get("rayClusterConfig")}[document["kind"]]


def test_the_committed_manifests_are_what_render_writes_from_their_sources():
    check = subprocess.run([sys.executable, str(KUBERAY / "render.py"), "--check"], text=True, capture_output=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("name,kind", MANIFESTS.items())
def test_every_manifest_has_the_fields_kuberay_requires(name, kind):
    document = manifest(name)
    assert document["apiVersion"] == "ray.io/v1"
    assert document["kind"] == kind
    assert document["metadata"]["name"]
    spec = cluster_spec_of(document)
    assert spec["rayVersion"] == "2.60.0"
    assert spec["authOptions"] == {"mode": "token"}
    head = spec["headGroupSpec"]
    assert isinstance(head["rayStartParams"], dict)
    containers = head["template"]["spec"]["containers"]
    assert containers and all(c["name"] and c["image"] for c in containers)
    assert spec["workerGroupSpecs"]
    for group in spec["workerGroupSpecs"]:
        assert group["groupName"] and isinstance(group["rayStartParams"], dict)
        assert group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]
        (worker,) = group["template"]["spec"]["containers"]
        assert worker["resources"]["limits"]["nvidia.com/gpu"] == "1"
        mounted = {m["name"] for m in worker["volumeMounts"]}
        assert mounted <= {v["name"] for v in group["template"]["spec"]["volumes"]}
        env = {e["name"]: e for e in worker["env"]}
        assert env["HF_HUB_OFFLINE"]["value"] == "1"  # nothing downloads weights on the cluster either
        assert env["HRM_API_TOKEN"]["valueFrom"]["secretKeyRef"]["name"]


def test_the_rayservice_carries_the_current_gpu_serve_config():
    service = manifest("rayservice.yaml")
    current = yaml.safe_load((REPO / "serve_configs" / "gpu.yaml").read_text())
    assert yaml.safe_load(service["spec"]["serveConfigV2"]) == current
    from ray.serve.schema import ServeDeploySchema

    ServeDeploySchema.model_validate(yaml.safe_load(service["spec"]["serveConfigV2"]))


def test_the_rayjob_entrypoint_is_a_valid_finetune_command():
    from hrm_ray.cli import add_train_arguments, config_from_args

    job = manifest("rayjob-finetune.yaml")["spec"]
    assert job["shutdownAfterJobFinishes"] is True
    command = shlex.split(job["entrypoint"])
    assert command[:2] == ["python", "/app/jobs/finetune.py"]
    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    config = config_from_args(parser.parse_args(command[2:]))
    assert config.use_gpu and config.output == "/mnt/models" and config.data_dir == "/mnt/hr-data"


def test_the_cluster_launcher_config_is_valid_for_ray_up():
    from ray.autoscaler._private.util import prepare_config, validate_config

    config = yaml.safe_load((REPO / "cluster" / "gpu-cluster.yaml").read_text())
    validate_config(prepare_config(config))  # Ray's own schema for `ray up`
    assert config["head_node_type"] in config["available_node_types"]
    starts = config["head_start_ray_commands"] + config["worker_start_ray_commands"]
    assert all("RAY_AUTH_MODE=token" in c for c in starts if "ray start" in c)
    assert "~/.ray/auth_token" in config["file_mounts"]
