"""The transformer tagger's recipe on ResumeNER-zh, scored on validation only (docs/token-classification.md).

    nice -n 10 flock /tmp/hrm-heavy.lock .venv/bin/python experiments/token_recipe.py --data-dir ../shared/data \
        --only lr1e-4 --only lr2e-4 --results /tmp/token_recipe.jsonl

Each configuration fine-tunes multilingual-e5-small through the real loop (hrm_ray/train/token_loop.py: Ray
Train, 2 CPU workers, ZeRO-2) on a fixed sample of train.char.bmes and is scored after every epoch on a fixed
sample of dev.char.bmes (strict entity micro-F1). No test file is read. One JSON line per configuration: the
settings, dev F1 by epoch, and minutes per epoch (training only, evaluation excluded).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

from hrm_ray.spans.formats import read_bmes

SEED = 13  # the train and dev samples; any fixed value, stated so the numbers can be reproduced
BASE = {
    "model": "multilingual-e5-small", "num_workers": 2, "deepspeed": 2, "epochs": 2, "batch_size": 16,
    "max_length": 128, "lr": 5e-5, "head_lr_multiplier": 1.0, "warmup_ratio": 0.1,
    "early_stopping_patience": 100,  # every epoch's score is wanted
}
# name -> overrides of BASE; "token_options" go to the loop's window settings.
CONFIGS = {
    "plain": {},  # the first try's settings: lr 5e-5, one learning rate for all weights
    "lr1e-4": {"lr": 1e-4},
    "lr2e-4": {"lr": 2e-4},
    "lr3e-4": {"lr": 3e-4},
    "lr1e-4-head20": {"lr": 1e-4, "head_lr_multiplier": 20.0},
    "lr2e-4-head20": {"lr": 2e-4, "head_lr_multiplier": 20.0},
    "lr2e-4-head5": {"lr": 2e-4, "head_lr_multiplier": 5.0},
    "lr3e-4-head5": {"lr": 3e-4, "head_lr_multiplier": 5.0},
    "lr3e-4-head20": {"lr": 3e-4, "head_lr_multiplier": 20.0},
    "lr5e-4-head5": {"lr": 5e-4, "head_lr_multiplier": 5.0},
    "lr2e-4-head50": {"lr": 2e-4, "head_lr_multiplier": 50.0},
    "lr1e-4-head50": {"lr": 1e-4, "head_lr_multiplier": 50.0},
    "lr2e-4-head5-nowarmup": {"lr": 2e-4, "head_lr_multiplier": 5.0, "warmup_ratio": 0.0},
    "lr2e-4-head5-batch8": {"lr": 2e-4, "head_lr_multiplier": 5.0, "batch_size": 8},
    # around the better head multiplier
    "lr2e-4-head20-nowarmup": {"lr": 2e-4, "head_lr_multiplier": 20.0, "warmup_ratio": 0.0},
    "lr2e-4-head20-batch8": {"lr": 2e-4, "head_lr_multiplier": 20.0, "batch_size": 8},
    "lr2e-4-head20-batch4": {"lr": 2e-4, "head_lr_multiplier": 20.0, "batch_size": 4},
    "lr1e-4-head20-batch8": {"lr": 1e-4, "head_lr_multiplier": 20.0, "batch_size": 8},
    "lr2e-4-head50-batch8": {"lr": 2e-4, "head_lr_multiplier": 50.0, "batch_size": 8},
    # label handling, window length, word embeddings and warmup, at lr 2e-4, head x20, batch 8
    "lr3e-4-head20-batch8": {"lr": 3e-4, "head_lr_multiplier": 20.0, "batch_size": 8},
    "batch8-first": {"lr": 2e-4, "head_lr_multiplier": 20.0, "batch_size": 8, "token_options": {"subtokens": "first"}},
    "batch8-max64": {"lr": 2e-4, "head_lr_multiplier": 20.0, "batch_size": 8, "max_length": 64,
                     "token_options": {"stride": 16}},
    "batch8-nowarmup": {"lr": 2e-4, "head_lr_multiplier": 20.0, "batch_size": 8, "warmup_ratio": 0.0},
    "batch8-embeddings": {"lr": 2e-4, "head_lr_multiplier": 20.0, "batch_size": 8, "train_embeddings": True},
}


def sample(examples: list[dict], size: int | None, seed: int) -> list[dict]:
    return examples if size is None or size >= len(examples) else random.Random(seed).sample(examples, size)


def run(name: str, overrides: dict, train: list[dict], validation: list[dict], types: list[str],
        keep: Path | None = None) -> dict:
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    from hrm_ray.train.token_loop import train_loop_per_worker

    config = {**BASE, **overrides}
    storage = Path(tempfile.mkdtemp(prefix="token_recipe_"))
    config["token_data"] = {"train": train, "validation": validation, "test": [], "types": types}
    started = time.perf_counter()
    trainer = TorchTrainer(
        train_loop_per_worker, train_loop_config=config,
        scaling_config=ScalingConfig(num_workers=config["num_workers"], resources_per_worker={"CPU": 1}),
        run_config=RunConfig(name=name, storage_path=str(storage)),
    )
    result = trainer.fit()
    wall = time.perf_counter() - started
    if result.error:
        raise result.error
    with result.checkpoint.as_directory() as checkpoint_dir:
        model_dir = Path(checkpoint_dir) / "model"
        run_info = json.loads((model_dir / "run_info.json").read_text())
        log = json.loads((model_dir / "training_log.json").read_text())
        if keep is not None:
            shutil.copytree(model_dir, keep / name, dirs_exist_ok=True)
    shutil.rmtree(storage, ignore_errors=True)
    by_epoch = [round(entry["eval_micro_f1"], 4) for entry in log if "eval_micro_f1" in entry]
    epoch_minutes = run_info["train_seconds_excluding_eval"] / max(run_info["timed_epochs"], 1) / 60
    row = {
        "name": name, "settings": {k: v for k, v in config.items() if k != "token_data"},
        "train_texts": len(train), "train_windows": run_info["train_windows"], "validation_texts": len(validation),
        "dev_micro_f1_by_epoch": by_epoch, "best_dev_micro_f1": max(by_epoch) if by_epoch else None,
        "minutes_per_epoch": round(epoch_minutes, 2), "wall_minutes": round(wall / 60, 2),
    }
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--only", choices=sorted(CONFIGS), action="append", help="configurations to run (all)")
    parser.add_argument("--train-samples", type=int, default=600, help="train sentences (0: all 3,821)")
    parser.add_argument("--eval-samples", type=int, default=200, help="dev sentences scored (0: all 463)")
    parser.add_argument("--epochs", type=float, default=None, help="overrides BASE and the configuration")
    parser.add_argument("--results", type=Path, default=None, help="append each JSON line to this file too")
    parser.add_argument("--keep", type=Path, default=None, help="copy each model folder to KEEP/NAME")
    args = parser.parse_args()

    from hrm_ray.ray_session import ensure_ray

    folder = args.data_dir / "resume_ner_zh"
    everything = read_bmes(folder / "train.char.bmes")
    types = sorted({e["type"] for example in everything for e in example["entities"]})
    train = sample(everything, args.train_samples or None, SEED)
    validation = sample(read_bmes(folder / "dev.char.bmes"), args.eval_samples or None, SEED)
    extra = {} if args.epochs is None else {"epochs": args.epochs}
    ensure_ray()
    for name in args.only or list(CONFIGS):
        row = run(name, {**CONFIGS[name], **extra}, train, validation, types, args.keep)
        if args.results:
            with args.results.open("a") as out:
                out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
