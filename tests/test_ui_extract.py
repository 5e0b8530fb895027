"""Resume text extraction and the CSV handling of the UI, without a browser."""

import pytest

from ui.extract import ExtractionError, extract_text
from ui.insights import CsvError, chunks, employees_from_csv


def test_docx_txt_and_pdf_text_come_out_and_empty_or_unknown_files_are_named(tmp_path):
    import docx
    from pypdf import PdfWriter

    document = docx.Document()
    document.add_paragraph("Staff accountant, 5 years")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Skills", "GAAP, audits"
    document.save(tmp_path / "cv.docx")
    assert extract_text(tmp_path / "cv.docx") == "Staff accountant, 5 years\nSkills | GAAP, audits"

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.write(str(tmp_path / "scan.pdf"))
    with pytest.raises(ExtractionError, match="scan.pdf has no extractable text"):
        extract_text(tmp_path / "scan.pdf")
    (tmp_path / "cv.rtf").write_text("x")
    with pytest.raises(ExtractionError, match="unsupported file type .rtf"):
        extract_text(tmp_path / "cv.rtf")
    (tmp_path / "broken.pdf").write_bytes(b"not a pdf")
    with pytest.raises(ExtractionError, match="broken.pdf"):
        extract_text(tmp_path / "broken.pdf")
    with pytest.raises(ExtractionError, match="gone.txt is no longer on the server: upload it again"):
        extract_text(tmp_path / "gone.txt")  # an upload already read and deleted, or expired from Gradio's cache


def test_txt_resumes_in_utf8_with_a_bom_or_in_latin1_come_out_as_written(tmp_path):
    (tmp_path / "utf8.txt").write_bytes("\ufeffChef – menus, crème brûlée\n".encode("utf-8"))
    assert extract_text(tmp_path / "utf8.txt") == "Chef – menus, crème brûlée"
    latin1 = "Chef de cuisine à Zürich: crème brûlée, 5 años\n".encode("latin-1")
    with pytest.raises(UnicodeDecodeError):  # so the fallback is what reads it
        latin1.decode("utf-8")
    (tmp_path / "latin1.txt").write_bytes(latin1)
    assert extract_text(tmp_path / "latin1.txt") == "Chef de cuisine à Zürich: crème brûlée, 5 años"


def test_employee_csv_rows_become_api_bodies_split_to_fit_the_limits(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("EmployeeNumber,department,Age,OverTime,feedback\n7,Sales,31,Yes,Great team || Long hours\n"
                    "8,,45,,\n")
    employees = employees_from_csv(str(path))
    assert employees[0] == {"id": "7", "department": "Sales", "record": {"Age": 31, "OverTime": "Yes"},
                            "feedback": ["Great team", "Long hours"]}
    assert employees[1] == {"id": "8", "record": {"Age": 45}, "feedback": []}
    many = [{"id": str(i), "record": {}, "feedback": ["x"] * 3} for i in range(50)]
    batches = chunks(many, 64)
    assert sum(len(b) for b in batches) == 50
    assert all(sum(len(e["feedback"]) for e in b) <= 64 and len(b) <= 64 for b in batches)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(CsvError):
        employees_from_csv(str(tmp_path / "empty.csv"))
