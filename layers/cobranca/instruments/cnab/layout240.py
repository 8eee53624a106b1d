"""CNAB 240 record tables: FEBRABAN layout v08 for cobrança, and the banks' variations.

Positions are 1-based and inclusive, as in FEBRABAN's "Layout Padrão CNAB 240" v08.x and each
bank's manual. Where a bank moves a field, it gets its own table; everything else is shared.

Sources (facts only): FEBRABAN CNAB 240 v08 (header/trailer de arquivo e lote, segmentos P, Q,
R, T, U); Santander "Layout CNAB 240" (segmento T: agência 18-21, conta 23-31, nosso número
41-53, tarifa 194-208, motivos 209-218; segmento P: nosso número 45-57); Sicoob (segmento T/P:
nosso número 38-47 followed by parcela, modalidade and formulário); Caixa SIGCB (segmento T:
nosso número 40-56); Itaú "Cobrança FEBRABAN 240" item 3.2 (segmento T: carteira 38-40, nosso
número 41-48, motivos 214-221); as read by brcobranca ``retorno/cnab240/*.rb`` and
laravel-boleto ``Cnab/Remessa/Cnab240/Banco/*.php``, and checked against the real files in
``shared/vectors/cnab``.
"""

from __future__ import annotations

from cobranca.instruments.cnab.fields import Field, Kind, RecordLayout

WIDTH = 240

N, X, V, D = Kind.NUM, Kind.ALPHA, Kind.AMOUNT, Kind.DATE8

# Record types (position 8).
TYPE_FILE_HEADER, TYPE_BATCH_HEADER, TYPE_DETAIL = "0", "1", "3"
TYPE_BATCH_TRAILER, TYPE_FILE_TRAILER = "5", "9"

_CONTROL = (
    Field("banco", 1, 3, N),
    Field("lote", 4, 7, N),
    Field("registro", 8, 8, N),
)

_SEGMENT = (
    *_CONTROL,
    Field("sequencial", 9, 13, N),
    Field("segmento", 14, 14, X),
    Field("movimento", 16, 17, N),
)

# What every bank's file header shares: enough to identify bank, direction and date.
FILE_HEADER_COMMON = RecordLayout(
    "240 header de arquivo (comum)",
    WIDTH,
    (
        *_CONTROL,
        Field("remessa_retorno", 143, 143, N),
        Field("data_geracao", 144, 151, D),
        Field("nsa", 158, 163, N),
        Field("versao_layout", 164, 166, X),
    ),
)

FILE_HEADER_FEBRABAN = RecordLayout(
    "240 header de arquivo (FEBRABAN)",
    WIDTH,
    (
        *_CONTROL,
        Field("inscricao_tipo", 18, 18, N),
        Field("inscricao", 19, 32, N),
        Field("convenio", 33, 52, X),
        Field("agencia", 53, 57, N),
        Field("agencia_dv", 58, 58, X),
        Field("conta", 59, 70, N),
        Field("conta_dv", 71, 71, X),
        Field("agencia_conta_dv", 72, 72, X),
        Field("empresa_nome", 73, 102, X),
        Field("banco_nome", 103, 132, X),
        Field("remessa_retorno", 143, 143, N),
        Field("data_geracao", 144, 151, D),
        Field("hora_geracao", 152, 157, N),
        Field("nsa", 158, 163, N),
        Field("versao_layout", 164, 166, N),
        Field("densidade", 167, 171, N),
    ),
)

FILE_HEADER_SANTANDER = RecordLayout(
    "240 header de arquivo (Santander)",
    WIDTH,
    (
        *_CONTROL,
        Field("inscricao_tipo", 17, 17, N),
        Field("inscricao", 18, 32, N),
        Field("codigo_transmissao", 33, 47, N),
        Field("empresa_nome", 73, 102, X),
        Field("banco_nome", 103, 132, X),
        Field("remessa_retorno", 143, 143, N),
        Field("data_geracao", 144, 151, D),
        Field("nsa", 158, 163, N),
        Field("versao_layout", 164, 166, N),
    ),
)

# Only the identifying prefix is read back: BB's public retorno has an extra character inside
# its batch header, and nothing past position 16 is needed to read the titles.
BATCH_HEADER_COMMON = RecordLayout(
    "240 header de lote (comum)",
    WIDTH,
    (
        *_CONTROL,
        Field("operacao", 9, 9, X),
        Field("servico", 10, 11, N),
        Field("versao_layout", 14, 16, X),
    ),
)

