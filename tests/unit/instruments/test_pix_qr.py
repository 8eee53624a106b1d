"""QR images of a BR Code: SVG that parses as XML, PNG with the PNG signature, level M."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from cobranca.instruments.pix import build_static, qr_png, qr_svg
from cobranca.instruments.pix.qr import qr_code

PAYLOAD = build_static(
    key="123e4567-e12b-12d1-a456-426655440000", name="Fulano de Tal", city="BRASILIA"
)


def test_svg_is_xml_with_an_svg_root() -> None:
    # The SVG is segno's output for our payload, not untrusted input.
    root = ET.fromstring(qr_svg(PAYLOAD))  # noqa: S314

    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_png_starts_with_the_png_signature() -> None:
    assert qr_png(PAYLOAD).startswith(b"\x89PNG\r\n\x1a\n")


def test_error_correction_is_m_even_when_the_version_has_room() -> None:
    assert qr_code(PAYLOAD).error == "M"
