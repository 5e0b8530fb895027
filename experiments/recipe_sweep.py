#!/usr/bin/env python3
"""MiniLM fine-tuning sweep for the screening and sentiment tasks, plain PyTorch, one GPU, N processes.

Mirrors hrm_ray/train/transformer_loop.py (ChunkTrainer + TrainingArguments) with the project's own data,
splits, chunking, model loading and metrics:
  - AdamW (betas 0.9/0.999, eps 1e-8), weight decay 0.01 except biases and LayerNorm weights (the Trainer's
    get_decay_parameter_names), lr x head_lr_multiplier (20) for every parameter outside `bert.` plus
    `bert.pooler.*` (i.e. classifier.* and bert.pooler.*);
  - linear warm-up over ceil(0.1 * total steps), then linear decay to 0; gradient clipping at norm 1.0
    (TrainingArguments.max_grad_norm, DeepSpeed gradient_clipping "auto");
  - task defaults for lr / epochs / batch (global batch = 2 workers x per-worker batch), max_length, max_chunks;
    word embeddings frozen unless the config trains them; plain (unweighted) cross-entropy, like the model's
    own loss, unless the config asks for balanced class weights; the backbone's own attention dropout (0.1),
    as hrm train had when rounds 1-3 ran (it now trains screening without, for speed on CPU:
    Task.default_attention_dropout; round 4 compares the two); the model's own head (BERT's pooler over
    [CLS]) unless a config's pooling is "mean" (round 5);
  - training: one random chunk per text per epoch (SampledChunks, seed 42 = config.seed + rank 0), batches
    length-grouped like the Trainer's group_by_length sampler (megabatches of min(n // (4 * per-worker
    batch), 50) per-worker batches, sorted by length);
  - evaluation: every chunk scored, logits mean-pooled per text (AllChunks.pool), macro-F1 over all labels;
    the best-validation epoch is the model the project would keep (load_best_model_at_end, ties -> earlier).

Usage: python experiments/recipe_sweep.py --model DIR --data-dir DIR [--round 1-8] [--parallel 4] [--deadline-s 330]
                                        [--only a,b] [--tiny]

How its results in docs/results.md ("Quality", "What a GPU sweep says about the recipe") were made: docs/gpu-runs.md.
It needs no Ray or DeepSpeed, so it runs on a bare GPU box with torch, transformers, pandas and scikit-learn.
"""

from __future__ import annotations

import os

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS; must precede CUDA init
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import json
import math
import queue
import random
import sys
import time
import traceback
from pathlib import Path

SEED = 42
N_WORKERS_DEFAULT_RUN = 2  # `hrm train` uses 2 Ray workers: global batch = 2 x per-worker batch

# ---------------------------------------------------------------------------------------------------------
# configs
# ---------------------------------------------------------------------------------------------------------

# The task defaults when the sweep ran (hrm_ray/tasks/{base,screening,sentiment}.py), the baseline every config
# varies and the unit of cpu_cost. The sweep moved them (screening 384 x 3 for 3 epochs, sentiment's weighted
# loss); start-up says where the project's defaults now differ.
TASK_DEFAULTS = {
    "sentiment": dict(lr=5e-5, epochs=3, batch=32, max_length=128, max_chunks=4),
    "screening": dict(lr=1e-4, epochs=6, batch=16, max_length=128, max_chunks=8),
}


def make(name, task, **over):
    c = dict(name=name, task=task, **TASK_DEFAULTS[task], train_embeddings=False, class_weighted=False,
             head_lr_multiplier=20.0, weight_decay=0.01, warmup_ratio=0.1, attention_dropout=0.1,
             pooling="cls", target="label", soft_shift=0.2, score_after=False, seed=SEED)
    for k, v in over.items():
        if k not in c:
            raise KeyError(k)
        c[k] = v
    return c


# Defaults first (sanity check: test macro-F1 ~0.66 / ~0.58 on CPU fp32), then by how informative, the tasks
# interleaved and the longest screening runs early so the tail stays short.
CONFIGS = [
    make("S-default", "sentiment"),
    make("R-default", "screening"),
    make("R-12ep", "screening", epochs=12),
    make("S-cw", "sentiment", class_weighted=True),
    make("R-len256x4", "screening", max_length=256, max_chunks=4),
    make("S-cw-6ep", "sentiment", class_weighted=True, epochs=6),
    make("R-12ep-len256x4", "screening", epochs=12, max_length=256, max_chunks=4),
    make("S-lr1e-4-4ep", "sentiment", lr=1e-4, epochs=4),
    make("R-20ep-lr5e-5", "screening", epochs=20, lr=5e-5),
    make("S-6ep", "sentiment", epochs=6),
    make("R-lr2e-4", "screening", lr=2e-4),
    make("S-len256x2", "sentiment", max_length=256, max_chunks=2),
    make("R-cw", "screening", class_weighted=True),
    make("S-lr3e-5-6ep", "sentiment", lr=3e-5, epochs=6),
    make("R-len512x2", "screening", max_length=512, max_chunks=2),
    make("S-emb", "sentiment", train_embeddings=True),
    make("R-emb", "screening", train_embeddings=True),
    make("S-bs16", "sentiment", batch=16),
    # extras, only if time is left: the likeliest combinations
    make("R-cw-12ep-len256x4", "screening", class_weighted=True, epochs=12, max_length=256, max_chunks=4),
    make("S-cw-lr1e-4-4ep", "sentiment", class_weighted=True, lr=1e-4, epochs=4),
]


