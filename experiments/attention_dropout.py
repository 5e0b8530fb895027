"""What attention dropout costs a CPU training step: a backbone's classifier (the packaged MiniLM unless
--models names others), one forward and backward pass in training mode on the same batch, with the backbone's
attention dropout (0.1) and without it, in one run; with several backbones, also each one's step time relative
to the first's.

    python experiments/attention_dropout.py [--lengths 128 384] [--batch 8] [--threads 1] [--steps 3]
    python experiments/attention_dropout.py --models minilm multilingual-e5-small-enpt --lengths 128

Why it differs: PyTorch's fused CPU attention kernel has no dropout, so with dropout on, scaled-dot-product
attention falls back to the unfused path (the whole attention matrix, then softmax, dropout and a second
matmul), and that path grows with the square of the length.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from hrm_ray.backbones import load_classifier


def seconds_per_step(backbone: str, attention_dropout: float, length: int, batch: int, steps: int) -> float:
    """Median wall time of a forward + backward pass on a batch of `length`-token texts, after a warm-up step."""
    torch.manual_seed(0)
    _, model = load_classifier(backbone, ("a", "b"), attention_dropout)
    model.train()
    ids = torch.randint(1000, 29000, (batch, length))  # inside every packaged vocabulary
    mask = torch.ones_like(ids)
    labels = torch.zeros(batch, dtype=torch.long)
    times = []
    for _ in range(steps + 1):
        started = time.perf_counter()
        model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
        times.append(time.perf_counter() - started)
        model.zero_grad(set_to_none=True)
    return statistics.median_high(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["minilm"], help="backbones, as hrm train's --model")
    parser.add_argument("--lengths", type=int, nargs="+", default=[128, 384])
    parser.add_argument("--batch", type=int, default=8, help="texts per step (hrm train's screening batch per worker)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (each of 2 hrm workers has one core)")
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    print(f"[attention] batch {args.batch}, {args.threads} thread(s), torch {torch.__version__}, "
          f"median of {args.steps} forward+backward steps")
    first = {}  # length -> the first backbone's step time with dropout
    for backbone in args.models:
        for length in args.lengths:
            with_dropout = seconds_per_step(backbone, 0.1, length, args.batch, args.steps)
            without = seconds_per_step(backbone, 0.0, length, args.batch, args.steps)
            first.setdefault(length, with_dropout)
            relative = f", {with_dropout / first[length]:.2f}x {args.models[0]}'s" if backbone != args.models[0] else ""
            print(f"[attention] {backbone}, {length} tokens: dropout 0.1 {with_dropout:.2f} s/step, dropout 0 "
                  f"{without:.2f} s/step, ratio {with_dropout / without:.2f}{relative}")


if __name__ == "__main__":
    main()
