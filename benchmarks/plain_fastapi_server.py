"""What a user would write instead of hrm's Serve app: FastAPI + transformers, one forward pass per request.

    HRM_BENCH_MODEL=models/sentiment/latest uvicorn benchmarks.plain_fastapi_server:app --port 8100

benchmarks/serve_throughput.py starts it as the baseline (c). It answers the same route and body as hrm, and
is set up like hrm's model replica, so that only the serving differs:
  - the same precision (HRM_BENCH_PRECISION: fp32, int8 or bf16), prepared by the code hrm's fast path uses
    (int8: torch's dynamic quantisation of the Linear layers);
  - the same text handling: each text cut into chunks of at most HRM_BENCH_MAX_LENGTH tokens, the first
    HRM_BENCH_MAX_CHUNKS of them scored and their logits averaged, as hrm_ray/inference/chunks.py does (written
    here with the tokenizer's own overflow, as a user would);
  - the same torch thread count (HRM_BENCH_THREADS; 0, the default, is every core, as serve_configs/local.yaml's
    `torch_threads: 0`).
The route is async, so one forward pass runs at a time on the event loop with all its threads; a sync route
would run up to 40 at once in FastAPI's thread pool, every one of them fighting for the same cores.
"""

import os

import torch
from fastapi import FastAPI
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from hrm_ray.inference.precision import autocast, prepare_model

MODEL = os.environ.get("HRM_BENCH_MODEL", "models/sentiment/latest")
MAX_LENGTH = int(os.environ.get("HRM_BENCH_MAX_LENGTH", "128"))
MAX_CHUNKS = int(os.environ.get("HRM_BENCH_MAX_CHUNKS", "1"))
DEVICE = os.environ.get("HRM_BENCH_DEVICE", "cpu")
PRECISION = os.environ.get("HRM_BENCH_PRECISION", "fp32")

torch.set_num_threads(int(os.environ.get("HRM_BENCH_THREADS", "0")) or os.cpu_count() or 1)
tokenizer = AutoTokenizer.from_pretrained(MODEL)
model = prepare_model(AutoModelForSequenceClassification.from_pretrained(MODEL).eval().to(DEVICE), PRECISION)
labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
app = FastAPI()


@torch.inference_mode()
def probabilities(texts: list[str]) -> torch.Tensor:
    """Each text's class probabilities: the softmax of its chunks' mean logits."""
    batch = tokenizer(texts, truncation=True, max_length=MAX_LENGTH, return_overflowing_tokens=True, padding=True,
                      return_tensors="pt")
    text_of_chunk = batch.pop("overflow_to_sample_mapping")
    first_chunk = torch.searchsorted(text_of_chunk, text_of_chunk, right=False)
    kept = (torch.arange(len(text_of_chunk)) - first_chunk) < MAX_CHUNKS  # the first MAX_CHUNKS of each text
    inputs = {name: values[kept].to(DEVICE) for name, values in batch.items()}
    with autocast(PRECISION, DEVICE):
        logits = model(**inputs).logits.float().cpu()
    text_of_chunk = text_of_chunk[kept]
    sums = torch.zeros(len(texts), logits.shape[1]).index_add_(0, text_of_chunk, logits)
    return (sums / torch.bincount(text_of_chunk, minlength=len(texts))[:, None]).softmax(-1)


@app.post("/v1/{task}/predict")
async def predict(task: str, body: dict) -> dict:
    probs = probabilities([record["text"] for record in body["inputs"]])
    return {"predictions": [{"label": labels[int(p.argmax())],
                             "probabilities": dict(zip(labels, p.tolist()))} for p in probs]}
