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

from services.platform import errors

MICROS = 1_000_000
_CURRENCY = re.compile(r"^[A-Z]{3}\Z")
# Keep sums far from bigint overflow: 10^12 currency units.
MAX_MICROS = 10**12 * MICROS


@dataclass(frozen=True)
class Amount:
    micros: int
    currency: str

    def to_proto(self) -> money_pb2.Money:
        units, rem = divmod(abs(self.micros), MICROS)
        sign = -1 if self.micros < 0 else 1
        return money_pb2.Money(currency_code=self.currency, units=sign * units, nanos=sign * rem * 1000)


def from_proto(money: money_pb2.Money, field: str, violations: errors.Violations, *,
               allow_negative: bool = False) -> Amount | None:
    if not _CURRENCY.match(money.currency_code):
        violations.add(f"{field}.currency_code", "must be an ISO 4217 code of three capital letters, e.g. EUR")
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


# ISO 4217 minor units that are not 2 (cents); every other code has 2.
_MINOR_UNIT_EXCEPTIONS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                     "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_unit_micros(currency: str) -> int:
    """Micros in one minor unit of `currency` (10_000 for a cent)."""
    return 10 ** (6 - _MINOR_UNIT_EXCEPTIONS.get(currency, 2))


def div_round_minor(numerator: int, denominator: int, currency: str) -> int:
    """numerator / denominator micros, rounded half to even to the currency's minor unit."""
    unit = minor_unit_micros(currency)
    return div_round(numerator, denominator * unit) * unit
