"""The printable boleto page and its Interleaved 2 of 5 barcode."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from cobranca.instruments.boleto import BoletoPage, Party, build_boleto, i25, render_boleto_page

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def page() -> BoletoPage:
    boleto = build_boleto(
        "001",
        due_date=date(2026, 3, 10),
        amount=Decimal("1500.00"),
        campo_livre="1234500000000000000000017",
    )
    return BoletoPage(
        boleto=boleto,
        beneficiario=Party(
            "Café & Filhos <Ltda>", "12.345.678/0001-95", ("Rua A, 1", "São Paulo - SP")
        ),
        pagador=Party('Maria "Quote" Silva', "123.456.789-09", ("Rua B, 2",)),
        nosso_numero="12345000000-1",
        agencia_codigo_beneficiario="1234-5 / 00012345-6",
        numero_documento="NF 123",
        data_documento=date(2026, 2, 1),
        instrucoes=("Após o vencimento cobrar multa de 2%", "<script>alert(1)</script>"),
    )


def _barcode_svg(html: str) -> ET.Element:
    start = html.index("<svg")
    end = html.index("</svg>", start) + len("</svg>")
    # The SVG is our own output, not untrusted input.
    return ET.fromstring(html[start:end])  # noqa: S314


def test_page_shows_linha_amount_and_due_date(page: BoletoPage) -> None:
    html = render_boleto_page(page)

    assert "00191.23454 00000.000000 00000.000174 3 13810000150000" in html
    assert "R$ 1.500,00" in html
    assert "10/03/2026" in html
    assert "001-9" in html
    assert "Ficha de compensação" in html
    assert "Recibo do pagador" in html
    assert '<html lang="pt-BR">' in html
    assert "size: A4" in html


def test_page_escapes_every_user_text(page: BoletoPage) -> None:
    html = render_boleto_page(page)

    assert "Café &amp; Filhos &lt;Ltda&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "Maria &#34;Quote&#34; Silva" in html


def test_page_svg_bars_match_the_i25_encoding_of_the_barcode(page: BoletoPage) -> None:
    svg = _barcode_svg(render_boleto_page(page))

    rects = svg.findall(f".//{SVG_NS}rect")
    expected = i25.bars(page.boleto.barcode)
    # 2 start bars + 22 pairs x 5 bars + 2 stop bars
    assert len(rects) == len(expected) == 114
    assert [(int(r.get("x", "")), int(r.get("width", ""))) for r in rects] == [
        (bar.x, bar.width) for bar in expected
    ]
    assert svg.get("viewBox") == "0 0 405 1"
    assert svg.get("width") == "102.870mm"
    assert svg.get("height") == "13mm"


def test_page_without_due_date_says_contra_apresentacao(page: BoletoPage) -> None:
    boleto = build_boleto("237", due_date=None, amount="10.00", campo_livre="0" * 25)
    html = render_boleto_page(
        BoletoPage(
            boleto=boleto,
            beneficiario=page.beneficiario,
            pagador=page.pagador,
            nosso_numero="1",
            agencia_codigo_beneficiario="1",
        )
    )

    assert "Contra-apresentação" in html
    assert "237-2" in html


def test_i25_start_stop_and_pair_patterns() -> None:
    # "05": 0 = nnwwn in the bars, 5 = wnwnn in the spaces
    widths = i25.element_widths("05")

    assert widths[:4] == [1, 1, 1, 1]
    assert widths[4:14] == [1, 3, 1, 1, 3, 3, 3, 1, 1, 1]
    assert widths[14:] == [3, 1, 1]


def test_i25_44_digits_are_405_modules_of_the_febraban_proportion() -> None:
    digits = "0" * 44

    assert i25.total_modules(digits) == 405
    assert Decimal("102.870") == i25.NARROW_MM * 405


@pytest.mark.parametrize("digits", ["123", "12a4", "", "١٢"])
def test_i25_needs_an_even_count_of_ascii_digits(digits: str) -> None:
    with pytest.raises(ValueError, match="even number of digits"):
        i25.element_widths(digits)
