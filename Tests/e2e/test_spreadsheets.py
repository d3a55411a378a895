"""Exports opened by LibreOffice (headless), as an analyst opens them: the types it reads."""
import io
import subprocess
import zipfile
import xml.etree.ElementTree as ET

import openpyxl
import pytest

from test_exports import export, export_form
from test_filters import query

NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0", "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
      "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0", "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
      "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"}
# LibreOffice's CSV import as its dialog offers it: comma, double quotes, UTF-8, from line 1, English, special numbers detected.
CSV_IMPORT = "CSV:44,34,76,1,,1033,false,true,true"
# The same with semicolons, the separator of much of Europe.
CSV_IMPORT_SEMICOLON = "CSV:59,34,76,1,,1033,false,true,true"
# Semicolons again, with "Trim spaces" ticked (token 11) and formulas evaluated (token 13).
CSV_IMPORT_SEMICOLON_TRIMMED = "CSV:59,34,76,1,,1033,false,true,false,false,true,-1,true"


def q(name):
    prefix, local = name.split(":")
    return "{%s}%s" % (NS[prefix], local)


def libreoffice_reads(path, tmp_path, infilter=None):
    """The file converted by LibreOffice to ODS: per row, each cell as (type, text, formula, wraps)."""
    profile = tmp_path / "libreoffice-profile"
    command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
    if infilter:
        command.append(f"--infilter={infilter}")
    subprocess.run(command + ["--convert-to", "ods", "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / (path.stem + ".ods")) as ods:
        root = ET.fromstring(ods.read("content.xml"))
    wrapping = {style.get(q("style:name")) for style in root.iter(q("style:style"))
                if any(p.get(q("fo:wrap-option")) == "wrap" for p in style.iter(q("style:table-cell-properties")))}
    rows = []
    for row in root.iter(q("table:table-row")):
        cells = []
        for cell in row:
            if cell.tag not in (q("table:table-cell"), q("table:covered-table-cell")):
                continue
            text = "\n".join("".join(p.itertext()) for p in cell.findall("text:p", NS))
            value = (cell.get(q("office:value-type")), text, cell.get(q("table:formula")), cell.get(q("table:style-name")) in wrapping)
            cells += [value] * min(int(cell.get(q("table:number-columns-repeated"), "1")), 64)
        while cells and cells[-1][:2] == (None, ""):
            cells.pop()
        rows.append(cells)
    return [row for row in rows if any(cell[0] for cell in row)]


@pytest.fixture
def rows_to_export(stack):
    """Four connections of the demo Admin: names a spreadsheet would run as a formula (at the start, after a
    semicolon, after a semicolon and a space), and a list of questions."""
    with stack.db() as db:
        org = db.execute("SELECT min(id) FROM organizations").fetchone()[0]
        for index, name in enumerate(("=1+1 spreadsheet", "Spreadsheet plain", "Spreadsheet x;=1+1", "Spreadsheet y; =2+2")):
            db.execute("""INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code,
                          invite_token, questions_list, benefits_list, created_at, updated_at)
                          VALUES (?, ?, 'Enabled', 'Standard', 'Manually approve', 'Private', ?, ?, 'Employee ID\nVehicle plate',
                                  'Free charging\nReserved hours', '2026-11-27T21:23:51Z', '2026-11-28T08:00:00Z')""",
                       (org, name, "SPRDSHT" + "ABCD"[index], f"spreadsheet-test-token-{index:04d}"))
    yield
    with stack.db() as db:
        db.execute("DELETE FROM connections WHERE invite_token LIKE 'spreadsheet-test-token-%'")


def test_libreoffice_reads_dates_numbers_and_text_from_both_exports(stack, rows_to_export, tmp_path):
    state, items, _ = export_form(stack, "/connections?" + query([("name", "contains", "spreadsheet")], sort="name"))
    assert items == 4

    # CSV: date-times are dates to LibreOffice (and Excel), numbers numbers, a formula's text stays text.
    csv_file = tmp_path / "export.csv"
    csv_file.write_bytes(export(stack, state, scope="all", bom="1").content)
    header, *rows = libreoffice_reads(csv_file, tmp_path, CSV_IMPORT)
    labels = [cell[1] for cell in header]
    assert labels[-3:-1] == ["Created (UTC)", "Last Updated (UTC)"]
    column = {label: index for index, label in enumerate(labels)}
    for row in rows:
        assert row[column["Created (UTC)"]][0] == "date" and row[column["Last Updated (UTC)"]][0] == "date"
        assert row[column["Org ID"]][0] == "float" and row[column["Connected Drivers"]][0] == "float"
        assert all(cell[2] is None for cell in row), "no formula"
    assert rows[0][column["Connection Name"]][:2] == ("string", "'=1+1 spreadsheet")  # CSV has only the apostrophe
    assert rows[1][column["Connection Name"]][:2] == ("string", "Spreadsheet plain")
    assert rows[2][column["Connection Name"]][:2] == ("string", "Spreadsheet x;'=1+1")
    # Opened with semicolons as the separator: a quote inside a comma-separated line is no quote there,
    # so the name is cut at its semicolon, and what follows starts with the apostrophe: text, no formula.
    cells = [cell for row in libreoffice_reads(csv_file, tmp_path, CSV_IMPORT_SEMICOLON) for cell in row]
    assert all(cell[2] is None for cell in cells), "no formula"
    assert any(cell[1].startswith("'=1+1") for cell in cells), cells
    assert not any(cell[0] == "float" and cell[1] == "2" for cell in cells)
    # And with spaces trimmed: a space between the semicolon and the formula hides nothing.
    cells = [cell for row in libreoffice_reads(csv_file, tmp_path, CSV_IMPORT_SEMICOLON_TRIMMED) for cell in row]
    assert all(cell[2] is None for cell in cells), "no formula"
    assert not any(cell[0] == "float" and cell[1] in ("2", "4") for cell in cells)

    # XLSX: the same types; the guarded name is the name itself, in a cell formatted as text; lists wrap.
    workbook = export(stack, state, scope="all", format="xlsx").content
    xlsx_file = tmp_path / "export.xlsx"
    xlsx_file.write_bytes(workbook)
    header, *rows = libreoffice_reads(xlsx_file, tmp_path)
    assert [cell[1] for cell in header] == labels
    for row in rows:
        assert row[column["Created (UTC)"]][0] == "date" and row[column["Org ID"]][0] == "float"
        assert all(cell[2] is None for cell in row), "no formula"
        questions = row[column["Verify drivers by"]]
        assert questions[0] == "string" and questions[1] == "Employee ID\nVehicle plate" and questions[3], "a list wraps"
    assert rows[0][column["Connection Name"]][:2] == ("string", "=1+1 spreadsheet")
    sheet = openpyxl.load_workbook(io.BytesIO(workbook)).active
    name = sheet.cell(row=2, column=column["Connection Name"] + 1)
    assert name.value == "=1+1 spreadsheet" and name.data_type == "s" and name.number_format == "@"
    assert sheet.cell(row=3, column=column["Connection Name"] + 1).number_format == "General"
    assert sheet.cell(row=2, column=column["Benefits"] + 1).alignment.wrap_text
