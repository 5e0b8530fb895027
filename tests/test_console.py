"""The quiet console (hrm_ray/console.py): known-harmless warnings and log records hidden, real ones shown,
and everything shown with --verbose (HRM_VERBOSE=1)."""

import importlib
import logging
import warnings

import pytest

from hrm_ray import console

HARMLESS_WARNING = ("`torch.distributed.all_gather_into_tensor` is deprecated. Please use "
                    "`torch.distributed.all_gather_single` instead.")


@pytest.fixture
def quiet(monkeypatch):
    """A quiet console whose filters this test alone sees: none from earlier `hrm` commands run in this process,
    and warnings and logger filters restored after it."""
    monkeypatch.delenv(console.VERBOSE_ENV, raising=False)
    saved = {name: list(logging.getLogger(name).filters) for name in console.HARMLESS_LOG_RECORDS}
    for name, filters in saved.items():
        logging.getLogger(name).filters[:] = [each for each in filters if not isinstance(each, console.HideHarmless)]
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # every warning counts, however often it was seen before
        yield
    for name, filters in saved.items():
        logging.getLogger(name).filters[:] = filters


def warnings_shown(*messages: tuple[type, str]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        for category, text in messages:
            warnings.warn(text, category)
    return [str(warning.message) for warning in caught]


def test_a_harmless_warning_is_hidden_and_a_real_one_shown(quiet):
    console.hide_harmless_noise()
    shown = warnings_shown((FutureWarning, HARMLESS_WARNING), (FutureWarning, "`foo` is deprecated"),
                           (UserWarning, HARMLESS_WARNING))  # the same words as another category: not the known one
    assert shown == ["`foo` is deprecated", HARMLESS_WARNING]


def test_verbose_shows_every_warning(quiet, monkeypatch):
    monkeypatch.setenv(console.VERBOSE_ENV, "1")
    console.hide_harmless_noise()
    assert warnings_shown((FutureWarning, HARMLESS_WARNING), (FutureWarning, "`foo` is deprecated")) == [
        HARMLESS_WARNING, "`foo` is deprecated"]


def report(*rows: str) -> str:
    """A transformers 5 LOAD REPORT as it is logged (colours included)."""
    table = "\n".join(f"{key} | \x1b[31m{status}\x1b[0m | " for key, status in (row.split() for row in rows))
    return (f"\x1b[1mBertForSequenceClassification LOAD REPORT\x1b[0m from: minilm\nKey | Status | \n---+---+-\n"
            f"{table}\n\nNotes:\n- MISSING:\tthose params were newly initialized because missing from the checkpoint.")


def passes(logger_name: str, message: str) -> bool:
    return bool(logging.getLogger(logger_name).filter(logging.makeLogRecord({"name": logger_name, "msg": message})))


def test_the_load_report_of_a_new_head_is_hidden_and_other_reports_shown(quiet):
    console.hide_harmless_noise()
    transformers_log = "transformers.modeling_utils"
    assert not passes(transformers_log, report("classifier.weight MISSING", "classifier.bias MISSING"))
    # The wrong checkpoint: encoder weights missing or left over. The user must see these.
    assert passes(transformers_log, report("classifier.weight MISSING", "bert.encoder.layer.{0...5}.output MISSING"))
    assert passes(transformers_log, report("classifier.weight MISSING", "bert.pooler.dense.weight UNEXPECTED"))
    assert passes(transformers_log, "some other transformers warning")
    assert not passes("DeepSpeed", "Setting accelerator to CPU. If you have GPU or other accelerator, we were unable "
                                   "to detect it.")
    assert passes("DeepSpeed", "a DeepSpeed error")
    assert not passes(console.RAY_TRAIN_REPORT_LOGGER, "Reporting training result 1: TrainingReport(...) from rank 0")


def test_verbose_shows_every_load_report(quiet, monkeypatch):
    monkeypatch.setenv(console.VERBOSE_ENV, "1")
    console.hide_harmless_noise()
    assert passes("transformers.modeling_utils", report("classifier.weight MISSING"))


def test_the_real_load_report_of_minilm_with_a_new_head_is_recognised(quiet):
    """What transformers actually logs when a classifier head goes on the packaged MiniLM (guards the parsing
    against a change of the report's layout in a transformers upgrade)."""
    from hrm_ray.backbones import load_classifier

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    logger = logging.getLogger("transformers.modeling_utils")
    keep = Keep()
    logger.addHandler(keep)
    try:
        load_classifier("minilm", ("no", "yes"))
    finally:
        logger.removeHandler(keep)
    reports = [message for message in records if "LOAD REPORT" in message]
    assert reports and all(console.only_a_new_head(message) for message in reports)


def test_ray_settings_and_serve_config_follow_verbose(quiet, monkeypatch):
    assert console.ray_worker_env() == console.PROGRESS_BARS_OFF
    module, _, function = console.WORKER_SETUP_HOOK.rpartition(".")  # what Ray imports in every worker
    assert getattr(importlib.import_module(module), function) is console.hide_harmless_noise
    assert console.local_ray_env() == {"RAY_TRAIN_ENABLE_PREEMPTION_WATCHER": "0"}
    config = console.quiet_serve_config({"applications": [{"name": "hrm", "runtime_env": {"env_vars": {"A": "1"}}}]})
    assert config["controller_options"]["runtime_env"]["env_vars"] == {"RAY_SERVE_LOG_TO_STDERR": "0"}
    assert config["applications"][0]["runtime_env"]["env_vars"] == {"A": "1", "RAY_SERVE_LOG_TO_STDERR": "1"}

    monkeypatch.setenv(console.VERBOSE_ENV, "1")
    assert console.ray_worker_env() == {console.VERBOSE_ENV: "1"} and console.local_ray_env() == {}
    assert console.quiet_serve_config({"applications": [{"name": "hrm"}]}) == {"applications": [{"name": "hrm"}]}
