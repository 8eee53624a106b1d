"""Contact validation with well-kept libraries: email-validator and phonenumbers.

Phones are kept in E.164 (+5511987654321), the form SMS and WhatsApp APIs expect; e-mails are
normalised (domain lower-cased, internationalised domains in their ASCII form) without any DNS
lookup, which has no place in a validation path.
"""

from __future__ import annotations

from collections.abc import Iterable


def _as_list(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        # ERPs often keep several contacts in one field separated by ; or ,
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, Iterable):
        return [str(item).strip() for item in value if item not in (None, "")]
    return [str(value)]


def normalise_email(value: str) -> str | None:
    """The normalised address, or None when it is not a syntactically valid e-mail."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def normalise_phone(value: str, region: str = "BR") -> str | None:
    """The number in E.164, or None when it is not a valid Brazilian (or +CC) number."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Whether an E.164 number is a mobile line (SMS and WhatsApp need one)."""
    import phonenumbers

    number_type = phonenumbers.number_type(phonenumbers.parse(e164))
    return number_type in {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }


def split_emails(value: object) -> tuple[list[str], list[str]]:
    """Valid e-mails (normalised, deduplicated) and the rejected raw values."""
    good: list[str] = []
    bad: list[str] = []
    for raw in _as_list(value):
        normalised = normalise_email(raw)
        if normalised is None:
            bad.append(raw)
        elif normalised not in good:
            good.append(normalised)
    return good, bad


def split_phones(value: object) -> tuple[list[str], list[str]]:
    """Valid phones in E.164 (deduplicated) and the rejected raw values."""
    good: list[str] = []
    bad: list[str] = []
    for raw in _as_list(value):
        normalised = normalise_phone(raw)
        if normalised is None:
            bad.append(raw)
        elif normalised not in good:
            good.append(normalised)
    return good, bad
