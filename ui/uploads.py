"""Uploaded files (resumes, employee CSVs) hold unredacted personal data: the UI keeps them no longer than it
reads them. Gradio saves each upload under its cache folder (GRADIO_TEMP_DIR, default /tmp/gradio) as
<sha of the content>/<file name>; the page deletes the file once read, and `CACHE_CLEANUP` (Blocks'
delete_cache) deletes uploads that were never used, on a timer and when the server stops.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from gradio.utils import get_upload_folder

# (every N seconds, delete uploads older than M seconds): an upload left on the page is gone within the hour.
CACHE_CLEANUP = (600, 3600)


def upload_path(file) -> str:
    """The path of a gr.File value: a str in Gradio 6, an object with .name in older callers."""
    return file if isinstance(file, str) else file.name


def discard_uploads(files) -> None:
    """Delete uploaded files, and their folders once empty. Only inside Gradio's upload folder: a path given
    by a caller of these functions (a test, a script) is the caller's own file, not an upload."""
    cache = Path(get_upload_folder()).resolve()
    for file in files or []:
        path = Path(upload_path(file)).resolve()
        if not path.is_relative_to(cache):
            continue
        path.unlink(missing_ok=True)
        if path.parent != cache:
            with contextlib.suppress(OSError):  # another upload of the same content may still be in the folder
                path.parent.rmdir()
