"""Pix BR Codes (EMV merchant-presented mode): build static and dynamic codes, and read them.

Rules follow BCB's Manual do BR Code and Manual de Padrões para Iniciação do Pix:

* merchant name (59) up to 25 characters, city (60) up to 15, country BR, currency 986,
  MCC 0000 when unknown; the Pix account (26, GUI ``br.gov.bcb.pix``) carries either a key
  (26-01, static) or the payload location without scheme (26-25, dynamic);
* txid (62-05): in a static code ``***`` or 1 to 25 characters ``[A-Za-z0-9]``; a dynamic code
  carries ``***`` because the charge's txid comes from the payload at the URL. The charges of
  API Pix (cob, cobv) use txids of 26 to 35 such characters, checked by :func:`check_api_txid`;
* amount (54) with a dot and up to two decimals, at most 13 characters;
* lengths count characters, the CRC covers UTF-8 bytes (see :mod:`.emv` and :mod:`.crc`);
  the whole payload has at most 512 characters, and no ID appears twice in one template;
* the CRC's hex digits are compared without case, as payer apps do; the builder writes upper
  case and the reader warns about a lower-case CRC.

Accent policy
-------------
EMV's merchant name and city are of format "ans", printable ASCII, and the Manual de Padrões
(from v2.2) asks for that character set; payer apps that count lengths in bytes misread
accented names. The builder therefore **normalises**: it removes accents ("Café Exemplo Ltda"
becomes "Cafe Exemplo Ltda") and rejects any other non-ASCII character. The reader decodes
accented codes (counting characters) and reports the CRC, but marks them invalid, naming the
field, so an operator sees why a payer app may refuse them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any, Literal

from cobranca.domain.money import MoneyError, money
from cobranca.instruments.pix.crc import brcode_crc
from cobranca.instruments.pix.emv import DataObject, TLVError, read_tlv, tlv

GUI = "br.gov.bcb.pix"
PAYLOAD_FORMAT = "01"
POI_STATIC = "11"
POI_ONE_TIME = "12"
MCC_UNKNOWN = "0000"
CURRENCY_BRL = "986"
COUNTRY_BR = "BR"
TXID_NONE = "***"
CRC_HEADER = "6304"
MAX_NAME = 25
MAX_CITY = 15
MAX_TXID_STATIC = 25
MIN_TXID_API = 26
MAX_TXID_API = 35
MAX_KEY = 77
MAX_URL = 77
MAX_AMOUNT_TEXT = 13
MAX_PAYLOAD = 512

# Rules are applied with fullmatch and spell digits [0-9]: "$" also matches before a final
# newline and \d takes any Unicode digit, which let "ABC\n" pass as a txid and "１０.００" as an
# amount.
_ALPHANUMERIC = re.compile(r"[A-Za-z0-9]+")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_EVP = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[1-9][0-9]{1,14}")
_CPF_CNPJ = re.compile(r"[0-9]{11}|[0-9A-Z]{12}[0-9]{2}")
_FSS = re.compile(r"[0-9]{8}")
_MCC = re.compile(r"[0-9]{4}")
_POSTAL = re.compile(r"[A-Za-z0-9 -]{1,10}")

ApiCharge = Literal["cob", "cobv"]


class BRCodeError(ValueError):
    """A BR Code field that breaks a rule; ``field`` names it (e.g. ``merchant_city (60)``)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class BRCode:
    """A BR Code as read: every field found, the CRC verdict and the overall verdict.

    ``valid`` is false when any rule fails; ``reason`` and ``field`` describe the first
    failure and ``problems`` lists them all. ``warnings`` hold oddities readers tolerate.
    """

    payload: str
    crc: str
    crc_expected: str
    crc_valid: bool
    valid: bool
    reason: str | None
    field: str | None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    payload_format: str | None = None
    poi: str | None = None
    mai_tag: str | None = None
    gui: str | None = None
    key: str | None = None
    info_adicional: str | None = None
    url: str | None = None
    fss: str | None = None
    mcc: str | None = None
    currency: str | None = None
    amount_text: str | None = None
    amount: Decimal | None = None
    country: str | None = None
    name: str | None = None
    city: str | None = None
    postal_code: str | None = None
    txid: str | None = None
    additional_data: dict[str, str] = dataclass_field(default_factory=dict)
    other_accounts: dict[str, str] = dataclass_field(default_factory=dict)
    unreserved: dict[str, dict[str, str]] = dataclass_field(default_factory=dict)

    @property
    def dynamic(self) -> bool:
        """A dynamic code points at a payload URL instead of carrying a key."""
        return self.url is not None


