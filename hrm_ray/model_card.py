"""The short model card written beside every trained model: data, intended use, limits, metrics."""

from __future__ import annotations

from hrm_ray.config import TrainConfig
from hrm_ray.kinds.tabular import TabularTask
from hrm_ray.kinds.task import Task

# Per learner: the library a plain user loads the folder with, how, and what the model is.
LOADING = {
    "xgboost": ("xgboost", "import xgboost\nbooster = xgboost.Booster(model_file=FOLDER + '/model.json')",
                "XGBoost gradient-boosted trees on one-hot encoded columns (`feature_schema.json`)"),
    "tfidf": ("scikit-learn", "import joblib\npipeline = joblib.load(FOLDER + '/tfidf.joblib')  # from a registry you trust",
              "character n-gram TF-IDF and logistic regression, its C chosen on validation"),
    "crf": ("sklearn-crfsuite", "import pycrfsuite\ntagger = pycrfsuite.Tagger(); tagger.open(FOLDER + '/model.crfsuite')",
            "a linear-chain CRF on word and character features, its regularisation chosen on validation"),
}
TRANSFORMER_CLASS = {"token_classification": "AutoModelForTokenClassification"}


def _learner_lines(task: Task, config: TrainConfig) -> tuple[str, str, str]:
    if config.learner != "transformer":
        return LOADING[config.learner]
    model_class = TRANSFORMER_CLASS.get(task.kind, "AutoModelForSequenceClassification")
    how = (f"from transformers import {model_class}, AutoTokenizer\n"
           f"model = {model_class}.from_pretrained(FOLDER)\ntokenizer = AutoTokenizer.from_pretrained(FOLDER)")
    if task.kind == "token_classification":
        what = f"fine-tuned from `{config.model}`, windows of {config.max_length} tokens"
    else:
        what = (f"fine-tuned from `{config.model}`, chunks of {config.max_length} tokens, up to {config.max_chunks} "
                "per text (logits averaged)")
    return "transformers", how, what


def model_card(task: Task, config: TrainConfig, metrics: dict, version: str) -> str:
    rows = [f"| {name} | {value:.4f} |" for name, value in metrics.items() if isinstance(value, float)]
    per_class = metrics.get("per_class_f1") or metrics.get("per_type_f1") or {}
    class_rows = [f"| {label} | {f1:.4f} |" for label, f1 in per_class.items()]
    library, how, backbone = _learner_lines(task, config)
    how_to_load = f"```python\n{how}\n```"
    return f"""---
library_name: {library}
tags: [hrm-ray, hr, {task.name}]
---
# hrm-ray `{task.name}` model, version {version}

Labels: {", ".join(task.labels)}. Learner: {config.learner}; {backbone}.

## Data
{task.data_description}. {task.split_description}{f"; training limited to {config.max_train_samples} rows" if config.max_train_samples else ""}{f"; validation limited to {config.max_eval_samples} rows" if config.max_eval_samples else ""}.

{_columns_section(task, config)}## Intended use
{task.intended_use}

## Limits
{task.limits}

## Metrics on the test split (n = {metrics.get("n")})
| metric | value |
| --- | --- |
{chr(10).join(rows)}

| {"type" if task.kind == "token_classification" else "class"} | F1 |
| --- | --- |
{chr(10).join(class_rows)}
{_group_section(metrics)}
## Loading
{how_to_load}

Trained with `hrm train {task.name}`; the full configuration is in `hrm_config.yaml`.
"""


def _group_section(metrics: dict) -> str:
    groups = metrics.get("by_group")
    if not groups:
        return ""
    rows = [f"| {name} | {m['n']} | {m['accuracy']:.4f} | {m['macro_f1']:.4f} |" for name, m in groups.items()]
    return ("\nBy group of the split (each test group is unseen in training):\n\n| group | n | accuracy | macro-F1 |\n"
            "| --- | --- | --- | --- |\n" + "\n".join(rows) + "\n")


def _columns_section(task: Task, config: TrainConfig) -> str:
    if not isinstance(task, TabularTask):
        return ""
    used = config.columns or list(task.feature_columns)
    left_out = [c for c in task.feature_columns if c not in used]
    after = [c for c in used if c in task.after_decision_columns]
    lines = [f"## Columns\nRead: {', '.join(used)}.\n"]
    if left_out:
        lines.append(f"Left out: {', '.join(left_out)}"
                     f"{' (known only after the decision)' if set(left_out) <= set(task.after_decision_columns) else ''}.\n")
    if after:
        lines.append(f"**Reads columns known only after the decision** ({', '.join(after)}): its scores overstate what "
                     "it can tell before the decision is made.\n")
    return "\n".join(lines) + "\n"
