"""Money as exact integers: micros (10^-6 of the currency unit) with a currency code.

google.type.Money (units + nanos) converts to micros exactly; an amount finer
than a micro is refused, never rounded. The one rounding rule: where a
computation divides (ratios, rates, shares), round half to even on the final
integer (`div_round`). Floats never hold money.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from google.type import money_pb2
from iso4217 import Currency

from services.platform import errors

MICROS = 1_000_000
_CURRENCY = re.compile(r"^[A-Z]{3}\Z")
# One amount: at most 10^12 currency units (sums are bounded where they aggregate, e.g. per engagement).
MAX_MICROS = 10**12 * MICROS

# ISO 4217 List One (current codes) with their minor units, as shipped by the `iso4217`
# package (ISO's own table). Codes without a minor unit (gold, SDR, test codes, XXX) are
# not money this platform holds.
_MINOR_UNITS: dict[str, int] = {c.code: c.exponent for c in Currency if c.exponent is not None}


@dataclass(frozen=True)
class Amount:
    micros: int
    currency: str

    def to_proto(self) -> money_pb2.Money:
        return money_pb2.Money(**money_fields(self.micros, self.currency))


def money_fields(micros: int, currency: str) -> dict:
    """The google.type.Money of `micros` as a dict, for a message constructor's Money field: the field is then
    filled in place, where a Money message would be made and then copied into it (`Amount.to_proto` for one
    of its own)."""
    units, rem = divmod(abs(micros), MICROS)
    sign = -1 if micros < 0 else 1
    return {"currency_code": currency, "units": sign * units, "nanos": sign * rem * 1000}


def from_proto(money: money_pb2.Money, field: str, violations: errors.Violations, *,
               allow_negative: bool = False) -> Amount | None:
    if not check_currency(money.currency_code, f"{field}.currency_code", violations):
        return None
    if not -999_999_999 <= money.nanos <= 999_999_999:
        violations.add(f"{field}.nanos", "must be between -999999999 and 999999999")
        return None
    if money.units and money.nanos and (money.units > 0) != (money.nanos > 0):
        violations.add(f"{field}.nanos", "must have the same sign as units")
        return None
    if money.nanos % 1000:
        violations.add(f"{field}.nanos", "finer than a millionth of the currency unit is not accepted")
        return None
    micros = micros_of(money)
    unit = minor_unit_micros(money.currency_code)
    if micros % unit:
        violations.add(f"{field}.nanos", _finer_than_minor_unit(money.currency_code))
        return None
    if micros < 0 and not allow_negative:
        violations.add(field, "must not be negative")
        return None
    if abs(micros) > MAX_MICROS:
        violations.add(field, "is larger than 10^12 currency units")
        return None
    return Amount(micros, money.currency_code)


def micros_of(money_value: money_pb2.Money) -> int:
    """Micros of an already-validated Money (as stored and returned by the services)."""
    # Validated nanos are whole micros, so floor division is exact for either sign.
    return money_value.units * MICROS + money_value.nanos // 1000


def div_round(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half to even, in integers only."""
    if denominator == 0:
        raise ZeroDivisionError("div_round by zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    q, r = divmod(numerator, denominator)
    twice = 2 * r
    if twice > denominator or (twice == denominator and q % 2 == 1):
        q += 1
    return q


def is_currency(code: str) -> bool:
    """Whether `code` is a current ISO 4217 currency with a minor unit (exactly three capitals)."""
    return bool(_CURRENCY.match(code)) and code in _MINOR_UNITS


def check_currency(code: str, field: str, violations: errors.Violations) -> bool:
    """Adds a violation on `field` unless `code` is a current ISO 4217 currency."""
    if not _CURRENCY.match(code):
        violations.add(field, "must be an ISO 4217 code of three capital letters, e.g. EUR")
        return False
    if code not in _MINOR_UNITS:
        violations.add(field, f"{code} is not a current ISO 4217 currency")
        return False
    return True


def minor_unit_micros(currency: str) -> int:
    """Micros in one minor unit of `currency` (10_000 for a cent); KeyError for a non-ISO code."""
    return 10 ** (6 - _MINOR_UNITS[currency])


def _finer_than_minor_unit(currency: str) -> str:
    digits = _MINOR_UNITS[currency]
    if digits == 0:
        return f"{currency} has no minor unit: whole units only"
    return f"is finer than the minor unit of {currency} ({digits} decimal places)"


def div_round_minor(numerator: int, denominator: int, currency: str) -> int:
    """numerator / denominator micros, rounded half to even to the currency's minor unit."""
    unit = minor_unit_micros(currency)
    return div_round(numerator, denominator * unit) * unit
