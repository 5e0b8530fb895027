"""Training throughput of `hrm train` (Ray Train, 2 workers x 1 thread, ZeRO-2) against a single-process
Hugging Face Trainer (2 threads) on the same model, rows, sequence length and global batch, in one run.

    python benchmarks/train_throughput.py --data-dir $HRM_DATA_DIR [--rows 640 --max-length 128 --epochs 2]
    python benchmarks/train_throughput.py --use-gpu --rows 4000    (one worker per GPU, NCCL, bf16; the single
                                                                    process trains on one GPU in bf16)

Both sides train the same weights (the word embeddings stay frozen, hrm train's default, unless
--train-embeddings) with the same chunked dataset code and length-grouped batches; both are timed over training
epochs only (evaluation and checkpoint saving excluded), so the ratio is the cost of distribution.
Start-up (Ray, DeepSpeed's op build, model load) is printed apart. Target here: ratio >= 0.9.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import torch
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

from hrm_ray.config import TrainConfig
from hrm_ray.models import load_classifier, set_word_embeddings_trainable
from hrm_ray.tasks import get_task
from hrm_ray.train.chunks import SampledChunks, tokenize_chunks
from hrm_ray.train.run import train
from hrm_ray.train.splits import task_splits
from hrm_ray.train.transformer_loop import EpochTimer


def single_process(config: TrainConfig) -> float:
    """samples/s of a plain HF Trainer in this process: all cores to one process, or one GPU."""
    torch.set_num_threads(os.cpu_count() or 2)
    task = get_task(config.task)
    train_rows = task_splits(task, config)["train"]
    tokenizer, model = load_classifier(config.model, task.labels, config.attention_dropout)
    set_word_embeddings_trainable(model, config.train_embeddings)  # the same trainable weights as hrm train's
    chunks = tokenize_chunks(tokenizer, train_rows["text"].tolist(), config.max_length, config.max_chunks or 1)
    timer = EpochTimer()
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir, num_train_epochs=config.epochs, learning_rate=config.lr,
            per_device_train_batch_size=config.batch_size * config.num_workers,  # the same global batch
            weight_decay=config.weight_decay, warmup_steps=config.warmup_ratio, eval_strategy="no",
            save_strategy="no", train_sampling_strategy="group_by_length", use_cpu=not config.use_gpu,
            bf16=config.use_gpu, report_to=[],
            disable_tqdm=True, seed=config.seed,
        )
        trainer = Trainer(model=model, args=args, data_collator=DataCollatorWithPadding(tokenizer),
                          train_dataset=SampledChunks(chunks, task.label_index(train_rows), config.seed),
                          callbacks=[timer])
        trainer.train()
    return len(chunks) * timer.epochs / timer.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "data"))
    parser.add_argument("--task", default="sentiment")
    parser.add_argument("--rows", type=int, default=640)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--deepspeed", type=int, default=2)
    parser.add_argument("--use-gpu", action="store_true", help="one worker per visible GPU, NCCL and bf16")
    parser.add_argument("--train-embeddings", action="store_true",
                        help="fine-tune the word embeddings too, on both sides (hrm train's default keeps them)")
    args = parser.parse_args()

    workers = torch.cuda.device_count() if args.use_gpu else 2
    if workers < 1:
        parser.error("--use-gpu: torch sees no GPU here")
    config = TrainConfig(task=args.task, data_dir=args.data_dir, max_train_samples=args.rows, max_length=args.max_length,
                         max_chunks=1, epochs=args.epochs, lr=5e-5, deepspeed=args.deepspeed, num_workers=workers,
                         use_gpu=args.use_gpu, batch_size=16, early_stopping_patience=100,
                         train_embeddings=args.train_embeddings,
                         class_weighted_loss=False)  # the model's own loss on both sides
    with tempfile.TemporaryDirectory() as registry:
        config.output = registry
        started = time.time()
        model_dir = Path(train(config))
        wall = time.time() - started
        info = json.loads((model_dir / "run_info.json").read_text())
    ray_rate = info["train_samples_per_second_excluding_eval"]
    single_rate = single_process(config)
    where = f"{workers} GPU worker(s), bf16" if args.use_gpu else f"{workers} workers"
    print(f"[throughput] {args.task}, {args.rows} rows, max {args.max_length} tokens, {args.epochs:g} epochs, "
          f"global batch {config.batch_size * workers}, word embeddings {'trained' if args.train_embeddings else 'frozen'}")
    print(f"[throughput] hrm train (Ray Train, {where}, ZeRO-{args.deepspeed}): {ray_rate:.2f} samples/s "
          f"(whole command {wall:.0f} s incl. Ray start-up, eval, checkpoints)")
    print(f"[throughput] single-process HF Trainer:               {single_rate:.2f} samples/s")
    print(f"[throughput] ratio hrm/single = {ray_rate / single_rate:.2f} (target >= 0.9)")


if __name__ == "__main__":
    main()
