"""Typed training configuration: defaults here, YAML files and dotted `key=value` overrides on top.

The resolved config is saved beside every trained model as `hrm_config.yaml`, so a model folder always
says exactly how it was made, and `TrainConfig.from_yaml` reads it back.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import yaml


class ConfigError(ValueError):
    """A config file or override that cannot be applied; the message names the key."""


@dataclass
class XGBoostConfig:
    """Gradient-boosted trees for the tabular tasks (`--learner xgboost`)."""

    # None takes the task's default (TabularTask.default_xgboost): attrition grows stumps, performance deeper trees.
    num_boost_round: int | None = None
    max_depth: int | None = None
    eta: float | None = None
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    # Stop adding trees once the validation loss has not improved for this many rounds.
    early_stopping_rounds: int = 30
    # Report the validation loss to Ray every this many rounds, for Tune's ASHA to decide on; 0: only at the
    # end (plain training: each report waits for the Train controller). `hrm tune` makes 0 into 25.
    report_every: int = 0


@dataclass
class TrainConfig:
    task: str = ""  # a registry task (`hrm tasks`); the CLI sets it from its first argument
    # A folder laid out like shared/data; HRM_DATA_DIR wins over the built-in default.
    data_dir: str = field(default_factory=lambda: os.environ.get("HRM_DATA_DIR", "data"))
    # "minilm" is the packaged all-MiniLM-L6-v2, "multilingual-e5-small" and "multilingual-e5-small-enpt" the
    # packaged multilingual-e5-small (hrm_ray/backbones/e5.py); any Hugging Face id or local folder also works.
    # None: the task's default (minilm for English, multilingual-e5-small for Chinese).
    model: str | None = None
    # One of the task's kind's learners (hrm_ray/kinds): transformer, tfidf (texts), xgboost (tables), crf
    # (spans). None: the task's default.
    learner: str | None = None

    # Ray Train scaling. On CPU each worker gets one thread: 2 workers fill a 2-core laptop.
    num_workers: int = 2
    use_gpu: bool = False
    cpus_per_worker: int = 1
    deepspeed: int = 2  # ZeRO stage 0 (plain DDP), 2 or 3
    offload: bool = False  # ZeRO optimizer (and, for stage 3, parameter) offload to CPU memory
    bf16: bool | None = None  # None: on for GPU, off on CPU (the CPU path is verified in fp32)

    # Optimisation. batch_size is per worker. None takes the task's default (sized so a full-data run
    # fits in 30 minutes on a 2-core CPU); the resolved values are what hrm_config.yaml records.
    epochs: float | None = None
    lr: float | None = None
    batch_size: int | None = None
    weight_decay: float = 0.01
    # The new classification head (and the pooler) learn this many times faster than the pretrained encoder.
    # On 480 resumes, 3 epochs: validation macro-F1 0.49 with 20x at lr 1e-4, 0.35 with 1x at lr 2e-4.
    head_lr_multiplier: float = 20.0
    warmup_ratio: float = 0.1
    # Fine-tune the word-embedding matrix too. Off by default: it is half of MiniLM's weights (11.7M of 22.7M),
    # and its dense gradient is most of what distributed training exchanges every step. Frozen, 2 CPU workers
    # train 35-37 instead of 26.6 samples/s at the same test scores (docs/results.md, "Training throughput").
    train_embeddings: bool = False
    # Weight the cross-entropy by inverse class frequency, as macro-F1 weighs classes alike. None takes the
    # task's default: on for sentiment, where positive reviews outnumber the other two classes together.
    class_weighted_loss: bool | None = None
    # Dropout on attention probabilities while fine-tuning. None takes the task's default, and where the task
    # has none, the backbone's own (0.1 for MiniLM). Why it is a setting: on CPU, PyTorch's fused attention
    # kernel has no dropout, so with it attention falls back to the unfused path, which made a step on
    # 384-token chunks 1.9x slower (3.8 vs 2.0 s for 8 chunks on one Xeon core; 1.25x on 128 tokens;
    # experiments/attention_dropout.py).
    attention_dropout: float | None = None
    early_stopping_patience: int = 2
    seed: int = 42

    # Text length. None takes the task's default. Long texts are cut into chunks of max_length tokens;
    # training samples one chunk per text each time it is visited, inference averages every chunk's logits.
    max_length: int | None = None
    max_chunks: int | None = None

    max_train_samples: int | None = None  # a stratified subset of train, for quick runs
    # A stratified subset of validation for the evaluation after every epoch, for quick runs (a full-data
    # sentiment validation takes ~20 s an epoch on 2 cores); the test split is always scored whole.
    max_eval_samples: int | None = None
    output: str = "models"  # the model registry root: models/TASK/VERSION
    storage_path: str | None = None  # Ray Train checkpoints: a local folder or s3://, gs://
    resume: bool = False  # continue the last interrupted run of this task from its checkpoint
    max_failures: int = 2  # worker failures survived by restarting from the last checkpoint
    # Score the test split again with the serving fast path (int8 on CPU, bf16 on GPU) and record whether
    # it keeps the metric (fast_path.json); Serve uses the fast path only where it did.
    fast_path_check: bool = True
    # Chaos testing: the last worker exits at this optimizer step of the first attempt (tests use it to
    # prove a lost worker resumes from its checkpoint). None in every real run.
    fault_injection_step: int | None = None

    # Tabular tasks: the columns the model reads. None takes the task's default, the columns known before its
    # decision (performance leaves out the raise given for the rating); `--set columns=A,B,...` picks others.
    # A model folder saved before this setting existed has none recorded: it read every column.
    columns: list[str] | None = None

    xgboost: XGBoostConfig = field(default_factory=XGBoostConfig)

    # ---- loading and saving -------------------------------------------------------------------

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        config = cls()
        for key, value in _flatten(values):
            config.set(key, value)
        return config

    @classmethod
    def from_yaml(cls, path: str | Path) -> "TrainConfig":
        try:
            values = yaml.safe_load(Path(path).read_text()) or {}
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except yaml.YAMLError as error:
            raise ConfigError(f"config file {path} is not valid YAML: {error}") from None
        if not isinstance(values, dict):
            raise ConfigError(f"config file {path} must hold a mapping of keys to values")
        return cls.from_dict(values)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False))

    def set(self, dotted_key: str, value: Any) -> None:
        """Set `a.b=value`, converting strings (from the command line) to the field's type."""
        target: Any = self
        *parents, leaf = dotted_key.split(".")
        for name in parents:
            if not dataclasses.is_dataclass(target) or not hasattr(target, name):
                raise ConfigError(f"unknown config key: {dotted_key}")
            target = getattr(target, name)
        hints = get_type_hints(type(target)) if dataclasses.is_dataclass(target) else {}
        if leaf not in hints:
            raise ConfigError(f"unknown config key: {dotted_key}")
        setattr(target, leaf, _convert(dotted_key, hints[leaf], value))

    def apply_overrides(self, overrides: list[str]) -> None:
        for item in overrides:
            key, sep, value = item.partition("=")
            if not sep:
                raise ConfigError(f"override {item!r} is not of the form key=value")
            self.set(key.strip(), value.strip())


def _flatten(values: dict[str, Any], prefix: str = ""):
    for key, value in values.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert(key: str, hint: Any, value: Any) -> Any:
    """Coerce a YAML or command-line value to the declared type, or say which key is wrong."""
    allowed = [t for t in getattr(hint, "__args__", (hint,)) if t is not type(None)]
    optional = len(allowed) < len(getattr(hint, "__args__", (hint,)))
    if value is None or (optional and isinstance(value, str) and value.lower() in {"none", "null", ""}):
        if optional:
            return None
        raise ConfigError(f"config key {key} cannot be empty")
    kind = allowed[0]
    if getattr(kind, "__origin__", None) is list:  # YAML gives a list, the command line "a,b,c"
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]
    if dataclasses.is_dataclass(kind):
        raise ConfigError(f"config key {key} is a section; set its fields as {key}.NAME=VALUE")
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).lower()
            if text in _TRUE | _FALSE:
                return text in _TRUE
            raise ValueError(value)
        if kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"config key {key} expects {kind.__name__}, got {value!r}") from None
