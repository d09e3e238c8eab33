"""Which world region a country is in, for the funder report.

Babel (CLDR) names the UN M.49 regions in every language ("002" is Africa, "Afrique",
"África") but ships no table of which country lies in which: our dependencies have none
(no pycountry-convert, no territory containment in Babel's data). So this is the UN M.49
continental grouping, compact, by ISO 3166 code; the names come from Babel. Kosovo (XK)
is not in M.49 and is put in Europe. Antarctica and unknown codes have no region.
"""

from __future__ import annotations

from functools import cache

#: M.49 code -> the ISO 3166 codes of its countries and territories.
REGIONS = {
    "002": (  # Africa
        "DZ EG LY MA SD TN EH BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW "
        "IO TF AO CM CF TD CG CD GQ GA ST BW SZ LS NA ZA BJ BF CV CI GM GH GN GW LR ML MR "
        "NE NG SH SN SL TG"
    ),
    "019": (  # Americas
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC "
        "VI BZ CR SV GT HN MX NI PA AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE BM CA "
        "GL PM US"
    ),
    "142": (  # Asia
        "KZ KG TJ TM UZ CN HK MO KP JP MN KR TW BN KH ID LA MY MM PH SG TH TL VN AF BD BT "
        "IN IR MV NP PK LK AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"
    ),
    "150": (  # Europe
        "BY BG CZ HU PL MD RO RU SK UA AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB AL "
        "AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK AT BE FR DE LI LU MC NL CH"
    ),
    "009": (  # Oceania
        "AU NZ HM NF CX CC FJ NC PG SB VU GU KI MH FM NR MP PW UM AS CK PF NU PN WS TK TO TV WF"
    ),
}
#: The regions in the order the report lists them when counts are equal.
ORDER = tuple(REGIONS)


@cache
def _region_of() -> dict[str, str]:
    return {code: region for region, codes in REGIONS.items() for code in codes.split()}


def region_of(country: str | None) -> str | None:
    """The M.49 code of the country's region ("150" for "BE"), None when unknown."""
    return _region_of().get((country or "").upper())