def normalize_text(text: str, field_name: str) -> str:
    """Strip accents (NFKD, combining marks dropped); other non-ASCII text is refused."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    check_ascii(stripped, field_name)
    return stripped


def check_ascii(text: str, field_name: str) -> None:
    """Refuse characters outside printable ASCII, the EMV "ans" set, naming the first one."""
    for position, char in enumerate(text, start=1):
        if not " " <= char <= "~":
            raise BRCodeError(
                field_name,
                f"{field_name} has non-ASCII character {char!r} at position {position}; "
                "BR Code text must be printable ASCII",
            )


def check_static_txid(txid: str) -> None:
    """A static code's txid: ``***`` or 1-25 characters of ``[A-Za-z0-9]``."""
    if txid == TXID_NONE:
        return
    if not 1 <= len(txid) <= MAX_TXID_STATIC:
        raise BRCodeError(
            "txid (62-05)", f"txid (62-05) has {len(txid)} characters, expected 1 to 25 or ***"
        )
    if not _ALPHANUMERIC.fullmatch(txid):
        bad = next(char for char in txid if not (char.isascii() and char.isalnum()))
        raise BRCodeError(
            "txid (62-05)",
            f"txid (62-05) has character {bad!r}; only A-Z, a-z and 0-9 are allowed",
        )


def check_api_txid(txid: str, charge: ApiCharge = "cob") -> None:
    """A txid chosen for an API Pix charge (cob or cobv): 26 to 35 of ``[A-Za-z0-9]``."""
    if not MIN_TXID_API <= len(txid) <= MAX_TXID_API or not _ALPHANUMERIC.fullmatch(txid):
        raise BRCodeError(
            "txid",
            f"{charge} txid must be 26 to 35 characters of A-Z, a-z, 0-9; got {len(txid)} "
            f"characters{'' if _ALPHANUMERIC.fullmatch(txid) else ' with other symbols'}",
        )


def check_key(key: str) -> None:
    """A Pix key: CPF, CNPJ, e-mail, phone (+55...) or random key (EVP), up to 77 characters."""
    if not key or len(key) > MAX_KEY:
        raise BRCodeError("key (26-01)", f"key (26-01) has {len(key)} characters, expected 1 to 77")
    # Keys in DICT are ASCII; an accented e-mail or full-width CPF is no registered key.
    check_ascii(key, "key (26-01)")
    if not any(rule.fullmatch(key) for rule in (_EVP, _EMAIL, _PHONE, _CPF_CNPJ)):
        raise BRCodeError(
            "key (26-01)",
            f"key (26-01) {key!r} is not a CPF, CNPJ, e-mail, phone (+55...) or random key (EVP)",
        )


def check_url(url: str) -> None:
    """The payload location: no scheme (the app adds https), at most 77 characters."""
    if _SCHEME.match(url):
        raise BRCodeError(
            "url (26-25)", "URL (26-25) must not contain the protocol/scheme (https://)"
        )
    if not url or len(url) > MAX_URL:
        raise BRCodeError("url (26-25)", f"URL (26-25) has {len(url)} characters, expected 1 to 77")
    check_ascii(url, "url (26-25)")


def amount_text(amount: Decimal | int | str) -> str:
    """An amount as BR Codes write it: dot, two decimals, positive, at most 13 characters."""
    try:
        value = money(amount)
    except MoneyError as error:
        raise BRCodeError("amount (54)", f"amount (54): {error}") from None
    text = f"{value:.2f}"
    if value <= 0:
        raise BRCodeError("amount (54)", f"amount (54) {text} must be positive")
    if len(text) > MAX_AMOUNT_TEXT:
        raise BRCodeError("amount (54)", f"amount (54) {text} has more than 13 characters")
    return text


def read_amount(text: str) -> Decimal:
    """Read ID 54 ("100", "0.01", "125.00"); refuse commas, signs and extra decimals."""
    if len(text) > MAX_AMOUNT_TEXT or not _AMOUNT.fullmatch(text):
        raise BRCodeError(
            "amount (54)", f"amount (54) {text!r} is not digits with an optional . and 2 decimals"
        )
    value = money(text)
    if value <= 0:
        raise BRCodeError("amount (54)", f"amount (54) {text} must be positive")
    return value


