"""Data reading and splitting on the real data sets: deterministic, leak-free, deduplicated, clear errors."""

import shutil

import pandas as pd
import pytest

from hrm_ray.config import TrainConfig
from hrm_ray.data import DataError, SplitSpec, read_table, resolve_data_dir, split_frame
from hrm_ray.kinds import get_kind, task_splits
from hrm_ray.kinds.sequence_classification import MAX_CHARS
from hrm_ray.kinds.token_classification import example_splits
from hrm_ray.tasks import TASKS, InputError, get_task


def tasks_of(*kinds: str) -> list[str]:
    return [name for name, task in TASKS.items() if task.kind in kinds]


TEXT_CLASSIFICATION = tasks_of("sequence_classification")
TABULAR = tasks_of("tabular")
TOKEN_CLASSIFICATION = tasks_of("token_classification")
# The kinds whose rows carry one label each, split 80/10/10 by the data module (stratified or grouped).
LABELLED = tasks_of("sequence_classification", "tabular")
# The kinds whose records are {"text": ...}.
TEXT_RECORDS = tasks_of("sequence_classification", "token_classification")


@pytest.fixture(scope="module")
def frames(data_dir):
    return {name: task.training_frame(data_dir) for name, task in TASKS.items()}


@pytest.fixture(scope="module")
def splits(data_dir):
    """Each task's splits as training reads them (its kind's), computed twice."""
    def of(name):
        return task_splits(TASKS[name], TrainConfig(task=name, data_dir=str(data_dir)))

    return {name: (of(name), of(name)) for name in TASKS}


@pytest.mark.parametrize("name", LABELLED)
def test_splits_are_deterministic_and_no_test_row_is_in_train(frames, splits, name):
    first, second = splits[name]
    for split in first:
        pd.testing.assert_frame_equal(first[split], second[split])
    train = set(first["train"]["text"])
    assert not train & set(first["test"]["text"]), "a test text is also in train"
    assert not train & set(first["validation"]["text"]), "a validation text is also in train"
    sizes = {split: len(frame) for split, frame in first.items()}
    assert sum(sizes.values()) == len(frames[name])
    assert 0.05 < sizes["test"] / len(frames[name]) < 0.2


@pytest.mark.parametrize("name", TOKEN_CLASSIFICATION)
def test_token_splits_are_the_files_and_a_missing_split_is_carved_from_train(data_dir, frames, splits, name):
    task = TASKS[name]
    first, second = splits[name]
    for split in first:
        pd.testing.assert_frame_equal(first[split], second[split])
    frame = frames[name]
    present = task.present_files(data_dir)
    for split in present:
        if split != "train":  # a split with its own file is that file, row for row
            assert len(first[split]) == (frame["split"] == split).sum()
    carved = [split for split in ("validation", "test") if split not in present]
    assert len(first["train"]) + sum(len(first[split]) for split in carved) == (frame["split"] == "train").sum()


@pytest.mark.parametrize("name", TOKEN_CLASSIFICATION)
def test_a_carved_split_shares_no_text_with_train(frames, name):
    # Both splits carved from the train file alone, whichever files this data folder has.
    train_file = frames[name][frames[name]["split"] == "train"]
    carved = example_splits(train_file, None, None, seed=0)
    assert sum(len(split) for split in carved.values()) == len(train_file)
    train = set(carved["train"]["text"])
    for split in ("validation", "test"):
        assert 0.05 < len(carved[split]) / len(train_file) < 0.2
        assert not train & set(carved[split]["text"]), f"a carved {split} text is also in train"
    assert not set(carved["validation"]["text"]) & set(carved["test"]["text"])


def test_quick_runs_subset_train_and_validation_but_never_test(data_dir):
    task = get_task("sentiment")
    whole = task_splits(task, TrainConfig(task="sentiment", data_dir=str(data_dir)))
    quick = task_splits(task, TrainConfig(task="sentiment", data_dir=str(data_dir), max_train_samples=300,
                                          max_eval_samples=200))
    assert (len(quick["train"]), len(quick["validation"])) == (300, 200)
    assert set(quick["validation"]["text"]) <= set(whole["validation"]["text"])
    assert set(quick["validation"]["label"]) == set(task.labels)
    pd.testing.assert_frame_equal(quick["test"], whole["test"])


