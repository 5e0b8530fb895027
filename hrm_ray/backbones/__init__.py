"""Pretrained backbones: the packaged ones (MiniLM, multilingual-e5-small), hub ids and local folders."""

from hrm_ray.backbones.loading import (ATTENTION_DROPOUT_KEYS, check_backbone, load_classifier, resolve_backbone,
                                       set_word_embeddings_trainable)
from hrm_ray.backbones.packaged import PACKAGED, ModelNotFoundError, packaged_path

__all__ = ["ATTENTION_DROPOUT_KEYS", "PACKAGED", "ModelNotFoundError", "check_backbone", "load_classifier",
           "packaged_path", "resolve_backbone", "set_word_embeddings_trainable"]
