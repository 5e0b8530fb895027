"""What a search leaves for people: one CSV row per trial and a plot of every trial's validation curve."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd


def final_report(history: pd.DataFrame) -> pd.Series | None:
    """A trial's last report as a finished run (its model's checkpoint path and test score), or None if ASHA
    stopped it, it failed, or it was interrupted first."""
    if "final" not in history or not (history["final"] == 1).any():
        return None
    return history[history["final"] == 1].iloc[-1]


def trial_table(histories: dict[str, pd.DataFrame], params: dict[str, dict], errors: dict[str, str],
                metric: str, mode: str, time_attr: str) -> pd.DataFrame:
    """One row per trial: its hyperparameters, validation score (its model's if it finished, else the best it
    reported), how far it trained, its test score if it finished, and whether ASHA stopped it early."""
    rows = []
    for trial_id, history in histories.items():
        scores = history[metric].dropna() if metric in history else pd.Series(dtype=float)
        final_row = final_report(history)
        test_columns = [c for c in history.columns if c.startswith("test_")]
        rows.append({
            "trial_id": trial_id,
            **{f"param.{key}": value for key, value in params[trial_id].items()},
            # A finished trial's score is its delivered model's, the one the search picks the best by; for
            # XGBoost that is the early-stopping round's, not the best of the rounds it reported.
            metric: final_row[metric] if final_row is not None and metric in final_row else (
                (scores.max() if mode == "max" else scores.min()) if len(scores) else math.nan),
            time_attr: history[time_attr].max() if time_attr in history else 0,
            **{c: final_row[c] if final_row is not None else math.nan for c in test_columns},
            "status": "finished" if final_row is not None else ("error" if trial_id in errors else "stopped early"),
            "error": errors.get(trial_id, ""),
        })
    table = pd.DataFrame(rows)
    return table.sort_values(metric, ascending=(mode == "min"), na_position="last").reset_index(drop=True)


def plot_curves(histories: dict[str, pd.DataFrame], metric: str, time_attr: str, best_trial: str | None,
                path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and in Ray jobs
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5))
    for trial_id, history in histories.items():
        if metric not in history or time_attr not in history:
            continue
        # The final report repeats the best score at the last step: a summary, not a point of the curve.
        progress = history[history["final"] != 1] if "final" in history else history
        points = progress[[time_attr, metric]].dropna().drop_duplicates(time_attr, keep="last").sort_values(time_attr)
        best = trial_id == best_trial
        axes.plot(points[time_attr], points[metric], marker="o", markersize=3, linewidth=2.5 if best else 1,
                  alpha=1 if best else 0.6, label=f"{trial_id} (best)" if best else trial_id)
    axes.set_xlabel(time_attr)
    axes.set_ylabel(metric)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    if len(histories) <= 12:
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
