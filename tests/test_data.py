"""Data reading and splitting on the real data sets: deterministic, leak-free, deduplicated, clear errors."""

import shutil

import pandas as pd
import pytest

from hrm_ray.data import DataError, SplitSpec, read_table, resolve_data_dir, split_frame
from hrm_ray.tasks import TASKS, InputError, get_task


@pytest.fixture(scope="module")
def frames(data_dir):
    return {name: task.training_frame(data_dir) for name, task in TASKS.items()}


@pytest.mark.parametrize("name", list(TASKS))
def test_splits_are_deterministic_and_no_test_row_is_in_train(frames, name):
    first, second = split_frame(frames[name]), split_frame(frames[name])
    for split in first:
        pd.testing.assert_frame_equal(first[split], second[split])
    train = set(first["train"]["text"])
    assert not train & set(first["test"]["text"]), "a test text is also in train"
    assert not train & set(first["validation"]["text"]), "a validation text is also in train"
    sizes = {split: len(frame) for split, frame in first.items()}
    assert sum(sizes.values()) == len(frames[name])
    assert 0.05 < sizes["test"] / len(frames[name]) < 0.2


def test_quick_runs_subset_train_and_validation_but_never_test(data_dir):
    from hrm_ray.config import TrainConfig
    from hrm_ray.kinds import task_splits

    task = get_task("sentiment")
    whole = task_splits(task, TrainConfig(task="sentiment", data_dir=str(data_dir)))
    quick = task_splits(task, TrainConfig(task="sentiment", data_dir=str(data_dir), max_train_samples=300,
                                          max_eval_samples=200))
    assert (len(quick["train"]), len(quick["validation"])) == (300, 200)
    assert set(quick["validation"]["text"]) <= set(whole["validation"]["text"])
    assert set(quick["validation"]["label"]) == set(task.labels)
    pd.testing.assert_frame_equal(quick["test"], whole["test"])


@pytest.mark.parametrize("name", list(TASKS))
def test_exact_duplicate_texts_are_removed_before_splitting(frames, name):
    assert not frames[name]["text"].duplicated().any()
    assert set(frames[name]["label"]) <= set(TASKS[name].labels)


def test_known_duplicates_and_the_empty_resume_are_dropped(data_dir, frames):
    raw = get_task("screening").load(data_dir)
    assert (raw["text"] == "").sum() >= 1  # BUSINESS-DEVELOPMENT 12632728 has no text
    assert raw["text"].duplicated().sum() >= 1
    assert len(frames["screening"]) < len(raw)
    assert (frames["screening"]["text"].str.strip() != "").all()


def test_stratified_split_keeps_label_proportions(frames):
    splits = split_frame(frames["attrition"])
    rates = {name: (frame["label"] == "leaves").mean() for name, frame in splits.items()}
    assert max(rates.values()) - min(rates.values()) < 0.03


def test_sentiment_split_is_grouped_by_firm_so_test_firms_are_unseen(frames):
    splits = split_frame(frames["sentiment"])
    train_firms = set(splits["train"]["group"])
    assert not train_firms & set(splits["test"]["group"])
    assert not train_firms & set(splits["validation"]["group"])


def test_a_different_seed_moves_rows(frames):
    a = split_frame(frames["screening"], SplitSpec(seed=1))["test"]["text"]
    b = split_frame(frames["screening"], SplitSpec(seed=2))["test"]["text"]
    assert set(a) != set(b)


def test_bom_is_stripped_from_the_attrition_file(data_dir):
    path = data_dir / get_task("attrition").data_files[0]
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert read_table(path, ["Age", "Attrition"]).columns[0] == "Age"


def test_screening_drops_the_title_line_that_names_the_category(data_dir):
    from hrm_ray.tasks.screening import clean_text

    raw = pd.read_csv(data_dir / get_task("screening").data_files[0], dtype=str, keep_default_na=False)
    frame = get_task("screening").load(data_dir)
    assert frame["id"].tolist() == raw["ID"].tolist()  # row for row: each text meets its own source
    titles = raw["Resume_text"].map(lambda text: clean_text(text.split("\n", 1)[0]).strip())
    first_lines = frame["text"].map(lambda text: text.split("\n", 1)[0].strip())
    kept = [(row_id, title) for row_id, title, first in zip(raw["ID"], titles, first_lines) if title and first == title]
    assert not kept, f"{len(kept)} of {len(frame)} texts still start with their title line, e.g. {kept[:3]}"
    # One resume by hand: ACCOUNTANT 10674770 opens "STAFF ACCOUNTANT", then its summary.
    source = raw.set_index("ID").loc["10674770", "Resume_text"]
    assert source.startswith("STAFF ACCOUNTANT\nSummary\nHighly analytical and detail-oriented professional")
    text = frame.set_index("id").loc["10674770", "text"]
    assert text.startswith("Summary\nHighly analytical and detail-oriented professional")
    assert frame["text"].str.contains("\u200b").sum() == 0


# ---- bad data gives an error that names it ----

