"""Shared fixtures: the real data folder, one Ray instance, and small models trained once for the whole test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# The suite's environment, here so that a plain `pytest` runs as `make test` does (the Makefile exports the
# same values). Set at import, before any test module imports ray, transformers or deepspeed, which read
# these when they load; a value already in the environment wins.
SUITE_ENV = {
    "HF_HUB_OFFLINE": "1",  # models come from packages or folders, never from the network
    "DS_BUILD_OPS": "0",  # DeepSpeed compiles its ops on first use instead of at install
    "RAY_AUTH_MODE": "token",  # Ray 2.60 clusters started by our scripts have token auth on
}
for _name, _value in SUITE_ENV.items():
    os.environ.setdefault(_name, _value)

import pytest  # noqa: E402  (after the environment: nothing it loads may read these first)

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items):
    """The tests of the deployed app (the `service` fixture, directly or through another) run last, in their
    own order: once deployed, the app stays up for the session and its idle replicas take a share of the 2
    cores from every test that trains after them."""
    items.sort(key=lambda item: "service" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real HR data (HRM_DATA_DIR, which .ci/run sets to ../shared/data)."""
    path = Path(os.environ.get("HRM_DATA_DIR", REPO.parent / "shared" / "data")).resolve()
    if not path.is_dir():
        pytest.fail(f"real data folder not found: {path}; set HRM_DATA_DIR")
    return path


@pytest.fixture(scope="session")
def ray_session():
    """Start Ray once (5-7 s); every test that trains or predicts shares it."""
    import ray

    from hrm_ray.ray_session import set_train_driver_env, start_local_ray

    set_train_driver_env()  # as hrm_ray.ray_session.ensure_ray does
    # Logical CPUs above the 2 real ones: the Serve app of the serving tests stays up (idle, ~1 CPU of
    # reservations) while later tests train with 2 workers x 1 CPU. A fresh instance even while
    # tests/test_cluster.py's cluster runs beside it, its processes told which one is theirs.
    start_local_ray(num_cpus=max(4, os.cpu_count() or 2), include_dashboard=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def registry(tmp_path) -> Path:
    return tmp_path / "models"


# ---- small models, each trained once a session: by the end-to-end tests, the served app and the UI ----

def small_config(task, data_dir, registry, **extra):
    """A fine-tuning run of the task's small profile (Task.profiles["small"]), 2 workers, ZeRO-2. Early stopping
    off: on a tiny slice the validation metric is noise, and the tests want every epoch's loss. 200 validation
    rows: sentiment's full validation split (1,025 reviews) took 20 s of every epoch."""
    from hrm_ray.config import TrainConfig
    from hrm_ray.tasks import get_task

    values = dict(task=task, learner="transformer", data_dir=str(data_dir), output=str(registry), num_workers=2,
                  deepspeed=2, batch_size=8, early_stopping_patience=100, max_eval_samples=200)
    values.update(get_task(task).profiles.get("small", {}))
    values.update(extra)
    return TrainConfig(**values)


@pytest.fixture(scope="session")
def small_models(ray_session, data_dir, tmp_path_factory):
    """task -> its small fine-tuned model's folder, trained by the first test that asks (`.registry`: theirs)."""
    from hrm_ray.train.run import train

    registry = tmp_path_factory.mktemp("small") / "models"
    trained: dict[str, Path] = {}

    def model_dir(task: str) -> Path:
        if task not in trained:
            trained[task] = Path(train(small_config(task, data_dir, registry)))
        return trained[task]

    model_dir.registry = registry
    return model_dir


def served_tasks() -> list[str]:
    from hrm_ray.tasks import TASKS

    return list(TASKS)


@pytest.fixture(scope="session")
def serve_registry(small_models, data_dir, tmp_path_factory) -> Path:
    """A registry with a model of every task, as `hrm train` leaves them, each by the task's default learner:
    copies of the small fine-tuned models where that is the transformer, else the learner (trees, TF-IDF, CRF)
    fitted on the task's small profile."""
    from hrm_ray.config import TrainConfig
    from hrm_ray.registry import publish
    from hrm_ray.tasks import get_task
    from hrm_ray.train.run import train

    registry = tmp_path_factory.mktemp("serve") / "models"
    for task in served_tasks():
        spec = get_task(task)
        if spec.default_learner == "transformer":
            staged = tmp_path_factory.mktemp("staged") / task
            shutil.copytree(small_models(task), staged)
            publish(staged, str(registry), task, small_models(task).name)
            continue
        small = {k: v for k, v in spec.profiles.get("small", {}).items() if k in ("max_train_samples", "max_eval_samples")}
        config = TrainConfig(task=task, learner=spec.default_learner, data_dir=str(data_dir), output=str(registry), **small)
        if config.learner == "xgboost":
            config.max_train_samples = None  # trees on the whole table take seconds
            config.xgboost.num_boost_round = 40
        train(config)
    return registry


class Service:
    """The deployed app: `hrm serve --non-blocking` into the session's Ray, as a user would run it."""

    def __init__(self, ray_session, registry: Path):
        from hrm_ray.ray_session import free_port

        self.gcs = ray_session.get_runtime_context().gcs_address
        self.registry = registry
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.deployed: tuple[dict, str | None] | None = None  # the config and token now live

    def deploy(self, config: dict | None = None, token: str | None = None) -> None:
        from hrm_ray.serve.launch import deploy, wait_until_serving

        config = config or serve_config()
        self.deployed = None  # unknown until the deployment is up (a failed one leaves it unknown)
        deploy(config, self.registry, self.port, self.gcs, token)
        wait_until_serving(self.url, len(served_tasks()), token)
        self.deployed = (config, token)

    def ensure_default(self) -> None:
        """Deploy serve_configs/local.yaml without a token again, unless that is what is live."""
        if self.deployed != (serve_config(), None):
            self.deploy()

    def headers(self, token: str | None) -> dict:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, token: str | None = None):
        import requests

        return requests.get(self.url + path, headers=self.headers(token), timeout=60)

    def post(self, path: str, body=None, token: str | None = None, **kwargs):
        import requests

        return requests.post(self.url + path, json=body, headers=self.headers(token), timeout=120, **kwargs)


def serve_config() -> dict:
    import yaml

    return yaml.safe_load((REPO / "serve_configs" / "local.yaml").read_text())


@pytest.fixture(scope="session")
def service(ray_session, serve_registry):
    from ray import serve

    service = Service(ray_session, serve_registry)
    service.deploy()
    yield service
    serve.shutdown()


@pytest.fixture(autouse=True)
def default_app(request):
    """Every test of the deployed app starts from the app as serve_configs/local.yaml deploys it, whatever an
    earlier test left live (a swapped version, a token, a failure half-way), so none depends on test order."""
    if "service" in request.fixturenames:
        request.getfixturevalue("service").ensure_default()
