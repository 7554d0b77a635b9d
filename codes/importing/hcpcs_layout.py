"""The CMS alpha-numeric HCPCS file: its fields, where each sits, and the values allowed.

CMS ships one file in three shapes. The TXT is fixed-width, 320 characters a
record, with no header (HCPC2026_recordlayout.txt gives the positions); a long
description runs over continuation records (record id 4 for codes, 8 for
modifiers), 80 characters each. The XLSX (and the CSV some people save from it)
has one row per code with a header naming 48 columns, the long description
joined. Fields are named here by their XLSX header, in both shapes.
"""

import re

from rvuedge.errors import SourceFileError


class HcpcsFileError(SourceFileError):
    """A HCPCS file we refuse to import, with the file, line and field at fault."""


TXT_RECORD_LENGTH = 320
# The TXT field is 28 characters wide; an XLSX or CSV cell is not, and the column holds 28.
SHORT_DESCRIPTION_LENGTH = 28

# Header name: (first, last) 1-based inclusive TXT positions, from the 2026 record layout.
# Only the fields we keep are listed; the XLSX holds more (CIM, MCM, XREF, ASC, OPPS …).
TXT_POSITIONS = {
    "HCPC": (1, 5),
    "SEQNUM": (6, 10),
    "RECID": (11, 11),
    "LONG DESCRIPTION": (12, 91),
    "SHORT DESCRIPTION": (92, 119),
    "PRICE1": (120, 121),
    "PRICE2": (122, 123),
    "PRICE3": (124, 125),
    "PRICE4": (126, 127),
    "MULT_PI": (128, 128),
    "COV": (230, 230),
    "PROCNOTE": (253, 256),
    "BETOS": (257, 259),
    "TOS1": (261, 261),
    "TOS2": (262, 262),
    "TOS3": (263, 263),
    "TOS4": (264, 264),
    "TOS5": (265, 265),
    "ADD DT": (269, 276),
    "ACT EFF DT": (277, 284),
    "TERM DT": (285, 292),
    "ACTION CD": (293, 293),
}
FIELDS = tuple(TXT_POSITIONS)
PRICING_FIELDS = ("PRICE1", "PRICE2", "PRICE3", "PRICE4")
TYPE_OF_SERVICE_FIELDS = ("TOS1", "TOS2", "TOS3", "TOS4", "TOS5")

# Record identification codes (RIC): the first record of a code or modifier carries
# its details; the continuation records carry only more long description.
CODE_FIRST, CODE_MORE, MODIFIER_FIRST, MODIFIER_MORE = "3", "4", "7", "8"
RECORD_IDS = (CODE_FIRST, CODE_MORE, MODIFIER_FIRST, MODIFIER_MORE)
CONTINUES = {CODE_MORE: CODE_FIRST, MODIFIER_MORE: MODIFIER_FIRST}

CODE = re.compile(r"[0-9A-Z]{5}")
MODIFIER = re.compile(r"[0-9A-Z]{2}")
SEQUENCE = re.compile(r"[0-9]{1,5}")
DATE = re.compile(r"[0-9]{8}")  # YYYYMMDD

# Values the record layout defines. Pricing indicators are checked as two digits
# only: CMS adds values to that list (40 in 2024) more often than to the others.
PRICING_INDICATOR = re.compile(r"[0-9]{2}")
MULTIPLE_PRICING_INDICATORS = frozenset("9ABCDEFG")
COVERAGE_MEANINGS = {
    "C": "Carrier judgment",
    "D": "Special coverage instructions apply",
    "I": "Not payable by Medicare",
    "M": "Non-covered by Medicare",
    "S": "Non-covered by Medicare statute",
}
COVERAGE_CODES = frozenset(COVERAGE_MEANINGS)
ACTION_CODES = frozenset("ABCDFNPRST")
PROCESSING_NOTE = re.compile(r"[0-9]{4}")
BETOS = re.compile(r"[0-9A-Z]{2,3}")
TYPE_OF_SERVICE = re.compile(r"[0-9A-Z]")


def field_label(field: str, *, fixed_width: bool) -> str:
    """How an error names a field: 'TERM DT', and in a TXT file where it sits."""
    if not fixed_width:
        return field
    first, last = TXT_POSITIONS[field]
    where = f"position {first}" if first == last else f"positions {first}-{last}"
    return f"{field} ({where})"
