"""A linear-chain CRF tagger over `word_tokens`: the classical learner of the token-classification kind.

It is the baseline a fine-tuned transformer has to beat, and a model that trains in a minute on two cores.
Features are the hand-made ones of the CoNLL-era taggers (word form, affixes, shape, neighbours within two
tokens) plus the character n-grams of Chinese CRF segmenters and where a token sits on its line, which in a
resume says much (a name or a title alone on its line). Each text is one sequence, however long: a 3,000
character resume is ~700 tokens, and a CRF's cost grows only linearly with length (docs/token-classification.md).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import sklearn_crfsuite
from sklearn.model_selection import ParameterGrid

from hrm_ray.spans.metrics import PRIMARY_METRIC, entity_metrics
from hrm_ray.spans.tokens import Token, spans_to_tags, tags_to_spans, word_tokens

MODEL_FILE = "model.crfsuite"
SETTINGS_FILE = "crf.json"
FEATURES_VERSION = 1  # bump when token_features changes: a saved model only works with the features it saw

DEFAULT_SETTINGS = {"c1": 0.1, "c2": 0.1, "max_iterations": 100}
# Holds the validation winner of each of the three span data sets (docs/token-classification.md, "CRF learner").
DEFAULT_GRID = {"c1": [0.1, 0.3, 1.0], "c2": [0.01, 0.1]}

Features = dict[str, float | str]


class CrfTagger:
    """`fit(examples)` then `predict(texts)` -> entities with `text` and `score`; `save` / `CrfTagger.load`."""

    def __init__(self) -> None:
        self.crf: sklearn_crfsuite.CRF | None = None
        self.settings: dict = {}

    # ---------------------------------------------------------------- training

    def fit(self, examples: Sequence[dict], c1: float = DEFAULT_SETTINGS["c1"], c2: float = DEFAULT_SETTINGS["c2"],
            max_iterations: int = DEFAULT_SETTINGS["max_iterations"]) -> CrfTagger:
        """Train on Examples whose entities do not overlap (`hrm_ray.spans.formats.flatten_layers` first)."""
        features, tags = training_sequences(examples)
        return self._fit(features, tags, c1, c2, max_iterations)

    def _fit(self, features: list[list[Features]], tags: list[list[str]], c1: float, c2: float,
             max_iterations: int) -> CrfTagger:
        if not features:
            raise ValueError("no training examples")
        # all_possible_transitions: also learn that I-X after O is unlikely, which the data never shows.
        crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=c1, c2=c2, max_iterations=max_iterations,
                                   all_possible_transitions=True)
        started = time.perf_counter()
        crf.fit(features, tags)
        self.crf = crf
        self.settings = {"c1": c1, "c2": c2, "max_iterations": max_iterations,
                         "features_version": FEATURES_VERSION, "labels": sorted(crf.classes_),
                         "fit_seconds": round(time.perf_counter() - started, 2)}
        return self

    # ---------------------------------------------------------------- prediction

    def predict(self, texts: Iterable[str]) -> list[list[dict]]:
        """For each text its entities: `type`, `start`, `end`, `text`, and `score`, the mean over the span's
        tokens of the marginal probability of the tag the CRF chose (how sure it is of that span)."""
        if self.crf is None:
            raise RuntimeError("CrfTagger.predict before fit or load")
        tagger = self.crf.tagger_
        predictions = []
        for text in texts:
            tokens = word_tokens(text)
            if not tokens:
                predictions.append([])
                continue
            tags = tagger.tag(token_features(text, tokens))  # sets the sequence that marginal() reads
            scores = [tagger.marginal(tag, index) for index, tag in enumerate(tags)]
            predictions.append(tags_to_spans(text, tokens, tags, scores))
        return predictions

    # ---------------------------------------------------------------- files

    def save(self, folder: str | Path) -> Path:
        """Write `model.crfsuite` (crfsuite's own format, readable by any crfsuite binding) and `crf.json`."""
        if self.crf is None:
            raise RuntimeError("CrfTagger.save before fit")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.crf.modelfile.name, folder / MODEL_FILE)
        (folder / SETTINGS_FILE).write_text(json.dumps(self.settings, indent=2) + "\n")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> CrfTagger:
        folder = Path(folder)
        model, settings_file = folder / MODEL_FILE, folder / SETTINGS_FILE
        for path in (model, settings_file):
            if not path.is_file():
                raise FileNotFoundError(f"not a CRF tagger folder: {path} is missing")
        settings = json.loads(settings_file.read_text())
        if settings.get("features_version") != FEATURES_VERSION:
            raise ValueError(f"{settings_file}: features version {settings.get('features_version')}, "
                             f"this code computes version {FEATURES_VERSION}; retrain the model")
        tagger = cls()
        tagger.crf = sklearn_crfsuite.CRF(model_filename=str(model))
        tagger.settings = settings
        return tagger


