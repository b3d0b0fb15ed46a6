"""ISO 4217 currencies: choices, minor units. Babel carries the CLDR data."""

from functools import cache

from babel.numbers import get_currency_name, get_currency_precision, list_currencies

# Currencies still in circulation that people invoice in; Babel lists historic ones too.
_HISTORIC = {"ADP", "AFA", "ALK", "ANK", "AOK", "AON", "AOR", "ARA", "ARL", "ARM", "ARP",
             "ATS", "AZM", "BAD", "BAN", "BEC", "BEF", "BEL", "BGL", "BGM", "BGO", "BOL",
             "BOP", "BOV", "BRB", "BRC", "BRE", "BRN", "BRR", "BRZ", "BUK", "BYB", "BYR",
             "CHE", "CHW", "CLE", "CLF", "CNH", "CNX", "COU", "CSD", "CSK", "CUC", "CYP",
             "DDM", "DEM", "ECS", "ECV", "EEK", "ESA", "ESB", "ESP", "FIM", "FRF", "GEK",
             "GHC", "GNS", "GQE", "GRD", "GWE", "GWP", "HRD", "HRK", "IEP", "ILP", "ILR",
             "ISJ", "ITL", "KRH", "KRO", "LTL", "LTT", "LUC", "LUF", "LUL", "LVL", "LVR",
             "MAF", "MCF", "MDC", "MGF", "MKN", "MLF", "MRO", "MTL", "MTP", "MVP", "MXP",
             "MXV", "MZE", "MZM", "NIC", "NLG", "PEI", "PES", "PLZ", "PTE", "RHD", "ROL",
             "RUR", "SDD", "SDP", "SIT", "SKK", "SLL", "SRG", "STD", "SUR", "SVC", "TJR",
             "TMM", "TPE", "TRL", "UAK", "UGS", "USN", "USS", "UYI", "UYP", "UYW", "VEB",
             "VED", "VEF", "VNN", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XEU",
             "XFO", "XFU", "XPD", "XPT", "XRE", "XSU", "XTS", "XUA", "XXX", "YDD", "YUD",
             "YUM", "YUN", "YUR", "ZAL", "ZMK", "ZRN", "ZRZ", "ZWD", "ZWL", "ZWR"}


@cache
def currency_choices() -> list[tuple[str, str]]:
    codes = sorted(c for c in list_currencies() if c not in _HISTORIC and len(c) == 3)
    return [(code, f"{code} — {get_currency_name(code, locale='en')}") for code in codes]


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit: USD 2, JPY 0, KWD 3."""
    return get_currency_precision(currency)


# Named once so the OpenAPI schema has a single `CurrencyEnum`.
CURRENCY_CHOICES = currency_choices()
