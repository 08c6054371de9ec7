"""Images and scanned PDFs through Tesseract OCR (Debian's tesseract-ocr, driven by pytesseract).

Images are converted to greyscale and, when small, enlarged, which is what Tesseract reads best. When the binary is
missing the error says how to install it rather than failing somewhere inside pytesseract.
"""

from __future__ import annotations

import io
import shutil

from .model import ExtractionError

MIN_WIDTH = 1600
MAX_PIXELS_SIDE = 4000  # a page rendered larger is a broken page box, not a bigger invoice
MAX_PAGES = 5


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def _require_tesseract() -> None:
    if not tesseract_available():
        raise ExtractionError("Tesseract OCR is not installed here (apt-get install tesseract-ocr, or `make install`); "
                              "images and scanned PDFs cannot be read until it is.")


def ocr_image_bytes(data: bytes) -> str:
    from PIL import Image, UnidentifiedImageError

    _require_tesseract()
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ExtractionError(f"The image cannot be opened ({exc}).") from exc
    return ocr_image(image)


def ocr_image(image) -> str:
    import pytesseract

    image = image.convert("L")
    width, height = image.size
    if min(width, height) < 20 or max(width, height) > 20 * min(width, height):
        raise ExtractionError(f"The page is {width}×{height} pixels: not the shape of an invoice page (damaged file?).")
    if image.width < MIN_WIDTH:
        scale = MIN_WIDTH / image.width
        image = image.resize((MIN_WIDTH, int(image.height * scale)))
    try:
        return pytesseract.image_to_string(image, config="--psm 4", timeout=120)
    except (pytesseract.TesseractError, RuntimeError) as exc:
        raise ExtractionError(f"OCR could not read the image ({exc}).") from exc


def ocr_pdf(data: bytes, resolution: int = 200) -> str:
    import pdfplumber

    _require_tesseract()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        texts = []
        for page in pdf.pages[:MAX_PAGES]:
            longest_side_points = max(float(page.width or 0), float(page.height or 0), 1.0)
            dpi = min(resolution, int(MAX_PIXELS_SIDE * 72 / longest_side_points))
            if dpi < 50:
                raise ExtractionError("The PDF page box is implausibly large; the file looks damaged.")
            texts.append(ocr_image(page.to_image(resolution=dpi).original))
        return "\n".join(texts)
