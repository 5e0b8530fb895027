"""The transformer side of token classification: sub-token alignment, windows, the Ray Train loop, the tagger.

The alignment tests feed "perfect" one-hot logits built from the gold labels back through decoding: whatever
the tokenizer does to English, Chinese, emoji or CRLF, and however a text is cut into windows, the gold spans
must come back exactly. The fine-tune test checks the machinery on a few dozen real ResumeNER sentences
(2 workers, ZeRO-2), not the quality, which docs/token-classification.md measures.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from transformers import AutoModelForTokenClassification, AutoTokenizer

from hrm_ray.backbones import resolve_backbone
from hrm_ray.inference.token_tagger import TAGGER_SETTINGS, TaggerInputError, TransformerTagger
from hrm_ray.spans.alignment import (IGNORE, SUBTOKEN_MODES, AlignmentError, bio_labels, decode_entities,
                                     encode_windows, trim_entities, window_labels)

BACKBONES = ("multilingual-e5-small", "minilm")


@pytest.fixture(scope="module", params=BACKBONES)
def tokenizer(request):
    return AutoTokenizer.from_pretrained(resolve_backbone(request.param))


def read_bmes(path: Path, limit: int | None = None) -> list[dict]:
    """Sentences of a `char TAG` per line file (BMES tags, blank line between sentences) as examples."""
    examples, chars, entities, inside = [], [], [], False
    for line in path.read_text(encoding="utf-8").split("\n") + [""]:
        if not line.strip():
            examples += [{"text": "".join(chars), "entities": entities}] if chars else []
            chars, entities, inside = [], [], False
            continue
        char, tag = line.rsplit(" ", 1)
        if tag[0] in "BS" or (tag[0] in "ME" and not inside):  # train has a sentence break inside an entity
            entities.append({"type": tag[2:], "start": len(chars), "end": len(chars) + 1})
        elif tag[0] in "ME":
            entities[-1]["end"] = len(chars) + 1
        inside = tag[0] in "BM"
        chars.append(char)
    return examples[:limit]


def spans_of(entities) -> list[tuple]:
    return [(e["type"], e["start"], e["end"]) for e in entities]


def perfect_logits(windows, entities, labels, subtokens, padding: int = 3) -> list[np.ndarray]:
    """One-hot logits of the gold labels, with rows of padding after each window as a batch would have."""
    label_to_id = {label: i for i, label in enumerate(labels)}
    out = []
    for window in windows:
        logits = np.zeros((len(window) + padding, len(labels)))
        for position, label in enumerate(window_labels(window, entities, label_to_id, subtokens)):
            if label != IGNORE:
                logits[position, label] = 8.0
        out.append(logits)
    return out


def round_trip(tokenizer, text, entities, types, max_length, stride, subtokens="all"):
    labels = bio_labels(types)
    gold = trim_entities(text, entities)
    windows = encode_windows(tokenizer, text, max_length, stride)
    predicted = decode_entities(text, windows, perfect_logits(windows, gold, labels, subtokens), labels, subtokens)
    for entity in predicted:
        assert entity["text"] == text[entity["start"]:entity["end"]]
        assert 0 < entity["score"] <= 1
    return spans_of(predicted), spans_of(gold), windows


MIXED = ("Worked at Microsoft Research, Redmond\r\n\r\nSkills: Python 😀, 机器学习\r\n"
         "高勇：男，中国国籍 🚀 emoji😀end")
MIXED_ENTITIES = [("Microsoft Research", "ORG"), ("Redmond", "LOC"), ("Python", "SKILL"), ("机器学习", "SKILL"),
                  ("高勇", "NAME"), ("中国国籍", "CONT")]


def mixed_example():
    entities = []
    for surface, kind in MIXED_ENTITIES:
        start = MIXED.index(surface)
        entities.append({"type": kind, "start": start, "end": start + len(surface)})
    return MIXED, entities, sorted({kind for _, kind in MIXED_ENTITIES})


@pytest.mark.parametrize("subtokens", SUBTOKEN_MODES)
@pytest.mark.parametrize("max_length,stride", [(128, 16), (10, 3), (6, 1), (5, 0)])
def test_gold_spans_survive_labels_windows_and_decoding(tokenizer, max_length, stride, subtokens):
    text, entities, types = mixed_example()
    predicted, gold, windows = round_trip(tokenizer, text, entities, types, max_length, stride, subtokens)
    assert predicted == gold
    assert len(gold) == len(MIXED_ENTITIES)
    assert (len(windows) > 1) == (max_length < 64)
    assert all(len(window) <= max_length for window in windows)


def test_windows_cover_every_token_and_overlap_by_the_stride(tokenizer):
    text = MIXED * 3
    whole = len(tokenizer(text, add_special_tokens=False)["input_ids"])
    windows = encode_windows(tokenizer, text, max_length=16, stride=4)
    seen = [[i for i in w.token_index if i is not None] for w in windows]
    assert sorted(set().union(*map(set, seen))) == list(range(whole))
    for before, after in zip(seen, seen[1:]):
        assert len(set(before) & set(after)) == 4
    assert all(len(w.input_ids) == len(w.attention_mask) == len(w.offsets) for w in windows)


def test_token_spans_carry_no_whitespace_and_specials_no_span(tokenizer):
    text = "  leading  and trailing \r\n 高勇 😀 "
    window = encode_windows(tokenizer, text, 64, 8)[0]
    assert window.offsets[0] is None and window.offsets[-1] is None  # [CLS]/<s> and [SEP]/</s>
    for span in filter(None, window.offsets):
        piece = text[span[0]:span[1]]
        assert piece and piece == piece.strip()


def test_an_overlapping_token_takes_the_window_where_it_is_farther_from_the_edge(tokenizer):
    """Two windows disagree on a token they share: it sits at the later window's left edge and three tokens
    before the first window's cut, so the first window decides it, whichever way each window votes."""
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"
    labels = bio_labels(["X"])
    windows = encode_windows(tokenizer, text, 9, 4)
    assert len(windows) >= 2
    first, second = windows[0], windows[1]
    shared = sorted({i for i in first.token_index if i is not None} & set(second.token_index))
    outside, b_tag = labels.index("O"), labels.index("B-X")
    logits = [np.zeros((len(w), len(labels))) for w in windows]
    for window, values in zip(windows, logits):
        values[:, outside] = 5.0
    # The window that holds the first shared token nearer its middle says B-X; the other one says O.
    at_first = first.token_index.index(shared[0])
    logits[0][at_first, :] = 0.0
    logits[0][at_first, b_tag] = 5.0
    predicted = decode_entities(text, windows, logits, labels)
    span = first.offsets[at_first]
    assert spans_of(predicted) == [("X", span[0], span[1])]
    # Told the opposite, the same token follows the first window again.
    logits[0][at_first, :] = 0.0
    logits[0][at_first, outside] = 5.0
    logits[1][second.token_index.index(shared[0]), b_tag] = 9.0
    assert decode_entities(text, windows, logits, labels) == []


