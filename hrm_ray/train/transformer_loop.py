"""The per-worker fine-tuning loop: Hugging Face Trainer with DeepSpeed ZeRO, inside a Ray Train worker.

Phases: setup (data, splits, tokenizer, model) -> train (evaluate every epoch, early stopping on the
task's primary metric, best checkpoint kept, every checkpoint reported to Ray so a restarted worker
resumes) -> test (best model on the test split) -> save (rank 0 reports the model folder as the final
checkpoint).

Trade-offs: ZeRO-2 (the default) shards optimizer state and gradients, which matters on GPUs and costs
~5% on CPU; stage 0 is plain DDP and the fastest choice for a small model on CPU; ZeRO-3 and --offload are
for backbones that do not fit one device.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import ray.train
import torch
from ray.train.huggingface.transformers import RayTrainReportCallback, prepare_trainer
from torch.utils.data import SequentialSampler
from transformers import (
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    PrinterCallback,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)

from hrm_ray.config import TrainConfig
from hrm_ray.evaluation.metrics import classification_metrics, report_metrics, softmax
from hrm_ray.backbones import load_classifier, set_word_embeddings_trainable
from hrm_ray.registry import TRAINING_LOG
from hrm_ray.tasks import get_task
from hrm_ray.inference.chunks import AllChunks, SampledChunks, tokenize_chunks
from hrm_ray.train.class_weights import balanced_class_weights
from hrm_ray.train.deepspeed_config import deepspeed_config
from hrm_ray.kinds import task_splits

FINAL_MODEL_DIR = "model"


class ChunkTrainer(Trainer):
    """The Trainer with three changes.

    - Length-grouped batches for training only: the stock Trainer also length-groups evaluation batches
      when `train_sampling_strategy` asks for it, which shuffles the prediction order, and pooling chunk
      logits per text needs them in dataset order.
    - A learning rate `head_lr_multiplier` times higher for the head (the new classifier, and the pooler,
      which sentence-embedding checkpoints such as MiniLM never trained) than for the pretrained encoder,
      which only needs nudging.
    - Optionally, cross-entropy weighted by class (`class_weights`), so that rare classes count as much as
      common ones in the loss, as they do in macro-F1.
    """

    def __init__(self, *args, head_lr_multiplier: float = 1.0, class_weights: torch.Tensor | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.head_lr_multiplier = head_lr_multiplier
        self.class_weights = class_weights

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.class_weights is None or "labels" not in inputs:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        inputs = dict(inputs)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        weights = self.class_weights.to(outputs.logits.device)
        loss = torch.nn.functional.cross_entropy(outputs.logits.float(), labels, weight=weights)
        return (loss, outputs) if return_outputs else loss

    def _get_eval_sampler(self, eval_dataset):
        return SequentialSampler(eval_dataset) if self.args.world_size <= 1 else None  # None: sharded in order

    def create_optimizer(self, model=None):
        if self.optimizer is not None:
            return self.optimizer
        model = self.model
        body_prefix = model.base_model_prefix + "."

        def in_head(name: str) -> bool:
            return not name.startswith(body_prefix) or ".pooler." in name

        decay = set(self.get_decay_parameter_names(model))
        groups = []
        for is_head in (False, True):
            for with_decay in (True, False):
                params = [p for name, p in model.named_parameters()
                          if p.requires_grad and in_head(name) == is_head and (name in decay) == with_decay]
                if params:
                    groups.append({
                        "params": params,
                        "weight_decay": self.args.weight_decay if with_decay else 0.0,
                        "lr": self.args.learning_rate * (self.head_lr_multiplier if is_head else 1.0),
                    })
        self.optimizer = torch.optim.AdamW(groups, lr=self.args.learning_rate)
        return self.optimizer


class ProgressPrinter(TrainerCallback):
    """One line per log event on rank 0, so `hrm train` and `ray job logs` show how a run goes."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and logs:
            shown = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in logs.items())
            print(f"[hrm] epoch {state.epoch or 0:.2f} step {state.global_step}/{state.max_steps} {shown}", flush=True)


class EpochTimer(TrainerCallback):
    """Seconds spent in training epochs, evaluation and checkpointing excluded: the fair throughput clock."""

    def __init__(self):
        self.seconds = 0.0
        self.epochs = 0
        self._started = 0.0

    def on_epoch_begin(self, args, state, control, **kwargs):
        self._started = time.perf_counter()

    def on_epoch_end(self, args, state, control, **kwargs):
        self.seconds += time.perf_counter() - self._started
        self.epochs += 1


class CrashOnce(TrainerCallback):
    """Fault injection for tests: the last rank dies at `step` unless the run was restored from a checkpoint."""

    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        context = ray.train.get_context()
        if state.global_step == self.step and context.get_world_rank() == context.get_world_size() - 1:
            print(f"[hrm] fault injection: worker {context.get_world_rank()} exits at step {self.step}", flush=True)
            os._exit(1)


