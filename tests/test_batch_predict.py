"""jobs/batch_predict.py's engine on the session's Ray: a real HR table in, Parquet out, no row lost."""

from __future__ import annotations

import pandas as pd
import pytest

from hrm_ray.inference.score_table import check_columns, score_table
from hrm_ray.inference.predict_file import PredictError
from hrm_ray.inference.predictor import load_predictor

IBM = "ibm_hr_attrition/WA_Fn-UseC_-HR-Employee-Attrition.csv"


def test_every_row_of_a_real_csv_is_scored_as_the_api_would_score_it(serve_registry, data_dir, tmp_path):
    summary = score_table("attrition", str(serve_registry / "attrition"), str(data_dir / IBM), str(tmp_path / "out"),
                          batch_size=300)
    source = pd.read_csv(data_dir / IBM, encoding="utf-8-sig")  # the file starts with a BOM
    scored = pd.read_parquet(tmp_path / "out")
    assert summary == {"rows": len(source), "errors": 0, "first_error": None, "output": str(tmp_path / "out")}
    assert sorted(scored["EmployeeNumber"]) == sorted(source["EmployeeNumber"])
    assert {"predicted_label", "prob_stays", "prob_leaves", "score", "error"} <= set(scored.columns)
    # Same numbers as one Predictor call on the same records (what `hrm predict` and Serve use).
    sample = scored.sort_values("EmployeeNumber").head(5)
    rows = source.set_index("EmployeeNumber").loc[sample["EmployeeNumber"]].reset_index()
    predictor = load_predictor(serve_registry / "attrition")
    columns = predictor.task.feature_columns
    expected = predictor.predict([{"record": {c: row[c] for c in columns}} for row in rows.to_dict("records")])
    assert list(sample["score"]) == pytest.approx([p["score"] for p in expected], abs=1e-6)


def test_a_bad_row_is_named_in_its_error_column_and_the_others_are_scored(serve_registry, data_dir, tmp_path):
    # Age as text (as an export might hold it): numbers in text are fine, "forty" is not.
    table = pd.read_csv(data_dir / IBM, encoding="utf-8-sig").head(40).astype({"Age": str})
    table.loc[7, "Age"] = "forty"
    table.to_parquet(tmp_path / "in.parquet")
    summary = score_table("attrition", str(serve_registry / "attrition"), str(tmp_path / "in.parquet"),
                          str(tmp_path / "out"))
    scored = pd.read_parquet(tmp_path / "out").set_index("EmployeeNumber")
    assert summary["rows"] == 40 and summary["errors"] == 1
    bad = scored.loc[table.loc[7, "EmployeeNumber"]]
    assert bad["error"] == "record.Age must be a number, got 'forty'"
    assert pd.isna(bad["predicted_label"]) and pd.isna(bad["score"])
    assert scored.drop(index=table.loc[7, "EmployeeNumber"])["predicted_label"].notna().all()


def test_inputs_that_cannot_be_scored_fail_before_scoring(serve_registry, tmp_path):
    with pytest.raises(PredictError, match="has none of attrition's columns"):
        check_columns("attrition", ["id", "name"], "text")
    with pytest.raises(PredictError, match="no column 'text' .*--text-column.* it has \\['resume'\\]"):
        check_columns("screening", ["resume"], "text")
    with pytest.raises(PredictError, match="already has column\\(s\\) \\['score'\\]"):
        check_columns("sentiment", ["text", "score"], "text")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(PredictError, match="expected .csv, .csv.gz or .parquet"):
        score_table("attrition", str(serve_registry / "attrition"), str(tmp_path / "notes.txt"), str(tmp_path / "o"))
    with pytest.raises(PredictError, match="input not found"):
        score_table("attrition", str(serve_registry / "attrition"), str(tmp_path / "none.csv"), str(tmp_path / "o"))
    with pytest.raises(PredictError, match="trained for 'attrition', not 'sentiment'"):
        score_table("sentiment", str(serve_registry / "attrition"), str(tmp_path / "notes.txt"), str(tmp_path / "o"))
