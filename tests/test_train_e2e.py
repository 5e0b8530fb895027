"""End to end on real Ray and real data: each task fine-tunes on a small slice with 2 workers and ZeRO-2.

Slices and sequence lengths are small so the four runs take a few minutes on 2 cores; what is checked is
the machinery (the loss falls, the model folder is complete and loads with plain transformers, metrics
are computed on the real test split), not the quality, which benchmarks/quality.py measures. Each task's
model is trained once a session (conftest's `small_models`); the evaluate and predict tests and the served
app use the same models.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

from conftest import small_config
from hrm_ray.cli import main
from hrm_ray.config import TrainConfig
from hrm_ray.backbones import resolve_backbone
from hrm_ray.inference.predictor import load_predictor
from hrm_ray.tasks import TASKS, get_task
from hrm_ray.train.run import train
from hrm_ray.kinds import task_splits


def losses_by_epoch(model_dir: Path) -> list[float]:
    log = json.loads((model_dir / "training_log.json").read_text())
    by_epoch: dict[int, list[float]] = {}
    for entry in log:
        if "loss" in entry:
            by_epoch.setdefault(int(np.ceil(entry["epoch"])), []).append(entry["loss"])
    return [float(np.mean(by_epoch[e])) for e in sorted(by_epoch)]


def assert_metrics_are_the_models_own(model_dir: Path, task, test, metrics: dict) -> None:
    """metrics.json holds the scores of this model's own predictions on the test split: scored again here
    (the predictor, fp32) and measured with sklearn, they agree."""
    from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

    probs = load_predictor(model_dir).outputs(test)
    y_true, y_pred = np.asarray(task.label_index(test)), probs.argmax(axis=1)
    per_class = f1_score(y_true, y_pred, labels=list(range(len(task.labels))), average=None, zero_division=0)
    assert metrics["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-9)
    assert metrics["per_class_f1"] == pytest.approx(dict(zip(task.labels, per_class)), abs=1e-9)
    assert metrics["macro_f1"] == pytest.approx(per_class.mean(), abs=1e-9)
    if task.is_binary:  # from probabilities: padding may move them in the 6th decimal
        assert metrics["roc_auc"] == pytest.approx(roc_auc_score(y_true, probs[:, 1]), abs=1e-4)
        assert metrics["pr_auc"] == pytest.approx(average_precision_score(y_true, probs[:, 1]), abs=1e-4)


# The classification tasks fine-tuned on the packaged MiniLM; the Chinese one's e5 backbone is twice MiniLM's
# depth and slow on 2 cores (its default learner, TF-IDF, is what the task contract test trains), and the
# token tasks' tagger has its own test (test_token_transformer.py).
FINE_TUNED = [t.name for t in TASKS.values() if t.kind != "token_classification" and t.default_model == "minilm"]


@pytest.mark.parametrize("task_name", FINE_TUNED)
def test_task_fine_tunes_with_two_workers_and_zero2(small_models, data_dir, task_name):
    task = get_task(task_name)
    registry = small_models.registry
    config = small_config(task_name, data_dir, registry)
    model_dir = small_models(task_name)

    # The loss falls from the first epoch to the last.
    losses = losses_by_epoch(model_dir)
    assert len(losses) == 3
    assert losses[-1] < losses[0], f"training loss did not fall: {losses}"

    # metrics.json: every row of the real test split scored, with the promised keys, by this model.
    metrics = json.loads((model_dir / "metrics.json").read_text())
    test = task_splits(task, config)["test"]
    assert metrics["n"] == len(test)
    assert set(metrics["per_class_f1"]) == set(task.labels)
    assert ("roc_auc" in metrics and "pr_auc" in metrics) == task.is_binary
    assert_metrics_are_the_models_own(model_dir, task, test, metrics)

    # The folder: plain transformers loads it with the label map; config, card and latest pointer are there.
    model = AutoModelForSequenceClassification.from_pretrained(model_dir)
    AutoTokenizer.from_pretrained(model_dir)
    assert [model.config.id2label[i] for i in range(len(task.labels))] == list(task.labels)
    saved = yaml.safe_load((model_dir / "hrm_config.yaml").read_text())
    assert saved["task"] == task_name and saved["deepspeed"] == 2 and saved["num_workers"] == 2
    card = (model_dir / "README.md").read_text()
    assert "## Intended use" in card and "## Limits" in card and f"{metrics['macro_f1']:.4f}" in card
    assert (registry / task_name / "latest").resolve() == model_dir.resolve()
    assert json.loads((model_dir / "run_info.json").read_text())["world_size"] == 2

    # The default keeps the pretrained word embeddings (train_embeddings off) while the encoder trains.
    pretrained = AutoModel.from_pretrained(resolve_backbone("minilm")).state_dict()
    tuned = model.base_model.state_dict()
    embeddings = "embeddings.word_embeddings.weight"
    assert torch.equal(tuned[embeddings], pretrained[embeddings])
    assert not torch.equal(tuned["encoder.layer.0.attention.self.query.weight"],
                           pretrained["encoder.layer.0.attention.self.query.weight"])


def test_evaluate_scores_the_same_test_split_and_every_row_with_all(small_models, data_dir, tmp_path, capsys):
    model_dir = small_models("attrition")
    trained = json.loads((model_dir / "metrics.json").read_text())
    capsys.readouterr()  # drop training's output: evaluate prints one JSON object

    assert main(["evaluate", "attrition", "--model", str(small_models.registry / "attrition"),
                 "--data-dir", str(data_dir)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["n"] == trained["n"]
    assert printed["roc_auc"] == pytest.approx(trained["roc_auc"], abs=1e-6)

    out = tmp_path / "all.json"
    assert main(["evaluate", "attrition", "--model", str(model_dir), "--data-dir", str(data_dir),
                 "--split", "all", "--output", str(out)]) == 0
    rows = len(get_task("attrition").load(data_dir))
    assert json.loads(out.read_text())["n"] == rows


def test_predict_writes_one_line_per_input_in_order(small_models, tmp_path, capsys):
    model_dir = small_models("sentiment")
    capsys.readouterr()
    texts = [f"Review {i}: " + ("great people and pay" if i % 2 else "awful management, long hours") for i in range(150)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    target = tmp_path / "out.jsonl"
    assert main(["predict", "sentiment", "--model", str(model_dir), "--input", str(source), "--output", str(target),
                 "--num-actors", "2"]) == 0
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(lines) == len(texts)
    # In order: each line matches scoring that text alone.
    from hrm_ray.inference.predictor import load_predictor

    direct = load_predictor(model_dir).predict([{"text": texts[0]}, {"text": texts[149]}])
    for got, want in zip([lines[0], lines[149]], direct):
        assert got["label"] == want["label"]
        assert got["probabilities"]["positive"] == pytest.approx(want["probabilities"]["positive"], abs=1e-5)

    # A bad line is named, and nothing is written.
    source.write_text(json.dumps({"text": "fine"}) + "\n" + json.dumps({"text": ""}) + "\n")
    assert main(["predict", "sentiment", "--model", str(model_dir), "--input", str(source),
                 "--output", str(tmp_path / "bad.jsonl")]) == 2
    assert "line 2: field 'text' is empty" in capsys.readouterr().err
    assert not (tmp_path / "bad.jsonl").exists()


@pytest.mark.parametrize("flags, short", [(["--use-gpu"], "GPUs"), (["--num-workers", "64"], "64 CPUs")])
def test_workers_the_cluster_cannot_hold_are_named_at_once(ray_session, data_dir, registry, capsys, flags, short):
    # Ray Train alone would wait for them, retrying, for as long as one lets it.
    if "--use-gpu" in flags and ray_session.cluster_resources().get("GPU"):
        pytest.skip("this machine has a GPU")
    code = main(["train", "sentiment", "--data-dir", str(data_dir), "--output", str(registry), *flags])
    out, err = capsys.readouterr()
    assert code == 2 and "this Ray cluster can hold at most" in err and short in err, err
    # Named before any run starts: no Ray Train run began, and nothing was written (no run folder, no
    # marker for --resume to pick up, no model).
    assert "[hrm] training" not in out, out
    assert not registry.exists(), sorted(str(p.relative_to(registry)) for p in registry.rglob("*"))


def test_a_worker_that_dies_is_replaced_and_the_run_resumes_from_its_checkpoint(ray_session, data_dir, registry):
    # 120 rows / (8 x 2 workers) = 8 steps an epoch: the last worker dies at step 10, in epoch 2, after the
    # epoch-1 checkpoint was reported. Ray Train restarts the worker group, which resumes from it.
    config = small_config("sentiment", data_dir, registry, epochs=2, fault_injection_step=10, fast_path_check=False)
    model_dir = Path(train(config))
    info = json.loads((model_dir / "run_info.json").read_text())
    assert info["resumed_from_checkpoint"] is True
    log = json.loads((model_dir / "training_log.json").read_text())
    assert max(entry["epoch"] for entry in log) == pytest.approx(2.0)
    assert (model_dir / "metrics.json").is_file()


def test_xgboost_learner_trains_on_ray_train_and_scores_the_test_split(ray_session, data_dir, registry, capsys):
    config = TrainConfig(task="performance", learner="xgboost", data_dir=str(data_dir), output=str(registry))
    config.xgboost.num_boost_round = 60
    model_dir = Path(train(config))
    capsys.readouterr()
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["n"] == len(task_splits(get_task("performance"), config)["test"])
    assert metrics["macro_f1"] > 0.5  # trees find the strong signals in this table even in 60 rounds
    assert main(["evaluate", "performance", "--model", str(model_dir), "--data-dir", str(data_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["macro_f1"] == pytest.approx(metrics["macro_f1"])


def test_the_ray_job_entrypoint_trains_on_the_running_cluster(ray_session, data_dir, registry):
    """jobs/finetune.py as `ray job submit` runs it: a driver process that joins the cluster in RAY_ADDRESS."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "RAY_ADDRESS": ray_session.get_runtime_context().gcs_address}
    script = Path(__file__).resolve().parents[1] / "jobs" / "finetune.py"
    done = subprocess.run(
        [sys.executable, str(script), "attrition", "--learner", "xgboost", "--data-dir", str(data_dir),
         "--output", str(registry), "--set", "xgboost.num_boost_round=40"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    model_dir = (registry / "attrition" / "latest").resolve()
    assert json.loads((model_dir / "metrics.json").read_text())["roc_auc"] > 0.6
    bad = subprocess.run([sys.executable, str(script), "attrition", "--data-dir", str(registry / "nowhere")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "data folder not found" in bad.stderr
