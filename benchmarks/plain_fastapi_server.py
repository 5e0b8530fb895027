"""What a user would write instead of hrm's Serve app: FastAPI + transformers, one fp32 forward pass per request.

    uvicorn benchmarks.plain_fastapi_server:app --port 8100      (HRM_BENCH_MODEL=models/sentiment/latest)

benchmarks/serve_throughput.py starts it as the baseline (c); it answers the same route and body as hrm.
"""

import os

import torch
from fastapi import FastAPI
from transformers import AutoModelForSequenceClassification, AutoTokenizer

MODEL = os.environ.get("HRM_BENCH_MODEL", "models/sentiment/latest")
MAX_LENGTH = int(os.environ.get("HRM_BENCH_MAX_LENGTH", "128"))
DEVICE = os.environ.get("HRM_BENCH_DEVICE", "cpu")

tokenizer = AutoTokenizer.from_pretrained(MODEL)
model = AutoModelForSequenceClassification.from_pretrained(MODEL).eval().to(DEVICE)
labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
app = FastAPI()


@app.post("/v1/{task}/predict")
def predict(task: str, body: dict) -> dict:
    texts = [record["text"] for record in body["inputs"]]
    with torch.inference_mode():
        batch = tokenizer(texts, truncation=True, max_length=MAX_LENGTH, padding=True, return_tensors="pt").to(DEVICE)
        probs = model(**batch).logits.softmax(-1).cpu()
    return {"predictions": [{"label": labels[int(p.argmax())],
                             "probabilities": dict(zip(labels, p.tolist()))} for p in probs]}
