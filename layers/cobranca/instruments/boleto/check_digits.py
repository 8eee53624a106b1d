"""Check digits (dígitos verificadores) shared by the boleto, arrecadação and bank layouts.

Módulo 10 and módulo 11 are FEBRABAN's two families; each layout then maps the remainder to a
digit its own way, so the weighted sums are exposed and the mappings live next to each layout.
"""

from __future__ import annotations


def mod10(digits: str) -> int:
    """Módulo 10 DV: weights 2, 1, 2, ... from the right, digits of each product summed.

    Used by the linha digitável's three fields, the arrecadação blocks (value id 6/7) and by
    several banks' nosso número (Itaú's DAC, Banrisul's first digit).
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def mod11_sum(digits: str, max_weight: int = 9) -> int:
    """Weighted sum with weights 2..``max_weight`` cycling from the right (módulo 11's input)."""
    total = 0
    weight = 2
    for char in reversed(digits):
        total += int(char) * weight
        weight = 2 if weight == max_weight else weight + 1
    return total


def dv_geral(digits43: str) -> int:
    """DV geral of a boleto barcode: 11 minus the remainder; 0, 10 and 11 become 1.

    ``digits43`` is the barcode without its fifth position (the DV itself).
    """
    digit = 11 - mod11_sum(digits43) % 11
    return 1 if digit in (0, 10, 11) else digit


def mod11_arrecadacao(digits: str) -> int:
    """Módulo 11 DAC of the arrecadação layout: remainders 0 and 1 give 0, otherwise 11 - r."""
    remainder = mod11_sum(digits) % 11
    return 0 if remainder in (0, 1) else 11 - remainder