# Round 2: what fits a 30-minute CPU run (512-token chunks at fewer epochs), class weights, and seeds.
CONFIGS2 = [
    make("R2-512x2-3ep", "screening", max_length=512, max_chunks=2, epochs=3),
    make("R2-512x2-6ep-s43", "screening", max_length=512, max_chunks=2, seed=43),
    make("R2-512x2-4ep", "screening", max_length=512, max_chunks=2, epochs=4),
    make("S2-cw-s43", "sentiment", class_weighted=True, seed=43),
    make("R2-512x2-3ep-s43", "screening", max_length=512, max_chunks=2, epochs=3, seed=43),
    make("R2-384x3-4ep", "screening", max_length=384, max_chunks=3, epochs=4),
    make("S2-cw-s44", "sentiment", class_weighted=True, seed=44),
    make("R2-512x2-3ep-cw", "screening", max_length=512, max_chunks=2, epochs=3, class_weighted=True),
    make("S2-default-s43", "sentiment", seed=43),
    make("R2-512x2-3ep-lr2e-4", "screening", max_length=512, max_chunks=2, epochs=3, lr=2e-4),
    make("S2-cw-bs16", "sentiment", class_weighted=True, batch=16),
    make("R2-512x2-3ep-s44", "screening", max_length=512, max_chunks=2, epochs=3, seed=44),
    make("S2-cw-4ep", "sentiment", class_weighted=True, epochs=4),
    make("R2-512x2-2ep", "screening", max_length=512, max_chunks=2, epochs=2),
]

# Round 3: 384-token chunks at 3 epochs (a 4-epoch run took 33 min on the 2-core CPU), and seeds.
CONFIGS3 = [
    make("R3-384x3-3ep", "screening", max_length=384, max_chunks=3, epochs=3),
    make("R3-384x3-3ep-s43", "screening", max_length=384, max_chunks=3, epochs=3, seed=43),
    make("R3-384x3-4ep-s43", "screening", max_length=384, max_chunks=3, epochs=4, seed=43),
    make("R3-320x4-4ep", "screening", max_length=320, max_chunks=4, epochs=4),
    make("R3-384x3-3ep-s44", "screening", max_length=384, max_chunks=3, epochs=3, seed=44),
    make("R3-384x3-4ep-s44", "screening", max_length=384, max_chunks=3, epochs=4, seed=44),
    make("R3-320x4-4ep-s43", "screening", max_length=320, max_chunks=4, epochs=4, seed=43),
    make("R3-320x4-4ep-s44", "screening", max_length=320, max_chunks=4, epochs=4, seed=44),
]

# Round 4: attention dropout off (it made a CPU step 1.9x faster at 384 tokens; hrm train's screening default since)
# against the backbone's 0.1, on screening's 384 x 3 for 4-6 epochs and sentiment's default, and seeds.
R4 = dict(max_length=384, max_chunks=3)
CONFIGS4 = [
    make("R4-384x3-5ep-ad0", "screening", **R4, epochs=5, attention_dropout=0.0),
    make("R4-384x3-5ep-ad0-s43", "screening", **R4, epochs=5, attention_dropout=0.0, seed=43),
    make("R4-384x3-5ep-ad0-s44", "screening", **R4, epochs=5, attention_dropout=0.0, seed=44),
    make("R4-384x3-5ep", "screening", **R4, epochs=5),
    make("R4-384x3-5ep-s43", "screening", **R4, epochs=5, seed=43),
    make("R4-384x3-5ep-s44", "screening", **R4, epochs=5, seed=44),
    make("S4-cw-ad0", "sentiment", class_weighted=True, attention_dropout=0.0),
    make("S4-cw-ad0-s43", "sentiment", class_weighted=True, attention_dropout=0.0, seed=43),
    make("S4-cw-ad0-s44", "sentiment", class_weighted=True, attention_dropout=0.0, seed=44),
    make("R4-384x3-6ep-ad0", "screening", **R4, epochs=6, attention_dropout=0.0),
    make("R4-384x3-6ep-ad0-s43", "screening", **R4, epochs=6, attention_dropout=0.0, seed=43),
    make("R4-384x3-4ep-ad0", "screening", **R4, epochs=4, attention_dropout=0.0),
    make("R4-384x3-4ep-ad0-s43", "screening", **R4, epochs=4, attention_dropout=0.0, seed=43),
    make("S4-cw-ad0-4ep", "sentiment", class_weighted=True, attention_dropout=0.0, epochs=4),
    # a second call: more seeds, since sentiment looked worse without attention dropout (3 seeds each)
    *[make(f"S4-cw-ad0-s{seed}", "sentiment", class_weighted=True, attention_dropout=0.0, seed=seed)
      for seed in (45, 46, 47)],
    *[make(f"S4-cw-s{seed}", "sentiment", class_weighted=True, seed=seed) for seed in (45, 46, 47)],
    *[make(f"R4-384x3-5ep-ad0-s{seed}", "screening", **R4, epochs=5, attention_dropout=0.0, seed=seed)
      for seed in (45, 46)],
    *[make(f"R4-384x3-5ep-s{seed}", "screening", **R4, epochs=5, seed=seed) for seed in (45, 46)],
]

# Round 5: the head reads the mean of the token states (how all-MiniLM-L6-v2 was trained to embed) instead of
# the [CLS] state through BERT's pooler (hrm train's head, AutoModelForSequenceClassification), on each task's
# default recipe, seeds.
CONFIGS5 = [
    *[make(f"S5-cw-mean-s{seed}", "sentiment", class_weighted=True, pooling="mean", seed=seed)
      for seed in (42, 43, 44, 45, 46, 47)],
    *[make(f"R5-384x3-5ep-ad0-mean-s{seed}", "screening", **R4, epochs=5, attention_dropout=0.0, pooling="mean",
           seed=seed) for seed in (42, 43, 44, 45)],
]

