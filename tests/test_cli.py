"""The CLI. Bad input: one line that names the problem, exit status 2, no traceback, no Ray started. A good run:
hrm's progress and result, without the known-harmless noise of the libraries underneath."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
import torch

from hrm_ray.cli import build_parser, config_from_args, main
from hrm_ray.kinds import KINDS, get_kind
from hrm_ray.tasks import TASKS, get_task


SENTIMENT_LEARNERS = get_kind(get_task("sentiment").kind).learners


def run(capsys, *argv):
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_unknown_task_is_named(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "payroll"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'payroll'" in capsys.readouterr().err


def test_missing_data_folder_is_named(capsys, tmp_path):
    code, err = run(capsys, "train", "sentiment", "--data-dir", str(tmp_path / "no-such-data"))
    assert code == 2
    assert "data folder not found" in err and "no-such-data" in err
    assert "Traceback" not in err


def test_malformed_row_fails_before_any_worker_starts(capsys, tmp_path, data_dir):
    relative = "employee_performance_inx/INX_Future_Inc_Employee_Performance.csv"
    (tmp_path / relative).parent.mkdir(parents=True)
    table = pd.read_csv(data_dir / relative, dtype=str)
    table.loc[9, "PerformanceRating"] = "excellent"
    table.to_csv(tmp_path / relative, index=False)
    code, err = run(capsys, "train", "performance", "--data-dir", str(tmp_path))
    assert code == 2
    assert "line 11: column PerformanceRating has 'excellent'" in err


def test_missing_model_folder_is_named(capsys, data_dir):
    code, err = run(capsys, "train", "sentiment", "--data-dir", str(data_dir), "--model", "./no-such-model")
    assert code == 2 and "model folder not found: ./no-such-model" in err


def test_unreachable_hub_model_is_a_clear_error(capsys, data_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, err = run(capsys, "train", "sentiment", "--data-dir", str(data_dir), "--model", "nobody/no-such-model")
    assert code == 2 and "cannot load model 'nobody/no-such-model'" in err


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--learner", "xgboost"],
         f"--learner must be one of {SENTIMENT_LEARNERS} for sentiment (sequence_classification), got 'xgboost'"),
        (["--deepspeed", "1"], "--deepspeed must be one of"),
        (["--num-workers", "0"], "--num-workers must be at least 1"),
        (["--set", "warmup=3"], "unknown config key: warmup"),
        (["--set", "attention_dropout=1.5"], "attention_dropout must be in [0, 1), got 1.5"),
        (["--max-train-samples", "-5"], "--max-train-samples must be at least 1, got -5"),
        (["--max-eval-samples", "0"], "--max-eval-samples must be at least 1, got 0"),
    ],
)
def test_bad_training_settings_are_named(capsys, data_dir, flags, message):
    code, err = run(capsys, "train", "sentiment", "--data-dir", str(data_dir), *flags)
    assert code == 2 and message in err


def test_tasks_prints_every_registry_task_as_json(capsys):
    assert main(["tasks"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [entry["name"] for entry in listed] == list(TASKS)  # the registry's order
    for entry in listed:
        task = TASKS[entry["name"]]
        assert set(entry) == {"name", "kind", "data_files", "primary_metric", "language", "default_learner"}
        assert entry["kind"] == task.kind and entry["kind"] in KINDS
        assert entry["data_files"] == list(task.data_files) and entry["data_files"]
        assert entry["primary_metric"] == task.primary_metric and entry["language"] == task.language
        assert entry["default_learner"] in get_kind(task.kind).learners
    by_name = {entry["name"]: entry for entry in listed}
    assert by_name["attrition"]["kind"] == "tabular" and by_name["attrition"]["primary_metric"] == "roc_auc"
    assert by_name["sentiment"]["primary_metric"] == "macro_f1"
    assert (by_name["sentiment-zh"]["language"], by_name["sentiment-zh"]["default_learner"]) == ("zh", "tfidf")
    assert (by_name["skills"]["kind"], by_name["skills"]["primary_metric"]) == ("token_classification", "micro_f1")


def test_redact_takes_its_files_and_the_model_registry():
    args = build_parser().parse_args(["redact", "--input", "in.jsonl", "--output", "out.jsonl", "--models", "/srv/m"])
    assert (args.input, args.output, args.models, args.model) == ("in.jsonl", "out.jsonl", "/srv/m", None)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["redact", "--output", "out.jsonl"])  # --input is required


def test_flags_override_config_file_and_set_overrides_flags(tmp_path):
    (tmp_path / "c.yaml").write_text("task: sentiment\nlr: 0.001\nbatch_size: 4\nxgboost:\n  max_depth: 9\n")
    args = build_parser().parse_args(
        ["train", "attrition", "--config", str(tmp_path / "c.yaml"), "--batch-size", "8", "--set", "batch_size=12", "--use-gpu"]
    )
    config = config_from_args(args)
    assert (config.task, config.lr, config.batch_size, config.use_gpu, config.xgboost.max_depth) == ("attrition", 0.001, 12, True, 9)


def test_evaluate_and_predict_name_a_missing_model(capsys, tmp_path, data_dir):
    code, err = run(capsys, "evaluate", "sentiment", "--model", str(tmp_path / "gone"), "--data-dir", str(data_dir))
    assert code == 2 and "model folder not found" in err
    code, err = run(capsys, "predict", "sentiment", "--model", str(tmp_path / "gone"), "--input", "x", "--output", "y")
    assert code == 2 and "model folder not found" in err


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--space", "SPACE"], "search space xgboost.depth: unknown config key"),
        (["--num-samples", "0"], "--num-samples must be at least 1"),
        (["--resume", "--output", "OUT"], "--resume: no earlier run of attrition"),
        (["--data-dir", "NOWHERE"], "data folder not found"),
    ],
)
def test_bad_search_settings_are_named_before_any_trial(capsys, tmp_path, data_dir, flags, message):
    (tmp_path / "space.yaml").write_text("xgboost.depth: {choice: [3, 5]}\n")
    replace = {"SPACE": str(tmp_path / "space.yaml"), "OUT": str(tmp_path / "models"), "NOWHERE": str(tmp_path / "x")}
    flags = [replace.get(flag, flag) for flag in flags]
    data = [] if "--data-dir" in flags else ["--data-dir", str(data_dir)]
    code, err = run(capsys, "tune", "attrition", *data, "--output", str(tmp_path / "models"), *flags)
    assert code == 2 and message in err, err


def test_tune_trials_use_one_worker_unless_told(tmp_path):
    from hrm_ray.cli import search_from_args

    config, settings = search_from_args(build_parser().parse_args(["tune", "sentiment", "--num-samples", "4"]))
    assert config.num_workers == 1 and settings.num_samples == 4 and settings.scheduler == "asha"
    config, _ = search_from_args(build_parser().parse_args(["tune", "sentiment", "--num-workers", "2"]))
    assert config.num_workers == 2


@pytest.mark.parametrize(
    "precision, message",
    [
        ("int8", "int8 dynamic quantisation runs on CPU only"),
        pytest.param("bf16", "this machine has no CUDA GPU",
                     marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")),
    ],
)
def test_fast_path_check_on_a_gpu_it_cannot_use_is_named_before_loading(capsys, tmp_path, data_dir, precision, message):
    (tmp_path / "hrm_config.yaml").write_text("task: sentiment\n")  # a model folder; no weights are read
    code, err = run(capsys, "check-fast-path", "sentiment", "--model", str(tmp_path), "--data-dir", str(data_dir),
                    "--precision", precision, "--device", "cuda")
    assert code == 2 and message in err


def test_every_command_takes_verbose():
    parser = build_parser()
    for argv in (["train", "attrition"], ["serve"], ["demo"], ["tune", "attrition"], ["ui"]):
        assert parser.parse_args([*argv, "--verbose"]).verbose and not parser.parse_args(argv).verbose


def test_train_prints_its_progress_and_result_without_library_noise(tmp_path, data_dir):
    """The default console of `hrm train` (hrm_ray/console.py): hrm's lines and XGBoost's evaluation lines (the
    UI's Train tab plots them), no Ray C++ error lines, FutureWarnings or transformers load reports."""
    env = {key: value for key, value in os.environ.items() if key != "HRM_VERBOSE"}
    done = subprocess.run(
        [sys.executable, "-m", "hrm_ray.cli", "train", "attrition", "--learner", "xgboost", "--data-dir", str(data_dir),
         "--output", str(tmp_path / "models")],
        env=env, capture_output=True, text=True, timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "[hrm] training attrition (xgboost)" in output and "[hrm] saved" in output
    assert "[hrm] test metrics" in output and "validation-logloss" in output
    noise = [line for line in output.splitlines()
             if " E " in line or "core_worker" in line or "FutureWarning" in line or "LOAD REPORT" in line]
    assert not noise, "\n".join(noise)
