"""`hrm tune TASK`: search a task's hyperparameters with Ray Tune and register the best model.

Each trial is a full Ray Train run (hrm_ray.tune.trial); ASHA stops trials whose validation score trails
their peers' at the same epoch (or boosting round). Trials run side by side as far as the cluster's CPUs (and
GPUs) allow. The search lives in STORAGE/NAME: Ctrl-C or a lost driver leaves it resumable with `--resume`,
which keeps finished trials and continues the others from their last checkpoint.

Leaves: the best finished trial's model in the registry (chosen on the validation score, never the test
split), `results.csv` (one row per trial) and `curves.png` in the search folder.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import ray
import yaml
from ray import tune
from ray.tune.schedulers import ASHAScheduler, FIFOScheduler
from ray.tune.search.basic_variant import BasicVariantGenerator

from hrm_ray.config import ConfigError, TrainConfig
from hrm_ray.ray_session import cluster_capacity, copies_that_fit, ensure_ray
from hrm_ray.registry import is_remote, new_version, read_text, write_text
from hrm_ray.tasks import get_task
from hrm_ray.train.run import prepare, publish_checkpoint, run_name, worker_group_needs
from hrm_ray.tune.report import final_report, plot_curves, trial_table
from hrm_ray.tune.space import DEFAULT_SPACES, check_space, grid_points, largest_budget, objective, to_param_space
from hrm_ray.tune.trial import run_trial, trial_config

SEARCH_FILE = "hrm_search.yaml"  # what a search was started with; --resume reads it back
TABLE_FILE = "results.csv"
PLOT_FILE = "curves.png"
ROUNDS_PER_REPORT = 25  # XGBoost trials report their validation scores this often, for ASHA's rungs


class SearchError(RuntimeError):
    """The search ran but gave no model (every trial failed or stopped)."""


class SearchInterrupted(SearchError):
    """Stopped before every trial ended (Ctrl-C); its state is saved for --resume."""


@dataclass
class SearchSettings:
    num_samples: int = 8  # configurations drawn (each grid value counts once per sample)
    space: dict[str, Any] | None = None  # None: the learner's default (hrm_ray.tune.space)
    scheduler: str = "asha"  # asha | none (every trial runs its full budget: a grid search)
    grace_period: float | None = None  # ASHA's first rung; None: 1 epoch, or 2 reports of boosting rounds
    reduction_factor: int = 3  # 1 in 3 trials goes on at each rung (Hyperband's eta)
    max_concurrent: int | None = None  # None: as many as the cluster's resources hold
    trial_cpus: float = 0.5  # for the trial's own process; its Train workers take their own CPUs
    seed: int = 0  # for drawing configurations, and the order a grid is run in
    storage_path: str | None = None  # default: OUTPUT/.tune; on a multi-node cluster use shared storage


@dataclass
class SearchOutcome:
    name: str
    location: str  # the registered model folder
    best_trial: str
    best_params: dict[str, Any]
    metric: str
    mode: str  # max or min: which way the metric is better
    best_score: float
    time_attr: str
    budget_spent: float  # epochs (or boosting rounds) of every trial together
    trials: int
    table: Path
    plot: Path


def concurrent_trials(config: TrainConfig, settings: SearchSettings) -> int:
    """How many trials fit side by side on the cluster (as large as its autoscaler may grow it); an error naming
    the shortfall if not even one does."""
    resources = cluster_capacity()
    workers = worker_group_needs(config)
    cpus_per_trial = settings.trial_cpus + workers["CPU"]
    fits = copies_that_fit({**workers, "CPU": cpus_per_trial}, resources)
    if fits < 1:
        need = f"{cpus_per_trial:g} CPUs" + (f" and {config.num_workers} GPUs" if config.use_gpu else "")
        raise ConfigError(
            f"one trial needs {need} ({settings.trial_cpus:g} for the trial, {config.num_workers} worker(s) x "
            f"{config.cpus_per_worker} CPU), the cluster can hold at most {resources.get('CPU', 0):g} CPUs and "
            f"{resources.get('GPU', 0):g} GPUs; lower --num-workers or add nodes"
        )
    return min(fits, settings.max_concurrent or fits)


def _scheduler(settings: SearchSettings, config: TrainConfig, space: dict, time_attr: str, budget_key: str):
    if settings.scheduler == "none":
        return FIFOScheduler()
    if settings.scheduler != "asha":
        raise ConfigError(f"--scheduler must be asha or none, got {settings.scheduler!r}")
    default_budget = config.epochs if config.learner == "transformer" else config.xgboost.num_boost_round
    grace = settings.grace_period or (1 if config.learner == "transformer" else 2 * config.xgboost.report_every)
    # ASHA stops a trial once it reports max_t; past the largest budget, so that a trial still delivers its
    # final report (the trained model) after its last epoch instead of being stopped at it.
    max_t = largest_budget(space, budget_key, default_budget) + grace
    return ASHAScheduler(time_attr=time_attr, max_t=max_t, grace_period=grace,
                         reduction_factor=settings.reduction_factor)


def _search_root(config: TrainConfig, settings: SearchSettings) -> str:
    if settings.storage_path:
        return settings.storage_path
    if is_remote(config.output):
        raise ConfigError("--output is remote: give --storage-path (shared storage) for the search too")
    return str(Path(config.output) / ".tune")


def run_search(config: TrainConfig, settings: SearchSettings) -> SearchOutcome:
    resuming = config.resume
    if not resuming:
        prepare(config)
        if config.learner not in DEFAULT_SPACES:
            raise ConfigError(
                f"hrm tune searches the {' and '.join(DEFAULT_SPACES)} learners; {config.learner} chooses its own "
                f"settings on validation when it trains: `hrm train {config.task} --learner {config.learner}`")
        if config.learner == "xgboost" and not config.xgboost.report_every:
            config.xgboost.report_every = ROUNDS_PER_REPORT
        settings.space = settings.space or DEFAULT_SPACES[config.learner]
        check_space(settings.space, config)
    root = _search_root(config, settings)
    # Where the "last search of TASK" marker for --resume lives: beside the searches, or here for remote ones.
    marker_dir = Path(root) if not is_remote(root) else Path(tempfile.gettempdir()) / "hrm-tune"
    name = run_name(config, new_version(), marker_dir)
    experiment = f"{root.rstrip('/')}/{name}"
    if resuming:
        config, settings = _read_search(experiment)
    if settings.num_samples < 1:
        raise ConfigError(f"--num-samples must be at least 1, got {settings.num_samples}")
    chosen = objective(config, get_task(config.task).primary_metric)
    # A grid's combinations go in as preset points, in a seeded random order (space.grid_points). `expected`
    # is the search's trial count, for Tune and for the interrupted-search check after it.
    points = grid_points(settings.space, settings.num_samples, settings.seed)
    expected = len(points) or settings.num_samples
    ensure_ray()
    concurrency = concurrent_trials(config, settings)
    trainable = tune.with_resources(
        tune.with_parameters(run_trial, base=config.to_dict(), train_storage=experiment),
        {"CPU": settings.trial_cpus},
    )
    if resuming:
        if not tune.Tuner.can_restore(experiment):
            raise ConfigError(f"--resume: {experiment} holds no search to resume")
        print(f"[hrm] resuming search {experiment}", flush=True)
        tuner = tune.Tuner.restore(experiment, trainable, resume_unfinished=True, resume_errored=True)
    else:
        if not is_remote(experiment):
            Path(experiment).mkdir(parents=True, exist_ok=True)
        _write_search(experiment, config, settings)
        tuner = tune.Tuner(
            trainable,
            param_space=to_param_space(settings.space),
            tune_config=tune.TuneConfig(
                metric=chosen["metric"],
                mode=chosen["mode"],
                scheduler=_scheduler(settings, config, settings.space, chosen["time_attr"], chosen["budget_key"]),
                # The cap goes on the generator: Tune ignores max_concurrent_trials beside a given generator, and
                # Train workers are not in a trial's resources, so uncapped trials wait forever for them.
                search_alg=BasicVariantGenerator(random_state=settings.seed, max_concurrent=concurrency,
                                                 points_to_evaluate=points or None),
                num_samples=expected,
            ),
            run_config=tune.RunConfig(name=name, storage_path=root, verbose=1),
        )
    print(f"[hrm] searching {config.task} ({config.learner}): {settings.num_samples} sample(s), up to "
          f"{concurrency} trial(s) at a time, {settings.scheduler} scheduler; optimising {chosen['metric']} "
          f"({chosen['mode']}). Interrupted? `hrm tune {config.task} --resume` continues it.", flush=True)
    results = tuner.fit()
    # Ctrl-C makes Tune save its state and return early: a partial search registers nothing.
    if len(results) < expected or results.num_terminated + results.num_errors < len(results):
        raise SearchInterrupted(f"search {name} interrupted; run the same command with --resume to continue it")
    return _conclude(results, config, name, experiment, chosen, settings)


def _conclude(results, config: TrainConfig, name: str, experiment: str, chosen: dict,
              settings: SearchSettings) -> SearchOutcome:
    metric, mode, time_attr = chosen["metric"], chosen["mode"], chosen["time_attr"]
    histories, params, errors, checkpoints = {}, {}, {}, {}
    for result in results:
        trial_id = (result.metrics or {}).get("trial_id") or Path(result.path).name
        history = result.metrics_dataframe if result.metrics_dataframe is not None else pd.DataFrame()
        histories[trial_id] = history
        params[trial_id] = dict(result.config or {})
        if result.error:
            errors[trial_id] = str(result.error).strip().splitlines()[-1][:300]
        if (final := final_report(history)) is not None:
            checkpoints[trial_id] = final

    table = trial_table(histories, params, errors, metric, mode, time_attr)
    report_dir = Path(experiment) if not is_remote(experiment) else Path("tune-results") / name
    report_dir.mkdir(parents=True, exist_ok=True)
    table.to_csv(report_dir / TABLE_FILE, index=False)
    if not checkpoints:
        first_error = next(iter(errors.values()), "no trial reached its final model")
        raise SearchError(f"search {name}: no trial finished ({len(errors)} failed); first error: {first_error}")
    best_trial = (max if mode == "max" else min)(checkpoints, key=lambda t: checkpoints[t][metric])
    plot_curves(histories, metric, time_attr, best_trial, report_dir / PLOT_FILE,
                f"{config.task} ({config.learner}): {metric} by {time_attr}, {len(histories)} trials")

    best_config = trial_config(config.to_dict(), params[best_trial])
    best_config.resume = False
    location, test_metrics = publish_checkpoint(
        _checkpoint(checkpoints[best_trial]["checkpoint_path"], experiment), best_config, new_version()
    )
    if not settings.storage_path and not is_remote(experiment):
        # Trial checkpoints only matter for resuming; the best one is published, the table and plot stay.
        for train_run in Path(experiment).glob("train-*"):
            shutil.rmtree(train_run, ignore_errors=True)
    outcome = SearchOutcome(
        name=name, location=location, best_trial=best_trial, best_params=params[best_trial], metric=metric, mode=mode,
        best_score=float(checkpoints[best_trial][metric]), time_attr=time_attr,
        budget_spent=float(table[time_attr].sum()), trials=len(histories),
        table=report_dir / TABLE_FILE, plot=report_dir / PLOT_FILE,
    )
    primary = get_task(config.task).primary_metric
    print(f"[hrm] best trial {best_trial}: {metric} {outcome.best_score:.4f}, test {primary} "
          f"{test_metrics.get(primary):.4f}, params {outcome.best_params}", flush=True)
    print(f"[hrm] {outcome.trials} trials spent {outcome.budget_spent:g} {time_attr}s in all; "
          f"table {outcome.table}, plot {outcome.plot}", flush=True)
    print(f"[hrm] saved {location}", flush=True)
    return outcome


def _checkpoint(path: str, experiment: str) -> ray.train.Checkpoint:
    """The reported path is inside the search's storage; on object stores it comes without the scheme."""
    if not is_remote(experiment):
        return ray.train.Checkpoint(path)
    import pyarrow.fs

    filesystem, _ = pyarrow.fs.FileSystem.from_uri(experiment)
    return ray.train.Checkpoint(path, filesystem=filesystem)


def _write_search(experiment: str, config: TrainConfig, settings: SearchSettings) -> None:
    text = yaml.safe_dump({"config": config.to_dict(), "settings": dataclasses.asdict(settings)}, sort_keys=False)
    write_text(f"{experiment}/{SEARCH_FILE}", text)


def _read_search(experiment: str) -> tuple[TrainConfig, SearchSettings]:
    try:
        saved = yaml.safe_load(read_text(f"{experiment}/{SEARCH_FILE}"))
    except FileNotFoundError:
        raise ConfigError(f"--resume: {experiment} holds no search to resume") from None
    config = TrainConfig.from_dict(saved["config"])
    config.resume = False
    return config, SearchSettings(**saved["settings"])
