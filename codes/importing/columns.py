"""The columns of the national relative value file, by their names in the header.

CMS stacks each column name over up to five header rows; joined top to bottom
they read as below. The 2026 files add PRIC IND between TEAM SURG and ENDO BASE,
so the layout is always read from the header, never assumed from the year.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # "code", "modifier", "text", "indicator" or "decimal"
    max_length: int = 0
    required: bool = True
    allowed: frozenset[str] | None = None  # the values the CMS readme defines, where it lists them
    maximum: str = "99999.99"  # for decimals: the largest value the database column holds


def values(*allowed: str) -> frozenset[str]:
    return frozenset(allowed)


# Value lists from the record layout and Attachment A of the RVU26B readme.
STATUS_CODES = values(*"ABCDEFGHIJMNPRTX")
GLOBAL_DAYS = values("000", "010", "090", "MMM", "XXX", "YYY", "ZZZ")
SURGERY_INDICATORS = values("0", "1", "2", "9")


COLUMNS = (
    Column("code", "HCPCS", "code", 5),
    Column("modifier", "MOD", "modifier", 2),
    Column("description", "DESCRIPTION", "text", 100),
    Column("status_code", "STATUS CODE", "indicator", 1, allowed=STATUS_CODES),
    Column(
        "not_used_for_medicare_payment",
        "NOT USED FOR MEDICARE PAYMENT",
        "indicator",
        1,
        allowed=values("", "+"),
    ),
    Column("work_rvu", "WORK RVU", "decimal"),
    Column("non_facility_pe_rvu", "NON-FAC PE RVU", "decimal"),
    Column("non_facility_na_indicator", "NON-FAC NA INDICATOR", "indicator", 2, allowed=values("", "NA")),
    Column("facility_pe_rvu", "FACILITY PE RVU", "decimal"),
    Column("facility_na_indicator", "FACILITY NA INDICATOR", "indicator", 2, allowed=values("", "NA")),
    Column("mp_rvu", "MP RVU", "decimal"),
    Column("non_facility_total", "NON-FACILITY TOTAL", "decimal"),
    Column("facility_total", "FACILITY TOTAL", "decimal"),
    Column("pctc_indicator", "PCTC IND", "indicator", 1, allowed=values(*"0123456789")),
    Column("global_days", "GLOB DAYS", "indicator", 3, allowed=GLOBAL_DAYS),
    Column("pre_op", "PRE OP", "decimal", maximum="1.00"),
    Column("intra_op", "INTRA OP", "decimal", maximum="1.00"),
    Column("post_op", "POST OP", "decimal", maximum="1.00"),
    Column("multiple_procedure", "MULT PROC", "indicator", 1, allowed=values(*"01234567", "9")),
    Column("bilateral_surgery", "BILAT SURG", "indicator", 1, allowed=values("0", "1", "2", "3", "9")),
    Column("assistant_surgery", "ASST SURG", "indicator", 1, allowed=SURGERY_INDICATORS),
    Column("co_surgery", "CO-SURG", "indicator", 1, allowed=SURGERY_INDICATORS),
    Column("team_surgery", "TEAM SURG", "indicator", 1, allowed=SURGERY_INDICATORS),
    Column("pricing_indicator", "PRIC IND", "indicator", 1, required=False, allowed=values("", "1", "9")),
    Column("endoscopic_base_code", "ENDO BASE", "indicator", 5),
    Column("conversion_factor", "CONV FACTOR", "decimal", maximum="9999.9999"),
    Column("physician_supervision", "PHYSICIAN SUPERVISION OF DIAGNOSTIC PROCEDURES", "indicator", 2),
    Column("calculation_flag", "CALCULATION FLAG", "indicator", 1),
    Column("imaging_family", "DIAGNOSTIC IMAGING FAMILY INDICATOR", "indicator", 2),
    Column("opps_non_facility_pe_rvu", "NON-FACILITY PE USED FOR OPPS PAYMENT AMOUNT", "decimal"),
    Column("opps_facility_pe_rvu", "FACILITY PE USED FOR OPPS PAYMENT AMOUNT", "decimal"),
    Column("opps_mp_rvu", "MP USED FOR OPPS PAYMENT AMOUNT", "decimal"),
)

COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
COLUMNS_BY_HEADER = {column.header: column for column in COLUMNS}


def normalize_header(text: str) -> str:
    """'CO-  SURG ' and 'CO- SURG' both become 'CO-SURG'; case and spacing never matter."""
    collapsed = re.sub(r"\s+", " ", text).strip().upper()
    return re.sub(r"- ", "-", collapsed)


# Fixed-width TXT layout (RVU26B.pdf and RVU25D.pdf record layouts): 1-based,
# inclusive character positions. 2025 files leave position 121 blank (filler);
# 2026 files print PRIC IND there.
TXT_POSITIONS = {
    "code": (1, 5),
    "modifier": (6, 7),
    "description": (8, 57),
    "status_code": (58, 58),
    "not_used_for_medicare_payment": (59, 59),
    "work_rvu": (60, 65),
    "non_facility_pe_rvu": (67, 72),
    "non_facility_na_indicator": (73, 74),
    "facility_pe_rvu": (76, 81),
    "facility_na_indicator": (82, 83),
    "mp_rvu": (85, 89),
    "non_facility_total": (91, 96),
    "facility_total": (97, 102),
    "pctc_indicator": (103, 103),
    "global_days": (104, 106),
    "pre_op": (107, 109),
    "intra_op": (110, 112),
    "post_op": (113, 115),
    "multiple_procedure": (116, 116),
    "bilateral_surgery": (117, 117),
    "assistant_surgery": (118, 118),
    "co_surgery": (119, 119),
    "team_surgery": (120, 120),
    "pricing_indicator": (121, 121),
    "endoscopic_base_code": (128, 132),
    "conversion_factor": (133, 140),
    "physician_supervision": (142, 143),
    "calculation_flag": (144, 144),
    "imaging_family": (146, 147),
    "opps_non_facility_pe_rvu": (152, 157),
    "opps_facility_pe_rvu": (159, 164),
    "opps_mp_rvu": (166, 171),
}
TXT_RECORD_LENGTH = 171
