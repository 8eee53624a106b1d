"""CNAB files, pure code: read retornos (240/400), write remessas, and simulate a bank.

- :func:`read_retorno` turns a bank's retorno bytes into a :class:`RetornoFile` of typed
  :class:`RetornoRecord` values, each with its ocorrência mapped to an :class:`Occurrence`.
- :func:`write_remessa` registers :class:`RemessaTitle` boletos for a :class:`Beneficiario`.
- :func:`write_retorno` is the bank simulator that tests and the local demo use to "pay".

Field positions live in declarative tables (:mod:`.layout240`, :mod:`.layout400`); values are
formatted and parsed in one place (:mod:`.fields`); ocorrência and motivo codes per bank are in
:mod:`.occurrences`.
"""

from cobranca.instruments.cnab.fields import CnabError
from cobranca.instruments.cnab.models import (
    BankEvent,
    Beneficiario,
    Layout,
    LineIssue,
    Motivo,
    Occurrence,
    Payer,
    RemessaTitle,
    RetornoFile,
    RetornoRecord,
)
from cobranca.instruments.cnab.reader import read_retorno
from cobranca.instruments.cnab.remessa import write_remessa
from cobranca.instruments.cnab.simulator import write_retorno

__all__ = [
    "BankEvent",
    "Beneficiario",
    "CnabError",
    "Layout",
    "LineIssue",
    "Motivo",
    "Occurrence",
    "Payer",
    "RemessaTitle",
    "RetornoFile",
    "RetornoRecord",
    "read_retorno",
    "write_remessa",
    "write_retorno",
]
