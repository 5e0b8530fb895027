"""Resume text from uploaded files: .txt, .pdf (pypdf) and .docx (python-docx).

A file that yields no text is an error that says so: a scanned PDF must be OCR'd or pasted, never
scored as an empty or invented resume.
"""

from __future__ import annotations

from pathlib import Path

SUPPORTED = (".txt", ".pdf", ".docx")


class ExtractionError(ValueError):
    pass


def extract_text(path: str | Path) -> str:
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():  # the page deletes uploads once read (ui/uploads.py), and Gradio's cache expires them
        raise ExtractionError(f"{path.name} is no longer on the server: upload it again")
    if suffix == ".txt":
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    elif suffix == ".pdf":
        text = _pdf_text(path)
    elif suffix == ".docx":
        text = _docx_text(path)
    else:
        raise ExtractionError(f"{path.name}: unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED)}")
    if not text.strip():
        hint = " (a scanned image? run OCR or paste the text)" if suffix == ".pdf" else ""
        raise ExtractionError(f"{path.name} has no extractable text{hint}")
    return text.strip()


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as error:
        raise ExtractionError(f"{path.name} is not a readable PDF: {error}") from None


def _docx_text(path: Path) -> str:
    import zipfile

    import docx

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ExtractionError(f"{path.name} is not a readable .docx file: {error}") from None
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:  # resumes often put skills and dates in tables
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)
