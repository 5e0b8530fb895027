"""The per-worker fine-tuning loop of a token-classification (entity span) model, inside a Ray Train worker.

The same phases and outputs as transformer_loop.py: setup (examples -> windows -> BIO sub-token labels,
AutoModelForTokenClassification with the label map in its config) -> train (HF Trainer with DeepSpeed,
evaluated every epoch on strict entity micro-F1 over whole validation texts, early stopping on it, best
checkpoint kept, every checkpoint reported to Ray) -> test (best model on the test split, when there is one)
-> save (rank 0 reports `model/`: weights, tokenizer, tagger.json, metrics.json, training_log.json,
run_info.json).

Where the examples come from is the job of `load_splits` and `entity_types` alone (a `token_data` dict the
caller passes, or the task registry): everything below them takes lists of
{"text", "entities": [{"type", "start", "end"}]} examples.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import ray.train
import torch
from ray.train.huggingface.transformers import RayTrainReportCallback, prepare_trainer
from transformers import (
    AutoConfig,
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    EarlyStoppingCallback,
    PrinterCallback,
    TrainingArguments,
)

from hrm_ray.backbones import ATTENTION_DROPOUT_KEYS, resolve_backbone, set_word_embeddings_trainable
from hrm_ray.config import ConfigError, TrainConfig
from hrm_ray.inference.token_tagger import TAGGER_SETTINGS
from hrm_ray.registry import TRAINING_LOG
from hrm_ray.spans.alignment import (SUBTOKEN_MODES, AlignmentError, bio_labels, decode_entities, encode_windows,
                                     trim_entities, window_labels)
from hrm_ray.spans.metrics import PRIMARY_METRIC, entity_metrics
from hrm_ray.train.deepspeed_config import deepspeed_config
from hrm_ray.train.transformer_loop import FINAL_MODEL_DIR, ChunkTrainer, CrashOnce, EpochTimer, ProgressPrinter

SPLITS = ("train", "validation", "test")
# Keys of the config dict besides TrainConfig's: the data (until the task registry provides it) and the
# window settings of this kind.
DATA_KEY = "token_data"
OPTIONS_KEY = "token_options"
# The defaults this kind's recipe search settled on (docs/token-classification.md, "Transformer tagger"),
# used where the config leaves a value to the task (None).
DEFAULTS = {"epochs": 3.0, "lr": 2e-4, "batch_size": 16, "max_length": 128}
DEFAULT_OPTIONS = {
    "stride": 32,  # tokens two windows share: enough context on each side of the cut
    "subtokens": "all",
}


# ---- data: the only part that knows where examples come from ---------------------------------------

def load_splits(config_dict: dict) -> dict[str, list[dict]]:
    """{"train", "validation", "test"} -> examples: the `token_data` dict where the caller passed one (a
    missing test split is an empty list: no test scoring), else the task's own splits from the registry."""
    if DATA_KEY not in config_dict:
        return _task_splits(train_config(config_dict))
    data = config_dict[DATA_KEY]
    if not isinstance(data, dict):
        raise ConfigError(f"config key {DATA_KEY} must be a dict with train, validation and test example lists")
    splits = {}
    for split in SPLITS:
        examples = data.get(split) or []
        if split != "test" and not examples:
            raise ConfigError(f"{DATA_KEY}.{split} has no examples")
        splits[split] = [_checked_example(example, f"{DATA_KEY}.{split}[{i}]") for i, example in enumerate(examples)]
    return splits


def entity_types(config_dict: dict) -> list[str]:
    """The entity types the model tags: `token_data.types` (else those of its train split, sorted), or the
    task's types."""
    if DATA_KEY not in config_dict:
        from hrm_ray.tasks import get_task

        return list(get_task(train_config(config_dict).task).entity_types)
    data = config_dict[DATA_KEY] or {}
    if data.get("types"):
        return [str(kind) for kind in data["types"]]
    return sorted({entity["type"] for example in data.get("train", []) for entity in example["entities"]})


def _task_splits(config: TrainConfig) -> dict[str, list[dict]]:
    """The registered task's splits: train as its learner reads it (one flat span layer), validation and test
    with the gold as annotated, which is what scores compare with."""
    from hrm_ray.kinds import task_splits
    from hrm_ray.tasks import get_task

    task = get_task(config.task)
    frames = task_splits(task, config)
    splits = {split: [{"text": text, "entities": list(entities)}
                      for text, entities in zip(frames[split]["text"], frames[split]["entities"])]
              for split in ("validation", "test")}
    splits["train"] = task.learnable(frames["train"])
    return splits


def _checked_example(example: Any, where: str) -> dict:
    if not isinstance(example, dict) or not isinstance(example.get("text"), str):
        raise ConfigError(f"{where} must be a dict with a string 'text', got {type(example).__name__}")
    entities = example.get("entities") or []
    try:
        trim_entities(example["text"], entities, f"{where}.entities")  # only to check them: scores read them as given
    except AlignmentError as error:
        raise ConfigError(str(error)) from None
    return {"text": example["text"], "entities": [dict(e) for e in entities]}


