"""Word documents: DOCX with python-docx (paragraphs, then each table row as one line, as a PDF would lay it out)
and legacy DOC through antiword (Debian package, installed by `make`)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile

from .model import ExtractionError


def docx_text(data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise ExtractionError(f"The Word document cannot be opened ({exc}).") from exc
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                if not cells or cell.text != cells[-1]:  # merged cells repeat their text
                    cells.append(cell.text)
            lines.append(" ".join(c.strip() for c in cells if c.strip()))
    return "\n".join(lines)


def antiword_available() -> bool:
    return shutil.which("antiword") is not None


def doc_text(data: bytes) -> str:
    if not antiword_available():
        raise ExtractionError("antiword is not installed here (apt-get install antiword, or `make install`); "
                              "legacy .doc files cannot be read until it is.")
    with tempfile.NamedTemporaryFile(suffix=".doc") as handle:
        handle.write(data)
        handle.flush()
        result = subprocess.run(["antiword", "-w", "0", handle.name], capture_output=True, timeout=60)
    if result.returncode != 0:
        raise ExtractionError(f"antiword could not read the .doc file: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout.decode("utf-8", errors="replace")
