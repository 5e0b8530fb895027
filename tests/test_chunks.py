"""Chunk-and-pool for long texts: chunks cover the text, training samples one, inference pools all."""

import numpy as np
import pytest
from transformers import AutoTokenizer

from hrm_ray.backbones import resolve_backbone
from hrm_ray.inference.chunks import AllChunks, SampledChunks, tokenize_chunks


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(resolve_backbone("minilm"))


def test_chunks_cover_the_text_in_order_within_the_window(tokenizer):
    text = " ".join(f"word{i}" for i in range(300))
    (chunks,) = tokenize_chunks(tokenizer, [text], max_length=64, max_chunks=100)
    body = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert all(len(c) <= 64 for c in chunks)
    assert all(c[0] == tokenizer.cls_token_id and c[-1] == tokenizer.sep_token_id for c in chunks)
    assert [t for c in chunks for t in c[1:-1]] == body
    assert len(chunks) == -(-len(body) // 62)


def test_max_chunks_caps_how_much_is_read(tokenizer):
    text = " ".join(f"word{i}" for i in range(300))
    (chunks,) = tokenize_chunks(tokenizer, [text], max_length=64, max_chunks=2)
    assert len(chunks) == 2


def test_empty_text_still_gives_one_chunk(tokenizer):
    assert tokenize_chunks(tokenizer, [""], 64, 4) == [[[tokenizer.cls_token_id, tokenizer.sep_token_id]]]


def test_sampled_chunks_visit_every_chunk_over_reads():
    dataset = SampledChunks([[[1, 2], [3, 4], [5, 6]]], labels=[1], seed=0)
    seen = {tuple(dataset[0]["input_ids"]) for _ in range(50)}
    assert seen == {(1, 2), (3, 4), (5, 6)}
    assert dataset[0]["labels"] == 1 and len(dataset) == 1


def test_pooling_averages_each_texts_chunk_logits():
    dataset = AllChunks([[[1], [2]], [[3]]], labels=[0, 1])
    assert len(dataset) == 3 and dataset[2]["labels"] == 1
    pooled = dataset.pool(np.array([[1.0, 3.0], [3.0, 5.0], [7.0, 0.0]]))
    np.testing.assert_allclose(pooled, [[2.0, 4.0], [7.0, 0.0]])
