"""ISO 4217 currencies: choices, minor units (Babel carries the CLDR data), and the minor
units of amounts sent to or read from Stripe, which follow Stripe's own table."""

from decimal import Decimal
from functools import cache

from babel.numbers import get_currency_name, get_currency_precision, list_currencies

# Currencies still in circulation that people invoice in; Babel lists historic ones too.
_HISTORIC = {
    "ADP",
    "AFA",
    "ALK",
    "ANK",
    "AOK",
    "AON",
    "AOR",
    "ARA",
    "ARL",
    "ARM",
    "ARP",
    "ATS",
    "AZM",
    "BAD",
    "BAN",
    "BEC",
    "BEF",
    "BEL",
    "BGL",
    "BGM",
    "BGO",
    "BOL",
    "BOP",
    "BOV",
    "BRB",
    "BRC",
    "BRE",
    "BRN",
    "BRR",
    "BRZ",
    "BUK",
    "BYB",
    "BYR",
    "CHE",
    "CHW",
    "CLE",
    "CLF",
    "CNH",
    "CNX",
    "COU",
    "CSD",
    "CSK",
    "CUC",
    "CYP",
    "DDM",
    "DEM",
    "ECS",
    "ECV",
    "EEK",
    "ESA",
    "ESB",
    "ESP",
    "FIM",
    "FRF",
    "GEK",
    "GHC",
    "GNS",
    "GQE",
    "GRD",
    "GWE",
    "GWP",
    "HRD",
    "HRK",
    "IEP",
    "ILP",
    "ILR",
    "ISJ",
    "ITL",
    "KRH",
    "KRO",
    "LTL",
    "LTT",
    "LUC",
    "LUF",
    "LUL",
    "LVL",
    "LVR",
    "MAF",
    "MCF",
    "MDC",
    "MGF",
    "MKN",
    "MLF",
    "MRO",
    "MTL",
    "MTP",
    "MVP",
    "MXP",
    "MXV",
    "MZE",
    "MZM",
    "NIC",
    "NLG",
    "PEI",
    "PES",
    "PLZ",
    "PTE",
    "RHD",
    "ROL",
    "RUR",
    "SDD",
    "SDP",
    "SIT",
    "SKK",
    "SLL",
    "SRG",
    "STD",
    "SUR",
    "SVC",
    "TJR",
    "TMM",
    "TPE",
    "TRL",
    "UAK",
    "UGS",
    "USN",
    "USS",
    "UYI",
    "UYP",
    "UYW",
    "VEB",
    "VED",
    "VEF",
    "VNN",
    "XAG",
    "XAU",
    "XBA",
    "XBB",
    "XBC",
    "XBD",
    "XDR",
    "XEU",
    "XFO",
    "XFU",
    "XPD",
    "XPT",
    "XRE",
    "XSU",
    "XTS",
    "XUA",
    "XXX",
    "YDD",
    "YUD",
    "YUM",
    "YUN",
    "YUR",
    "ZAL",
    "ZMK",
    "ZRN",
    "ZRZ",
    "ZWD",
    "ZWL",
    "ZWR",
}


