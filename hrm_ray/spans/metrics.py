"""Entity-level scores of predicted spans: strict matches (same type, same tokens), as the NER papers report.

The spans are scored by `seqeval` (`mode="strict"`, IOB2) over the `word_tokens` tags of each text, the
conlleval convention published results use; a span that ends inside a word is taken to the word's edge on both
sides alike (`spans_to_tags`). Gold entities may overlap when they are of different types (SkillSpan's skill
and knowledge layers): each type is written in its own tag sequence, so every gold span counts, and a flat
prediction pays for what it cannot hold.
"""

from __future__ import annotations

from collections.abc import Sequence

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from hrm_ray.spans.tokens import spans_to_tags, word_tokens

PRIMARY_METRIC = "micro_f1"


def entity_metrics(texts: Sequence[str], gold: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]]) -> dict:
    """`n` texts, `n_entities` gold entities, `micro_precision` / `micro_recall` / `micro_f1` over all entities, and
    `per_type_f1` for every type found in the gold or the predictions (0.0 where nothing matched)."""
    if not len(texts) == len(gold) == len(predicted):
        raise ValueError(f"{len(texts)} texts, {len(gold)} gold and {len(predicted)} predicted entity lists: "
                         "expected one list of each per text")
    true_tags: list[list[str]] = []
    predicted_tags: list[list[str]] = []
    n_entities = 0
    for index, (text, gold_entities, predicted_entities) in enumerate(zip(texts, gold, predicted)):
        tokens = word_tokens(text)
        n_entities += len(gold_entities)
        # One tag sequence per type present in this text: a pair of all-O sequences would add nothing.
        for kind in sorted({e["type"] for e in gold_entities} | {e["type"] for e in predicted_entities}):
            try:
                true_tags.append(spans_to_tags(tokens, [e for e in gold_entities if e["type"] == kind]))
                predicted_tags.append(spans_to_tags(tokens, [e for e in predicted_entities if e["type"] == kind]))
            except ValueError as error:
                raise ValueError(f"text {index}: {error}") from None
    if not true_tags:  # nothing to find and nothing found
        return {"n": len(texts), "n_entities": 0, "micro_f1": 0.0, "micro_precision": 0.0, "micro_recall": 0.0,
                "per_type_f1": {}}
    report = classification_report(true_tags, predicted_tags, mode="strict", scheme=IOB2, output_dict=True,
                                   zero_division=0)
    micro = report["micro avg"]
    per_type = {kind: float(row["f1-score"]) for kind, row in report.items() if not kind.endswith(" avg")}
    return {"n": len(texts), "n_entities": n_entities, "micro_f1": float(micro["f1-score"]),
            "micro_precision": float(micro["precision"]), "micro_recall": float(micro["recall"]),
            "per_type_f1": dict(sorted(per_type.items()))}