# Round 6: sentiment learns from the 1-5 star rating its 3 labels collapse (1-2, 3, 4-5), which tells a 2 from
# a 1 and a 4 from a 5: "rating5" trains a 5-way head and scores the summed probabilities of each label's stars;
# "aux5" keeps the 3-way head and adds a 5-way one beside it for training only (loss 3-way + 0.5 x 5-way);
# "soft" keeps the 3-way head and moves soft_shift (0.2) of a 2's or a 4's target onto neutral. Against the
# default (cw).
CONFIGS6 = [
    *[make(f"S6-cw-rating5-s{seed}", "sentiment", class_weighted=True, target="rating5", seed=seed)
      for seed in (42, 43, 44, 45)],
    *[make(f"S6-cw-aux5-s{seed}", "sentiment", class_weighted=True, target="aux5", seed=seed)
      for seed in (42, 43, 44, 45)],
    *[make(f"S6-cw-soft-s{seed}", "sentiment", class_weighted=True, target="soft", seed=seed)
      for seed in (42, 43, 44)],
    *[make(f"S6-cw-s{seed}", "sentiment", class_weighted=True, seed=seed) for seed in (42, 43)],
    # a second call: "soft" scored 0.698 on average with the bias search (3 seeds): more seeds, and a 0.1 shift
    *[make(f"S6-cw-soft-s{seed}", "sentiment", class_weighted=True, target="soft", seed=seed)
      for seed in range(45, 52)],
    *[make(f"S6-cw-soft01-s{seed}", "sentiment", class_weighted=True, target="soft", soft_shift=0.1, seed=seed)
      for seed in (42, 43, 44, 45, 46)],
]

# Round 7: no change to training; two things scored after it, on each task's default recipe and 8 seeds: the
# fine-tuned model's probabilities averaged with a TF-IDF + logistic regression model's (benchmarks/quality.py's
# baseline, fit on the same train split; the weight picked on validation), and the weights of the last two
# epochs averaged into one model.
CONFIGS7 = [
    *[make(f"S7-cw-s{seed}", "sentiment", class_weighted=True, score_after=True, seed=seed) for seed in range(42, 50)],
    *[make(f"R7-384x3-5ep-ad0-s{seed}", "screening", **R4, epochs=5, attention_dropout=0.0, score_after=True,
           seed=seed) for seed in (42, 43)],
]
# Round 8: the packaged multilingual-e5-small (English/Portuguese cut; 12 layers to MiniLM's 6), converted by
# hrm_ray/backbones/e5.py and passed as --model, on sentiment's default recipe: is its one CPU run (test 0.665
# against MiniLM's 0.687) the backbone or the seed? Seeds, and two learning rates.
CONFIGS8 = [
    *[make(f"E8-cw-s{seed}", "sentiment", class_weighted=True, seed=seed) for seed in (42, 43, 44, 45)],
    make("E8-cw-lr3e-5", "sentiment", class_weighted=True, lr=3e-5),
    make("E8-cw-lr1e-4", "sentiment", class_weighted=True, lr=1e-4),
]

ENSEMBLE_WEIGHTS = [round(0.05 * i, 2) for i in range(21)]  # the TF-IDF model's share, chosen on validation

STAR_TO_LABEL = (0, 0, 1, 2, 2)  # sentiment's RATING_TO_LABEL as indices: stars 1-5 -> negative, neutral, positive
AUX_WEIGHT = 0.5  # "aux5": the 5-way loss's weight beside the 3-way one


def forward_logits(model, ids, mask, pooling: str):
    """The classifier's logits: from BERT's pooler over [CLS] ("cls", the model's own forward), or from the
    mask-weighted mean of the last hidden states through the same dropout and classifier ("mean")."""
    if pooling == "cls":
        return model(input_ids=ids, attention_mask=mask).logits
    states = model.base_model(input_ids=ids, attention_mask=mask).last_hidden_state
    weights = mask.unsqueeze(-1).to(states.dtype)
    pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
    return model.classifier(model.dropout(pooled))


def cpu_cost(c) -> float:
    """epochs x chunk tokens per train text per epoch (nominal: max_length) x train texts, relative to the
    task's default recipe (same train texts, so they cancel)."""
    d = TASK_DEFAULTS[c["task"]]
    return round(c["epochs"] * c["max_length"] / (d["epochs"] * d["max_length"]), 3)


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, flush=True)