@cache
def currency_choices() -> list[tuple[str, str]]:
    codes = sorted(c for c in list_currencies() if c not in _HISTORIC and len(c) == 3)
    return [(code, f"{code} — {get_currency_name(code, locale='en')}") for code in codes]


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit: USD 2, JPY 0, KWD 3."""
    return get_currency_precision(currency)


# Named once so the OpenAPI schema has a single `CurrencyEnum`.
CURRENCY_CHOICES = currency_choices()


# --- Amounts at the Stripe boundary --------------------------------------------------------
# Stripe's API takes integer amounts in *its* minor unit of each currency, which is not
# always the ISO/CLDR one Babel gives (`minor_units`): HUF has 0 display digits in Babel
# but is two-decimal at Stripe, ISK and UGX are whole units written with two decimals
# ("00"). Source: https://docs.stripe.com/currencies ("Zero-decimal currencies",
# "Three-decimal currencies", "Special cases"; read 2026-12). That page still lists UGX
# among the zero-decimal currencies *and* in the special cases, which say "to charge 5 UGX,
# provide an amount value of 500": the special case is the API's rule, so UGX is here.
STRIPE_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV"}
    | {"XAF", "XOF", "XPF"}
)
# Three decimals, but "the least-significant (last) digit [must] be 0": steps of 10.
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# "Transitioned to a zero-decimal currency, but backward compatibility requires you to
# represent it as a two-decimal value, where the decimal amount is always 00."
STRIPE_WHOLE_UNITS_AS_TWO_DECIMALS = frozenset({"ISK", "UGX"})
# Charged with two decimals, but paid out in whole units ("evenly divisible by 100").
STRIPE_WHOLE_UNIT_PAYOUTS = frozenset({"HUF", "TWD"})


def _stripe_currency(currency: str) -> str:
    code = currency.upper() if isinstance(currency, str) else ""
    if code not in _iso_codes():
        raise ValueError(f"“{currency}” is not a currency code.")
    return code


@cache
def _iso_codes() -> frozenset[str]:
    return frozenset(code for code, _ in currency_choices())


def stripe_minor_units(currency: str) -> int:
    """Decimal places of the integer `amount` Stripe takes in `currency`: JPY 0, USD 2,
    ISK 2 (not ISO's 0), HUF 2 (not Babel's 0), KWD 3. Every currency Stripe does not
    list otherwise is two-decimal."""
    code = _stripe_currency(currency)
    if code in STRIPE_ZERO_DECIMAL:
        return 0
    if code in STRIPE_THREE_DECIMAL:
        return 3
    return 2


def stripe_amount_step(currency: str, *, payout: bool = False) -> int:
    """What a Stripe amount in `currency` must be a multiple of, in Stripe's minor units:
    1 mostly; 10 for three-decimal currencies; 100 for ISK and UGX, and for HUF and TWD
    payouts."""
    code = _stripe_currency(currency)
    if code in STRIPE_THREE_DECIMAL:
        return 10
    if code in STRIPE_WHOLE_UNITS_AS_TWO_DECIMALS or (payout and code in STRIPE_WHOLE_UNIT_PAYOUTS):
        return 100
    return 1


def to_stripe_amount(amount: Decimal, currency: str, *, payout: bool = False) -> int:
    """`amount` as the integer Stripe takes for a charge, refund or transfer (or, with
    `payout=True`, a payout): USD 10.99 → 1099, JPY 500 → 500, ISK 5 → 500, KWD 5.12 →
    5120. Never rounds: an amount Stripe cannot carry exactly (USD 10.995, KWD 5.125,
    ISK 5.5, a HUF payout of 10.45) is a ValueError saying why, so a charge never
    differs silently from the invoice it pays. Negative amounts are refused too: Stripe
    expresses direction by the object (a refund), not the sign."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be Decimal, not {type(amount).__name__}")
    code = _stripe_currency(currency)
    if not amount.is_finite():
        raise ValueError(f"{code} {amount} is not an amount.")
    if amount < 0:
        raise ValueError(f"{code} {amount}: Stripe amounts are not negative.")
    minor = amount.scaleb(stripe_minor_units(code))
    step = stripe_amount_step(code, payout=payout)
    if minor != minor.to_integral_value() or int(minor) % step:
        smallest = Decimal(step).scaleb(-stripe_minor_units(code))
        what = "payouts" if payout and code in STRIPE_WHOLE_UNIT_PAYOUTS else "amounts"
        raise ValueError(
            f"{code} {amount} cannot be sent to Stripe exactly: its {what} in {code} "
            f"go in steps of {smallest}."
        )
    return int(minor)


def from_stripe_amount(value: int, currency: str) -> Decimal:
    """An integer amount read from Stripe (an event, a balance transaction) as a Decimal
    in `currency`: 1099 USD → 10.99, 500 ISK → 5.00. Exact, never rounded; it may be
    negative (a balance transaction's fee or refund)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a Stripe amount is an int, not {type(value).__name__}")
    return Decimal(value).scaleb(-stripe_minor_units(currency))
