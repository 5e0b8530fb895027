"""Entity spans in text: the Example format, readers of public span data sets, words and BIO tags, metrics.

An Example is `{"text": str, "entities": [{"type", "start", "end"}]}` with character offsets (`end` exclusive);
a prediction's entities also carry `text` and `score`. See hrm_ray/spans/formats.py for the rules.
"""

from hrm_ray.spans.formats import (
    SKILLSPAN_PRIORITY,
    Entity,
    Example,
    SpanDataError,
    flatten_layers,
    read_bmes,
    read_dataturks,
    read_skillspan,
    resolve_overlaps,
)
from hrm_ray.spans.metrics import PRIMARY_METRIC, entity_metrics
from hrm_ray.spans.tokens import spans_to_tags, tags_to_spans, word_tokens

__all__ = [
    "PRIMARY_METRIC", "SKILLSPAN_PRIORITY", "Entity", "Example", "SpanDataError", "entity_metrics",
    "flatten_layers", "read_bmes", "read_dataturks", "read_skillspan", "resolve_overlaps", "spans_to_tags",
    "tags_to_spans", "word_tokens",
]
