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


# The split of a service into professional (-26) and technical (-TC) components.
PCTC_INDICATORS = {
    "0": "A physician service (visit, consultation, surgery): it has no separate professional or "
    "technical component, so -26 and -TC do not apply",
    "1": "A diagnostic test with both components: bill it whole, or -26 for the interpretation "
    "(work, practice expense, malpractice) and -TC for the equipment and staff (no work)",
    "2": "The professional component of a test, as a code of its own: -26 and -TC do not apply",
    "3": "The technical component of a test, as a code of its own (no physician work): "
    "-26 and -TC do not apply",
    "4": "The global test as a code of its own, both components together: -26 and -TC do not apply",
    "5": "An incident-to service, by staff under the physician's direct supervision; not paid in "
    "hospital settings; -26 and -TC do not apply",
    "6": "A laboratory interpretation a physician may bill with -26; the test itself is paid under "
    "the lab fee schedule, so -TC does not apply",
    "7": "A physical therapy service, not paid when an independent therapist provides it "
    "to a hospital patient",
    "8": "A physician interpretation of a lab test, paid only for hospital inpatients; -TC does not apply",
    "9": "Professional and technical components do not apply",
}

MULTIPLE_PROCEDURE = {
    "0": "No reduction when billed with other procedures the same day",
    "1": "Standard multiple-procedure reduction (modifier 51): 100% for the highest valued, 50% for the "
    "next ones (an older rule, kept for a few codes)",
    "2": "Multiple-procedure reduction (modifier 51): 100% for the highest valued, 50% for the others",
    "3": "Endoscopy family rule: related endoscopies share their base procedure's value",
    "4": "Diagnostic imaging rule: the technical (and part of the professional) component is reduced "
    "for a second image of the same family in one session",
    "5": "Therapy rule: part of the practice expense is reduced for each further therapy service",
    "6": "Diagnostic cardiovascular rule: the technical component of further services is reduced",
    "7": "Diagnostic ophthalmology rule: the technical component of further services is reduced",
    "9": "Multiple-procedure rules do not apply",
}

BILATERAL_SURGERY = {
    "0": "Modifier 50 earns no more: both sides are paid as one",
    "1": "Modifier 50 applies: both sides in one session are paid at 150%",
    "2": "Already valued as bilateral: modifier 50 earns no more",
    "3": "Each side paid in full (100% each), as for radiology and other tests",
    "9": "The bilateral concept does not apply",
}

ASSISTANT_AT_SURGERY = {
    "0": "An assistant at surgery (modifiers 80, 81, 82, AS) is paid only with documented medical necessity",
    "1": "An assistant at surgery is never paid for this procedure",
    "2": "An assistant at surgery may be paid",
    "9": "The assistant-at-surgery concept does not apply",
}

CO_SURGERY = {
    "0": "Co-surgeons (modifier 62) are not allowed",
    "1": "Co-surgeons (modifier 62) may be paid with documented medical necessity",
    "2": "Co-surgeons (modifier 62) allowed when they are of two specialties",
    "9": "The co-surgery concept does not apply",
}

TEAM_SURGERY = {
    "0": "A surgical team (modifier 66) is not allowed",
    "1": "A surgical team (modifier 66) may be paid, by report, with documented medical necessity",
    "2": "A surgical team (modifier 66) is allowed, paid by report",
    "9": "The team-surgery concept does not apply",
}
