"""Reading a fine-tune job's logs: colour codes off, progress lines to curve points (lines as Ray prints them)."""

from hrm_ray.console import strip_ansi
from ui.job_logs import is_plotted, progress_points

# Copied from `ray job logs` of real runs (hrm train sentiment / attrition), colour codes included.
TRANSFORMER_LOGS = (
    "[hrm] training sentiment (transformer) with 2 worker(s)\n"
    "\x1b[36m(RayTrainWorker pid=9446)\x1b[0m [hrm] epoch 0.50 step 1/4 loss=1.098 grad_norm=0.3555 learning_rate=0 "
    "epoch=0.5\n"
    "\x1b[36m(RayTrainWorker pid=9446)\x1b[0m [hrm] epoch 1.00 step 2/4 eval_loss=1.105 eval_accuracy=0.375 "
    "eval_macro_f1=0.2586 eval_runtime=0.5931 eval_samples_per_second=97.78 eval_steps_per_second=1.686 epoch=1\n"
    "\x1b[36m(RayTrainWorker pid=9446)\x1b[0m [hrm] epoch 2.00 step 4/4 train_runtime=8.227 "
    "train_samples_per_second=15.56 total_flos=5.213e+11 train_loss=1.086 epoch=2\n"
)
XGBOOST_LOGS = (
    "\x1b[36m(TrainController pid=6362)\x1b[0m Started training worker group of size 2: \n"
    "\x1b[36m(TrainController pid=6362)\x1b[0m [10:25:20] [0]\tvalidation-logloss:0.43324\n"
    "\x1b[36m(TrainController pid=6362)\x1b[0m [10:25:20] [25]\tvalidation-logloss:0.42110\n"
)


def test_colour_codes_come_off_and_the_text_stays():
    assert strip_ansi(XGBOOST_LOGS.splitlines()[0]) == \
        "(TrainController pid=6362) Started training worker group of size 2: "
    assert strip_ansi("View the dashboard at \x1b[1m\x1b[32mhttp://127.0.0.1:8265 \x1b[39m\x1b[22m") == \
        "View the dashboard at http://127.0.0.1:8265 "


def test_transformer_progress_lines_give_loss_and_validation_scores_by_epoch():
    assert progress_points(TRANSFORMER_LOGS) == [
        {"Step": 0.5, "Value": 1.098, "Series": "loss"},
        {"Step": 1.0, "Value": 1.105, "Series": "eval_loss"},
        {"Step": 1.0, "Value": 0.375, "Series": "eval_accuracy"},
        {"Step": 1.0, "Value": 0.2586, "Series": "eval_macro_f1"},
    ]


def test_xgboost_rounds_are_numbered_and_named_as_its_saved_training_log():
    assert progress_points(XGBOOST_LOGS) == [
        {"Step": 1, "Value": 0.43324, "Series": "validation_logloss"},
        {"Step": 26, "Value": 0.4211, "Series": "validation_logloss"},
    ]


def test_other_lines_and_timings_are_not_plotted():
    assert progress_points("[hrm] saved /srv/models/sentiment/1\n[hrm] epoch x step 1/2 loss=oops\n") == []
    assert not is_plotted("eval_runtime") and not is_plotted("train_loss") and is_plotted("validation_logloss")
