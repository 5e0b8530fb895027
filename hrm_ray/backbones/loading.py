"""Backbone resolution and loading: the packaged MiniLM by default, the packaged multilingual-e5-small by name,
any Hugging Face id or local folder otherwise."""

from __future__ import annotations

from pathlib import Path

from hrm_ray.backbones import e5 as e5_backbone
from hrm_ray.backbones.packaged import PACKAGED, ModelNotFoundError, packaged_path


def resolve_backbone(name: str) -> str:
    """A local folder path for packaged or on-disk models; other names pass through as hub ids."""
    if name in e5_backbone.VARIANTS:
        return e5_backbone.backbone_folder(name)
    if name in PACKAGED:
        return str(packaged_path(name, *PACKAGED[name]))
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(f"model folder {path} has no config.json: not a transformers model folder")
        return str(path.resolve())
    if name.startswith((".", "/", "~")):
        raise ModelNotFoundError(f"model folder not found: {name}")
    return name  # a Hugging Face hub id; loading it needs hub access or a filled HF cache


def check_backbone(name: str) -> None:
    """Fail early, with a clear message, on a backbone that cannot be loaded here."""
    from transformers import AutoConfig

    source = resolve_backbone(name)
    try:
        AutoConfig.from_pretrained(source)
    except (OSError, ValueError) as error:
        raise ModelNotFoundError(
            f"cannot load model {name!r}: {str(error).splitlines()[0]} (offline machines need a local folder "
            "or a filled Hugging Face cache)"
        ) from None


# What transformers' encoder configs call the dropout on attention probabilities (BERT, RoBERTa, DeBERTa,
# MiniLM: the first; DistilBERT, ModernBERT: the second).
ATTENTION_DROPOUT_KEYS = ("attention_probs_dropout_prob", "attention_dropout")


def load_classifier(name: str, labels: tuple[str, ...], attention_dropout: float | None = None):
    """Tokenizer and a sequence-classification model with `labels` as its label map (new head if needed).

    attention_dropout, where given, replaces the backbone's dropout on attention probabilities.
    """
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    source = resolve_backbone(name)
    tokenizer = AutoTokenizer.from_pretrained(source)
    config = AutoConfig.from_pretrained(
        source,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    if attention_dropout is not None:
        for key in ATTENTION_DROPOUT_KEYS:
            if hasattr(config, key):
                setattr(config, key, attention_dropout)
    model = AutoModelForSequenceClassification.from_pretrained(source, config=config)
    return tokenizer, model


def set_word_embeddings_trainable(model, trainable: bool) -> None:
    """Whether fine-tuning updates the word embeddings; frozen, they keep their pretrained values while the
    rest of the network still trains."""
    model.get_input_embeddings().requires_grad_(trainable)
