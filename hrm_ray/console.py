"""What `hrm` prints: its own progress lines and real errors by default; everything with --verbose.

The libraries underneath print a lot that is harmless but reads like trouble to a new user (a first
`hrm demo` printed ~235 lines, among them Ray's `core_worker ... E` lines and Hugging Face "MISSING weights"
reports). By default hrm hides the known-harmless part, each piece below by its source and message, with the
reason it is harmless; `--verbose` (or HRM_VERBOSE=1) shows everything as before. Ray's log files under
/tmp/ray/session_latest/logs keep what the console no longer shows.

Where each part is set up:
- this process (the driver): `configure_console`, called by the CLI before it imports the libraries;
- Ray's worker processes (Train controller and workers, Serve controller, proxy and replicas): their runtime_env
  carries `ray_worker_env` and `WORKER_SETUP_HOOK` (hrm_ray/ray_session.py), and a local Ray `local_ray_env`;
- Ray's, Ray Train's and Serve's own loggers: `ray_init_options`, `train_logging_config`, `quiet_serve_config`.
"""

from __future__ import annotations

import logging
import os
import re
import warnings

import ray

VERBOSE_ENV = "HRM_VERBOSE"  # "1": show everything; travels to subprocesses and Ray workers in the environment


def is_verbose() -> bool:
    return os.environ.get(VERBOSE_ENV) == "1"


def add_verbose_flag(parser) -> None:
    parser.add_argument("--verbose", action="store_true",
                        help="print everything Ray, Hugging Face and DeepSpeed print (default: hrm's progress and "
                             "errors, see hrm_ray/console.py)")


def configure_console(verbose: bool) -> None:
    """Set up this process's console; `verbose` (the --verbose flag) wins over a quiet environment."""
    if verbose:
        os.environ[VERBOSE_ENV] = "1"
    handler = logging.StreamHandler()
    handler.setFormatter(ConsoleFormatter())
    # Libraries log INFO for what they do routinely (httpx one line per request the UI makes, for one);
    # hrm's own INFO lines (what it dropped from the data, ...) always show.
    logging.basicConfig(level=logging.INFO if is_verbose() else logging.WARNING, handlers=[handler])
    logging.getLogger("hrm_ray").setLevel(logging.INFO)
    if not is_verbose():
        os.environ.update(PROGRESS_BARS_OFF)  # before transformers is imported: it reads this once
        hide_harmless_noise()


