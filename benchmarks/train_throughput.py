"""Training throughput of `hrm train` (Ray Train, 2 workers x 1 thread, ZeRO-2) against a single-process
Hugging Face Trainer (2 threads) on the same model, rows, sequence length and global batch, in one run.

    python benchmarks/train_throughput.py --data-dir $HRM_DATA_DIR [--rows 640 1600 --max-length 128 --epochs 2 --pairs 3]
    python benchmarks/train_throughput.py --use-gpu --rows 4000    (one worker per GPU, NCCL, bf16; the single
                                                                    process trains on one GPU in bf16)
    python benchmarks/train_throughput.py --rows 64 --epochs 1 --max-length 32 --pairs 2    (a smoke run)

Both sides train the same weights (the word embeddings stay frozen, hrm train's default, unless
--train-embeddings) with the same chunked dataset code and length-grouped batches; both are timed over training
epochs only (evaluation and checkpoint saving excluded), so the ratio is the cost of distribution.

Protocol (benchmarks/ab.py): each side runs in a process of its own, started fresh for every measurement, so the
single process never shares the machine with the Ray that `hrm train` started (idle Ray costs ~8% of a core
here). For each row count, --pairs pairs alternate the order (hrm first, then single first, ...); each pair's
figures are printed, then the median ratio hrm/single and its min-max. Several row counts, because the ratio
moves with the run's length (start-up of each epoch, and longer runs favour the single process). Start-up
(Ray, DeepSpeed's op build, model load) is printed apart. Target here: ratio >= 0.9.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.ab import alternating_pairs, print_result, run_in_own_process, side_order, spread  # noqa: E402
from hrm_ray.config import TrainConfig  # noqa: E402

SIDES = ("hrm", "single")


def single_process(config: TrainConfig) -> dict:
    """samples/s of a plain HF Trainer in this process (no Ray): all cores to one process, or one GPU."""
    import torch
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    from hrm_ray.backbones import load_classifier, set_word_embeddings_trainable
    from hrm_ray.tasks import get_task
    from hrm_ray.inference.chunks import SampledChunks, tokenize_chunks
    from hrm_ray.kinds import task_splits
    from hrm_ray.train.transformer_loop import EpochTimer

    started = time.time()
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
    return {"samples_per_s": len(chunks) * timer.epochs / timer.seconds, "wall_s": time.time() - started}


def hrm_train(config: TrainConfig) -> dict:
    """samples/s of `hrm train` (Ray Train) in this process, as its run_info.json records it."""
    from hrm_ray.train.run import train

    with tempfile.TemporaryDirectory() as registry:
        config.output = registry
        started = time.time()
        model_dir = Path(train(config))
        wall = time.time() - started
        info = json.loads((model_dir / "run_info.json").read_text())
    return {"samples_per_s": info["train_samples_per_second_excluding_eval"], "wall_s": wall}


def bench_config(args: argparse.Namespace, rows: int, workers: int) -> TrainConfig:
    """The one recipe both sides train."""
    return TrainConfig(task=args.task, data_dir=args.data_dir, max_train_samples=rows, max_length=args.max_length,
                       max_chunks=1, epochs=args.epochs, lr=5e-5, deepspeed=args.deepspeed, num_workers=workers,
                       use_gpu=args.use_gpu, batch_size=16, early_stopping_patience=100,
                       train_embeddings=args.train_embeddings,
                       class_weighted_loss=False)  # the model's own loss on both sides


def side_command(args: argparse.Namespace, side: str, rows: int) -> list[str]:
    """This script's command line that measures one side in a process of its own."""
    command = [__file__, "--side", side, "--rows", str(rows), "--data-dir", args.data_dir, "--task", args.task,
               "--max-length", str(args.max_length), "--epochs", str(args.epochs), "--deepspeed", str(args.deepspeed)]
    return command + ["--use-gpu"] * args.use_gpu + ["--train-embeddings"] * args.train_embeddings


def compare_at(args: argparse.Namespace, rows: int, workers: int) -> None:
    """--pairs alternating pairs at one row count: each pair's figures, then the median ratio and its spread."""
    config = bench_config(args, rows, workers)
    where = f"{workers} GPU worker(s), bf16" if args.use_gpu else f"{workers} workers"
    print(f"[throughput] {args.task}, {rows} rows, max {args.max_length} tokens, {args.epochs:g} epochs, "
          f"global batch {config.batch_size * workers}, word embeddings {'trained' if args.train_embeddings else 'frozen'}; "
          f"hrm train = Ray Train, {where}, ZeRO-{args.deepspeed}; single = one HF Trainer process", flush=True)

    def show(pair: int, hrm: dict, single: dict) -> None:
        first = "hrm" if side_order(pair)[0] == "A" else "single"
        print(f"[throughput] pair {pair + 1} ({first} first): hrm {hrm['samples_per_s']:.2f} samples/s "
              f"(whole command {hrm['wall_s']:.0f} s incl. Ray start-up, eval, checkpoints), single "
              f"{single['samples_per_s']:.2f} samples/s ({single['wall_s']:.0f} s incl. model load), "
              f"ratio {hrm['samples_per_s'] / single['samples_per_s']:.2f}", flush=True)

    pairs = alternating_pairs(args.pairs, lambda: run_in_own_process(side_command(args, "hrm", rows)),
                              lambda: run_in_own_process(side_command(args, "single", rows)), on_pair=show)
    ratios = spread([hrm["samples_per_s"] / single["samples_per_s"] for hrm, single in pairs])
    print(f"[throughput] {rows} rows: ratio hrm/single = {ratios.format()} (target >= 0.9)", flush=True)


def visible_gpus() -> int:
    import torch  # here only to count GPUs: each side imports what it trains with in its own process

    return torch.cuda.device_count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "data"))
    parser.add_argument("--task", default="sentiment")
    parser.add_argument("--rows", type=int, nargs="+", default=[640, 1600],
                        help="train rows; each row count is compared on its own")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--deepspeed", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=3, help="alternating hrm/single pairs per row count")
    parser.add_argument("--use-gpu", action="store_true", help="one worker per visible GPU, NCCL and bf16")
    parser.add_argument("--train-embeddings", action="store_true",
                        help="fine-tune the word embeddings too, on both sides (hrm train's default keeps them)")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)  # internal: measure one side, print JSON
    args = parser.parse_args()

    workers = visible_gpus() if args.use_gpu else 2
    if workers < 1:
        parser.error("--use-gpu: torch sees no GPU here")
    if args.side:
        config = bench_config(args, args.rows[0], workers)
        print_result(hrm_train(config) if args.side == "hrm" else single_process(config))
        return
    for rows in args.rows:
        compare_at(args, rows, workers)


if __name__ == "__main__":
    main()
