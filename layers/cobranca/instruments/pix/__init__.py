"""Pix BR Codes: CRC16, build and read static and dynamic codes, QR images.

* :mod:`.crc` — CRC-16/CCITT-FALSE over the payload's UTF-8 bytes;
* :mod:`.emv` — the EMV ID-length-value encoding (lengths in characters);
* :mod:`.brcode` — building and reading BR Codes, the field rules and the accent policy;
* :mod:`.qr` — SVG and PNG images via segno at error correction level M.
"""

from __future__ import annotations

from cobranca.instruments.pix.brcode import (
    BRCode,
    BRCodeError,
    build_brcode,
    build_dynamic,
    build_static,
    check_api_txid,
    parse_brcode,
)
from cobranca.instruments.pix.crc import brcode_crc, crc16_ccitt_false
from cobranca.instruments.pix.qr import qr_png, qr_svg

__all__ = [
    "BRCode",
    "BRCodeError",
    "brcode_crc",
    "build_brcode",
    "build_dynamic",
    "build_static",
    "check_api_txid",
    "crc16_ccitt_false",
    "parse_brcode",
    "qr_png",
    "qr_svg",
]