def build_brcode(
    *,
    name: str,
    city: str,
    key: str | None = None,
    url: str | None = None,
    amount: Decimal | int | str | None = None,
    txid: str = TXID_NONE,
    info_adicional: str | None = None,
    mcc: str = MCC_UNKNOWN,
    one_time: bool | None = None,
) -> str:
    """Build a BR Code: static with ``key``, dynamic with ``url`` (exactly one of them).

    Name and city are normalised per the accent policy and must then fit 25 and 15
    characters (they are refused, not cut). A dynamic code always carries txid ``***`` and
    point of initiation 12; a static one carries 12 only when ``one_time`` is true.
    """
    clean_name = normalize_text(name, "merchant_name (59)")
    clean_city = normalize_text(city, "merchant_city (60)")
    if not 1 <= len(clean_name) <= MAX_NAME:
        raise BRCodeError(
            "merchant_name (59)",
            f"merchant_name (59) has {len(clean_name)} characters, expected 1 to 25",
        )
    if not 1 <= len(clean_city) <= MAX_CITY:
        raise BRCodeError(
            "merchant_city (60)",
            f"merchant_city (60) has {len(clean_city)} characters, expected 1 to 15",
        )
    if not _MCC.fullmatch(mcc):
        raise BRCodeError("mcc (52)", f"mcc (52) {mcc!r} must be four digits")

    account = tlv("00", GUI)
    if key is not None and url is None:
        check_key(key)
        check_static_txid(txid)
        account += tlv("01", key)
        if info_adicional:
            account += tlv("02", normalize_text(info_adicional, "info_adicional (26-02)"))
        point_of_initiation = POI_ONE_TIME if one_time else None
    elif url is not None and key is None:
        check_url(url)
        if txid != TXID_NONE:
            raise BRCodeError(
                "txid (62-05)", "a dynamic BR Code carries txid ***; the txid is in the payload"
            )
        account += tlv("25", url)
        point_of_initiation = POI_STATIC if one_time is False else POI_ONE_TIME
    else:
        raise BRCodeError("merchant account (26)", "give exactly one of key (static) or url")

    try:
        parts = [tlv("00", PAYLOAD_FORMAT)]
        if point_of_initiation:
            parts.append(tlv("01", point_of_initiation))
        parts.append(tlv("26", account))
        parts += [tlv("52", mcc), tlv("53", CURRENCY_BRL)]
        if amount is not None:
            parts.append(tlv("54", amount_text(amount)))
        parts += [tlv("58", COUNTRY_BR), tlv("59", clean_name), tlv("60", clean_city)]
        parts.append(tlv("62", tlv("05", txid)))
    except TLVError as error:
        raise BRCodeError("merchant account (26)", error.reason) from None

    body = "".join(parts) + CRC_HEADER
    payload = body + brcode_crc(body)
    if len(payload) > MAX_PAYLOAD:
        raise BRCodeError("payload", f"payload has {len(payload)} characters, at most 512")
    return payload


def build_static(
    *,
    key: str,
    name: str,
    city: str,
    amount: Decimal | int | str | None = None,
    txid: str = TXID_NONE,
    info_adicional: str | None = None,
) -> str:
    """A static BR Code for a Pix key, optionally with amount, txid and a message."""
    return build_brcode(
        key=key, name=name, city=city, amount=amount, txid=txid, info_adicional=info_adicional
    )


def build_dynamic(
    *, url: str, name: str, city: str, amount: Decimal | int | str | None = None
) -> str:
    """A dynamic BR Code pointing at a PSP's payload location (``pix.example.com/qr/v2/...``)."""
    return build_brcode(url=url, name=name, city=city, amount=amount)


