"""Plain-words meanings of the PPRRVU indicator values (RVU26B readme, Attachment A)."""

STATUS_CODES = {
    "A": "Active: paid separately under the fee schedule",
    "B": "Bundled: payment is included in another service; any RVUs shown are not paid",
    "C": "Carrier priced: the Medicare contractor sets the payment",
    "D": "Deleted code",
    "E": "Excluded from the fee schedule by regulation",
    "F": "Deleted or discontinued code, no grace period",
    "G": "Not valid for Medicare; another code is used (grace period)",
    "H": "Deleted modifier",
    "I": "Not valid for Medicare; another code is used",
    "J": "Anesthesia service: no RVUs or payment amounts",
    "M": "Measurement code, for reporting only",
    "N": "Not covered by Medicare",
    "P": "Bundled or excluded: no RVUs and no separate payment",
    "R": "Restricted coverage: paid only in special circumstances",
    "T": "Paid only when no other service is paid on the same day",
    "X": "Statutory exclusion: not in the fee schedule by law",
}

GLOBAL_DAYS = {
    "000": "Endoscopic or minor procedure; pre- and post-operative work on the day only",
    "010": "Minor procedure with a 10-day post-operative period",
    "090": "Major surgery with a 1-day pre-operative and 90-day post-operative period",
    "MMM": "Maternity code; the usual global period does not apply",
    "XXX": "The global concept does not apply",
    "YYY": "The carrier sets the global period",
    "ZZZ": "Add-on code, always within the global period of another service",
}


def status_meaning(status_code: str) -> str:
    return STATUS_CODES.get(status_code, "Unknown status code")


def global_days_meaning(global_days: str) -> str:
    return GLOBAL_DAYS.get(global_days, "Unknown global period")