def test_real_resume_sentences_round_trip(data_dir, tokenizer):
    """Every ResumeNER dev sentence, in windows of 24 tokens: exactly the gold spans whose edges fall on token
    edges come back. MiniLM cuts Chinese into characters; e5's SentencePiece pieces now and then run across
    an entity's edge (4 of the 1,497 dev entities), and no tagger of those tokens can find those."""
    examples = read_bmes(data_dir / "resume_ner_zh" / "dev.char.bmes")
    types = sorted({e["type"] for example in examples for e in example["entities"]})
    total = expected_misses = 0
    for example in examples:
        predicted, gold, windows = round_trip(tokenizer, example["text"], example["entities"], types, 24, 6)
        spans = [span for window in windows for span in window.offsets if span is not None]
        starts, ends = {s for s, _ in spans}, {e for _, e in spans}
        on_edges = [g for g in gold if g[1] in starts and g[2] in ends]
        assert set(predicted) & set(gold) == set(on_edges), example["text"]
        total += len(gold)
        expected_misses += len(gold) - len(on_edges)
    assert total == 1497
    assert expected_misses <= 0.01 * total


def test_bad_input_is_named():
    tokenizer = AutoTokenizer.from_pretrained(resolve_backbone("minilm"))
    with pytest.raises(AlignmentError, match="stride"):
        encode_windows(tokenizer, "some text", 8, 6)
    with pytest.raises(AlignmentError, match="special tokens"):
        encode_windows(tokenizer, "some text", 2, 0)
    with pytest.raises(AlignmentError, match=r"entities\[0\].*outside"):
        trim_entities("short", [{"type": "X", "start": 2, "end": 9}])
    window = encode_windows(tokenizer, "Acme hires", 16, 0)[0]
    with pytest.raises(AlignmentError, match="'ORG' is not among"):
        window_labels(window, [{"type": "ORG", "start": 0, "end": 4}], {"O": 0, "B-X": 1, "I-X": 2})


