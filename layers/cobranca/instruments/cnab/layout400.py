"""CNAB 400 record tables, one set per bank: each bank defined its own 400-character layout.

Positions are 1-based and inclusive, as in the banks' manuals:

- Bradesco "Layout Cobrança Bradesco 400" (retorno tipo 1: nosso número 71-82, ocorrência
  109-110, tarifa 176-188, valor pago 254-266, data de crédito 296-301, motivos 319-328;
  remessa tipo 1 with multa 66-70 and nosso número 71-82);
- Itaú "Cobrança 400 bytes" (retorno: nosso número 63-70, motivos 378-385; remessa tipo 1);
- Banco do Brasil CBR643/CBR641 with 7-digit convênio (detail tipo 7: nosso número 64-80,
  data de crédito 176-181, tarifa 182-188, valor de lançamento 306-318);
- Santander "Layout 400" (nosso número 63-70, motivos 137-145 as three 3-digit codes; remessa
  with código de transmissão 18-37 and trailer total 8-20);
- Banrisul "Layout 400" retorno (nosso número 63-72, motivos 383-392).

Read for facts in brcobranca ``retorno/cnab400/*.rb`` and laravel-boleto
``Cnab/{Retorno,Remessa}/Cnab400/Banco/*.php``, and checked on the files in
``shared/vectors/cnab``.
"""

from __future__ import annotations

from cobranca.instruments.cnab.fields import Field, Kind, RecordLayout

WIDTH = 400

N, X, V, D = Kind.NUM, Kind.ALPHA, Kind.AMOUNT, Kind.DATE6

TYPE_HEADER, TYPE_TRAILER = "0", "9"

_SEQUENCE = Field("sequencial", 395, 400, N)

RETORNO_HEADER = RecordLayout(
    "400 header de retorno",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill=TYPE_HEADER),
        Field("operacao", 2, 2, N, fill="2"),
        Field("literal", 3, 9, X, fill="RETORNO"),
        Field("servico", 10, 11, N, fill="01"),
        Field("servico_literal", 12, 26, X, fill="COBRANCA".ljust(15)),
        Field("empresa", 27, 46, X),
        Field("empresa_nome", 47, 76, X),
        Field("banco", 77, 79, N),
        Field("banco_nome", 80, 94, X),
        Field("data_gravacao", 95, 100, D),
        Field("aviso", 109, 113, X),
        Field("data_credito", 380, 385, D),
        _SEQUENCE,
    ),
)

# Only the fields every bank's retorno header agrees on are read back.
RETORNO_HEADER_COMMON = RecordLayout(
    "400 header de retorno (comum)",
    WIDTH,
    (
        Field("registro", 1, 1, N),
        Field("operacao", 2, 2, X),
        Field("literal", 3, 9, X),
        Field("banco", 77, 79, X),
        Field("data_gravacao", 95, 100, D),
    ),
)

RETORNO_TRAILER = RecordLayout(
    "400 trailer de retorno",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill=TYPE_TRAILER),
        Field("operacao", 2, 2, N, fill="2"),
        Field("servico", 3, 4, N, fill="01"),
        Field("banco", 5, 7, N),
        Field("quantidade_titulos", 18, 25, N),
        Field("valor_titulos", 26, 39, V),
        _SEQUENCE,
    ),
)

SEQUENCE_ONLY = RecordLayout("400 sequencial", WIDTH, (Field("registro", 1, 1, X), _SEQUENCE))

# Amount block shared by Bradesco, Itaú, Santander and Banrisul retornos (positions 153-301).
_TITLE_VALUES = (
    Field("vencimento", 147, 152, D),
    Field("valor_titulo", 153, 165, V),
    Field("banco_cobrador", 166, 168, X),
    Field("agencia_cobradora", 169, 173, X),
    Field("especie", 174, 175, X),
    Field("tarifa", 176, 188, V),
)

_PAID_VALUES = (
    Field("abatimento", 228, 240, V),
    Field("desconto", 241, 253, V),
    Field("valor_pago", 254, 266, V),
    Field("juros_mora", 267, 279, V),
    Field("outros_creditos", 280, 292, V),
)

