"""hrm_ray.spans: word offsets, BIO tags, the three readers on the real files, malformed lines, the metric."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from hrm_ray.spans import (
    SKILLSPAN_PRIORITY,
    SpanDataError,
    entity_metrics,
    flatten_layers,
    read_bmes,
    read_dataturks,
    read_skillspan,
    resolve_overlaps,
    spans_to_tags,
    tags_to_spans,
    word_tokens,
)


THUMB = "\U0001F44D\U0001F3FD"
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
FLAG = "\U0001F1E9\U0001F1EA"


def words(text: str) -> list[str]:
    return [text[start:end] for start, end in word_tokens(text)]


# ---------------------------------------------------------------- word offsets


@pytest.mark.parametrize("text, expected", [
    ("Senior Java dev, 5+ yrs (B.E)", ["Senior", "Java", "dev", ",", "5", "+", "yrs", "(", "B", ".", "E", ")"]),
    ("高勇：男，1966年出生，Python编程", ["高", "勇", "：", "男", "，", "1966", "年", "出", "生", "，", "Python", "编", "程"]),
    # a thumb with a skin tone, a ZWJ family and a flag: each one grapheme, so one token
    (f"Team {THUMB} player{FAMILY}! {FLAG}", ["Team", THUMB, "player", FAMILY, "!", FLAG]),
    ("Name\r\nSkills:\r\n\r\n  SQL\t", ["Name", "Skills", ":", "SQL"]),
    ("cafe\u0301 naïve", ["cafe\u0301", "naïve"]),  # a combining accent stays in its word
])
def test_word_tokens_are_offsets_into_the_text(text, expected):
    tokens = word_tokens(text)
    assert words(text) == expected
    assert all(0 <= start < end <= len(text) for start, end in tokens)
    assert all(a[1] <= b[0] for a, b in zip(tokens, tokens[1:]))  # in order, never overlapping
    assert not any(char.isspace() for token in words(text) for char in token)


def test_tags_and_spans_round_trip_in_three_scripts():
    text = f"Anna Lee {THUMB} worked at 阿里巴巴集团\r\nas Senior Data Engineer."
    entities = [
        {"type": "NAME", "start": 0, "end": 8},
        {"type": "ORG", "start": text.index("阿"), "end": text.index("\r")},
        {"type": "TITLE", "start": text.index("Senior"), "end": text.index(".")},
    ]
    tokens = word_tokens(text)
    tags = spans_to_tags(tokens, entities)
    assert tags[:3] == ["B-NAME", "I-NAME", "O"]
    assert tags.count("B-ORG") == 1 and tags.count("I-ORG") == 5  # one tag per Chinese character
    back = tags_to_spans(text, tokens, tags, scores=[0.5] * len(tokens))
    assert [{k: e[k] for k in ("type", "start", "end")} for e in back] == entities
    assert [e["text"] for e in back] == ["Anna Lee", "阿里巴巴集团", "Senior Data Engineer"]
    assert all(e["score"] == 0.5 for e in back)


def test_a_span_inside_a_word_takes_the_whole_word_and_overlaps_are_refused():
    text = "JavaScript and SQL"
    tokens = word_tokens(text)
    assert spans_to_tags(tokens, [{"type": "SKILL", "start": 0, "end": 4}]) == ["B-SKILL", "O", "O"]
    with pytest.raises(ValueError, match="share a token"):
        spans_to_tags(tokens, [{"type": "A", "start": 0, "end": 14}, {"type": "B", "start": 11, "end": 18}])
    with pytest.raises(ValueError, match="covers no token"):
        spans_to_tags(tokens, [{"type": "A", "start": 10, "end": 11}])  # the space


def test_an_inside_tag_without_its_begin_opens_an_entity():
    text = "knows SQL Server and Excel"
    tokens = word_tokens(text)
    spans = tags_to_spans(text, tokens, ["O", "I-K", "I-K", "O", "I-S"])
    assert [(e["type"], e["text"]) for e in spans] == [("K", "SQL Server"), ("S", "Excel")]
    spans = tags_to_spans(text, tokens, ["B-K", "I-S", "I-S", "O", "O"])  # a type change starts a new one
    assert [(e["type"], e["text"]) for e in spans] == [("K", "knows"), ("S", "SQL Server")]
    with pytest.raises(ValueError, match="not IOB2"):
        tags_to_spans(text, tokens, ["E-K", "O", "O", "O", "O"])


# ---------------------------------------------------------------- the readers on the real files


def assert_clean(examples):
    for example in examples:
        for entity in example["entities"]:
            span = example["text"][entity["start"]:entity["end"]]
            assert span and span == span.strip(), (entity, span)
        assert example["entities"] == sorted(example["entities"], key=lambda e: (e["start"], e["end"], e["type"]))


def overlapping_pairs(examples):
    pairs = Counter()
    for example in examples:
        entities = example["entities"]
        for i, a in enumerate(entities):
            for b in entities[i + 1:]:
                if b["start"] < a["end"]:
                    pairs[(a["type"], b["type"])] += 1
    return pairs


def test_dataturks_train_file(data_dir):
    examples, stats = read_dataturks(data_dir / "resume_ner_dataturks_en" / "traindata.json")
    assert len(examples) == 200 and stats["spans_in_file"] == 3208
    # The 223 shifted spans are those after an "&amp;": unescaping the 48 resumes with one lines every span up.
    assert stats["unescaped_documents"] == 48 and stats.get("relocated", 0) == 0
    assert stats.get("dropped_unlocatable", 0) == 0
    assert stats["dropped_unlabelled"] == 4  # 2 "UNKNOWN", 2 with an empty label list
    assert stats["trimmed"] == 655
    assert stats["dropped_overlap"] == 110  # 97 nested pairs and 13 exact duplicates
    assert stats["entities"] == sum(len(e["entities"]) for e in examples) == 3208 - 4 - 110
    assert_clean(examples)
    assert not overlapping_pairs(examples)
    assert not any("&amp;" in e["text"] for e in examples)
    types = Counter(entity["type"] for example in examples for entity in example["entities"])
    # SOURCE.md's counts less the overlaps: most lost company names sat inside a long Skills list.
    assert types == {"Companies worked at": 676 - 58, "Designation": 473 - 15, "Skills": 417 - 16,
                     "Location": 381 - 9, "College Name": 291 - 2, "Degree": 268 - 1, "Email Address": 229 - 1,
                     "Graduation Year": 222 - 4, "Name": 205, "Years of Experience": 42 - 4}


def test_resume_ner_zh_files(data_dir):
    train = read_bmes(data_dir / "resume_ner_zh" / "train.char.bmes")
    dev = read_bmes(data_dir / "resume_ner_zh" / "dev.char.bmes")
    assert (len(train), sum(len(e["text"]) for e in train)) == (3821, 124099)
    assert (len(dev), sum(len(e["text"]) for e in dev)) == (463, 13890)
    counts = Counter(entity["type"] for example in train for entity in example["entities"])
    # SOURCE.md's counts; ORG has 2 more: two names the sentence splitter cut at a "。" count as two parts each.
    assert counts == {"NAME": 952, "ORG": 4611 + 2, "TITLE": 6308, "EDU": 858, "CONT": 260, "PRO": 287,
                      "RACE": 115, "LOC": 47}
    assert train[0]["text"].startswith("高勇：男") and train[0]["entities"][0] == {"type": "NAME", "start": 0, "end": 2}
    assert_clean(train + dev)


def test_skillspan_files_and_their_overlapping_layers(data_dir):
    folder = data_dir / "skill_spans_skillspan_en"
    train, dev = read_skillspan(folder / "train.json"), read_skillspan(folder / "dev.json")
    assert (len(train), len(dev)) == (4800, 3174)
    assert Counter(e["type"] for x in train for e in x["entities"]) == {"SKILL": 2221, "KNOWLEDGE": 2969}
    assert Counter(e["type"] for x in dev for e in x["entities"]) == {"SKILL": 1070, "KNOWLEDGE": 1093}
    assert_clean(train + dev)
    # The counts docs/token-classification.md gives for the choice of one flat tag sequence.
    assert sum(overlapping_pairs(train).values()) == 164 and sum(overlapping_pairs(dev).values()) == 50
    flat = flatten_layers(train, SKILLSPAN_PRIORITY)
    assert not overlapping_pairs(flat)
    assert Counter(e["type"] for x in flat for e in x["entities"])["KNOWLEDGE"] == 2969  # none of them lost
    assert all(x["text"] == y["text"] for x, y in zip(flat, train))


def test_resolve_overlaps_by_priority_then_length():
    a = {"type": "SKILL", "start": 0, "end": 20}
    b = {"type": "KNOWLEDGE", "start": 5, "end": 10}
    c = {"type": "SKILL", "start": 8, "end": 30}
    assert resolve_overlaps([a, b, c]) == ([c], [a, b])  # the longest wins, then what it does not touch
    assert resolve_overlaps([a, b, c], ("KNOWLEDGE",)) == ([b], [a, c])


# ---------------------------------------------------------------- a DataTurks file with every fix


def write_lines(path, records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def point(label, start, end, text):
    return {"label": [label] if label else [], "points": [{"start": start, "end": end, "text": text}]}


def test_dataturks_rule_on_a_made_up_resume(tmp_path):
    content = "Jane Roe\nR&amp;D Engineer at Acme\nSkills: Python, SQL\nAcme"
    # Offsets as the tool counted them: "&amp;" as one character, so everything after it is 4 short ...
    seen = content.replace("&amp;", "&")
    shifted = [
        point("Name", 0, 7, "Jane Roe"),
        point("Designation", seen.index("R&D"), seen.index("Engineer") + 7, "R&D Engineer"),
        point("Companies worked at", seen.index("Acme") - 1, seen.index("Acme") + 3, " Acme"),  # edge space
        point("Skills", seen.index("Python"), seen.index("SQL") + 2, "Python, SQL"),
        point("Skills", seen.index("SQL"), seen.index("SQL") + 2, "SQL"),  # nested in the longer one
        point("UNKNOWN", 0, 3, "Jane"),
        point(None, 0, 3, "Jane"),
    ]
    # ... and a resume without references where one span's offsets are off: moved to its nearest occurrence.
    second = "Acme\nJohn Doe\nworked at Acme, Acme"
    moved = [point("Companies worked at", second.rindex("Acme") - 2, second.rindex("Acme") + 1, "Acme")]
    path = write_lines(tmp_path / "resumes.json", [{"content": content, "annotation": shifted},
                                                    {"content": second, "annotation": moved},
                                                    {"content": "no labels", "annotation": None}])
    examples, stats = read_dataturks(path)
    first = examples[0]
    assert first["text"] == seen
    assert [(e["type"], first["text"][e["start"]:e["end"]]) for e in first["entities"]] == [
        ("Name", "Jane Roe"), ("Designation", "R&D Engineer"), ("Companies worked at", "Acme"),
        ("Skills", "Python, SQL")]
    assert examples[1]["entities"] == [{"type": "Companies worked at", "start": second.rindex("Acme"),
                                        "end": len(second)}]
    assert examples[2] == {"text": "no labels", "entities": []}
    assert stats == {"documents": 3, "spans_in_file": 8, "unescaped_documents": 1, "dropped_unlabelled": 2,
                     "trimmed": 1, "relocated": 1, "dropped_overlap": 1, "entities": 5}


# ---------------------------------------------------------------- malformed lines name the file and line

GOOD_TURK = {"content": "Jane Roe", "annotation": [point("Name", 0, 7, "Jane Roe")]}


@pytest.mark.parametrize("bad_line, problem", [
    ("{not json", "not valid JSON"),
    ({"text": "Jane"}, "missing key 'content'"),
    ({"content": "Jane"}, "missing key 'annotation'"),
    ({"content": "Jane", "annotation": [{"label": ["Name"]}]}, "missing key 'points'"),
    ({"content": "Jane", "annotation": [point("Name", 0, 9, "Jane")]}, "outside the text"),
    ({"content": "Jane", "annotation": [point("Name", "0", 3, "Jane")]}, "'start' must be int"),
])
def test_dataturks_malformed_line(tmp_path, bad_line, problem):
    path = write_lines(tmp_path / "turks.json", [GOOD_TURK, bad_line])
    with pytest.raises(SpanDataError, match=problem) as error:
        read_dataturks(path)
    assert str(path) in str(error.value) and "line 2" in str(error.value)
    assert (error.value.path, error.value.line) == (str(path), 2)


@pytest.mark.parametrize("bad_line, line, problem", [
    ("张", 3, "no tag"),
    ("张 X-NAME", 3, "unknown tag"),
    ("张 E-ORG", 3, "does not continue a B-ORG"),
    ("张 O", 3, "which no E- closed"),
])
def test_bmes_malformed_line(tmp_path, bad_line, line, problem):
    path = tmp_path / "bad.char.bmes"
    path.write_text(f"王 S-NAME\n李 B-NAME\n{bad_line}\n", encoding="utf-8")
    with pytest.raises(SpanDataError, match=problem) as error:
        read_bmes(path)
    assert f"{path}, line {line}:" in str(error.value)


def test_bmes_reads_crlf_and_a_sentence_cut_inside_an_entity(tmp_path):
    path = tmp_path / "ok.char.bmes"
    path.write_bytes("王 B-NAME\r\n五 E-NAME\r\n在 O\r\n北 B-ORG\r\n。 M-ORG\r\n\r\n大 M-ORG\r\n学 E-ORG\r\n".encode())
    assert read_bmes(path) == [
        {"text": "王五在北。", "entities": [{"type": "NAME", "start": 0, "end": 2}, {"type": "ORG", "start": 3, "end": 5}]},
        {"text": "大学", "entities": [{"type": "ORG", "start": 0, "end": 2}]},
    ]


@pytest.mark.parametrize("bad_line, problem", [
    ({"tokens": ["Python"], "tags_skill": ["O"]}, "missing key 'tags_knowledge'"),
    ({"tokens": ["Python", "SQL"], "tags_skill": ["O"], "tags_knowledge": ["B", "O"]}, "2 tokens but 1 tags_skill"),
    ({"tokens": ["Python"], "tags_skill": ["B-SKILL"], "tags_knowledge": ["O"]}, "expected 'B', 'I' or 'O'"),
    ({"tokens": ["Python", ""], "tags_skill": ["O", "O"], "tags_knowledge": ["O", "O"]}, "non-empty strings"),
    ("[1, 2]", "expected a JSON object"),
])
def test_skillspan_malformed_line(tmp_path, bad_line, problem):
    good = {"tokens": ["Know", "SQL"], "tags_skill": ["B", "I"], "tags_knowledge": ["O", "B"]}
    path = write_lines(tmp_path / "spans.json", [good, "", bad_line])
    with pytest.raises(SpanDataError, match=problem) as error:
        read_skillspan(path)
    assert f"{path}, line 3:" in str(error.value)


def test_skillspan_layers_become_typed_entities(tmp_path):
    path = write_lines(tmp_path / "spans.json", [
        {"tokens": ["Know", "SQL", "well"], "tags_skill": ["B", "I", "O"], "tags_knowledge": ["O", "B", "O"]}])
    assert read_skillspan(path) == [{"text": "Know SQL well", "entities": [
        {"type": "SKILL", "start": 0, "end": 8}, {"type": "KNOWLEDGE", "start": 5, "end": 8}]}]


# ---------------------------------------------------------------- the metric


def test_entity_metrics_on_a_hand_made_case():
    texts = ["Anna Lee works at Acme Corp in Paris.", "高勇任董事。", "SQL and Python"]
    gold = [
        [{"type": "PER", "start": 0, "end": 8}, {"type": "ORG", "start": 18, "end": 27},
         {"type": "LOC", "start": 31, "end": 36}],
        [{"type": "NAME", "start": 0, "end": 2}, {"type": "TITLE", "start": 3, "end": 5}],
        [{"type": "SKILL", "start": 0, "end": 14}, {"type": "KNOWLEDGE", "start": 0, "end": 3}],  # overlapping gold
    ]
    predicted = [
        [{"type": "PER", "start": 0, "end": 8}, {"type": "ORG", "start": 18, "end": 22},  # too short: a miss
         {"type": "DATE", "start": 31, "end": 36}],  # right span, wrong type: a miss and a false alarm
        [{"type": "NAME", "start": 0, "end": 2, "text": "高勇", "score": 0.9}, {"type": "TITLE", "start": 3, "end": 5}],
        [{"type": "KNOWLEDGE", "start": 0, "end": 3}],
    ]
    metrics = entity_metrics(texts, gold, predicted)
    # 7 gold, 6 predicted, 4 strict matches (PER, NAME, TITLE, KNOWLEDGE).
    assert metrics["n"] == 3 and metrics["n_entities"] == 7
    assert metrics["micro_precision"] == pytest.approx(4 / 6)
    assert metrics["micro_recall"] == pytest.approx(4 / 7)
    assert metrics["micro_f1"] == pytest.approx(2 * 4 / (6 + 7))
    assert metrics["per_type_f1"] == {"DATE": 0.0, "KNOWLEDGE": 1.0, "LOC": 0.0, "NAME": 1.0, "ORG": 0.0,
                                      "PER": 1.0, "SKILL": 0.0, "TITLE": 1.0}


def test_entity_metrics_checks_its_inputs():
    with pytest.raises(ValueError, match="one list of each per text"):
        entity_metrics(["a"], [], [[]])
    assert entity_metrics(["nothing here"], [[]], [[]])["micro_f1"] == 0.0