@pytest.mark.parametrize("name", TEXT_CLASSIFICATION)
def test_exact_duplicate_texts_are_removed_before_splitting(frames, name):
    assert not frames[name]["text"].duplicated().any()
    assert set(frames[name]["label"]) <= set(TASKS[name].labels)


@pytest.mark.parametrize("name", TABULAR)
def test_a_repeated_employee_row_is_removed_before_splitting(data_dir, tmp_path, frames, name):
    task = TASKS[name]
    assert set(frames[name]["label"]) <= set(task.labels)
    target = copy_task_folder(data_dir, tmp_path, name)
    table = pd.read_csv(target, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    repeated = table.iloc[[3]].copy()
    for column in task.ignored_columns:  # an id column may differ: the row still says the same
        if column in repeated:
            repeated[column] = "999999"
    pd.concat([table, repeated]).to_csv(target, index=False)
    assert len(task.load(tmp_path)) == len(table) + 1
    frame = task.training_frame(tmp_path)
    assert len(frame) == len(table) and list(frame.columns) == ["record", "label"]


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
    task = get_task("attrition")
    frame = get_kind(task.kind).all_rows(task, TrainConfig(task="attrition", data_dir=str(tmp_path)))
    assert len(frame) == len(table)
    assert frame["record"][4]["MonthlyIncome"] == ""
    # The text the transformer learner reads leaves the missing value out, as for a record without the column.
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

@pytest.mark.parametrize("name", TEXT_RECORDS)
@pytest.mark.parametrize(
    "record, message",
    [
        ({"text": "   "}, "field 'text' is empty"),
        ({"text": 5}, "field 'text' must be a string"),
        ({"text": "a" * (MAX_CHARS + 1)}, f"field 'text' has {MAX_CHARS + 1} characters; the limit is {MAX_CHARS}"),
        ({"txt": "hello"}, "expects a record"),
        ("hello", "expects a record"),
    ],
    ids=["blank", "number", "too-long", "misspelt-field", "no-record"],
)
def test_bad_text_records_name_the_field(name, record, message):
    task = get_task(name)
    with pytest.raises(InputError, match=message):
        get_kind(task.kind).check_record(task, record)


@pytest.mark.parametrize("name", TEXT_RECORDS)
def test_a_good_text_record_is_checked_once_and_read_as_it_came(name):
    task = get_task(name)
    kind = get_kind(task.kind)
    assert kind.check_record(task, {"text": "Kind manager, long hours."}) == {"text": "Kind manager, long hours."}
    with pytest.raises(InputError, match=r"inputs\[1\]: field 'text' is empty"):
        kind.check_records(task, [{"text": "fine"}, {"text": ""}])


def test_tabular_records_are_serialised_in_a_fixed_order_and_checked():
    task = get_task("attrition")
    kind = get_kind(task.kind)

    def model_text(record):  # what the transformer learner reads for a record sent to the API
        return task.serialise(kind.check_record(task, record)["record"])

    assert model_text({"record": {"OverTime": "Yes", "Age": 30, "EmployeeNumber": 7}}) == "Over Time: Yes\nAge: 30"
    with pytest.raises(InputError, match=r"unknown column\(s\) \['Salary'\]"):
        model_text({"record": {"Age": 30, "Salary": 1}})
    with pytest.raises(InputError, match="record.Age must be a number"):
        model_text({"record": {"Age": "thirty"}})
    # A number the record does not have, however the table wrote it, is left out as an absent column is.
    for missing in (None, "", " NA ", "null", float("nan")):
        assert model_text({"record": {"OverTime": "Yes", "Age": missing}}) == "Over Time: Yes"
    with pytest.raises(InputError, match="none of the columns"):
        model_text({"record": {}})
    with pytest.raises(InputError, match="expects a record"):
        model_text({"text": "Age: 30"})