def train_loop_per_worker(config_dict: dict) -> None:
    config = TrainConfig.from_dict(config_dict)
    task = get_task(config.task)
    torch.manual_seed(config.seed)
    if not config.use_gpu:
        torch.set_num_threads(config.cpus_per_worker)
    max_length, max_chunks = config.max_length, config.max_chunks  # filled in by resolve_task_defaults

    # ---- setup ----
    rank = ray.train.get_context().get_world_rank()
    splits = task_splits(task, config)
    tokenizer, model = load_classifier(config.model, task.labels, config.attention_dropout)
    set_word_embeddings_trainable(model, config.train_embeddings)
    if rank == 0 and not config.train_embeddings:
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        total = sum(p.numel() for p in model.parameters())
        print(f"[hrm] word embeddings frozen: training {trainable / 1e6:.1f}M of {total / 1e6:.1f}M weights "
              "(--set train_embeddings=true trains them too)", flush=True)
    max_length = min(max_length, getattr(model.config, "max_position_embeddings", max_length))

    def chunks(split: str):
        return tokenize_chunks(tokenizer, splits[split]["text"].tolist(), max_length, max_chunks)

    train_labels = task.label_index(splits["train"])
    train_set = SampledChunks(chunks("train"), train_labels, seed=config.seed + rank)
    eval_set = AllChunks(chunks("validation"), task.label_index(splits["validation"]))
    test_set = AllChunks(chunks("test"), task.label_index(splits["test"]))

    def pooled_metrics(dataset: AllChunks):
        def compute(prediction) -> dict:
            probs = softmax(dataset.pool(np.asarray(prediction.predictions, dtype=np.float64)))
            metrics = classification_metrics(task.labels, dataset.labels, probs)
            # The Trainer logs and compares scalars only.
            return {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and k != "n"}

        return compute

    bf16 = config.use_gpu if config.bf16 is None else config.bf16
    world_size = ray.train.get_context().get_world_size()
    steps_per_epoch = max(1, math.ceil(len(train_set) / (config.batch_size * world_size)))
    output_dir = Path(tempfile.gettempdir()) / "hrm_train" / ray.train.get_context().get_experiment_name()
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
        metric_for_best_model=task.primary_metric,
        greater_is_better=True,
        logging_strategy="steps",
        logging_steps=max(1, min(50, steps_per_epoch // 4)),  # a few loss points per epoch
        train_sampling_strategy="group_by_length",  # batches of similar length: less padding, ~2x on CPU
        deepspeed=deepspeed_config(config.deepspeed, config.offload),
        use_cpu=not config.use_gpu,  # without it accelerate sees world_size 1 on CPU (STACK.md gotcha 1)
        bf16=bf16,
        average_tokens_across_devices=False,  # else the loss is scaled by the number of workers (gotcha 2)
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
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=pooled_metrics(eval_set),
        callbacks=callbacks,
        head_lr_multiplier=config.head_lr_multiplier,
        class_weights=balanced_class_weights(train_labels, len(task.labels)) if config.class_weighted_loss else None,
    )
    trainer.remove_callback(PrinterCallback)  # ProgressPrinter says the same with epoch and step
    trainer = prepare_trainer(trainer)

    # ---- train ----
    if checkpoint is not None:
        with checkpoint.as_directory() as restored:
            print(f"[hrm] resuming from checkpoint {restored}", flush=True)
            train_output = trainer.train(resume_from_checkpoint=str(Path(restored) / "checkpoint"))
    else:
        train_output = trainer.train()

    # ---- test (best checkpoint is loaded at the end of training) ----
    trainer.compute_metrics = None
    test_logits = trainer.predict(test_set).predictions
    test_metrics = report_metrics(task.labels, test_set.labels,
                                  softmax(test_set.pool(np.asarray(test_logits, dtype=np.float64))), splits["test"])

    # ---- save: rank 0 reports the model folder; every rank must call report ----
    # The best validation score rides along, so a Tune search compares finished trials on what it searched.
    summary = {
        "final": 1,
        "epoch": float(trainer.state.epoch or 0),
        "eval_" + task.primary_metric: trainer.state.best_metric,
        "test_" + task.primary_metric: test_metrics.get(task.primary_metric),
    }
    with tempfile.TemporaryDirectory() as tmp:
        final_checkpoint = None
        if trainer.is_world_process_zero():
            model_dir = Path(tmp) / FINAL_MODEL_DIR
            trainer.save_model(str(model_dir))
            tokenizer.save_pretrained(str(model_dir))
            (model_dir / "metrics.json").write_text(json.dumps(test_metrics, indent=2))
            (model_dir / TRAINING_LOG).write_text(json.dumps(trainer.state.log_history, indent=1))
            run_info = {
                "world_size": world_size,
                "resumed_from_checkpoint": checkpoint is not None,
                "train_rows": len(train_set),
                "max_length": max_length,
                "max_chunks": max_chunks,
                "best_checkpoint_step": int(trainer.state.best_global_step or 0),
                # Epochs run in this attempt and their samples/s, all workers together (each epoch reads the
                # train set once across them), evaluation and checkpointing excluded.
                "timed_epochs": timer.epochs,
                "train_samples_per_second_excluding_eval": len(train_set) * timer.epochs / max(timer.seconds, 1e-9),
                **train_output.metrics,
            }
            (model_dir / "run_info.json").write_text(json.dumps(run_info, indent=2))
            final_checkpoint = ray.train.Checkpoint.from_directory(tmp)
        elif config.deepspeed == 3:
            trainer.save_model(str(Path(tmp) / FINAL_MODEL_DIR))  # ZeRO-3 gathers weights from every rank
        ray.train.report(summary, checkpoint=final_checkpoint)
    if ray.train.get_context().get_local_rank() == 0:
        # Every checkpoint Ray needs is in its storage by now; the Trainer's local copies (~300 MB each) are not.
        shutil.rmtree(output_dir, ignore_errors=True)


def transformer_trainer(config: TrainConfig, scaling, run_config):
    """The TorchTrainer that runs this loop on every worker, for a prepared config."""
    from ray.train.torch import TorchTrainer

    return TorchTrainer(train_loop_per_worker, train_loop_config=config.to_dict(), scaling_config=scaling,
                        run_config=run_config)