# ---- one tiny real fine-tune through Ray Train ----------------------------------------------------

def test_tiny_fine_tune_saves_a_folder_transformers_loads_and_the_tagger_reads(ray_session, data_dir, tmp_path):
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    from hrm_ray.train.token_loop import train_loop_per_worker

    sentences = read_bmes(data_dir / "resume_ner_zh" / "train.char.bmes", limit=72)
    types = sorted({e["type"] for example in sentences for e in example["entities"]})
    config = {
        "model": "minilm", "num_workers": 2, "deepspeed": 2, "epochs": 2, "lr": 3e-4, "batch_size": 8,
        "max_length": 48, "early_stopping_patience": 100, "fast_path_check": False,
        "token_data": {"train": sentences[:48], "validation": sentences[48:60], "test": sentences[60:],
                       "types": types},
        "token_options": {"stride": 8},
    }
    trainer = TorchTrainer(train_loop_per_worker, train_loop_config=config,
                           scaling_config=ScalingConfig(num_workers=2, resources_per_worker={"CPU": 1}),
                           run_config=RunConfig(name="token-tiny", storage_path=str(tmp_path / "runs")))
    result = trainer.fit()
    assert result.error is None
    with result.checkpoint.as_directory() as checkpoint_dir:
        model_dir = Path(shutil.copytree(Path(checkpoint_dir) / "model", tmp_path / "model"))

    model = AutoModelForTokenClassification.from_pretrained(model_dir)
    assert [model.config.id2label[i] for i in range(model.config.num_labels)] == bio_labels(types)
    assert json.loads((model_dir / TAGGER_SETTINGS).read_text()) == {"max_length": 48, "stride": 8,
                                                                     "subtokens": "all"}
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["n"] == 12 and 0 <= metrics["micro_f1"] <= 1
    losses = [entry["loss"] for entry in json.loads((model_dir / "training_log.json").read_text())
              if "loss" in entry]
    assert losses[-1] < losses[0], f"training loss did not fall: {losses}"
    run_info = json.loads((model_dir / "run_info.json").read_text())
    assert run_info["world_size"] == 2 and run_info["train_texts"] == 48

    tagger = TransformerTagger(model_dir, precision="int8")
    texts = [s["text"] for s in sentences[60:]] + ["", "Worked at Acme 😀\r\nin 北京"]
    predictions = tagger.predict_entities(texts)
    assert len(predictions) == len(texts) and predictions[-2] == []
    for text, entities in zip(texts, predictions):
        for entity in entities:
            assert entity["type"] in types
            assert entity["text"] == text[entity["start"]:entity["end"]] == entity["text"].strip() != ""
            assert 0 < entity["score"] <= 1
    with pytest.raises(TaggerInputError, match=r"texts\[1\]"):
        tagger.predict_entities(["fine", 3])