RETORNO_BRADESCO = RecordLayout(
    "400 retorno Bradesco (tipo 1)",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill="1"),
        Field("inscricao_tipo", 2, 3, X),
        Field("inscricao", 4, 17, X),
        Field("empresa", 21, 37, X),
        Field("uso_empresa", 38, 62, X),
        Field("nosso_numero", 71, 82, X),
        Field("carteira", 108, 108, X),
        Field("ocorrencia", 109, 110, N),
        Field("data_ocorrencia", 111, 116, D),
        Field("seu_numero", 117, 126, X),
        Field("nosso_numero_confirmacao", 127, 146, X),
        *_TITLE_VALUES,
        Field("outras_despesas", 189, 201, V),
        Field("juros_atraso", 202, 214, V),
        Field("iof", 215, 227, V),
        *_PAID_VALUES,
        Field("data_credito", 296, 301, D),
        Field("motivos", 319, 328, X),
        _SEQUENCE,
    ),
)

RETORNO_ITAU = RecordLayout(
    "400 retorno Itaú (tipo 1)",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill="1"),
        Field("inscricao_tipo", 2, 3, X),
        Field("inscricao", 4, 17, X),
        Field("agencia", 18, 21, X),
        Field("conta", 24, 28, X),
        Field("conta_dv", 29, 29, X),
        Field("uso_empresa", 38, 62, X),
        Field("nosso_numero", 63, 70, X),
        Field("carteira", 83, 85, X),
        Field("nosso_numero_confirmacao", 86, 93, X),
        Field("nosso_numero_dv", 94, 94, X),
        Field("carteira_codigo", 108, 108, X),
        Field("ocorrencia", 109, 110, N),
        Field("data_ocorrencia", 111, 116, D),
        Field("seu_numero", 117, 126, X),
        *_TITLE_VALUES,
        Field("iof", 215, 227, V),
        *_PAID_VALUES,
        Field("boleto_dda", 293, 293, X),
        Field("data_credito", 296, 301, D),
        Field("instrucao_cancelada", 302, 305, X),
        Field("pagador_nome", 325, 354, X),
        Field("motivos", 378, 385, X),
        Field("codigo_liquidacao", 393, 394, X),
        _SEQUENCE,
    ),
)

RETORNO_BANCO_DO_BRASIL = RecordLayout(
    "400 retorno Banco do Brasil CBR643 (tipo 7)",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill="7"),
        Field("inscricao_tipo", 2, 3, X),
        Field("inscricao", 4, 17, X),
        Field("agencia", 18, 21, X),
        Field("agencia_dv", 22, 22, X),
        Field("conta", 23, 30, X),
        Field("conta_dv", 31, 31, X),
        Field("convenio", 32, 38, X),
        Field("uso_empresa", 39, 63, X),
        Field("nosso_numero", 64, 80, X),
        Field("tipo_cobranca", 81, 81, X),
        Field("motivos", 87, 88, X),
        Field("variacao", 92, 94, X),
        Field("carteira", 107, 108, X),
        Field("ocorrencia", 109, 110, N),
        Field("data_ocorrencia", 111, 116, D),
        Field("seu_numero", 117, 126, X),
        Field("vencimento", 147, 152, D),
        Field("valor_titulo", 153, 165, V),
        Field("banco_cobrador", 166, 168, X),
        Field("agencia_cobradora", 169, 173, X),
        Field("especie", 174, 175, X),
        Field("data_credito", 176, 181, D),
        Field("tarifa", 182, 188, V),
        Field("outras_despesas", 189, 201, V),
        Field("juros_desconto", 202, 214, V),
        Field("iof", 215, 227, V),
        *_PAID_VALUES,
        Field("abatimento_nao_aproveitado", 293, 305, V),
        Field("valor_lancamento", 306, 318, V),
        Field("indicativo_lancamento", 319, 319, X),
        Field("codigo_liquidacao", 393, 394, X),
        _SEQUENCE,
    ),
)

# Maintenance: sources disagree on Santander's motivos: three 3-digit codes at 137-145
# (laravel-boleto, matching Santander's 3-digit error table) or 2-digit pairs at 137-146
# (brcobranca); the 3-digit reading is used until a real Santander rejection file confirms it.
RETORNO_SANTANDER = RecordLayout(
    "400 retorno Santander (tipo 1)",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill="1"),
        Field("inscricao_tipo", 2, 3, X),
        Field("inscricao", 4, 17, X),
        Field("uso_empresa", 38, 62, X),
        Field("nosso_numero", 63, 70, X),
        Field("carteira", 108, 108, X),
        Field("ocorrencia", 109, 110, N),
        Field("data_ocorrencia", 111, 116, D),
        Field("seu_numero", 117, 126, X),
        Field("nosso_numero_confirmacao", 127, 134, X),
        Field("motivos", 137, 145, X),
        *_TITLE_VALUES,
        Field("outras_despesas", 189, 201, V),
        Field("juros_atraso", 202, 214, V),
        Field("iof", 215, 227, V),
        *_PAID_VALUES,
        Field("data_credito", 296, 301, D),
        _SEQUENCE,
    ),
)