BATCH_HEADER_FEBRABAN = RecordLayout(
    "240 header de lote (FEBRABAN)",
    WIDTH,
    (
        *_CONTROL,
        Field("operacao", 9, 9, X),
        Field("servico", 10, 11, N, fill="01"),
        Field("versao_layout", 14, 16, N),
        Field("inscricao_tipo", 18, 18, N),
        Field("inscricao", 19, 33, N),
        Field("convenio", 34, 53, X),
        Field("agencia", 54, 58, N),
        Field("agencia_dv", 59, 59, X),
        Field("conta", 60, 71, N),
        Field("conta_dv", 72, 72, X),
        Field("agencia_conta_dv", 73, 73, X),
        Field("empresa_nome", 74, 103, X),
        Field("mensagem_1", 104, 143, X),
        Field("mensagem_2", 144, 183, X),
        Field("numero_remessa_retorno", 184, 191, N),
        Field("data_gravacao", 192, 199, D),
        Field("data_credito", 200, 207, D),
    ),
)

BATCH_HEADER_SANTANDER = RecordLayout(
    "240 header de lote (Santander)",
    WIDTH,
    (
        *_CONTROL,
        Field("operacao", 9, 9, X),
        Field("servico", 10, 11, N, fill="01"),
        Field("versao_layout", 14, 16, N),
        Field("inscricao_tipo", 18, 18, N),
        Field("inscricao", 19, 33, N),
        Field("codigo_transmissao", 54, 68, N),
        Field("empresa_nome", 74, 103, X),
        Field("mensagem_1", 104, 143, X),
        Field("mensagem_2", 144, 183, X),
        Field("numero_remessa_retorno", 184, 191, N),
        Field("data_gravacao", 192, 199, D),
        Field("data_credito", 200, 207, D),
    ),
)

BATCH_TRAILER = RecordLayout(
    "240 trailer de lote",
    WIDTH,
    (
        *_CONTROL,
        Field("quantidade_registros", 18, 23, N),
        Field("quantidade_simples", 24, 29, N),
        Field("valor_simples", 30, 46, V),
        Field("quantidade_vinculada", 47, 52, N),
        Field("valor_vinculada", 53, 69, V),
        Field("quantidade_caucionada", 70, 75, N),
        Field("valor_caucionada", 76, 92, V),
        Field("quantidade_descontada", 93, 98, N),
        Field("valor_descontada", 99, 115, V),
    ),
)

# The bank fills the totals only in retornos; the remessa trailer carries the record count.
BATCH_TRAILER_REMESSA = RecordLayout(
    "240 trailer de lote (remessa)",
    WIDTH,
    (*_CONTROL, Field("quantidade_registros", 18, 23, N)),
)

FILE_TRAILER = RecordLayout(
    "240 trailer de arquivo",
    WIDTH,
    (
        *_CONTROL,
        Field("quantidade_lotes", 18, 23, N),
        Field("quantidade_registros", 24, 29, N),
        Field("quantidade_contas", 30, 35, N),
    ),
)

# Fields of segmento T after the bank-specific identification block (FEBRABAN 74-223).
_T_TAIL = (
    Field("vencimento", 74, 81, D),
    Field("valor_titulo", 82, 96, V),
    Field("banco_cobrador", 97, 99, N),
    Field("agencia_cobradora", 100, 104, N),
    Field("agencia_cobradora_dv", 105, 105, X),
    Field("uso_empresa", 106, 130, X),
    Field("moeda", 131, 132, N, fill="09"),
    Field("pagador_tipo", 133, 133, N),
    Field("pagador_documento", 134, 148, N),
    Field("pagador_nome", 149, 188, X),
    Field("contrato", 189, 198, X),
    Field("tarifa", 199, 213, V),
    Field("motivos", 214, 223, X),
)

SEGMENT_T_FEBRABAN = RecordLayout(
    "240 segmento T (FEBRABAN)",
    WIDTH,
    (
        *_SEGMENT,
        Field("agencia", 18, 22, N),
        Field("agencia_dv", 23, 23, X),
        Field("conta", 24, 35, N),
        Field("conta_dv", 36, 36, X),
        Field("agencia_conta_dv", 37, 37, X),
        Field("nosso_numero", 38, 57, X),
        Field("carteira", 58, 58, X),
        Field("seu_numero", 59, 73, X),
        *_T_TAIL,
    ),
)

