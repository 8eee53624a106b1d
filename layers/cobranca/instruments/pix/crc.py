"""CRC-16/CCITT-FALSE, the checksum closing every BR Code (ID 63).

Polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR; computed over the UTF-8
bytes of the payload up to and including "6304". Bytes, not characters: over code points a
name like "Café" yields a different (wrong) CRC that payer apps reject.
"""

from __future__ import annotations

POLYNOMIAL = 0x1021
INITIAL = 0xFFFF
_MASK = 0xFFFF
_TOP_BIT = 0x8000


def _table() -> tuple[int, ...]:
    entries = []
    for byte in range(256):
        value = byte << 8
        for _ in range(8):
            value = ((value << 1) ^ POLYNOMIAL) if value & _TOP_BIT else value << 1
        entries.append(value & _MASK)
    return tuple(entries)


_TABLE = _table()


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data`` ("123456789" gives 0x29B1)."""
    crc = INITIAL
    for byte in data:
        crc = ((crc << 8) & _MASK) ^ _TABLE[(crc >> 8) ^ byte]
    return crc


def brcode_crc(text: str) -> str:
    """The four upper-case hex digits of a BR Code's CRC, over the UTF-8 bytes of ``text``."""
    return f"{crc16_ccitt_false(text.encode('utf-8')):04X}"