# Maintenance: Banrisul 189-201 is read as outras despesas (laravel-boleto); brcobranca reads
# IOF there. The public file has zeros, so it does not settle the question.
RETORNO_BANRISUL = RecordLayout(
    "400 retorno Banrisul (tipo 1)",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill="1"),
        Field("inscricao_tipo", 2, 3, X),
        Field("inscricao", 4, 17, X),
        Field("codigo_beneficiario", 18, 30, X),
        Field("uso_empresa", 38, 62, X),
        Field("nosso_numero", 63, 72, X),
        Field("carteira", 108, 108, X),
        Field("ocorrencia", 109, 110, N),
        Field("data_ocorrencia", 111, 116, D),
        Field("seu_numero", 117, 126, X),
        *_TITLE_VALUES,
        Field("outras_despesas", 189, 201, V),
        *_PAID_VALUES,
        Field("data_credito", 296, 301, D),
        Field("motivos", 383, 392, X),
        _SEQUENCE,
    ),
)

# Remessa tables.

_REMESSA_PREFIX = (
    Field("registro", 1, 1, N, fill=TYPE_HEADER),
    Field("operacao", 2, 2, N, fill="1"),
    Field("literal", 3, 9, X, fill="REMESSA"),
    Field("servico", 10, 11, N, fill="01"),
)

REMESSA_HEADER_BRADESCO = RecordLayout(
    "400 header de remessa Bradesco",
    WIDTH,
    (
        *_REMESSA_PREFIX,
        Field("servico_literal", 12, 26, X, fill="COBRANCA".ljust(15)),
        Field("codigo_empresa", 27, 46, N),
        Field("empresa_nome", 47, 76, X),
        Field("banco", 77, 79, N),
        Field("banco_nome", 80, 94, X),
        Field("data_gravacao", 95, 100, D),
        Field("sistema", 109, 110, X, fill="MX"),
        Field("sequencia_remessa", 111, 117, N),
        _SEQUENCE,
    ),
)

REMESSA_BRADESCO = RecordLayout(
    "400 remessa Bradesco (tipo 1)",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill="1"),
        Field("empresa", 21, 37, X),
        Field("uso_empresa", 38, 62, X),
        Field("banco_debito", 63, 65, N),
        Field("multa_codigo", 66, 66, N),
        Field("multa_percentual", 67, 70, V),
        Field("nosso_numero", 71, 81, N),
        Field("nosso_numero_dv", 82, 82, X),
        Field("desconto_dia", 83, 92, V),
        Field("condicao_emissao", 93, 93, N, fill="2"),
        Field("debito_automatico", 94, 94, X, fill="N"),
        Field("aviso_debito", 106, 106, N, fill="2"),
        Field("ocorrencia", 109, 110, N),
        Field("seu_numero", 111, 120, X),
        Field("vencimento", 121, 126, D),
        Field("valor", 127, 139, V),
        Field("banco_cobrador", 140, 142, N),
        Field("agencia_depositaria", 143, 147, N),
        Field("especie", 148, 149, N),
        Field("aceite", 150, 150, X, fill="N"),
        Field("emissao", 151, 156, D),
        Field("instrucao_1", 157, 158, N),
        Field("instrucao_2", 159, 160, N),
        Field("juros_dia", 161, 173, V),
        Field("desconto_data", 174, 179, D),
        Field("desconto_valor", 180, 192, V),
        Field("iof", 193, 205, V),
        Field("abatimento", 206, 218, V),
        Field("pagador_tipo", 219, 220, N),
        Field("pagador_documento", 221, 234, N),
        Field("pagador_nome", 235, 274, X),
        Field("pagador_endereco", 275, 314, X),
        Field("mensagem_1", 315, 326, X),
        Field("cep", 327, 334, N),
        Field("avalista", 335, 394, X),
        _SEQUENCE,
    ),
)

