"""Trained models on storage: `ROOT/TASK/VERSION/` folders and a `latest` pointer per task.

ROOT is a local folder by default (`models/`); an `s3://` or `gs://` URI works through pyarrow.fs. Locally
`latest` is a symlink, so `from_pretrained("models/sentiment/latest")` works; a `LATEST` file holding the
version name is written everywhere, since object stores have no symlinks.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

LATEST_FILE = "LATEST"
TRAINING_LOG = "training_log.json"  # the Trainer's log history: loss and validation metrics by epoch
LATEST_LINK = "latest"


class RegistryError(ValueError):
    pass


def is_remote(uri: str) -> bool:
    return "://" in uri and not uri.startswith("file://")


def write_text(uri: str, text: str) -> None:
    """Write a small text file to a local path or an object-store URI."""
    if not is_remote(uri):
        Path(uri).write_text(text)
        return
    import pyarrow.fs

    filesystem, path = pyarrow.fs.FileSystem.from_uri(uri)
    with filesystem.open_output_stream(path) as stream:
        stream.write(text.encode())


def read_text(uri: str) -> str:
    """Read a small text file from a local path or an object-store URI (FileNotFoundError if absent)."""
    if not is_remote(uri):
        return Path(uri).read_text()
    import pyarrow.fs

    filesystem, path = pyarrow.fs.FileSystem.from_uri(uri)
    if filesystem.get_file_info(path).type == pyarrow.fs.FileType.NotFound:
        raise FileNotFoundError(uri)
    with filesystem.open_input_stream(path) as stream:
        return stream.read().decode()


def new_version() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def publish(local_dir: Path, root: str, task: str, version: str) -> str:
    """Move a finished model folder into the registry and point `latest` at it; returns its location."""
    if is_remote(root):
        import pyarrow.fs

        target = f"{root.rstrip('/')}/{task}/{version}"
        pyarrow.fs.copy_files(str(local_dir), target, destination_filesystem=None)
        write_text(f"{root.rstrip('/')}/{task}/{LATEST_FILE}", version)
        return target
    task_dir = Path(root) / task
    task_dir.mkdir(parents=True, exist_ok=True)
    target = task_dir / version
    if target.exists():
        raise RegistryError(f"model version already exists: {target}")
    shutil.move(str(local_dir), target)
    (task_dir / LATEST_FILE).write_text(version)
    link = task_dir / f".{LATEST_LINK}.tmp"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(version)  # relative, so the registry folder can be moved or mounted elsewhere
    os.replace(link, task_dir / LATEST_LINK)
    return str(target)


def resolve_model_dir(location: str) -> Path:
    """A model folder from a folder path or a task folder of the registry (whose latest version is used)."""
    path = Path(location).expanduser()
    if not path.exists():
        raise RegistryError(f"model folder not found: {location}")
    if (path / LATEST_FILE).is_file() and not (path / "hrm_config.yaml").is_file():
        path = path / (path / LATEST_FILE).read_text().strip()
    if not (path / "hrm_config.yaml").is_file():
        raise RegistryError(f"{path} is not a trained hrm model folder (no hrm_config.yaml)")
    return path


def list_models(root: str) -> list[dict]:
    """Every local model version: task, version, whether it is latest, and its test metrics."""
    models = []
    for task_dir in sorted(p for p in Path(root).glob("*") if p.is_dir()):
        latest_file = task_dir / LATEST_FILE
        latest = latest_file.read_text().strip() if latest_file.is_file() else None
        for version_dir in sorted(p for p in task_dir.iterdir() if p.is_dir() and not p.is_symlink()):
            metrics_file = version_dir / "metrics.json"
            models.append({
                "task": task_dir.name,
                "version": version_dir.name,
                "latest": version_dir.name == latest,
                "metrics": json.loads(metrics_file.read_text()) if metrics_file.is_file() else None,
            })
    return models
