"""Keeping patient identifiers out of procedure notes.

Notes are for the physician's own context ("left knee", "revision of
hardware"). These patterns catch the identifiers people most often type or
paste by habit: dates (a date of birth), record, account and phone numbers,
SSNs, e-mail and street addresses, and a name after "pt", "patient" or a
title. A name on its own cannot be told from other words, so the UI and API
docs ask for none; this check is a safety net, not a guarantee.
"""

import re
import unicodedata

MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
IDENTIFIER_PATTERNS = (
    re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b"),  # 3/4/1950, 1950-03-04
    re.compile(rf"\b{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b", re.IGNORECASE),  # Jan 2 1960
    re.compile(rf"\b\d{{1,2}}\s+{MONTH}\s+\d{{2,4}}\b", re.IGNORECASE),  # 2 January 1960
    re.compile(r"(?:\+?1[\s.-]*)?\(?\b\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{4}\b"),  # phone numbers
    re.compile(r"\b\d{3}[\s.-]\d{2}[\s.-]\d{4}\b"),  # SSN
    re.compile(r"\d{6,}"),  # record and account numbers
    re.compile(r"[^\s@]+@[^\s@]+\.[a-z]{2,}", re.IGNORECASE),  # e-mail
    re.compile(
        r"\b\d+\s+(?:[a-z]+\s+){1,3}(?:st|street|ave|avenue|rd|road|blvd|lane|ln|drive|court|ct|way)\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\bmrn|\bssn\b|\bsocial security|\bd\.?\s?o\.?\s?b\b|\bborn\b|\bdate of birth|\bmedical record"
        r"|\bchart\s*(?:#|no\b|number)|\bacct\b|\baccount\s*(?:#|no\b|number)",
        re.IGNORECASE,
    ),
    # A capitalised name after "pt", "patient" or a title: "pt John Smith", "Mrs Jones".
    re.compile(r"\b(?:[Pp]t|[Pp]atient|[Mm]r|[Mm]rs|[Mm]s|[Mm]iss|[Mm]x)\b\.?:?\s+[A-Z][a-z]+"),
)


def looks_like_patient_identifier(note: str) -> bool:
    # NFKC turns look-alike characters (circled or full-width digits) into plain ones.
    text = unicodedata.normalize("NFKC", note)
    return any(pattern.search(text) for pattern in IDENTIFIER_PATTERNS)