SEGMENT_T_SICOOB = RecordLayout(
    "240 segmento T (Sicoob)",
    WIDTH,
    (
        *_SEGMENT,
        Field("agencia", 18, 22, N),
        Field("agencia_dv", 23, 23, X),
        Field("conta", 24, 35, N),
        Field("conta_dv", 36, 36, X),
        Field("agencia_conta_dv", 37, 37, X),
        Field("nosso_numero", 38, 47, X),
        Field("parcela", 48, 49, X),
        Field("modalidade", 50, 51, X),
        Field("formulario", 52, 52, X),
        Field("carteira", 58, 58, X),
        Field("seu_numero", 59, 73, X),
        *_T_TAIL,
    ),
)

SEGMENT_T_CAIXA = RecordLayout(
    "240 segmento T (Caixa SIGCB)",
    WIDTH,
    (
        *_SEGMENT,
        Field("agencia", 18, 22, N),
        Field("agencia_dv", 23, 23, X),
        Field("codigo_beneficiario", 24, 29, N),
        Field("nosso_numero", 40, 56, X),
        Field("carteira", 58, 58, X),
        Field("seu_numero", 59, 69, X),
        *_T_TAIL,
    ),
)

SEGMENT_T_SANTANDER = RecordLayout(
    "240 segmento T (Santander)",
    WIDTH,
    (
        *_SEGMENT,
        Field("agencia", 18, 21, N),
        Field("agencia_dv", 22, 22, X),
        Field("conta", 23, 31, N),
        Field("conta_dv", 32, 32, X),
        Field("nosso_numero", 41, 53, X),
        Field("carteira", 54, 54, X),
        Field("seu_numero", 55, 69, X),
        Field("vencimento", 70, 77, D),
        Field("valor_titulo", 78, 92, V),
        Field("banco_cobrador", 93, 95, N),
        Field("agencia_cobradora", 96, 99, N),
        Field("agencia_cobradora_dv", 100, 100, X),
        Field("uso_empresa", 101, 125, X),
        Field("moeda", 126, 127, N, fill="00"),
        Field("pagador_tipo", 128, 128, N),
        Field("pagador_documento", 129, 143, N),
        Field("pagador_nome", 144, 183, X),
        Field("conta_cobranca", 184, 193, X),
        Field("tarifa", 194, 208, V),
        Field("motivos", 209, 218, X),
    ),
)

SEGMENT_T_ITAU = RecordLayout(
    "240 segmento T (Itaú)",
    WIDTH,
    (
        *_SEGMENT,
        Field("agencia", 18, 22, N),
        Field("conta", 31, 35, N),
        Field("conta_dv", 37, 37, X),
        Field("carteira", 38, 40, X),
        Field("nosso_numero", 41, 48, X),
        Field("nosso_numero_dv", 49, 49, X),
        Field("seu_numero", 59, 68, X),
        Field("vencimento", 74, 81, D),
        Field("valor_titulo", 82, 96, V),
        Field("banco_cobrador", 97, 99, N),
        Field("agencia_cobradora", 100, 104, N),
        Field("agencia_cobradora_dv", 105, 105, X),
        Field("uso_empresa", 106, 130, X),
        Field("moeda", 131, 132, N, fill="09"),
        Field("pagador_tipo", 133, 133, N),
        Field("pagador_documento", 134, 148, N),
        Field("pagador_nome", 149, 178, X),
        Field("tarifa", 199, 213, V),
        Field("motivos", 214, 221, X),
        Field("codigo_liquidacao", 222, 223, X),
    ),
)

# Itaú's segment U follows FEBRABAN's positions too (valor líquido at 93-107).
SEGMENT_U = RecordLayout(
    "240 segmento U",
    WIDTH,
    (
        *_SEGMENT,
        Field("juros_multa", 18, 32, V),
        Field("desconto", 33, 47, V),
        Field("abatimento", 48, 62, V),
        Field("iof", 63, 77, V),
        Field("valor_pago", 78, 92, V),
        Field("valor_liquido", 93, 107, V),
        Field("outras_despesas", 108, 122, V),
        Field("outros_creditos", 123, 137, V),
        Field("data_ocorrencia", 138, 145, D),
        Field("data_credito", 146, 153, D),
        Field("ocorrencia_pagador", 154, 157, X),
        Field("data_ocorrencia_pagador", 158, 165, X),
        Field("valor_ocorrencia_pagador", 166, 180, X, fill="0" * 15),
        Field("complemento_pagador", 181, 210, X),
        Field("banco_correspondente", 211, 213, X, fill="000"),
        Field("nosso_numero_correspondente", 214, 233, X),
    ),
)