class _Reading:
    """Fields gathered while reading, and every rule that failed on the way."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.problems: list[tuple[str, str]] = []
        self.warnings: list[str] = []

    def fail(self, field_name: str, reason: str) -> None:
        self.problems.append((field_name, reason))

    def check(self, rule: Callable[..., None], *args: str) -> None:
        try:
            rule(*args)
        except BRCodeError as error:
            self.fail(error.field, error.reason)


def parse_brcode(payload: str) -> BRCode:
    """Read a BR Code (pix copia e cola) and judge it; never raises for bad content.

    Every field found is returned even when the code is invalid, so an operator can see what a
    broken code says. The CRC is checked over the UTF-8 bytes before the last four characters.
    """
    reading = _Reading()
    text = payload.strip()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        # Bytes that are not UTF-8 reach a str as lone surrogates (a shell argument with 0xFF
        # is U+DCFF); they are replaced so the CRC can be computed and the fields shown.
        reading.fail("payload", f"payload is not valid UTF-8 text: {_undecodable(text, error)}")
        text = text.encode("utf-8", "replace").decode("utf-8")
    if len(text) > MAX_PAYLOAD:
        reading.fail("payload", f"payload has {len(text)} characters, at most {MAX_PAYLOAD}")

    given_crc = text[-4:]
    expected_crc = brcode_crc(text[:-4])
    crc_valid = given_crc.upper() == expected_crc
    if not crc_valid:
        reading.fail("crc (63)", f"CRC (63) is {given_crc}, expected {expected_crc}")
    elif given_crc != expected_crc:
        # Policy: hex digits compare without case, as payer apps do; the manual and this
        # builder write upper case, so a lower-case CRC is worth a word.
        reading.warnings.append(
            f"CRC (63) {given_crc} is in lower case; BR Codes write it in upper case"
        )

    try:
        objects = read_tlv(text)
    except TLVError as error:
        reading.fail("payload", error.reason)
        objects = []

    if objects:
        _read_top_level(objects, reading)

    values = reading.values
    first_field, first_reason = reading.problems[0] if reading.problems else (None, None)
    return BRCode(
        payload=text,
        crc=given_crc,
        crc_expected=expected_crc,
        crc_valid=crc_valid,
        valid=not reading.problems,
        reason=first_reason,
        field=first_field,
        problems=tuple(reason for _, reason in reading.problems),
        warnings=tuple(reading.warnings),
        tags=tuple(item.id for item in objects),
        **values,
    )


def _undecodable(text: str, error: UnicodeEncodeError) -> str:
    char = text[error.start]
    if "\udc80" <= char <= "\udcff":
        return f"byte 0x{ord(char) - 0xDC00:02X} at position {error.start + 1}"
    return f"lone surrogate U+{ord(char):04X} at position {error.start + 1}"


def _subfields(template: str, field_name: str, reading: _Reading) -> dict[str, str]:
    """A template's objects by ID; an ID given twice is a problem (which would a reader use?)."""
    objects = read_tlv(template)
    seen: set[str] = set()
    for item in objects:
        if item.id in seen:
            reading.fail(field_name, f"{field_name}: ID {item.id} appears more than once")
        seen.add(item.id)
    return {item.id: item.value for item in objects}


def _read_top_level(items: list[DataObject], reading: _Reading) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            reading.fail(f"ID {item.id}", f"ID {item.id} appears more than once")
        seen.add(item.id)

    by_id = {item.id: item.value for item in items}
    values = reading.values
    if items[0].id != "00":
        reading.fail("payload_format (00)", "payload must start with ID 00 (payload format)")
    if items[-1].id != "63" or len(items[-1].value) != 4:
        reading.fail("crc (63)", "payload must end with the CRC, ID 63 of length 04")

    values["payload_format"] = by_id.get("00")
    if by_id.get("00") != PAYLOAD_FORMAT:
        reading.fail("payload_format (00)", f"payload format is {by_id.get('00')!r}, expected 01")

    poi = by_id.get("01")
    values["poi"] = poi
    if poi is not None and poi not in (POI_STATIC, POI_ONE_TIME):
        reading.fail("poi (01)", f"point of initiation is {poi!r}, expected 11 or 12")

    _read_accounts(items, reading)
    _read_merchant(by_id, reading)
    _read_additional_data(by_id.get("62"), reading)

    unreserved: dict[str, dict[str, str]] = {}
    for item in items:
        if "80" <= item.id <= "99":
            try:
                label = f"unreserved template ({item.id})"
                unreserved[item.id] = _subfields(item.value, label, reading)
            except TLVError as error:
                reading.fail(f"unreserved template ({item.id})", error.reason)
    values["unreserved"] = unreserved


