"""The Ray Train trainer of the token-classification transformer: the task's splits into the tagger's loop.

The loop (token_loop.py) works on examples wherever they come from; here they come from the task registry,
as every other learner's do: train flattened to one span layer (what one tag sequence can learn), validation
and test with their gold as annotated (what the metric scores). They travel in the loop's config: a few MB.
"""

from __future__ import annotations

from hrm_ray.config import TrainConfig
from hrm_ray.kinds import task_splits
from hrm_ray.tasks import get_task


def examples(frame) -> list[dict]:
    return [{"text": text, "entities": list(entities)} for text, entities in zip(frame["text"], frame["entities"])]


def token_trainer(config: TrainConfig, scaling, run_config):
    from ray.train.torch import TorchTrainer

    from hrm_ray.train.token_loop import DATA_KEY, train_loop_per_worker

    task = get_task(config.task)
    splits = task_splits(task, config)
    data = {"train": task.learnable(splits["train"]), "validation": examples(splits["validation"]),
            "test": examples(splits["test"]), "types": list(task.entity_types)}
    return TorchTrainer(train_loop_per_worker, train_loop_config={**config.to_dict(), DATA_KEY: data},
                        scaling_config=scaling, run_config=run_config)
