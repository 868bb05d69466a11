"""PDFs in Chinese that render on a fresh machine: certificates, receipts, statements, the yearly report.

The text is set in STSong-Light, one of the CID fonts every PDF reader carries for Chinese (Adobe's Asian font
packs, and their substitutes in Chrome's, Firefox's and macOS's readers): the PDF names the font and needs no font
file, neither on the server (nothing to install, no system CJK font) nor inside the file (a few kilobytes a page).
Text stays text: it can be searched, copied and read back (tests do, with pypdf).

`Document` is a small builder over reportlab's platypus for the project's documents:

    doc = pdf.Document(_("Yearly statement"), subtitle=community.name)
    doc.heading(_("Balances")); doc.table([[_("Account"), _("Balance")], ...]); doc.chart(chart)
    return pdf.response(doc.bytes(), "statement-2026.pdf")
"""
import io
import logging
import threading
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Response
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.core.charts import HEIGHT, LEFT, PALETTE, RIGHT, TOP, WIDTH, Chart, geometry, number, ticks, whole

logger = logging.getLogger(__name__)

FONT = "STSong-Light"
_registered = threading.Lock()
_done = False

MM = 72 / 25.4  # points in a millimetre


def register_fonts() -> None:
    """Make the CID font known to reportlab (once per process)."""
    global _done
    if _done:
        return
    with _registered:
        if not _done:
            pdfmetrics.registerFont(UnicodeCIDFont(FONT))
            _done = True


def _styles():
    register_fonts()
    # wordWrap="CJK": Chinese breaks between any two characters (there are no spaces to break at).
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=20, leading=28, alignment=1, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=12, leading=18, alignment=1, spaceAfter=12),
        "h1": ParagraphStyle("h1", parent=body, fontSize=14, leading=20, spaceBefore=10, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=12),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9.5, leading=13),
        "big": ParagraphStyle("big", parent=body, fontSize=26, leading=36, alignment=1, spaceBefore=8, spaceAfter=8),
        "centred": ParagraphStyle("centred", parent=body, fontSize=13, leading=22, alignment=1),
    }


def _escape(text) -> str:
    return escape("" if text is None else str(text)).replace("\n", "<br/>")


