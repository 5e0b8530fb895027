"""The short model card written beside every trained model: data, intended use, limits, metrics."""

from __future__ import annotations

from hrm_ray.config import TrainConfig
from hrm_ray.tasks import Task


def model_card(task: Task, config: TrainConfig, metrics: dict, version: str) -> str:
    rows = [f"| {name} | {value:.4f} |" for name, value in metrics.items() if isinstance(value, float)]
    per_class = metrics.get("per_class_f1", {})
    class_rows = [f"| {label} | {f1:.4f} |" for label, f1 in per_class.items()]
    if config.learner == "transformer":
        how_to_load = (
            "```python\nfrom transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            "model = AutoModelForSequenceClassification.from_pretrained(FOLDER)\n"
            "tokenizer = AutoTokenizer.from_pretrained(FOLDER)\n```"
        )
        backbone = f"fine-tuned from `{config.model}`, chunks of {config.max_length} tokens, up to {config.max_chunks} per text (logits averaged)"
    else:
        how_to_load = "```python\nimport xgboost\nbooster = xgboost.Booster(model_file=FOLDER + '/model.json')\n```"
        backbone = "XGBoost gradient-boosted trees on one-hot encoded columns (`feature_schema.json`)"
    return f"""---
library_name: {"transformers" if config.learner == "transformer" else "xgboost"}
tags: [hrm-ray, hr, {task.name}]
---
# hrm-ray `{task.name}` model, version {version}

Labels: {", ".join(task.labels)}. Learner: {config.learner}; {backbone}.

## Data
{task.data_description}. Exact-duplicate texts removed, then a seeded {"grouped" if task.name == "sentiment" else "stratified"}
80/10/10 train/validation/test split{f"; training limited to {config.max_train_samples} rows" if config.max_train_samples else ""}{f"; validation limited to {config.max_eval_samples} rows" if config.max_eval_samples else ""}.

## Intended use
{task.intended_use}

## Limits
{task.limits}

## Metrics on the test split (n = {metrics.get("n")})
| metric | value |
| --- | --- |
{chr(10).join(rows)}

| class | F1 |
| --- | --- |
{chr(10).join(class_rows)}

## Loading
{how_to_load}

Trained with `hrm train {task.name}`; the full configuration is in `hrm_config.yaml`.
"""
