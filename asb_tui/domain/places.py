"""Addresses as the council uses them: UK postcodes checked, UPRNs, areas or wards, and the key
by which cases are linked and counted by place (repeat locations).

The postcode check is the format the Royal Mail publishes (outward code: area letters and a
district; inward code: a digit and two letters, never C, I, K, M, O or V), not a lookup: a
laptop offline cannot ask whether the postcode exists. GIR 0AA is the one historic exception.
A Unique Property Reference Number is up to 12 digits (Ordnance Survey AddressBase).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from asb_tui.domain.errors import DomainError
from asb_tui.domain.people import fold_name

__all__ = [
    "address_key",
    "check_area",
    "check_uprn",
    "normalise_postcode",
    "postcode_district",
]

_POSTCODE = re.compile(
    r"^(?:GIR0AA|"
    r"(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|"
    r"[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_UPRN = re.compile(r"^[0-9]{1,12}$")
# Words of the first line that are written several ways.
_STREET_WORDS = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "cl": "close",
    "ct": "court",
    "cres": "crescent",
    "gdns": "gardens",
    "pl": "place",
    "sq": "square",
    "tce": "terrace",
}


def normalise_postcode(text: str) -> str:
    """The postcode in its normal form ("sw1a1aa" -> "SW1A 1AA"); "" stays "" (none known).
    Anything else that is not a UK postcode is refused with a DomainError."""
    compact = "".join(text.split()).upper()
    if not compact:
        return ""
    if not _POSTCODE.match(compact):
        raise DomainError(f"'{text.strip()}' is not a UK postcode (for example LS1 1UR).")
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_district(postcode: str) -> str:
    """The outward code of a normal postcode ("LS6 2AB" -> "LS6")."""
    return postcode.split(" ", 1)[0] if postcode else ""


def check_uprn(text: str) -> str:
    """A UPRN as stored (digits, no leading zeros kept as typed); "" when none is known."""
    uprn = text.strip()
    if uprn and not _UPRN.match(uprn):
        raise DomainError(f"'{uprn}' is not a UPRN: it is a number of up to 12 digits.")
    return uprn


def check_area(area: str, areas: Sequence[str]) -> str:
    """The area or ward as the council's list spells it. With no list configured any text is
    kept; with one, the area must be on it (case ignored) or left blank."""
    typed = area.strip()
    if not typed or not areas:
        return typed
    for known in areas:
        if known.casefold() == typed.casefold():
            return known
    raise DomainError(f"'{typed}' is not one of the council's areas: {', '.join(areas)}.")


def _first_line(line1: str) -> str:
    words = fold_name(line1).split()
    return " ".join(_STREET_WORDS.get(word, word) for word in words)


def address_key(line1: str, postcode: str, uprn: str = "") -> str:
    """The key two records of the same place share: the UPRN when known, else the normal
    postcode with the first line folded ("Flat 2, 10 High St" = "flat 2 10 high street");
    "" when there is too little to tell (no postcode and no UPRN)."""
    if uprn:
        return f"uprn:{uprn.lstrip('0') or '0'}"
    if not postcode:
        return ""
    return f"pc:{postcode.replace(' ', '')}|{_first_line(line1)}"
