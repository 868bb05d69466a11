"""Reading a PDF the app made, as a person's reader would: its text, page by page (pypdf)."""
import io

from pypdf import PdfReader


def text_of(data: bytes) -> str:
    """All the text of the PDF, pages joined by newlines; raises when the bytes are not a PDF."""
    assert data.startswith(b"%PDF-"), "not a PDF"
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)