def select_crf(train: Sequence[dict], validation: Sequence[dict],
               grid: Mapping[str, Sequence] | Sequence[Mapping[str, Sequence]] | None = None,
               ) -> tuple[CrfTagger, dict, list[dict]]:
    """Fit one CRF per setting of `grid` (sklearn ParameterGrid form over c1, c2, max_iterations) on `train`,
    score each on `validation` by micro-F1 against its gold (unflattened: overlapping gold spans all count),
    and return (the best tagger as fitted on train, its settings, every setting's validation scores).
    Validation is the only data that chooses; a test split never passes through here."""
    grid = grid if grid is not None else DEFAULT_GRID
    features, tags = training_sequences(train)
    texts = [example["text"] for example in validation]
    gold = [example["entities"] for example in validation]
    best: tuple[float, CrfTagger, dict] | None = None
    scores: list[dict] = []
    for point in ParameterGrid(grid):
        settings = {**DEFAULT_SETTINGS, **point}
        tagger = CrfTagger()._fit(features, tags, settings["c1"], settings["c2"], settings["max_iterations"])
        metrics = entity_metrics(texts, gold, tagger.predict(texts))
        scores.append({**settings, "fit_seconds": tagger.settings["fit_seconds"], **metrics})
        if best is None or metrics[PRIMARY_METRIC] > best[0]:
            best = (metrics[PRIMARY_METRIC], tagger, settings)
    if best is None:
        raise ValueError("empty grid")
    return best[1], best[2], scores


# ---------------------------------------------------------------- features


def training_sequences(examples: Sequence[dict]) -> tuple[list[list[Features]], list[list[str]]]:
    """Features and IOB2 tags of every example; an example with overlapping entities is named in the error."""
    features, tags = [], []
    for index, example in enumerate(examples):
        tokens = word_tokens(example["text"])
        if not tokens:
            continue
        try:
            tags.append(spans_to_tags(tokens, example["entities"]))
        except ValueError as error:
            raise ValueError(f"training example {index}: {error}") from None
        features.append(token_features(example["text"], tokens))
    return features, tags


def token_features(text: str, tokens: Sequence[Token]) -> list[Features]:
    """One crfsuite feature dict per token (string values are indicator features `name=value`)."""
    forms = [text[start:end] for start, end in tokens]
    lowers = [form.lower() for form in forms]
    kinds = [_kind(form) for form in forms]
    shapes = [_shape(form) for form in forms]
    gaps = [text[tokens[i - 1][1]:tokens[i][0]] if i else "\n\n" for i in range(len(tokens))]
    result = []
    for i, (form, lower, kind) in enumerate(zip(forms, lowers, kinds)):
        f: Features = {"bias": 1.0, "w": lower, "shape": shapes[i], "kind": kind}
        if kind == "word":
            for n in (1, 2, 3):
                if len(lower) > n:
                    f[f"pre{n}"] = lower[:n]
                    f[f"suf{n}"] = lower[-n:]
            if form.istitle():
                f["title"] = 1.0
            if form.isupper():
                f["upper"] = 1.0
            if form.isdigit():
                f["digits"] = str(min(len(form), 5))  # four digits are a year more often than not
            elif any(c.isdigit() for c in form):
                f["has_digit"] = 1.0
        # Where the token sits on its line: resumes put names, titles and headings alone on a line.
        if "\n" in gaps[i]:
            f["line_start"] = 1.0
            if gaps[i].count("\n") > 1:
                f["after_blank_line"] = 1.0
        if i + 1 == len(tokens) or "\n" in gaps[i + 1]:
            f["line_end"] = 1.0
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < len(tokens):
                f[f"{d}:w"] = lowers[j]
                f[f"{d}:shape"] = shapes[j]
            else:
                f[f"{d}:pad"] = 1.0  # before the first / after the last token
        previous = lowers[i - 1] if i else "<s>"
        following = lowers[i + 1] if i + 1 < len(tokens) else "</s>"
        f["-1|0"] = previous + "|" + lower
        f["0|1"] = lower + "|" + following
        if kind == "cjk":  # the character n-grams of Chinese CRF taggers stand in for the missing words
            f["-1|1"] = previous + "|" + following
            if i >= 2:
                f["-2|-1"] = lowers[i - 2] + "|" + previous
            if i + 2 < len(tokens):
                f["1|2"] = following + "|" + lowers[i + 2]
        result.append(f)
    return result


def _kind(form: str) -> str:
    first = form[0]
    if "\u2e80" <= first <= "\u9fff" or "\uf900" <= first <= "\ufaff" or "\U00020000" <= first <= "\U0003ffff":
        return "cjk"
    return "word" if first.isalnum() or first == "_" else "punct"


def _shape(form: str) -> str:
    """`Xxxx` -> `Xx`, `2018` -> `d`, `B.E` -> `X.X`, a CJK character -> `C`: letter case and digit runs, other
    characters as they are."""
    shape = []
    for char in form[:12]:
        code = ("d" if char.isdigit() else "C" if _kind(char) == "cjk" else "X" if char.isupper()
                else "x" if char.isalpha() else char)
        if not shape or shape[-1] != code:
            shape.append(code)
    return "".join(shape)
