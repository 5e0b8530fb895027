"""Uploads hold unredacted personal data: the page deletes a file once read, and Gradio's cache of the page's
uploads is emptied when the server stops. A real Gradio server here (no browser, no Ray: about 3 s)."""

import time
from pathlib import Path

import requests

from ui.uploads import discard_uploads


def test_an_upload_is_deleted_with_its_folder_and_a_file_outside_the_cache_is_left_alone(tmp_path, monkeypatch):
    cache = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    upload = cache / "3f2a9c" / "jane-doe.txt"  # as Gradio stores one: <sha of the content>/<file name>
    upload.parent.mkdir(parents=True)
    upload.write_text("Jane Doe, jane.doe@example.com")
    own = tmp_path / "my-resume.txt"
    own.write_text("a file of the caller's")
    discard_uploads([str(upload), str(own)])
    assert not upload.exists() and not upload.parent.exists()
    assert own.read_text() == "a file of the caller's"


def test_uploads_left_in_the_cache_are_deleted_when_the_server_stops(tmp_path, monkeypatch):
    from hrm_ray.ray_session import free_port
    from ui.app import build, launch

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))  # read when the page and server are made
    port = free_port()
    page = build("http://127.0.0.1:9")  # no API needed: nothing is scored
    launch(page, port, block=False)
    try:
        answer = requests.post(f"http://127.0.0.1:{port}/gradio_api/upload",
                               files=[("files", ("cv.txt", b"Jane Doe, +1 555 123 4567"))], timeout=30)
        answer.raise_for_status()
        upload = Path(answer.json()[0])
        deadline = time.monotonic() + 10
        while not upload.exists() and time.monotonic() < deadline:  # Gradio moves it into place after answering
            time.sleep(0.1)
        assert upload.is_relative_to(tmp_path / "gradio") and upload.read_bytes() == b"Jane Doe, +1 555 123 4567"
    finally:
        page.close()
    assert not upload.exists()