def _read_accounts(items: list[DataObject], reading: _Reading) -> None:
    """Find the Pix account among IDs 02-51 and read key, URL, message and FSS from it."""
    values = reading.values
    others: dict[str, str] = {}
    pix_found = False
    for item in items:
        if not "02" <= item.id <= "51":
            continue
        subfields: dict[str, str] | None = None
        if item.id >= "26":
            try:
                subfields = {sub.id: sub.value for sub in read_tlv(item.value)}
            except TLVError:
                subfields = None
        if pix_found or subfields is None or subfields.get("00", "").lower() != GUI:
            others[item.id] = item.value
            continue

        subfields = _subfields(item.value, "merchant account (26)", reading)

        pix_found = True
        values.update(
            mai_tag=item.id,
            gui=subfields["00"],
            key=subfields.get("01"),
            info_adicional=subfields.get("02"),
            fss=subfields.get("03"),
            url=subfields.get("25"),
        )
        _check_account(subfields, reading)
    values["other_accounts"] = others
    if not pix_found:
        reading.fail(
            "merchant account (26)",
            "no Pix merchant account (IDs 26-51 with GUI br.gov.bcb.pix)",
        )


def _check_account(subfields: dict[str, str], reading: _Reading) -> None:
    key, url = subfields.get("01"), subfields.get("25")
    if key is None and url is None:
        reading.fail("merchant account (26)", "Pix account has neither key (01) nor URL (25)")
    elif key is not None and url is not None:
        reading.fail("merchant account (26)", "Pix account has both key (01) and URL (25)")
    elif key is not None:
        reading.check(check_key, key)
    elif url is not None:
        reading.check(check_url, url)

    fss = subfields.get("03")
    if fss is not None and not _FSS.fullmatch(fss):
        reading.fail("fss (26-03)", f"FSS {fss!r} must be the facilitator's 8-digit ISPB")


def _read_merchant(by_id: dict[str, str], reading: _Reading) -> None:
    values = reading.values
    mcc, currency, country = by_id.get("52"), by_id.get("53"), by_id.get("58")
    name, city = by_id.get("59"), by_id.get("60")
    values.update(
        mcc=mcc,
        currency=currency,
        country=country,
        name=name,
        city=city,
        postal_code=by_id.get("61"),
    )
    if mcc is None or not _MCC.fullmatch(mcc):
        reading.fail("mcc (52)", f"merchant category code is {mcc!r}, expected four digits")
    if currency != CURRENCY_BRL:
        reading.fail("currency (53)", f"currency is {currency!r}, expected 986 (real)")
    if country != COUNTRY_BR:
        reading.fail("country (58)", f"country is {country!r}, expected BR")

    for label, value, limit in (
        ("merchant_name (59)", name, MAX_NAME),
        ("merchant_city (60)", city, MAX_CITY),
    ):
        if value is None or not value:
            reading.fail(label, f"{label} is missing")
            continue
        if len(value) > limit:
            reading.fail(label, f"{label} has {len(value)} characters, at most {limit}")
        reading.check(check_ascii, value, label)

    postal = by_id.get("61")
    if postal is not None and not _POSTAL.fullmatch(postal):
        reading.fail("postal_code (61)", f"postal code {postal!r} is not 1-10 letters or digits")

    text = by_id.get("54")
    values["amount_text"] = text
    if text is not None:
        try:
            values["amount"] = read_amount(text)
        except BRCodeError as error:
            reading.fail(error.field, error.reason)


def _read_additional_data(template: str | None, reading: _Reading) -> None:
    values = reading.values
    if template is None:
        reading.fail("additional data (62)", "additional data (62) with the txid is missing")
        return
    try:
        subfields = _subfields(template, "additional data (62)", reading)
    except TLVError as error:
        reading.fail("additional data (62)", error.reason)
        return

    values["additional_data"] = subfields
    txid = subfields.get("05")
    values["txid"] = txid
    if txid is None:
        reading.fail("txid (62-05)", "txid (62-05) is missing; use *** when there is none")
        return
    if values.get("url") is not None:
        if txid != TXID_NONE:
            reading.warnings.append(
                f"dynamic BR Code carries txid {txid!r} in 62-05; readers ignore it and use "
                "the txid of the payload at the URL"
            )
        return
    reading.check(check_static_txid, txid)