REMESSA_HEADER_ITAU = RecordLayout(
    "400 header de remessa Itaú",
    WIDTH,
    (
        *_REMESSA_PREFIX,
        Field("servico_literal", 12, 26, X, fill="COBRANCA".ljust(15)),
        Field("agencia", 27, 30, N),
        Field("zeros", 31, 32, N),
        Field("conta", 33, 37, N),
        Field("conta_dv", 38, 38, X),
        Field("empresa_nome", 47, 76, X),
        Field("banco", 77, 79, N),
        Field("banco_nome", 80, 94, X),
        Field("data_gravacao", 95, 100, D),
        _SEQUENCE,
    ),
)

REMESSA_ITAU = RecordLayout(
    "400 remessa Itaú (tipo 1)",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill="1"),
        Field("inscricao_tipo", 2, 3, N),
        Field("inscricao", 4, 17, N),
        Field("agencia", 18, 21, N),
        Field("zeros", 22, 23, N),
        Field("conta", 24, 28, N),
        Field("conta_dv", 29, 29, X),
        Field("instrucao_cancelada", 34, 37, N),
        Field("uso_empresa", 38, 62, X),
        Field("nosso_numero", 63, 70, N),
        Field("quantidade_moeda", 71, 83, V),
        Field("carteira", 84, 86, N),
        Field("carteira_codigo", 108, 108, X, fill="I"),
        Field("ocorrencia", 109, 110, N),
        Field("seu_numero", 111, 120, X),
        Field("vencimento", 121, 126, D),
        Field("valor", 127, 139, V),
        Field("banco", 140, 142, N),
        Field("agencia_cobradora", 143, 147, N),
        Field("especie", 148, 149, N),
        Field("aceite", 150, 150, X, fill="N"),
        Field("emissao", 151, 156, D),
        Field("instrucao_1", 157, 158, N),
        Field("instrucao_2", 159, 160, N),
        Field("juros_dia", 161, 173, V),
        Field("desconto_data", 174, 179, D),
        Field("desconto_valor", 180, 192, V),
        Field("iof", 193, 205, V),
        Field("abatimento", 206, 218, V),
        Field("pagador_tipo", 219, 220, N),
        Field("pagador_documento", 221, 234, N),
        Field("pagador_nome", 235, 264, X),
        Field("pagador_endereco", 275, 314, X),
        Field("pagador_bairro", 315, 326, X),
        Field("cep", 327, 334, N),
        Field("cidade", 335, 349, X),
        Field("uf", 350, 351, X),
        Field("avalista", 352, 381, X),
        Field("data_mora", 386, 391, D),
        Field("prazo", 392, 393, N),
        _SEQUENCE,
    ),
)

REMESSA_HEADER_BANCO_DO_BRASIL = RecordLayout(
    "400 header de remessa Banco do Brasil CBR641",
    WIDTH,
    (
        *_REMESSA_PREFIX,
        Field("servico_literal", 12, 19, X, fill="COBRANCA"),
        Field("agencia", 27, 30, N),
        Field("agencia_dv", 31, 31, X),
        Field("conta", 32, 39, N),
        Field("conta_dv", 40, 40, X),
        Field("zeros", 41, 46, N),
        Field("empresa_nome", 47, 76, X),
        Field("banco", 77, 79, N),
        Field("banco_nome", 80, 94, X),
        Field("data_gravacao", 95, 100, D),
        Field("sequencia_remessa", 101, 107, N),
        Field("convenio_lider", 130, 136, N),
        _SEQUENCE,
    ),
)

