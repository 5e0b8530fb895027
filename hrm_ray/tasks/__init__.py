"""The task registry: `get_task("sentiment")`. A new task is one module here plus its line below."""

from __future__ import annotations

from hrm_ray.tasks.attrition import Attrition
from hrm_ray.tasks.base import InputError, TabularTask, Task, TextTask
from hrm_ray.tasks.performance import Performance
from hrm_ray.tasks.screening import Screening
from hrm_ray.tasks.sentiment import Sentiment

TASKS: dict[str, Task] = {task.name: task for task in (Screening(), Sentiment(), Attrition(), Performance())}


class UnknownTaskError(KeyError):
    def __str__(self) -> str:
        return f"unknown task {self.args[0]!r}; known tasks: {', '.join(TASKS)}"


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise UnknownTaskError(name) from None


__all__ = ["TASKS", "Task", "TabularTask", "TextTask", "InputError", "UnknownTaskError", "get_task"]
