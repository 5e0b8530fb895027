"""The task registry: `get_task("sentiment")`, `TASKS` in registration order.

A task is one folder here (`hrm_ray/tasks/<name_with_underscores>/`) whose `__init__.py` defines the task and
registers it with `@register`; the folders are imported below, so adding a folder adds the task.
"""

from __future__ import annotations

import importlib
import pkgutil

from hrm_ray.kinds.records import InputError
from hrm_ray.kinds.task import Task

TASKS: dict[str, Task] = {}


def register(task_class: type[Task]) -> type[Task]:
    """Class decorator: one instance of the task in the registry under its name."""
    task = task_class()
    if task.name in TASKS:
        raise ValueError(f"two tasks named {task.name!r}")
    TASKS[task.name] = task
    return task_class


class UnknownTaskError(KeyError):
    def __str__(self) -> str:
        return f"unknown task {self.args[0]!r}; known tasks: {', '.join(TASKS)}"


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise UnknownTaskError(name) from None


def tasks_with_role(role: str) -> dict[str, Task]:
    """language -> the task that plays `role` in the pipelines for texts of that language."""
    return {task.language: task for task in TASKS.values() if task.role == role}


def _import_task_folders() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.ispkg:
            importlib.import_module(f"{__name__}.{module.name}")
    # Listed (CLI choices, the UI, `hrm tasks`) by each task's `list_order`, then by name.
    ordered = sorted(TASKS.values(), key=lambda task: (task.list_order, task.name))
    TASKS.clear()
    TASKS.update((task.name, task) for task in ordered)


_import_task_folders()

__all__ = ["TASKS", "Task", "InputError", "UnknownTaskError", "get_task", "register", "tasks_with_role"]
