"""AWB labels: a real PDF drawn with reportlab, or a ZPL text label."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.barcode import code128  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, A5, A6  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

from emag_sandbox.state import Awb

PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "A5": A5, "A6": A6}


def _ascii(text: Any) -> str:
    """Latin-1 safe text for the built-in PDF fonts."""
    return str(text or "").encode("latin-1", errors="replace").decode("latin-1")


def awb_label_pdf(awb: Awb, page_format: str, vendor_name: str) -> bytes:
    width, height = PAGE_SIZES.get(page_format, A4)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"AWB {awb.awb_number}")
    pdf.setAuthor("eMAG Marketplace sandbox")
    scale = width / A6[0]
    margin = 8 * mm * min(scale, 2)
    y = height - margin
    pdf.setFont("Helvetica-Bold", 14 * min(scale, 1.6))
    pdf.drawString(margin, y - 14, _ascii(f"{awb.courier_name}  AWB {awb.awb_number}"))
    y -= 30 * min(scale, 1.6)
    barcode = code128.Code128(awb.awb_barcode, barHeight=18 * mm, barWidth=0.9 * min(scale, 1.5))
    barcode.drawOn(pdf, margin, y - 18 * mm)
    y -= 18 * mm + 14
    pdf.setFont("Helvetica", 8 * min(scale, 1.4))
    line_height = 11 * min(scale, 1.4)
    rows = [
        f"Barcode: {awb.awb_barcode}",
        f"eMAG id: {awb.emag_id}   Reservation: {awb.reservation_id}",
        f"Order: {awb.order_id or '-'}   Parcels: {awb.parcel_number}   "
        f"Envelopes: {awb.envelope_number}",
        f"Weight: {awb.weight} kg   COD: {awb.cod}   Oversize: {awb.is_oversize}",
        "",
        f"FROM: {awb.sender.get('name', vendor_name)} ({awb.sender.get('contact', '')})",
        f"      {awb.sender.get('street', '')}, locality {awb.sender.get('locality_id', '')}",
        f"      tel. {awb.sender.get('phone1', '')}",
        f"TO:   {awb.receiver.get('name', '')} ({awb.receiver.get('contact', '')})",
        f"      {awb.receiver.get('street', '')}, locality {awb.receiver.get('locality_id', '')}",
        f"      tel. {awb.receiver.get('phone1', '')}",
    ]
    if awb.locker_id:
        rows.append(f"Locker: {awb.locker_id}")
    if awb.observation:
        rows.append(f"Obs: {awb.observation}")
    rows.append("SANDBOX - not a real shipment")
    for row in rows:
        pdf.drawString(margin, y, _ascii(row))
        y -= line_height
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def awb_label_zpl(awb: Awb) -> str:
    return (
        "^XA^CI28"
        f"^FO30,30^A0N,40,40^FD{awb.courier_name} AWB {awb.awb_number}^FS"
        f"^FO30,90^BCN,120,Y,N,N^FD{awb.awb_barcode}^FS"
        f"^FO30,260^A0N,28,28^FDTO: {awb.receiver.get('name', '')}^FS"
        f"^FO30,300^A0N,24,24^FD{awb.receiver.get('street', '')}^FS"
        f"^FO30,340^A0N,24,24^FDCOD: {awb.cod}  Parcels: {awb.parcel_number}^FS"
        "^XZ"
    )
