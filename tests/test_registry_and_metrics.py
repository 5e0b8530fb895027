import numpy as np
import pytest

from hrm_ray.evaluation.metrics import classification_metrics
from hrm_ray.registry import RegistryError, list_models, publish, resolve_model_dir


def make_model_folder(path, metrics='{"macro_f1": 0.5}'):
    path.mkdir(parents=True)
    (path / "hrm_config.yaml").write_text("task: sentiment\n")
    (path / "metrics.json").write_text(metrics)
    return path


def test_publish_points_latest_at_the_newest_version(tmp_path):
    root = tmp_path / "models"
    publish(make_model_folder(tmp_path / "a"), str(root), "sentiment", "20260101-000000")
    publish(make_model_folder(tmp_path / "b", '{"macro_f1": 0.7}'), str(root), "sentiment", "20260102-000000")
    assert (root / "sentiment" / "latest").resolve() == (root / "sentiment" / "20260102-000000").resolve()
    assert resolve_model_dir(str(root / "sentiment")).name == "20260102-000000"
    listed = list_models(str(root))
    assert [(m["version"], m["latest"]) for m in listed] == [("20260101-000000", False), ("20260102-000000", True)]
    assert listed[1]["metrics"]["macro_f1"] == 0.7


def test_publishing_a_version_twice_is_refused(tmp_path):
    root = tmp_path / "models"
    publish(make_model_folder(tmp_path / "a"), str(root), "sentiment", "v1")
    with pytest.raises(RegistryError, match="already exists"):
        publish(make_model_folder(tmp_path / "b"), str(root), "sentiment", "v1")


def test_a_folder_that_is_not_a_model_is_named(tmp_path):
    with pytest.raises(RegistryError, match="not a trained hrm model folder"):
        resolve_model_dir(str(tmp_path))


def test_metrics_for_a_binary_task():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    metrics = classification_metrics(("stays", "leaves"), np.array([0, 1, 1, 0]), probs)
    assert metrics["n"] == 4 and metrics["accuracy"] == 0.5
    assert metrics["roc_auc"] == 0.75
    assert set(metrics["per_class_f1"]) == {"stays", "leaves"}


def test_macro_f1_counts_a_never_predicted_class_as_zero():
    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]])
    metrics = classification_metrics(("a", "b", "c"), np.array([0, 1]), probs)
    assert metrics["per_class_f1"]["c"] == 0.0
    assert metrics["macro_f1"] == pytest.approx(2 / 3)


def test_the_tfidf_baseline_learns_sentiment_from_the_real_reviews(data_dir):
    from hrm_ray.baselines import fit_tfidf_baseline
    from hrm_ray.config import TrainConfig
    from hrm_ray.tasks import get_task
    from hrm_ray.kinds import task_splits

    task = get_task("sentiment")
    splits = task_splits(task, TrainConfig(task="sentiment", data_dir=str(data_dir)))
    predict_proba = fit_tfidf_baseline(splits["train"]["text"].tolist(), task.label_index(splits["train"]))
    probs = predict_proba(splits["test"]["text"].tolist())
    assert probs.shape == (len(splits["test"]), 3)
    assert np.allclose(probs.sum(axis=1), 1.0)
    metrics = classification_metrics(task.labels, np.asarray(task.label_index(splits["test"])), probs)
    # README's quality table: 0.620 on these splits; a third of that is what guessing gives
    assert metrics["macro_f1"] > 0.55