REMESSA_BANCO_DO_BRASIL = RecordLayout(
    "400 remessa Banco do Brasil CBR641 (tipo 7)",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill="7"),
        Field("inscricao_tipo", 2, 3, N),
        Field("inscricao", 4, 17, N),
        Field("agencia", 18, 21, N),
        Field("agencia_dv", 22, 22, X),
        Field("conta", 23, 30, N),
        Field("conta_dv", 31, 31, X),
        Field("convenio", 32, 38, N),
        Field("uso_empresa", 39, 63, X),
        Field("nosso_numero", 64, 80, N),
        Field("numero_prestacao", 81, 82, N),
        Field("grupo_valor", 83, 84, N),
        Field("variacao", 92, 94, N),
        Field("conta_caucao", 95, 95, N),
        Field("bordero", 96, 101, N),
        Field("carteira", 107, 108, N),
        Field("ocorrencia", 109, 110, N),
        Field("seu_numero", 111, 120, X),
        Field("vencimento", 121, 126, D),
        Field("valor", 127, 139, V),
        Field("banco", 140, 142, N),
        Field("agencia_cobradora", 143, 146, N),
        Field("especie", 148, 149, N),
        Field("aceite", 150, 150, X, fill="N"),
        Field("emissao", 151, 156, D),
        Field("instrucao_1", 157, 158, N),
        Field("instrucao_2", 159, 160, N),
        Field("juros_dia", 161, 173, V),
        Field("desconto_data", 174, 179, D),
        Field("desconto_valor", 180, 192, V),
        Field("iof", 193, 205, V),
        Field("abatimento", 206, 218, V),
        Field("pagador_tipo", 219, 220, N),
        Field("pagador_documento", 221, 234, N),
        Field("pagador_nome", 235, 271, X),
        Field("pagador_endereco", 275, 314, X),
        Field("pagador_bairro", 315, 326, X),
        Field("cep", 327, 334, N),
        Field("cidade", 335, 349, X),
        Field("uf", 350, 351, X),
        Field("observacoes", 352, 391, X),
        Field("protesto_dias", 392, 393, N),
        _SEQUENCE,
    ),
)

REMESSA_HEADER_SANTANDER = RecordLayout(
    "400 header de remessa Santander",
    WIDTH,
    (
        *_REMESSA_PREFIX,
        Field("servico_literal", 12, 26, X, fill="COBRANCA".ljust(15)),
        Field("codigo_transmissao", 27, 46, N),
        Field("empresa_nome", 47, 76, X),
        Field("banco", 77, 79, N),
        Field("banco_nome", 80, 94, X),
        Field("data_gravacao", 95, 100, D),
        Field("zeros", 101, 116, N),
        Field("versao", 392, 394, N),
        _SEQUENCE,
    ),
)

REMESSA_SANTANDER = RecordLayout(
    "400 remessa Santander (tipo 1)",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill="1"),
        Field("inscricao_tipo", 2, 3, N),
        Field("inscricao", 4, 17, N),
        Field("codigo_transmissao", 18, 37, N),
        Field("uso_empresa", 38, 62, X),
        Field("nosso_numero", 63, 70, N),
        Field("desconto2_data", 71, 76, D),
        Field("multa_codigo", 78, 78, N),
        Field("multa_percentual", 79, 82, V),
        Field("unidade_valor", 83, 84, N),
        Field("valor_outra_unidade", 85, 97, V),
        Field("multa_data", 102, 107, D),
        Field("carteira", 108, 108, N),
        Field("ocorrencia", 109, 110, N),
        Field("seu_numero", 111, 120, X),
        Field("vencimento", 121, 126, D),
        Field("valor", 127, 139, V),
        Field("banco", 140, 142, N),
        Field("agencia_cobradora", 143, 147, N),
        Field("especie", 148, 149, N),
        Field("aceite", 150, 150, X, fill="N"),
        Field("emissao", 151, 156, D),
        Field("instrucao_1", 157, 158, N),
        Field("instrucao_2", 159, 160, N),
        Field("juros_dia", 161, 173, V),
        Field("desconto_data", 174, 179, D),
        Field("desconto_valor", 180, 192, V),
        Field("iof", 193, 205, V),
        Field("abatimento", 206, 218, V),
        Field("pagador_tipo", 219, 220, N),
        Field("pagador_documento", 221, 234, N),
        Field("pagador_nome", 235, 274, X),
        Field("pagador_endereco", 275, 314, X),
        Field("pagador_bairro", 315, 326, X),
        Field("cep", 327, 334, N),
        Field("cidade", 335, 349, X),
        Field("uf", 350, 351, X),
        Field("avalista", 352, 381, X),
        Field("complemento_codigo", 383, 383, X, fill="I"),
        Field("complemento", 384, 385, X),
        Field("protesto_dias", 392, 393, N),
        _SEQUENCE,
    ),
)

REMESSA_TRAILER = RecordLayout(
    "400 trailer de remessa", WIDTH, (Field("registro", 1, 1, N, fill=TYPE_TRAILER), _SEQUENCE)
)

REMESSA_TRAILER_SANTANDER = RecordLayout(
    "400 trailer de remessa Santander",
    WIDTH,
    (
        Field("registro", 1, 1, N, fill=TYPE_TRAILER),
        Field("quantidade_registros", 2, 7, N),
        Field("valor_total", 8, 20, V),
        Field("zeros", 21, 394, N),
        _SEQUENCE,
    ),
)
