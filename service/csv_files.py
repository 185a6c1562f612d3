"""The CSV files staff download: UTF-8 with a BOM, so that Excel reads the Japanese, and no cell
a spreadsheet would run as a formula — a parent's answer or a staff title that begins with
=, +, -, @, a tab or a carriage return is written as text (a leading apostrophe)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def read_rows(data: bytes) -> list[list[str]]:
    """A spreadsheet's rows from UTF-8 (with or without a BOM) or Shift_JIS, as Japanese
    spreadsheets write it; ValueError, in words for staff, if it cannot be read."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("文字コードが読めません（UTF-8 か Shift_JIS で保存してください）。")
    reader = csv.reader(io.StringIO(text))
    try:
        return list(reader)
    except csv.Error as error:  # a cell longer than any list has, an unclosed quote at the end
        raise ValueError(
            f'{reader.line_num}行目が読めません（長すぎる欄か、閉じていない「"」があります）。'
        ) from error


def csv_response(text: str, filename: str) -> Response:
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
