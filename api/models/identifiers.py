"""Criminal-justice identifiers, checked as they are written.

- PNC number (Police National Computer): a year, a slash, a serial of up to 7 digits and a
  check letter, e.g. `2012/0052834X` or `12/52834X`. The letter is the two-digit year and
  the serial (as 7 digits), taken as one number, modulo 23, indexed into
  `ZABCDEFGHJKLMNPQRTUVWXY`. Kept as `YYYY/NNNNNNNL` or `YY/NNNNNNNL` (serial padded).
- Prison number (NOMS number): a letter, four digits, two letters, e.g. `A1234BC`.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

PNC_CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
_PNC = re.compile(r"^(\d{2}|\d{4})/(\d{1,7})([A-Z])$")
_PRISON_NUMBER = re.compile(r"^[A-Z]\d{4}[A-Z]{2}$")


def pnc_check_letter(year: str, serial: str) -> str:
    return PNC_CHECK_LETTERS[int(year[-2:] + serial.zfill(7)) % 23]


def _pnc(value: str) -> str:
    match = _PNC.match(value.upper())
    if match is None:
        raise ValueError("a PNC number looks like 2012/0052834X: year/serial and a check letter")
    year, serial, letter = match.groups()
    if pnc_check_letter(year, serial) != letter:
        raise ValueError("this PNC number's check letter does not match; check for a typo")
    return f"{year}/{serial.zfill(7)}{letter}"


def _prison_number(value: str) -> str:
    value = value.upper()
    if not _PRISON_NUMBER.match(value):
        raise ValueError("a prison number looks like A1234BC: a letter, 4 digits, 2 letters")
    return value


PncNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=13), AfterValidator(_pnc)
]
PrisonNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=7), AfterValidator(_prison_number)
]