# Remessa segments. P carries the title, Q the payer, R multa and further discounts.
_P_TAIL = (
    Field("seu_numero", 63, 77, X),
    Field("vencimento", 78, 85, D),
    Field("valor", 86, 100, V),
    Field("agencia_cobradora", 101, 105, N),
    Field("agencia_cobradora_dv", 106, 106, X),
    Field("especie", 107, 108, N),
    Field("aceite", 109, 109, X, fill="N"),
    Field("emissao", 110, 117, D),
    Field("juros_codigo", 118, 118, N),
    Field("juros_data", 119, 126, D),
    Field("juros_valor", 127, 141, V),
    Field("desconto_codigo", 142, 142, N),
    Field("desconto_data", 143, 150, D),
    Field("desconto_valor", 151, 165, V),
    Field("iof", 166, 180, V),
    Field("abatimento", 181, 195, V),
    Field("uso_empresa", 196, 220, X),
    Field("protesto_codigo", 221, 221, N),
    Field("protesto_prazo", 222, 223, N),
    Field("baixa_codigo", 224, 224, N),
)

SEGMENT_P_FEBRABAN = RecordLayout(
    "240 segmento P (FEBRABAN)",
    WIDTH,
    (
        *_SEGMENT,
        Field("agencia", 18, 22, N),
        Field("agencia_dv", 23, 23, X),
        Field("conta", 24, 35, N),
        Field("conta_dv", 36, 36, X),
        Field("agencia_conta_dv", 37, 37, X),
        Field("nosso_numero", 38, 57, X),
        Field("carteira", 58, 58, N),
        Field("cadastramento", 59, 59, N, fill="1"),
        Field("tipo_documento", 60, 60, X, fill="1"),
        Field("emissao_boleto", 61, 61, N, fill="2"),
        Field("distribuicao", 62, 62, X, fill="2"),
        *_P_TAIL,
        Field("baixa_prazo", 225, 227, N),
        Field("moeda", 228, 229, N, fill="09"),
        Field("contrato", 230, 239, N),
    ),
)

SEGMENT_P_SANTANDER = RecordLayout(
    "240 segmento P (Santander)",
    WIDTH,
    (
        *_SEGMENT,
        Field("agencia", 18, 21, N),
        Field("agencia_dv", 22, 22, X),
        Field("conta", 23, 31, N),
        Field("conta_dv", 32, 32, X),
        Field("conta_cobranca", 33, 41, N),
        Field("conta_cobranca_dv", 42, 42, X),
        Field("nosso_numero", 45, 57, N),
        Field("carteira", 58, 58, N),
        Field("cadastramento", 59, 59, N, fill="1"),
        Field("tipo_documento", 60, 60, X, fill="1"),
        *_P_TAIL,
        Field("baixa_prazo", 226, 227, N),
        Field("moeda", 228, 229, N, fill="00"),
    ),
)

SEGMENT_Q = RecordLayout(
    "240 segmento Q",
    WIDTH,
    (
        *_SEGMENT,
        Field("inscricao_tipo", 18, 18, N),
        Field("inscricao", 19, 33, N),
        Field("nome", 34, 73, X),
        Field("endereco", 74, 113, X),
        Field("bairro", 114, 128, X),
        Field("cep", 129, 133, N),
        Field("cep_sufixo", 134, 136, N),
        Field("cidade", 137, 151, X),
        Field("uf", 152, 153, X),
        Field("avalista_tipo", 154, 154, N),
        Field("avalista_inscricao", 155, 169, N),
        Field("avalista_nome", 170, 209, X),
        Field("banco_correspondente", 210, 212, N),
    ),
)

SEGMENT_R = RecordLayout(
    "240 segmento R",
    WIDTH,
    (
        *_SEGMENT,
        Field("desconto2_codigo", 18, 18, N),
        Field("desconto2_data", 19, 26, D),
        Field("desconto2_valor", 27, 41, V),
        Field("desconto3_codigo", 42, 42, N),
        Field("desconto3_data", 43, 50, D),
        Field("desconto3_valor", 51, 65, V),
        Field("multa_codigo", 66, 66, N),
        Field("multa_data", 67, 74, D),
        Field("multa_valor", 75, 89, V),
        Field("informacao_pagador", 90, 99, X),
        Field("mensagem_3", 100, 139, X),
        Field("mensagem_4", 140, 179, X),
    ),
)
