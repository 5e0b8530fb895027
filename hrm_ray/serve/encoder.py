"""Sentence embeddings for job-resume fit: the packaged all-MiniLM-L6-v2, mean-pooled and normalised.

all-MiniLM-L6-v2 was trained for semantic similarity, so the cosine of a job's and a resume's embeddings
is a reasonable fit score until a trained matching model exists. Long resumes are cut into chunks
(as the classifiers do) and their chunk embeddings averaged.
"""

from __future__ import annotations

import numpy as np
import torch
from ray import serve

from hrm_ray.inference.buckets import MAX_TOKENS
from hrm_ray.backbones import resolve_backbone
from hrm_ray.serve.lane import InferenceLane
from hrm_ray.serve.settings import resolve_device
from hrm_ray.inference.chunks import AllChunks, padded_buckets, tokenize_chunks


class SentenceEncoder:
    def __init__(self, model: str = "minilm", max_length: int = 256, max_chunks: int = 4, device: str = "cpu",
                 max_tokens: int = MAX_TOKENS):
        from transformers import AutoModel, AutoTokenizer

        folder = resolve_backbone(model)
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.model = AutoModel.from_pretrained(folder).eval().to(device)
        self.device, self.max_length, self.max_chunks, self.max_tokens = device, max_length, max_chunks, max_tokens

    @torch.inference_mode()
    def embed(self, texts: list[str]) -> np.ndarray:
        chunks = AllChunks(tokenize_chunks(self.tokenizer, texts, self.max_length, self.max_chunks))
        vectors = np.zeros((len(chunks), self.model.config.hidden_size), dtype=np.float32)
        for index, batch in padded_buckets(self.tokenizer, chunks, self.max_tokens, self.device):
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            vectors[index] = ((hidden * mask).sum(1) / mask.sum(1)).float().cpu().numpy()
        pooled = chunks.pool(vectors)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True).clip(min=1e-12)


@serve.deployment(max_ongoing_requests=64, ray_actor_options={"num_cpus": 0.25})
class Encoder:
    def __init__(self, model: str = "minilm", device: str = "auto", torch_threads: int = 0):
        self.lane = InferenceLane(torch_threads)
        self.encoder = SentenceEncoder(model, device=resolve_device(device))

    async def embed(self, texts: list[str]) -> np.ndarray:
        return await self.embed_batch(texts)

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.0, max_concurrent_batches=4)
    async def embed_batch(self, requests: list[list[str]]) -> list[np.ndarray]:
        flat = [text for texts in requests for text in texts]
        vectors = np.asarray(await self.lane.run(self.encoder.embed, flat))
        answers, start = [], 0
        for texts in requests:
            answers.append(vectors[start : start + len(texts)])
            start += len(texts)
        return answers