def copy_task_folder(data_dir, tmp_path, task_name):
    relative = get_task(task_name).data_files[0]
    target = tmp_path / relative
    target.parent.mkdir(parents=True)
    shutil.copy(data_dir / relative, target)
    return target


def test_missing_data_folder_names_the_folder(tmp_path):
    with pytest.raises(DataError, match="data folder not found: .*nowhere"):
        resolve_data_dir(tmp_path / "nowhere")


def test_missing_data_file_names_the_file(tmp_path):
    with pytest.raises(DataError, match="data file not found: .*glassdoor_reviews.csv"):
        get_task("sentiment").load(tmp_path)


def test_a_malformed_label_names_file_line_and_column(data_dir, tmp_path):
    target = copy_task_folder(data_dir, tmp_path, "sentiment")
    table = pd.read_csv(target, dtype=str, keep_default_na=False)
    table.loc[1, "overall_rating"] = "five"
    table.to_csv(target, index=False)
    with pytest.raises(DataError, match=r"glassdoor_reviews.csv, line 3: column overall_rating has 'five'"):
        get_task("sentiment").load(tmp_path)


@pytest.mark.parametrize(
    ("name", "column", "respell"),
    [
        ("sentiment", "overall_rating", lambda value: f"{value}.0"),  # pandas' float column after a blank
        ("attrition", "Attrition", lambda value: f" {value.upper()} "),
        ("screening", "Category", str.lower),
    ],
    ids=["rating-as-float", "attrition-in-capitals", "category-in-lower-case"],
)
def test_labels_spelled_differently_read_as_the_same_labels(data_dir, tmp_path, name, column, respell):
    task = get_task(name)
    target = copy_task_folder(data_dir, tmp_path, name)
    table = pd.read_csv(target, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table[column] = table[column].map(respell)
    table.to_csv(target, index=False)
    assert task.load(tmp_path)["label"].tolist() == task.load(data_dir)["label"].tolist()


def test_a_malformed_number_names_file_line_and_column(data_dir, tmp_path):
    target = copy_task_folder(data_dir, tmp_path, "attrition")
    table = pd.read_csv(target, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table.loc[4, "MonthlyIncome"] = "lots"
    table.to_csv(target, index=False)
    with pytest.raises(DataError, match=r"line 6: column MonthlyIncome has 'lots'; expected a number"):
        get_task("attrition").load(tmp_path)


@pytest.mark.parametrize("missing", ["", "NA", " null "])
def test_an_empty_number_is_a_missing_value_and_its_row_is_kept(data_dir, tmp_path, missing):
    target = copy_task_folder(data_dir, tmp_path, "attrition")
    table = pd.read_csv(target, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table.loc[4, "MonthlyIncome"] = missing
    table.to_csv(target, index=False)
    frame = get_task("attrition").load(tmp_path)
    assert len(frame) == len(table)
    assert frame["record"][4]["MonthlyIncome"] == ""
    assert "Monthly Income" not in frame["text"][4] and "Monthly Income" in frame["text"][5]


def test_a_missing_column_is_named(data_dir, tmp_path):
    target = copy_task_folder(data_dir, tmp_path, "performance")
    pd.read_csv(target).drop(columns=["EmpJobRole"]).to_csv(target, index=False)
    with pytest.raises(DataError, match="lacks column\\(s\\) EmpJobRole"):
        get_task("performance").load(tmp_path)


def test_too_few_rows_to_split_is_an_error():
    with pytest.raises(DataError, match="too few"):
        split_frame(pd.DataFrame({"text": list("abc"), "label": ["x", "y", "x"]}))


# ---- prediction records ----

@pytest.mark.parametrize(
    "record, message",
    [
        ({"text": "   "}, "field 'text' is empty"),
        ({"text": 5}, "field 'text' must be a string"),
        ({"txt": "hello"}, "expects a record"),
        ("hello", "expects a record"),
    ],
)
def test_bad_text_records_name_the_field(record, message):
    with pytest.raises(InputError, match=message):
        get_task("sentiment").record_to_text(record)


def test_tabular_records_are_serialised_in_a_fixed_order_and_checked():
    task = get_task("attrition")
    text = task.record_to_text({"record": {"OverTime": "Yes", "Age": 30, "EmployeeNumber": 7}})
    assert text == "Over Time: Yes\nAge: 30"
    with pytest.raises(InputError, match=r"unknown column\(s\) \['Salary'\]"):
        task.record_to_text({"record": {"Age": 30, "Salary": 1}})
    with pytest.raises(InputError, match="record.Age must be a number"):
        task.record_to_text({"record": {"Age": "thirty"}})
    # A number the record does not have, however the table wrote it, is left out as an absent column is.
    for missing in (None, "", " NA ", "null", float("nan")):
        assert task.record_to_text({"record": {"OverTime": "Yes", "Age": missing}}) == "Over Time: Yes"
    with pytest.raises(InputError, match="none of the columns"):
        task.record_to_text({"record": {}})