class ConsoleFormatter(logging.Formatter):
    """hrm's own log lines carry the [hrm] prefix; other libraries' lines their level and logger name, so that
    their warnings are not mistaken for hrm's."""

    hrm = logging.Formatter("[hrm] %(message)s")
    library = logging.Formatter("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return (self.hrm if record.name.partition(".")[0] == "hrm_ray" else self.library).format(record)


# Weight-loading and shard-writing bars of transformers / huggingface_hub: a local model loads in well under
# a second, so the bars only add lines (two per load, in every worker and replica).
PROGRESS_BARS_OFF = {"HF_HUB_DISABLE_PROGRESS_BARS": "1"}


def ray_worker_env() -> dict[str, str]:
    """Environment for Ray's worker processes (runtime_env env_vars), so that they are as quiet as this one."""
    return {VERBOSE_ENV: "1"} if is_verbose() else dict(PROGRESS_BARS_OFF)


# Ray runs this in every worker process of a job whose runtime_env names it (hrm_ray/ray_session.py), before
# any task or actor: the message filters below then hold in Train's and Serve's workers too.
WORKER_SETUP_HOOK = "hrm_ray.console.hide_harmless_noise"


def local_ray_env() -> dict[str, str]:
    """Settings for a Ray that hrm starts on this machine, set before it starts so that every process of it
    inherits them (Train runs, and the jobs of the UI's Train tab)."""
    if is_verbose():
        return {}
    # Ray Train's preemption watcher polls for nodes being drained (spot instances, a downscaling autoscaler)
    # and logs it; one local node is never drained. Creating the watcher's actor logs, on every run, a C++
    # error line that is harmless: "core_worker.cc ... E ... Actor with class name: 'PreemptionWatcher' ...
    # has constructor arguments in the object store and max_restarts > 0". (RAY_BACKEND_LOG_LEVEL, which hides
    # it too, makes every worker print one "Set ray log level from environment variable" line instead.)
    return {"RAY_TRAIN_ENABLE_PREEMPTION_WATCHER": "0"}


def ray_init_options() -> dict:
    """ray.init arguments: Ray's own INFO lines ("Started a local Ray instance", the auth token notice) off.
    Workers' output still comes to this console (log_to_driver): hrm's progress lines are printed there."""
    return {"log_to_driver": True, **({} if is_verbose() else {"logging_level": logging.WARNING})}


def train_logging_config():
    """Ray Train's LoggingConfig: its INFO lines ("Requesting resources", "Started training worker group",
    "Checkpoint successfully created", "Reporting training result ...", a few per worker and epoch) describe
    routine bookkeeping; its warnings and errors still show. Its log files keep every level."""
    from ray.train import LoggingConfig

    return LoggingConfig(log_level="INFO" if is_verbose() else "WARNING")


def quiet_serve_config(config: dict) -> dict:
    """A Serve config whose controller and proxy log to Serve's files only, not to the console.

    The controller logs a few INFO lines per deployment and change ("Deploying new version", "Adding 1
    replica") and harmless warnings ("Cannot deregister autoscaling state ... because it is not registered",
    once per deployment at every deploy and shutdown). `serve run` starts the controller with no logging
    config of its own, so the switch is its environment. Replicas keep printing: the app's logging_config says
    how much, and their errors are the app's. Whether the app came up is printed by hrm (serve/launch.py).
    """
    if is_verbose():
        return config
    controller_env = config.setdefault("controller_options", {}).setdefault("runtime_env", {})
    controller_env.setdefault("env_vars", {}).setdefault("RAY_SERVE_LOG_TO_STDERR", "0")
    for app in config.get("applications", []):
        # Replicas inherit the controller's environment: they are told to keep printing.
        app.setdefault("runtime_env", {}).setdefault("env_vars", {}).setdefault("RAY_SERVE_LOG_TO_STDERR", "1")
    return config


# ---- filters of single messages, installed in every process that may print them ----

HARMLESS_WARNINGS = [
    # DeepSpeed ZeRO calls the old name on every step; torch still supports it, and the user cannot change it.
    (FutureWarning, r"`torch\.distributed\.all_gather_into_tensor` is deprecated"),
]

# The heads AutoModelForSequenceClassification puts on an encoder checkpoint: new by design when fine-tuning.
NEW_HEAD_PREFIXES = ("classifier.", "pre_classifier.", "score.")
# ECMA-48 escape sequences: transformers colours its reports, Ray the "(RayTrainWorker pid=...)" prefixes.
ANSI_ESCAPE = re.compile(r"\x1b(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])")
REPORT_ROW = re.compile(r"^(\S+)\s*\|\s*(MISSING|UNEXPECTED|MISMATCH|CONVERSION|OWNED|SKIPPED)\b", re.MULTILINE)


def strip_ansi(text: str) -> str:
    return ANSI_ESCAPE.sub("", text)


def only_a_new_head(message: str) -> bool:
    """Whether a transformers LOAD REPORT says nothing but "the classifier head is new" (a fine-tune from an
    encoder checkpoint always starts so). Other rows (unexpected or mismatched weights, a missing encoder
    layer: the wrong checkpoint) keep the report visible."""
    rows = REPORT_ROW.findall(strip_ansi(message))
    return bool(rows) and all(status == "MISSING" and key.startswith(NEW_HEAD_PREFIXES) for key, status in rows)


class HideHarmless(logging.Filter):
    """Drops the log records `is_harmless` recognises; everything else passes."""

    def __init__(self, is_harmless):
        super().__init__()
        self.is_harmless = is_harmless

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.is_harmless(record.getMessage())


# Ray Train names the logger of its "Reporting training result N: TrainingReport(...)" lines by its file's path,
# so Train's LoggingConfig (train_logging_config), which sets the level of the "ray.train" loggers, misses it.
RAY_TRAIN_REPORT_LOGGER = os.path.join(os.path.dirname(ray.__file__), "train", "v2", "_internal", "execution",
                                       "context.py")

HARMLESS_LOG_RECORDS = {
    # transformers 5 reports the newly initialised head of every fine-tune as MISSING weights, in red.
    "transformers.modeling_utils": lambda message: "LOAD REPORT" in message and only_a_new_head(message),
    # DeepSpeed on a machine without GPUs; hrm trains on CPU there on purpose (no --use-gpu).
    "DeepSpeed": lambda message: message.startswith("Setting accelerator to CPU."),
    # Bookkeeping at INFO, one line per report and worker; the metrics it lists are hrm's progress lines already.
    RAY_TRAIN_REPORT_LOGGER: lambda message: message.startswith("Reporting training result"),
}


def hide_harmless_noise() -> None:
    """Install the filters above in this process (idempotent); with --verbose, nothing. The CLI calls it, and
    Ray in each of its workers (WORKER_SETUP_HOOK)."""
    if is_verbose():
        return
    for category, message in HARMLESS_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)
    for name, is_harmless in HARMLESS_LOG_RECORDS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideHarmless) for f in logger.filters):
            logger.addFilter(HideHarmless(is_harmless))
