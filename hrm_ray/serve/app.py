"""The Serve application: `serve run serve_configs/local.yaml`, `serve deploy`, or `hrm serve`.

The YAML names `import_path: hrm_ray.serve.app:build_app` and passes `args` (settings.AppSettings). One
TaskModel deployment is bound per task that has a model in the registry, plus the encoder, and all of them
into the ingress. A task model's deployment options (replicas, autoscaling, CPUs/GPUs, user_config) come from
its kind's entry in `args.kind_deployments`; the YAML's `deployments` list overrides any deployment by name
(a task's name, `encoder`, `Api`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from ray.serve import Application

from hrm_ray.registry import LATEST_FILE
from hrm_ray.serve.encoder import Encoder
from hrm_ray.serve.ingress import Api
from hrm_ray.serve.settings import AppSettings, KindDeployment, check_kinds, served_tasks
from hrm_ray.serve.task_model import TaskModel
from hrm_ray.tasks import get_task

logger = logging.getLogger("ray.serve")


def build_app(args: dict) -> Application:
    settings = AppSettings(**(args or {}))
    root = Path(settings.models_root).expanduser().resolve()  # replicas may start in another folder
    settings.models_root = str(root)
    check_kinds(settings)
    models = {}
    for task in served_tasks(settings):
        kind = get_task(task).kind  # an unknown task in the YAML fails the deploy, named
        if not (root / task / LATEST_FILE).is_file():
            logger.info("no %s model under %s: not serving it (train one with `hrm train %s`)", task, root, task)
            continue
        options = settings.kind_deployments.get(kind, KindDeployment()).options()
        models[task] = TaskModel.options(name=task, **options).bind(task, str(root), settings.device, settings.torch_threads)
    if not models:
        raise ValueError(f"no trained model under {root} for any of {served_tasks(settings)}; run `hrm train TASK` first")
    encoder = Encoder.options(name="encoder").bind(settings.encoder, settings.device, settings.torch_threads)
    return Api.bind(models, encoder, settings.model_dump())
