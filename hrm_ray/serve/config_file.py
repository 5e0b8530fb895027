"""Turn a Serve YAML of serve_configs/ into the config `hrm serve` deploys on this machine.

The YAML stays valid for `serve run`, `serve deploy` and a KubeRay RayService as it is; `hrm serve` adds
what only the local machine knows: the absolute registry path (replicas may start in another folder),
no deployment entry for a task that has no trained model yet (Serve refuses overrides for deployments
the app did not create), and the caller's HRM_API_TOKEN in the ingress's environment. It also refuses a
config whose replicas want GPUs where Ray would start on a machine without any.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import yaml

from hrm_ray.config import ConfigError
from hrm_ray.registry import LATEST_FILE
from hrm_ray.tasks import TASKS

BUILDER = "hrm_ray.serve.app:build_app"
INGRESS = "Api"


def read_serve_config(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"serve config not found: {path}")
    config = yaml.safe_load(path.read_text())
    if not isinstance(config, dict) or not isinstance(config.get("applications"), list):
        raise ConfigError(f"{path}: a Serve config needs an 'applications' list")
    return config


def local_config(config: dict, models_root: str | None = None, api_token: str | None = None) -> dict:
    config = copy.deepcopy(config)
    for application in config["applications"]:
        if application.get("import_path") != BUILDER:
            continue
        args = application.setdefault("args", {})
        root = Path(models_root or os.environ.get("HRM_MODELS") or args.get("models_root", "models")).expanduser()
        args["models_root"] = str(root.resolve())
        trained = {task for task in args.get("tasks") or TASKS if (root / task / LATEST_FILE).is_file()}
        if not trained:
            raise ConfigError(f"no trained model under {root}: run `hrm train TASK` first")
        kept = [d for d in application.get("deployments", []) if d["name"] not in TASKS or d["name"] in trained]
        application["deployments"] = kept
        if api_token:
            ingress = next((d for d in kept if d["name"] == INGRESS), None)
            if ingress is None:
                ingress = {"name": INGRESS}
                kept.append(ingress)
            env = ingress.setdefault("ray_actor_options", {}).setdefault("runtime_env", {}).setdefault("env_vars", {})
            env["HRM_API_TOKEN"] = api_token
    return config


def gpu_deployments(config: dict) -> list[str]:
    """What in a Serve config asks for GPUs: its named deployments, and `the KIND models` for each entry of
    `args.kind_deployments` that does (every task model of that kind)."""
    def wants_gpu(options: dict) -> bool:
        return (options.get("ray_actor_options") or {}).get("num_gpus", 0) > 0

    wanting = []
    for application in config["applications"]:
        wanting += [d["name"] for d in application.get("deployments", []) if wants_gpu(d)]
        kinds = (application.get("args") or {}).get("kind_deployments") or {}
        wanting += [f"the {kind} models" for kind, options in kinds.items() if wants_gpu(options)]
    return wanting


def check_gpus_here(config: dict, source: str, gpus_here: int) -> None:
    """Replicas that want GPUs on a Ray started here with none would wait to be scheduled for ever."""
    wanting = gpu_deployments(config)
    if wanting and gpus_here == 0:
        raise ConfigError(
            f"{source} puts {', '.join(wanting)} on GPUs and this machine has none: serve with "
            "serve_configs/local.yaml here, or from a Ray cluster with GPUs (RAY_ADDRESS)"
        )