class Document:
    """A PDF built from blocks, A4 (or A4 landscape), with the title on top and the page number at the foot."""

    def __init__(self, title: str, *, subtitle: str = "", author: str = "", landscape: bool = False,
                 footer: str = ""):
        self.title, self.subtitle, self.author, self.footer = str(title), str(subtitle), str(author), str(footer)
        self.landscape = landscape
        self.styles = _styles()
        self.story: list = []
        if self.title:
            self.paragraph(self.title, style="title")
        if self.subtitle:
            self.paragraph(self.subtitle, style="subtitle")

    # --- blocks -----------------------------------------------------------------------------------
    def paragraph(self, text, *, style: str = "body") -> "Document":
        self.story.append(Paragraph(_escape(text), self.styles[style]))
        return self

    def heading(self, text, level: int = 1) -> "Document":
        return self.paragraph(text, style="h1" if level == 1 else "h2")

    def spacer(self, mm: float = 5) -> "Document":
        self.story.append(Spacer(1, mm * MM))
        return self

    def page_break(self) -> "Document":
        self.story.append(PageBreak())
        return self

    def table(self, rows: list[list], *, header: bool = True, widths: list[float] | None = None,
              align_numbers: bool = True) -> "Document":
        """Rows of cells (the first the header when `header`); numbers are right-aligned; long text wraps."""
        if not rows:
            return self
        cell = self.styles["cell"]
        body = [[c if isinstance(c, int | float) else Paragraph(_escape(c), cell) for c in row] for row in rows]
        table = Table(body, colWidths=[w * MM for w in widths] if widths else None, repeatRows=1 if header else 0,
                      hAlign="LEFT")
        style = [("FONT", (0, 0), (-1, -1), FONT, 9.5), ("GRID", (0, 0), (-1, -1), .4, HexColor("#999999")),
                 ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 3),
                 ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), HexColor("#eeeeee")))
        if align_numbers:
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if isinstance(value, int | float):
                        style.append(("ALIGN", (c, r), (c, r), "RIGHT"))
        table.setStyle(TableStyle(style))
        self.story.append(table)
        self.spacer(3)
        return self

    def key_values(self, pairs) -> "Document":
        """A two-column table without a header: label, value."""
        return self.table([[label, value] for label, value in pairs], header=False, widths=[45, 120],
                          align_numbers=False)

    def chart(self, chart, *, width_mm: float = 165, height_mm: float = 78) -> "Document":
        """The chart (app/core/charts.py) drawn as on the pages, followed by nothing: its numbers belong in a table."""
        self.story.append(drawing(chart, width_mm * MM, height_mm * MM))
        self.spacer(3)
        return self

    def qr(self, url: str, *, size_mm: float = 28, caption: str = "") -> "Document":
        """A QR code of `url` (reportlab's own encoder), with the address under it as text."""
        widget = QrCodeWidget(url, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        size = size_mm * MM
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        drawing.hAlign = "CENTER"
        self.story.append(drawing)
        self.paragraph(caption or url, style="small")
        return self

    def flowable(self, flowable) -> "Document":
        """Any other reportlab flowable (a domain's own layout)."""
        self.story.append(flowable)
        return self

    # --- the file ---------------------------------------------------------------------------------
    def _decorate(self, canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        width, _height = doc.pagesize
        text = f"{self.footer}    {doc.page}" if self.footer else str(doc.page)
        canvas.drawCentredString(width / 2, 10 * MM, text)
        canvas.restoreState()

    def bytes(self) -> bytes:
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=landscape(A4) if self.landscape else A4, title=self.title,
                                author=self.author, subject=self.subtitle, leftMargin=18 * MM, rightMargin=18 * MM,
                                topMargin=18 * MM, bottomMargin=20 * MM)
        doc.build(self.story, onFirstPage=self._decorate, onLaterPages=self._decorate)
        return out.getvalue()


def response(data: bytes, filename: str, *, inline: bool = True) -> Response:
    """The PDF as a download (or shown in the browser when `inline`); a Chinese file name survives (RFC 6266)."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "document.pdf"
    disposition = "inline" if inline else "attachment"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store"})


def drawing(chart: Chart, width: float = 460, height: float = 220):
    """The chart as a reportlab Drawing (points), in the PDF's font: the same layout as `charts.svg`."""
    register_fonts()
    scale_x, scale_y = width / WIDTH, height / HEIGHT
    top, plot_w, plot_h, slot = geometry(chart)
    d = Drawing(width, height)

    def y_of(svg_y: float) -> float:  # SVG measures down from the top, reportlab up from the bottom
        return height - svg_y * scale_y

    d.add(String(LEFT * scale_x, y_of(22), chart.title, fontName=FONT, fontSize=11))
    base = TOP + plot_h
    for tick in ticks(top, whole(chart)):
        y = base - plot_h * tick / top
        d.add(Line(LEFT * scale_x, y_of(y), (WIDTH - RIGHT) * scale_x, y_of(y), strokeColor=HexColor("#cccccc"),
                   strokeWidth=.5))
        d.add(String((LEFT - 6) * scale_x, y_of(y + 4), str(number(tick)), fontName=FONT, fontSize=7,
                     textAnchor="end"))
    every = max(1, round(len(chart.labels) / 12))
    for i, label in enumerate(chart.labels):
        if i % every == 0:
            d.add(String((LEFT + slot * (i + .5)) * scale_x, y_of(base + 18), label, fontName=FONT, fontSize=7,
                         textAnchor="middle"))
    count = max(len(chart.series), 1)
    for n, s in enumerate(chart.series):
        colour = HexColor(PALETTE[n % len(PALETTE)])
        if chart.kind == "bar":
            width_bar = slot * .8 / count
            for i, value in enumerate(s.values):
                h = plot_h * value / top
                x = LEFT + slot * i + slot * .1 + width_bar * n
                d.add(Rect(x * scale_x, y_of(base), width_bar * scale_x, h * scale_y, fillColor=colour,
                           strokeColor=None))
        else:
            points = []
            for i, v in enumerate(s.values):
                points += [(LEFT + slot * (i + .5)) * scale_x, y_of(base - plot_h * v / top)]
            d.add(PolyLine(points, strokeColor=colour, strokeWidth=1.5))
            for i in range(0, len(points), 2):
                d.add(Circle(points[i], points[i + 1], 2, fillColor=colour, strokeColor=None))
    x = LEFT
    for n, s in enumerate(chart.series):
        d.add(Rect(x * scale_x, y_of(HEIGHT - 6), 8, 8, fillColor=HexColor(PALETTE[n % len(PALETTE)]),
                   strokeColor=None))
        d.add(String(x * scale_x + 11, y_of(HEIGHT - 8), s.name, fontName=FONT, fontSize=7))
        x += 28 + 14 * len(s.name)
    return d
