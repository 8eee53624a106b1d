"""QR code images of a BR Code, at error correction level M as the BR Code manual asks."""

from __future__ import annotations

import io

import segno

ERROR_LEVEL = "m"


def qr_code(payload: str) -> segno.QRCode:
    """The QR symbol of a BR Code at error correction level M."""
    # boost_error would silently raise the level when the version has room; the manual fixes M.
    return segno.make_qr(payload, error=ERROR_LEVEL, boost_error=False, encoding="utf-8")


def qr_svg(payload: str, *, scale: int = 4, border: int = 4) -> str:
    """The BR Code as an SVG document (text); ``border`` is the quiet zone in modules."""
    buffer = io.BytesIO()
    qr_code(payload).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False)
    return buffer.getvalue().decode("utf-8")


def qr_png(payload: str, *, scale: int = 8, border: int = 4) -> bytes:
    """The BR Code as PNG bytes."""
    buffer = io.BytesIO()
    qr_code(payload).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()