def upcast_model_dir(model_dir: Path) -> None:
    """fp16/bf16 safetensors -> fp32, in place (the archive ships fp16 to halve the transfer)."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    for path in sorted(model_dir.glob("*.safetensors")):
        with safe_open(str(path), "pt") as f:
            dtypes = {str(f.get_slice(k).get_dtype()) for k in f.keys()}
        if not dtypes & {"F16", "BF16"}:
            continue
        tensors = load_file(str(path))
        tensors = {k: (v.float() if v.dtype in (torch.float16, torch.bfloat16) else v) for k, v in tensors.items()}
        tmp = path.with_suffix(".tmp")
        save_file(tensors, str(tmp), metadata={"format": "pt"})
        tmp.replace(path)
        log(f"[sweep] upcast {path} to fp32 ({len(tensors)} tensors)")


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def length_grouped_order(lengths, per_worker_batch: int, generator):
    """transformers.trainer_pt_utils.get_length_grouped_indices, as the Trainer's group_by_length sampler
    calls it with the per-device batch size."""
    import torch

    mult = min(len(lengths) // (per_worker_batch * 4), 50) or 1
    indices = torch.randperm(len(lengths), generator=generator)
    size = mult * per_worker_batch
    megabatches = [indices[i: i + size].tolist() for i in range(0, len(lengths), size)]
    megabatches = [sorted(m, key=lambda i: lengths[i], reverse=True) for m in megabatches]
    maxima = [lengths[m[0]] for m in megabatches]
    j = int(torch.argmax(torch.tensor(maxima)).item())
    megabatches[0][0], megabatches[j][0] = megabatches[j][0], megabatches[0][0]
    return [i for m in megabatches for i in m]


def pad(seqs, device, pad_id: int):
    import torch

    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for r, s in enumerate(seqs):
        ids[r, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[r, : len(s)] = 1
    return ids.to(device, non_blocking=True), mask.to(device, non_blocking=True)


def fast_macro_f1(y, pred, k: int) -> float:
    """sklearn f1_score(average='macro', labels=range(k), zero_division=0), fast, for the bias search."""
    import numpy as np

    tp = np.bincount(y[pred == y], minlength=k)
    denom = np.bincount(pred, minlength=k) + np.bincount(y, minlength=k)
    return float(np.mean(np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)))


def tune_bias(val_logits, val_y, k: int, passes: int = 4):
    """One additive logit bias per class maximising validation macro-F1, by coordinate search."""
    import numpy as np

    grid = np.round(np.linspace(-4, 4, 161), 3)
    bias = np.zeros(k)
    best = fast_macro_f1(val_y, (val_logits + bias).argmax(1), k)
    for _ in range(passes):
        improved = False
        for c in range(k):
            keep = bias[c]
            for value in grid:
                bias[c] = value
                score = fast_macro_f1(val_y, (val_logits + bias).argmax(1), k)
                if score > best + 1e-12:
                    best, keep, improved = score, value, True
            bias[c] = keep
        if not improved:
            break
    return bias - bias.mean(), best


# ---------------------------------------------------------------------------------------------------------
# one config (runs inside a worker process)
# ---------------------------------------------------------------------------------------------------------


class Data:
    """Per-process cache: splits per task (sentiment's with each review's stars), tokenised chunks per (task,
    max_length, max_chunks), the TF-IDF baseline's probabilities per task."""

    def __init__(self, args):
        self.args, self.splits, self.chunks, self.tfidf_probs = args, {}, {}, {}

    def get(self, task, tokenizer, max_length: int, max_chunks: int):
        from hrm_ray.config import TrainConfig
        from hrm_ray.inference.chunks import tokenize_chunks
        from hrm_ray.kinds import task_splits

        if task.name not in self.splits:
            config = TrainConfig(task=task.name, data_dir=self.args.data_dir,
                                 max_train_samples=self.args.tiny_rows if self.args.tiny else None)
            splits = task_splits(task, config)
            if self.args.tiny:
                splits = {k: (v if k == "train" else
                              v.sample(n=min(len(v), self.args.tiny_rows // 2), random_state=SEED).reset_index(drop=True))
                          for k, v in splits.items()}
            if task.name == "sentiment":  # round 6 trains on the 1-5 stars behind the three labels
                stars = self.stars(task)
                splits = {k: v.assign(stars=v["text"].map(stars)) for k, v in splits.items()}
            self.splits[task.name] = splits
        key = (task.name, max_length, max_chunks)
        if key not in self.chunks:
            t = time.time()
            splits = self.splits[task.name]
            self.chunks[key] = {
                s: (tokenize_chunks(tokenizer, splits[s]["text"].tolist(), max_length, max_chunks),
                    task.label_index(splits[s]))
                for s in ("train", "validation", "test")
            }
            if "stars" in splits["train"]:
                for s in self.chunks[key]:
                    self.chunks[key][s] += ((splits[s]["stars"] - 1).tolist(),)
            log(f"[sweep] pid {os.getpid()} tokenised {key}: "
                + ", ".join(f"{s} {len(v[0])} texts / {sum(map(len, v[0]))} chunks" for s, v in self.chunks[key].items())
                + f" ({time.time() - t:.1f}s)")
        return self.chunks[key]

    def tfidf(self, task) -> dict:
        """Validation and test probabilities of the TF-IDF + logistic regression baseline fit on train, its C
        chosen on validation (as benchmarks/quality.py fits it)."""
        if task.name not in self.tfidf_probs:
            from hrm_ray.baselines import fit_tuned_tfidf_baseline

            splits = self.splits[task.name]
            train, validation = splits["train"], splits["validation"]
            baseline = fit_tuned_tfidf_baseline(task.labels, task.primary_metric, train["text"].tolist(),
                                                task.label_index(train), validation["text"].tolist(),
                                                task.label_index(validation))
            log(f"[sweep] {task.name} TF-IDF baseline: {baseline.chosen}")
            self.tfidf_probs[task.name] = {s: baseline.predict_proba(splits[s]["text"].tolist())
                                           for s in ("validation", "test")}
        return self.tfidf_probs[task.name]

    def stars(self, task) -> dict[str, int]:
        """Each review text's overall rating (1-5), the first row's where a text repeats (the row the
        task's de-duplication keeps)."""
        from hrm_ray.data import read_table
        from hrm_ray.tasks.sentiment import review_text

        path = Path(self.args.data_dir) / task.data_files[0]
        table = read_table(path, ["overall_rating", "headline", "pros", "cons"])
        stars = {}
        for rating, h, p, c in zip(table["overall_rating"], table["headline"], table["pros"], table["cons"]):
            stars.setdefault(review_text(h, p, c), int(rating))
        return stars


def run_config(c: dict, args, data: Data, t0: float) -> dict:
    import numpy as np
    import torch
    import torch.nn.functional as F

    from hrm_ray.evaluation.metrics import classification_metrics
    from hrm_ray.backbones import load_classifier, set_word_embeddings_trainable
    from hrm_ray.tasks import get_task
    from hrm_ray.inference.chunks import AllChunks, SampledChunks
    from hrm_ray.train.class_weights import balanced_class_weights

    started = time.time()
    device = torch.device(args.device)
    use_bf16 = device.type == "cuda"
    task = get_task(c["task"])
    k = len(task.labels)
    epochs = 1 if args.tiny else int(c["epochs"])

    seed_everything(c["seed"])
    target = c["target"]
    head_labels = tuple(f"{n} stars" for n in range(1, 6)) if target == "rating5" else task.labels
    k_head = len(head_labels)
    tokenizer, model = load_classifier(args.model, head_labels, c["attention_dropout"])
    model.float()  # the archive's weights are fp16; whatever dtype the loader picked, train in fp32 (+ autocast)
    set_word_embeddings_trainable(model, c["train_embeddings"])
    model.to(device)
    max_length = min(c["max_length"], getattr(model.config, "max_position_embeddings", c["max_length"]))
    chunks = data.get(task, tokenizer, max_length, c["max_chunks"])
    pad_id = tokenizer.pad_token_id or 0

    train_chunks, train_y = chunks["train"][:2]
    # Round 6 trains on the stars (0-4) and derives the 3 labels from them in the loop.
    train_targets = train_y if target == "label" else chunks["train"][2]
    train_set = SampledChunks(train_chunks, train_targets, seed=c["seed"])  # rank 0's seed (config.seed + rank)
    val_set = AllChunks(*chunks["validation"][:2])
    test_set = AllChunks(*chunks["test"][:2])
    n_train = len(train_set)
    tokens_per_epoch = float(sum(np.mean([len(x) for x in t]) for t in train_chunks))  # expected, 1 chunk/text

    # ---- optimizer: ChunkTrainer.create_optimizer ----
    body_prefix = model.base_model_prefix + "."
    ln_params = {id(p) for m in model.modules() if isinstance(m, torch.nn.LayerNorm) for p in m.parameters(recurse=False)}
    import re

    forbidden = re.compile(r"bias|layernorm|rmsnorm|(?:^|\.)norm(?:$|\.)|_norm(?:$|\.)")

    def decays(name, p):
        return id(p) not in ln_params and not forbidden.search(name.lower())

    def in_head(name):
        return not name.startswith(body_prefix) or ".pooler." in name

    groups, head_names = [], []
    for is_head in (False, True):
        for with_decay in (True, False):
            named = [(n, p) for n, p in model.named_parameters()
                     if p.requires_grad and in_head(n) == is_head and decays(n, p) == with_decay]
            if named:
                groups.append({"params": [p for _, p in named],
                               "weight_decay": c["weight_decay"] if with_decay else 0.0,
                               "lr": c["lr"] * (c["head_lr_multiplier"] if is_head else 1.0)})
                if is_head:
                    head_names += [n for n, _ in named]
    aux_head = None
    if target == "aux5":  # a 5-way head beside the 3-way one on the same pooled [CLS], trained at the head's lr
        aux_head = torch.nn.Linear(model.config.hidden_size, 5).to(device)
        head_lr = c["lr"] * c["head_lr_multiplier"]
        groups += [{"params": [aux_head.weight], "weight_decay": c["weight_decay"], "lr": head_lr},
                   {"params": [aux_head.bias], "weight_decay": 0.0, "lr": head_lr}]
        head_names += ["aux_head.weight", "aux_head.bias"]
    opt_kwargs = {"fused": True} if device.type == "cuda" else {}
    optimizer = torch.optim.AdamW(groups, lr=c["lr"], betas=(0.9, 0.999), eps=1e-8, **opt_kwargs)
    params = [p for g in groups for p in g["params"]]

    gbs = int(c["batch"])
    per_worker = max(1, gbs // N_WORKERS_DEFAULT_RUN)
    steps_per_epoch = math.ceil(n_train / gbs)
    total_steps = steps_per_epoch * epochs
    warmup = math.ceil(total_steps * c["warmup_ratio"])

    def lr_lambda(step):  # transformers.get_linear_schedule_with_warmup
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)

    weight = balanced_class_weights(train_y, k).to(device) if c["class_weighted"] else None
    star_to_label = torch.tensor(STAR_TO_LABEL, device=device)
    if target != "label":
        weight5 = balanced_class_weights(train_targets, 5).to(device) if c["class_weighted"] else None
        soft = torch.zeros(5, k, device=device)
        soft[torch.arange(5), star_to_label] = 1.0
        soft[[1, 3], 1] += c["soft_shift"]
        soft[1, 0] -= c["soft_shift"]
        soft[3, 2] -= c["soft_shift"]
        collapse = np.zeros((5, k))
        collapse[np.arange(5), STAR_TO_LABEL] = 1.0

    def training_loss(ids, mask, targets):
        if target == "label":
            return F.cross_entropy(forward_logits(model, ids, mask, c["pooling"]).float(), targets, weight=weight)
        labels = star_to_label[targets]
        if target == "rating5":
            return F.cross_entropy(forward_logits(model, ids, mask, c["pooling"]).float(), targets, weight=weight5)
        if target == "aux5":
            pooled = model.dropout(model.base_model(input_ids=ids, attention_mask=mask).pooler_output)
            return (F.cross_entropy(model.classifier(pooled).float(), labels, weight=weight)
                    + AUX_WEIGHT * F.cross_entropy(aux_head(pooled).float(), targets, weight=weight5))
        # soft: each row weighs as its hard label does, as the weighted hard loss's mean (sum w_y / n) would
        logp = F.log_softmax(forward_logits(model, ids, mask, c["pooling"]).float(), -1)
        w = weight[labels] if weight is not None else torch.ones_like(labels, dtype=logp.dtype)
        return -(w * (soft[targets] * logp).sum(1)).sum() / w.sum()

    trainable = sum(p.numel() for p in params)
    log(f"[{c['name']}] start pid {os.getpid()} {c['task']} lr {c['lr']:g} ep {epochs} batch {gbs} "
        f"len {max_length}x{c['max_chunks']} emb {'on' if c['train_embeddings'] else 'off'} "
        f"cw {'on' if c['class_weighted'] else 'off'} train {n_train} val {val_set.n_texts} test {test_set.n_texts} "
        f"steps {total_steps} warmup {warmup} trainable {trainable / 1e6:.1f}M head {head_names} "
        f"dtype {next(model.parameters()).dtype} t+{time.time() - t0:.0f}s")

    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if use_bf16
                else torch.autocast("cpu", enabled=False))

    @torch.no_grad()
    def predict(ds: AllChunks):
        model.eval()
        order = np.argsort([len(x) for x in ds.items], kind="stable")
        out = np.zeros((len(ds.items), k_head), dtype=np.float64)
        budget = args.eval_tokens
        i = 0
        while i < len(order):
            width = len(ds.items[order[i]])
            j = i
            while j < len(order) and (j - i + 1) * max(width, len(ds.items[order[j]])) <= budget:
                width = max(width, len(ds.items[order[j]]))
                j += 1
            j = max(j, i + 1)
            idx = order[i:j]
            ids, mask = pad([ds.items[t] for t in idx], device, pad_id)
            with autocast:
                logits = forward_logits(model, ids, mask, c["pooling"])
            out[idx] = logits.float().cpu().numpy()
            i = j
        model.train()
        pooled = ds.pool(out)
        if target == "rating5":  # each label's probability is its stars' summed; log, so softmax gives it back
            z = np.exp(pooled - pooled.max(1, keepdims=True))
            return np.log(np.maximum((z / z.sum(1, keepdims=True)) @ collapse, 1e-12))
        return pooled

    def scores(ds, pooled):
        from hrm_ray.evaluation.metrics import softmax

        m = classification_metrics(task.labels, ds.labels, softmax(pooled))
        return m["macro_f1"], m["accuracy"]

    history, best, snapshots = [], None, []
    step = 0
    truncated = False
    model.train()
    for epoch in range(1, epochs + 1):
        te = time.time()
        drawn = [train_set[i] for i in range(n_train)]  # one random chunk per text (SampledChunks)
        lengths = [len(d["input_ids"]) for d in drawn]
        gen = torch.Generator().manual_seed(c["seed"] + epoch)
        order = length_grouped_order(lengths, per_worker, gen)
        loss_sum, loss_n, tokens = 0.0, 0, 0
        for b in range(0, n_train, gbs):
            idx = order[b: b + gbs]
            ids, mask = pad([drawn[i]["input_ids"] for i in idx], device, pad_id)
            labels = torch.tensor([drawn[i]["labels"] for i in idx], dtype=torch.long).to(device, non_blocking=True)
            with autocast:
                loss = training_loss(ids, mask, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            tokens += sum(lengths[i] for i in idx)
            if step % 25 == 0 or b + gbs >= n_train:
                loss_sum += float(loss.detach())
                loss_n += 1
        train_s = time.time() - te
        val_logits, test_logits = predict(val_set), predict(test_set)
        val_f1, val_acc = scores(val_set, val_logits)
        test_f1, test_acc = scores(test_set, test_logits)
        rec = dict(epoch=epoch, val_f1=round(val_f1, 4), val_acc=round(val_acc, 4), test_f1=round(test_f1, 4),
                   test_acc=round(test_acc, 4), loss=round(loss_sum / max(loss_n, 1), 4), train_s=round(train_s, 1),
                   eval_s=round(time.time() - te - train_s, 1))
        history.append(rec)
        if c["score_after"]:  # the last two epochs' weights, for averaging
            snapshots = (snapshots + [{n: t.detach().clone() for n, t in model.state_dict().items()}])[-2:]
        if best is None or val_f1 > best[0]:  # the Trainer's greater_is_better: strict, earlier epoch wins ties
            best = (val_f1, epoch, val_logits.copy(), test_logits.copy())
        log(f"[{c['name']}] epoch {epoch}/{epochs} loss {rec['loss']:.4f} val_f1 {val_f1:.4f} val_acc {val_acc:.4f} "
            f"test_f1 {test_f1:.4f} test_acc {test_acc:.4f} train {train_s:.1f}s eval {rec['eval_s']:.1f}s "
            f"({tokens / max(train_s, 1e-9):.0f} tok/s) t+{time.time() - t0:.0f}s")
        if time.time() - t0 > args.hard_deadline_s and epoch < epochs:
            truncated = True
            log(f"[{c['name']}] hard deadline {args.hard_deadline_s:.0f}s passed: stopping after epoch {epoch}")
            break

    # early stopping as the project runs it (patience 2 on validation macro-F1): which epoch it would keep
    es_best, es_epoch, bad = -1.0, None, 0
    for rec in history:
        if rec["val_f1"] > es_best:
            es_best, es_epoch, bad = rec["val_f1"], rec["epoch"], 0
        else:
            bad += 1
            if bad >= 2:
                break
    best_val, best_epoch, bv, bt = best
    extra = {}
    if c["score_after"]:
        from hrm_ray.evaluation.metrics import softmax

        val_y, test_y = np.asarray(val_set.labels), np.asarray(test_set.labels)
        tfidf = data.tfidf(task)
        model_probs = {"validation": softmax(bv), "test": softmax(bt)}

        def mixed_f1(split, w):  # macro-F1 of the model's probabilities with a share w of TF-IDF's
            y = val_y if split == "validation" else test_y
            return fast_macro_f1(y, ((1 - w) * model_probs[split] + w * tfidf[split]).argmax(1), k)

        picked = max(ENSEMBLE_WEIGHTS, key=lambda w: (mixed_f1("validation", w), -w))  # ties: less TF-IDF
        extra.update(tfidf_test_f1=round(mixed_f1("test", 1.0), 4), ens_weight=picked,
                     ens_val_f1=round(mixed_f1("validation", picked), 4),
                     ens_test_f1=round(mixed_f1("test", picked), 4), ens_half_test_f1=round(mixed_f1("test", 0.5), 4))
        if len(snapshots) == 2:
            model.load_state_dict({n: (snapshots[0][n] + snapshots[1][n]) / 2 if snapshots[0][n].is_floating_point()
                                   else snapshots[1][n] for n in snapshots[1]})
            av, at_ = predict(val_set), predict(test_set)
            extra.update(avg2_val_f1=round(scores(val_set, av)[0], 4), avg2_test_f1=round(scores(test_set, at_)[0], 4))
        log(f"[{c['name']}] after training: {json.dumps(extra)}")
    at = history[best_epoch - 1]
    bias, tuned_val = tune_bias(bv, np.asarray(val_set.labels), k)
    tuned_test = fast_macro_f1(np.asarray(test_set.labels), (bt + bias).argmax(1), k)
    tuned_test_acc = float(np.mean((bt + bias).argmax(1) == np.asarray(test_set.labels)))
    return dict(
        name=c["name"], task=c["task"], status="truncated" if truncated else "ok",
        lr=c["lr"], epochs=int(c["epochs"]), epochs_run=len(history), batch=gbs, max_length=max_length,
        max_chunks=c["max_chunks"], train_embeddings=c["train_embeddings"], class_weighted=c["class_weighted"],
        attention_dropout=c["attention_dropout"], pooling=c["pooling"], target=target, soft_shift=c["soft_shift"],
        seed=c["seed"],
        best_epoch=best_epoch, val_f1=round(best_val, 4), test_f1=at["test_f1"], test_acc=at["test_acc"],
        es_epoch=es_epoch, es_test_f1=history[es_epoch - 1]["test_f1"],
        bias_val_f1=round(tuned_val, 4), bias_test_f1=round(tuned_test, 4), bias_test_acc=round(tuned_test_acc, 4),
        bias=[round(float(x), 3) for x in bias],
        cpu_cost=cpu_cost(c), train_tokens_per_epoch=round(tokens_per_epoch), n_train=n_train,
        wall_s=round(time.time() - started, 1), device=str(device), bf16=use_bf16, tiny=bool(args.tiny),
        history=history, **extra,
    )


def worker(wid: int, args, todo, results, t0: float) -> None:
    import torch
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.use_deterministic_algorithms(True, warn_only=True)
    data = Data(args)
    while True:
        try:
            c = todo.get_nowait()
        except queue.Empty:
            break
        if time.time() - t0 > args.deadline_s:
            results.put({"name": c["name"], "task": c["task"], "status": "skipped (deadline)", "cpu_cost": cpu_cost(c)})
            continue
        try:
            results.put(run_config(c, args, data, t0))
        except Exception as error:  # one failed config must not end the sweep
            traceback.print_exc()
            results.put({"name": c["name"], "task": c["task"], "status": f"error: {type(error).__name__}: {error}"[:300],
                         "cpu_cost": cpu_cost(c)})
        if args.device.startswith("cuda"):
            torch.cuda.empty_cache()
    results.put({"_worker_done": wid})


# ---------------------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------------------


def table(rows) -> str:
    # Ranked by validation (docs/selection.md): the test column is reported, never compared on.
    rows = sorted(rows, key=lambda r: (r["task"], -(r.get("val_f1") or -1)))
    default_tokens = {r["task"]: r["train_tokens_per_epoch"] * r["epochs"] for r in rows
                      if r["name"].endswith("-default") and "train_tokens_per_epoch" in r}
    head = (f"{'task':<10}{'config':<21}{'ep':>6}{'best':>5}{'val_f1':>8}{'test_f1':>8}{'test_acc':>9}"
            f"{'bias_f1':>8}{'es_ep':>6}{'es_f1':>7}{'cpu':>6}{'cpu_tok':>8}{'wall_s':>7}  status")
    lines = [head, "-" * len(head)]
    for r in rows:
        if "test_f1" not in r:
            lines.append(f"{r['task']:<10}{r['name']:<21}{'':>6}{'':>5}{'':>8}{'':>8}{'':>9}{'':>8}{'':>6}{'':>7}"
                         f"{r.get('cpu_cost', 0):>6.2f}{'':>8}{'':>7}  {r['status']}")
            continue
        dt = default_tokens.get(r["task"])
        cpu_tok = f"{r['train_tokens_per_epoch'] * r['epochs'] / dt:>8.2f}" if dt else f"{'?':>8}"
        lines.append(
            f"{r['task']:<10}{r['name']:<21}{str(r['epochs_run']) + '/' + str(r['epochs']):>6}{r['best_epoch']:>5}"
            f"{r['val_f1']:>8.4f}{r['test_f1']:>8.4f}{r['test_acc']:>9.4f}{r['bias_test_f1']:>8.4f}"
            f"{r['es_epoch']:>6}{r['es_test_f1']:>7.4f}{r['cpu_cost']:>6.2f}{cpu_tok}{r['wall_s']:>7.0f}  {r['status']}")
    return "\n".join(lines)


def main() -> None:
    t0 = time.time()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="model folder (fp16 safetensors are upcast to fp32 in place)")
    p.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "data"))
    p.add_argument("--parallel", type=int, default=4, help="worker processes sharing the device")
    p.add_argument("--deadline-s", type=float, default=330, help="no config starts after this many seconds")
    p.add_argument("--hard-deadline-s", type=float, default=None,
                   help="running configs stop after the epoch that passes this (default deadline + 50)")
    p.add_argument("--round", type=int, default=1, choices=[1, 2, 3, 4, 5, 6, 7, 8],
                   help="1: the first sweep; 2: the follow-up (512/384-token chunks at fewer epochs, seeds); "
                        "3: 384 and 320-token chunks at 3-4 epochs, seeds; 4: attention dropout 0 against 0.1; "
                        "5: a mean-pooling head; 6: sentiment learns from the 1-5 stars; 7: a TF-IDF ensemble "
                        "and averaged epoch weights, scored after the default recipe; 8: sentiment's default on "
                        "the backbone given as --model (run with multilingual-e5-small-enpt)")
    p.add_argument("--only", default="", help="comma-separated substrings of config names to run")
    p.add_argument("--tiny", action="store_true", help="smoke run: few rows, 1 epoch")
    p.add_argument("--tiny-rows", type=int, default=48)
    p.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    p.add_argument("--threads", type=int, default=None, help="torch threads per worker")
    p.add_argument("--eval-tokens", type=int, default=None,
                   help="padded tokens per evaluation batch (default 65536 on cuda, 8192 on cpu)")
    p.add_argument("--list", action="store_true", help="print the configs and exit")
    args = p.parse_args()
    if args.hard_deadline_s is None:
        args.hard_deadline_s = args.deadline_s + 50

    configs = {1: CONFIGS, 2: CONFIGS2, 3: CONFIGS3, 4: CONFIGS4, 5: CONFIGS5, 6: CONFIGS6, 7: CONFIGS7,
               8: CONFIGS8}[args.round]
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        configs = [c for c in configs if any(w in c["name"] for w in wanted)]
    if args.list:
        for c in configs:
            log(json.dumps({**c, "cpu_cost": cpu_cost(c)}))
        return

    import torch

    sys.path.insert(0, str(Path.cwd()))
    from hrm_ray.tasks import get_task

    for name, d in TASK_DEFAULTS.items():  # the sweep's baseline is the defaults it ran against; say where they moved
        t = get_task(name)
        actual = dict(lr=t.default_lr, epochs=t.default_epochs, batch=N_WORKERS_DEFAULT_RUN * t.default_batch_size,
                      max_length=t.default_max_length, max_chunks=t.default_max_chunks)
        if actual != d:
            log(f"[sweep] note: {name}'s defaults are now {actual}; the sweep's baseline recipe is {d}")

    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if args.eval_tokens is None:
        args.eval_tokens = 65536 if args.device.startswith("cuda") else 8192
    if args.threads is None:
        args.threads = max(1, min(4, (os.cpu_count() or 2) // max(1, args.parallel)))
    args.model = str(Path(args.model).resolve())
    args.data_dir = str(Path(args.data_dir).resolve())
    upcast_model_dir(Path(args.model))

    out_dir = Path(os.environ.get("OUT") or "sweep_out")
    out_dir.mkdir(parents=True, exist_ok=True)
    jsonl = out_dir / "sweep.jsonl"
    log(f"[sweep] {len(configs)} configs, parallel {args.parallel}, device {args.device}, threads/worker "
        f"{args.threads}, deadline {args.deadline_s:.0f}s (hard {args.hard_deadline_s:.0f}s), tiny {args.tiny}, "
        f"torch {torch.__version__}, out {jsonl}")

    ctx = __import__("multiprocessing").get_context("spawn")
    todo, results = ctx.Queue(), ctx.Queue()
    for c in configs:
        todo.put(c)
    procs = [ctx.Process(target=worker, args=(w, args, todo, results, t0), daemon=True)
             for w in range(min(args.parallel, len(configs)))]
    for proc in procs:
        proc.start()

    done_workers, rows = 0, []
    give_up = t0 + args.hard_deadline_s + 15
    while done_workers < len(procs):
        try:
            r = results.get(timeout=2)
        except queue.Empty:
            if time.time() > give_up:
                log("[sweep] giving up on running configs (hard deadline)")
                break
            if not any(proc.is_alive() for proc in procs):
                log("[sweep] every worker exited")
                break
            continue
        if "_worker_done" in r:
            done_workers += 1
            continue
        rows.append(r)
        line = json.dumps(r)
        log(f"[summary] {line}")
        with open(jsonl, "a") as f:
            f.write(line + "\n")
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    seen = {r["name"] for r in rows}
    for c in configs:
        if c["name"] not in seen:
            rows.append({"name": c["name"], "task": c["task"], "status": "not finished", "cpu_cost": cpu_cost(c)})
    log(f"[sweep] done in {time.time() - t0:.0f}s\n" + table(rows))


if __name__ == "__main__":
    main()