# ---- everything below works on examples, wherever they came from ------------------------------------

def token_options(config_dict: dict) -> dict:
    options = {**DEFAULT_OPTIONS, **(config_dict.get(OPTIONS_KEY) or {})}
    unknown = set(options) - set(DEFAULT_OPTIONS)
    if unknown:
        raise ConfigError(f"unknown {OPTIONS_KEY} keys: {sorted(unknown)} (known: {sorted(DEFAULT_OPTIONS)})")
    if options["subtokens"] not in SUBTOKEN_MODES:
        raise ConfigError(f"{OPTIONS_KEY}.subtokens must be one of {SUBTOKEN_MODES}, got {options['subtokens']!r}")
    return options


def train_config(config_dict: dict) -> TrainConfig:
    """The TrainConfig part of the dict, with this kind's defaults where the task's would go."""
    config = TrainConfig.from_dict({k: v for k, v in config_dict.items() if k not in (DATA_KEY, OPTIONS_KEY)})
    for key, value in DEFAULTS.items():
        if getattr(config, key) is None:
            setattr(config, key, value)
    return config


def load_tagger(name: str, labels: Sequence[str], attention_dropout: float | None = None):
    """Tokenizer and a token-classification model whose config carries the label map (a new head if needed)."""
    source = resolve_backbone(name)
    tokenizer = AutoTokenizer.from_pretrained(source)
    config = AutoConfig.from_pretrained(
        source, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    if attention_dropout is not None:
        for key in ATTENTION_DROPOUT_KEYS:
            if hasattr(config, key):
                setattr(config, key, attention_dropout)
    return tokenizer, AutoModelForTokenClassification.from_pretrained(source, config=config)


class WindowSet(torch.utils.data.Dataset):
    """Every window of every text, labelled; `text_of` maps each window back to its text. Labels come from
    the entities trimmed and de-overlapped (BIO holds one flat layer); scores compare with them as given."""

    def __init__(self, tokenizer, examples: Sequence[dict], labels: Sequence[str], max_length: int, stride: int,
                 subtokens: str):
        label_to_id = {label: i for i, label in enumerate(labels)}
        self.examples = list(examples)
        self.windows, self.items, self.text_of = [], [], []
        for number, example in enumerate(self.examples):
            flat = trim_entities(example["text"], example["entities"])
            for window in encode_windows(tokenizer, example["text"], max_length, stride):
                self.windows.append(window)
                self.text_of.append(number)
                self.items.append({"input_ids": window.input_ids, "attention_mask": window.attention_mask,
                                   "labels": window_labels(window, flat, label_to_id, subtokens)})

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        return self.items[index]

    def scores(self, logits: np.ndarray, labels: Sequence[str], subtokens: str) -> dict:
        """Entity metrics of the decoded predictions against the texts' gold entities."""
        return entity_metrics([e["text"] for e in self.examples], [e["entities"] for e in self.examples],
                              self.decode(logits, labels, subtokens))

    def decode(self, logits: np.ndarray, labels: Sequence[str], subtokens: str) -> list[list[dict]]:
        """Predicted entities per text from the logits of every window, in dataset order."""
        per_text: list[list[int]] = [[] for _ in self.examples]
        for index, number in enumerate(self.text_of):
            per_text[number].append(index)
        return [decode_entities(example["text"], [self.windows[i] for i in indices], [logits[i] for i in indices],
                                labels, subtokens)
                for example, indices in zip(self.examples, per_text)]


def _subset(examples: list[dict], limit: int | None, seed: int) -> list[dict]:
    if limit is None or limit >= len(examples):
        return examples
    return random.Random(seed).sample(examples, limit)


def train_loop_per_worker(config_dict: dict) -> None:
    config = train_config(config_dict)
    options = token_options(config_dict)
    torch.manual_seed(config.seed)
    if not config.use_gpu:
        torch.set_num_threads(config.cpus_per_worker)

    # ---- setup ----
    context = ray.train.get_context()
    rank, world_size = context.get_world_rank(), context.get_world_size()
    splits = load_splits(config_dict)
    splits["train"] = _subset(splits["train"], config.max_train_samples, config.seed)
    splits["validation"] = _subset(splits["validation"], config.max_eval_samples, config.seed)
    labels = bio_labels(entity_types(config_dict))
    tokenizer, model = load_tagger(config.model, labels, config.attention_dropout)
    set_word_embeddings_trainable(model, config.train_embeddings)
    max_length = min(config.max_length, getattr(model.config, "max_position_embeddings", config.max_length))
    stride, subtokens = int(options["stride"]), options["subtokens"]

    def windows(split: str) -> WindowSet:
        return WindowSet(tokenizer, splits[split], labels, max_length, stride, subtokens)

    train_set, eval_set, test_set = windows("train"), windows("validation"), windows("test")
    if rank == 0:
        print(f"[hrm] {len(splits['train'])} train texts -> {len(train_set)} windows of <= {max_length} tokens; "
              f"{len(labels)} labels", flush=True)

    def compute_metrics(prediction) -> dict:
        scores = eval_set.scores(np.asarray(prediction.predictions), labels, subtokens)
        return {k: v for k, v in scores.items() if isinstance(v, float)}  # the Trainer logs scalars only

    bf16 = config.use_gpu if config.bf16 is None else config.bf16
    steps_per_epoch = max(1, math.ceil(len(train_set) / (config.batch_size * world_size)))
    output_dir = Path(tempfile.gettempdir()) / "hrm_train" / context.get_experiment_name()
    args = TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=config.epochs,
        learning_rate=config.lr,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=max(config.batch_size, 32),
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio,  # a float below 1 is a fraction of the total steps
        lr_scheduler_type="linear",
        optim="adamw_torch",
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model=PRIMARY_METRIC,
        greater_is_better=True,
        logging_strategy="steps",
        logging_steps=max(1, min(50, steps_per_epoch // 4)),
        train_sampling_strategy="group_by_length",  # windows of similar length: less padding
        deepspeed=deepspeed_config(config.deepspeed, config.offload),
        use_cpu=not config.use_gpu,  # STACK.md gotcha 1
        bf16=bf16,
        average_tokens_across_devices=False,  # STACK.md gotcha 2
        seed=config.seed,
        report_to=[],
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    timer = EpochTimer()
    callbacks = [
        EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience),
        RayTrainReportCallback(),
        ProgressPrinter(),
        timer,
    ]
    checkpoint = ray.train.get_checkpoint()
    if config.fault_injection_step and checkpoint is None:
        callbacks.append(CrashOnce(config.fault_injection_step))
    trainer = ChunkTrainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=eval_set,
        data_collator=DataCollatorForTokenClassification(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=callbacks,
        head_lr_multiplier=config.head_lr_multiplier,
    )
    trainer.remove_callback(PrinterCallback)
    trainer = prepare_trainer(trainer)

    # ---- train ----
    if checkpoint is not None:
        with checkpoint.as_directory() as restored:
            print(f"[hrm] resuming from checkpoint {restored}", flush=True)
            train_output = trainer.train(resume_from_checkpoint=str(Path(restored) / "checkpoint"))
    else:
        train_output = trainer.train()

    # ---- test (the best checkpoint is loaded at the end of training) ----
    trainer.compute_metrics = None
    if len(test_set):
        test_logits = np.asarray(trainer.predict(test_set).predictions)
        test_metrics = test_set.scores(test_logits, labels, subtokens)
    else:
        test_metrics = {"n": 0, PRIMARY_METRIC: None}

    # ---- save: rank 0 reports the model folder; every rank must call report ----
    summary = {
        "final": 1,
        "epoch": float(trainer.state.epoch or 0),
        "eval_" + PRIMARY_METRIC: trainer.state.best_metric,
        "test_" + PRIMARY_METRIC: test_metrics.get(PRIMARY_METRIC),
    }
    with tempfile.TemporaryDirectory() as tmp:
        final_checkpoint = None
        if trainer.is_world_process_zero():
            model_dir = Path(tmp) / FINAL_MODEL_DIR
            trainer.save_model(str(model_dir))
            tokenizer.save_pretrained(str(model_dir))
            settings = {"max_length": max_length, "stride": stride, "subtokens": subtokens}
            (model_dir / TAGGER_SETTINGS).write_text(json.dumps(settings, indent=2))
            (model_dir / "metrics.json").write_text(json.dumps(test_metrics, indent=2))
            (model_dir / TRAINING_LOG).write_text(json.dumps(trainer.state.log_history, indent=1))
            run_info = {
                "world_size": world_size,
                "resumed_from_checkpoint": checkpoint is not None,
                "train_texts": len(splits["train"]),
                "train_windows": len(train_set),
                "validation_texts": len(splits["validation"]),
                **settings,
                "best_checkpoint_step": int(trainer.state.best_global_step or 0),
                "best_eval_" + PRIMARY_METRIC: trainer.state.best_metric,
                "timed_epochs": timer.epochs,
                "train_seconds_excluding_eval": timer.seconds,
                "train_samples_per_second_excluding_eval": len(train_set) * timer.epochs / max(timer.seconds, 1e-9),
                **train_output.metrics,
            }
            (model_dir / "run_info.json").write_text(json.dumps(run_info, indent=2))
            final_checkpoint = ray.train.Checkpoint.from_directory(tmp)
        elif config.deepspeed == 3:
            trainer.save_model(str(Path(tmp) / FINAL_MODEL_DIR))  # ZeRO-3 gathers weights from every rank
        ray.train.report(summary, checkpoint=final_checkpoint)
    if context.get_local_rank() == 0:
        shutil.rmtree(output_dir, ignore_errors=True)


def token_trainer(config: TrainConfig, scaling, run_config, data: dict | None = None):
    """The TorchTrainer that runs this loop on every worker, for a prepared config. `data`: examples as
    `token_data` takes them; None: each worker reads the task's splits itself."""
    from ray.train.torch import TorchTrainer

    loop_config = config.to_dict()
    if data is not None:
        loop_config[DATA_KEY] = data
    return TorchTrainer(train_loop_per_worker, train_loop_config=loop_config, scaling_config=scaling,
                        run_config=run_config)
