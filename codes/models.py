"""The code catalog and the CMS fee schedule releases that value it.

A `Release` is one national relative value file (PPRRVU) as CMS published it,
e.g. RVU26C. Each of its rows is a `FeeScheduleRow`, keyed on (code, modifier)
and carrying every column of the file. `Code` lists each code once, whichever
releases value it, so searches and logs have one place to point at.
"""

import datetime
import re
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

QUARTER_EFFECTIVE_MONTH = {"A": 1, "B": 4, "C": 7, "D": 10}

# Status codes whose RVUs Medicare actually pays (RVU26B readme, Attachment A).
PAID_STATUS_CODES = frozenset("ART")

COMPONENT_MODIFIERS = ("26", "TC", "53")


class Code(models.Model):
    """A CPT or HCPCS code, stored as the five-character string CMS prints."""

    code = models.CharField(primary_key=True, max_length=5)
    description = models.CharField(
        max_length=100, help_text="Short description from the latest release that lists the code."
    )
    search_text = models.CharField(
        max_length=110,  # SEARCH_TEXT_MAX_LENGTH
        editable=False,
        help_text="The description as search matches it; see words_for_search.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    def save(self, *args, **kwargs):
        self.search_text = words_for_search(self.description)
        super().save(*args, **kwargs)


WORD_SEPARATORS = re.compile(r"[^0-9a-z]+")
SEARCH_TEXT_MAX_LENGTH = 110


def words_for_search(description: str) -> str:
    """' total knee arthroplasty ': lower case, one space before every word.

    Search then finds words by their start with one plain LIKE per word
    ("% est%" finds "Office o/p est", not "testing"), which is far cheaper than
    case-insensitive matching against every separator.
    """
    # A few letters grow when lower-cased (İ becomes i and a combining dot), so a
    # 100-character description can outgrow the column; its last words then go unsearched.
    return all_words_for_search(description)[:SEARCH_TEXT_MAX_LENGTH]


def all_words_for_search(text: str) -> str:
    """words_for_search without its length limit, for long descriptions kept as text."""
    return f" {WORD_SEPARATORS.sub(' ', text.lower()).strip()} "


RELEASE_NAME_VALIDATOR = RegexValidator(
    r"^(?i:RVU[0-9]{2}[A-D]R?)$",
    "A CMS release name: RVU, two digits of the year, A to D, R for a correction.",
)


class ReleaseQuerySet(models.QuerySet):
    def in_effect_on(self, day: datetime.date) -> "Release | None":
        """The release whose values apply to services on `day`: the latest one in effect.

        A corrected re-issue (e.g. RVU26AR) shares its effective date with the
        release it corrects and wins over it.
        """
        return self.filter(effective_on__lte=day).order_by(*IN_EFFECT_ORDER).first()


# Latest effective date first; on a tie a correction, then the later import, wins.
IN_EFFECT_ORDER = ("-effective_on", "-is_correction", "-id")


def release_in_effect_among(releases, day: datetime.date) -> "Release | None":
    """What Release.objects.in_effect_on(day) returns, from releases already in memory."""
    candidates = [release for release in releases if release.effective_on <= day]
    return max(candidates, key=lambda r: (r.effective_on, r.is_correction, r.pk), default=None)


class Release(models.Model):
    class Quarter(models.TextChoices):
        A = "A", "January"
        B = "B", "April"
        C = "C", "July"
        D = "D", "October"

    name = models.CharField(max_length=12, unique=True, help_text="CMS release name, e.g. RVU26C.")
    year = models.PositiveSmallIntegerField()
    quarter = models.CharField(max_length=1, choices=Quarter.choices)
    is_correction = models.BooleanField(default=False, help_text="A corrected re-issue such as RVU26AR.")
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrections",
        help_text="For a corrected re-issue, the release it corrects (which stays, but no longer applies).",
    )
    repriced_at = models.DateTimeField(
        null=True, blank=True, help_text="When every log it governs had been re-priced under it."
    )
    effective_on = models.DateField(db_index=True)
    released_on = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=200, blank=True)
    conversion_factor = models.DecimalField(
        max_digits=8, decimal_places=4, help_text="Non-QP conversion factor, read from the file."
    )
    qp_conversion_factor = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Conversion factor for qualifying APM participants, when the release ships a QPP file.",
    )
    source_filename = models.CharField(max_length=255, help_text="The file the admin imported.")
    rows_file_name = models.CharField(
        max_length=300, help_text="The PPRRVU file the rows were read from, e.g. RVU25A.zip/PPRRVU25_JAN.csv."
    )
    source_sha256 = models.CharField(max_length=64, unique=True)
    row_count = models.PositiveIntegerField()
    code_count = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_on", "-is_correction", "-id"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def default_effective_on(year: int, quarter: str) -> datetime.date:
        return datetime.date(year, QUARTER_EFFECTIVE_MONTH[quarter], 1)

    def missing_release_note(self, day: datetime.date) -> str:
        """Say so when `day` falls in a quarter whose own release is not loaded.

        CMS publishes a release every quarter; if RVU25B and RVU25C are missing,
        a July 2025 service is valued with RVU25A, and the credit must say that.
        """
        quarter = quarter_of(day)
        quarter_start = self.default_effective_on(day.year, quarter)
        if self.effective_on >= quarter_start:
            return ""
        expected = f"RVU{day.year % 100:02d}{quarter}"
        months = QUARTER_MONTHS[quarter]
        # Worded per quarter, not per day, so every log of a quarter shares one explanation.
        return (
            f"{expected}, the release for {months} {day.year}, is not loaded; "
            f"values are from {self.name}, the latest loaded before it"
        )


QUARTER_MONTHS = {"A": "January–March", "B": "April–June", "C": "July–September", "D": "October–December"}


def quarter_of(day: datetime.date) -> str:
    """The CMS release letter whose quarter holds `day`: A (Jan-Mar) to D (Oct-Dec)."""
    return "ABCD"[(day.month - 1) // 3]


class FeeScheduleRow(models.Model):
    """One row of a national relative value file: a code, optionally with a modifier.

    Indicator columns stay text because CMS prints them as codes ("9", "09", "ZZZ").
    """

    # No foreign key constraints in the database: the importer writes a release,
    # its codes and its rows in one transaction, rows are never updated, and
    # Django still applies on_delete. Checking 19,000 rows against both parents
    # cost as much as writing them (bench/import_vs_copy.py).
    release = models.ForeignKey(
        Release, on_delete=models.CASCADE, related_name="rows", db_constraint=False, db_index=False
    )
    source_line = models.PositiveIntegerField(help_text="Line (or spreadsheet row) of the row in the file.")
    code = models.ForeignKey(
        Code,
        on_delete=models.PROTECT,
        db_column="code",
        related_name="rows",
        db_constraint=False,
        db_index=False,  # the unique constraint below leads with the code
    )
    modifier = models.CharField(max_length=2, blank=True, help_text="Blank (global), 26, TC or 53.")
    description = models.CharField(max_length=100)
    status_code = models.CharField(max_length=1)
    not_used_for_medicare_payment = models.CharField(max_length=1, blank=True)
    work_rvu = models.DecimalField(max_digits=7, decimal_places=2)
    non_facility_pe_rvu = models.DecimalField(max_digits=7, decimal_places=2)
    non_facility_na_indicator = models.CharField(max_length=2, blank=True)
    facility_pe_rvu = models.DecimalField(max_digits=7, decimal_places=2)
    facility_na_indicator = models.CharField(max_length=2, blank=True)
    mp_rvu = models.DecimalField(max_digits=7, decimal_places=2)
    non_facility_total = models.DecimalField(max_digits=7, decimal_places=2)
    facility_total = models.DecimalField(max_digits=7, decimal_places=2)
    pctc_indicator = models.CharField(max_length=1)
    global_days = models.CharField(max_length=3)
    pre_op = models.DecimalField(max_digits=4, decimal_places=2)
    intra_op = models.DecimalField(max_digits=4, decimal_places=2)
    post_op = models.DecimalField(max_digits=4, decimal_places=2)
    multiple_procedure = models.CharField(max_length=1)
    bilateral_surgery = models.CharField(max_length=1)
    assistant_surgery = models.CharField(max_length=1)
    co_surgery = models.CharField(max_length=1)
    team_surgery = models.CharField(max_length=1)
    pricing_indicator = models.CharField(max_length=1, blank=True, help_text="2026 and later files only.")
    endoscopic_base_code = models.CharField(max_length=5, blank=True)
    conversion_factor = models.DecimalField(max_digits=8, decimal_places=4)
    physician_supervision = models.CharField(max_length=2, blank=True)
    calculation_flag = models.CharField(max_length=1, blank=True)
    imaging_family = models.CharField(max_length=2, blank=True)
    opps_non_facility_pe_rvu = models.DecimalField(max_digits=7, decimal_places=2)
    opps_facility_pe_rvu = models.DecimalField(max_digits=7, decimal_places=2)
    opps_mp_rvu = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["code", "modifier"]
        constraints = [
            # Code first: the one index then serves a code in one release (the credit
            # engine) and a code across releases (its history) alike. Reading a whole
            # release (a diff) scans the table, which is rare and small enough.
            models.UniqueConstraint(
                fields=["code", "modifier", "release"], name="one_row_per_code_modifier_per_release"
            )
        ]

    def __str__(self) -> str:
        suffix = f"-{self.modifier}" if self.modifier else ""
        return f"{self.release.name} {self.code_id}{suffix}"

    @property
    def is_paid_by_medicare(self) -> bool:
        return self.status_code in PAID_STATUS_CODES

    def total_rvu(self, *, facility: bool) -> Decimal:
        return self.facility_total if facility else self.non_facility_total


def release_upload_path(upload: "ReleaseUpload", filename: str) -> str:
    """A folder of its own, so the file keeps the name CMS gave it (RVU26A.zip names the release)."""
    return f"release-uploads/{uuid.uuid4().hex}/{filename}"


class ReleaseUpload(models.Model):
    """A release file an admin uploaded, and how far its import has got."""

    class State(models.TextChoices):
        QUEUED = "queued"
        IMPORTING = "importing"
        RECOMPUTING = "recomputing"
        READY = "ready"
        FAILED = "failed"

    file = models.FileField(upload_to=release_upload_path)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    release_name = models.CharField(
        max_length=12, blank=True, validators=[RELEASE_NAME_VALIDATOR], help_text="Override, e.g. RVU26AR."
    )
    effective_on = models.DateField(null=True, blank=True, help_text="Override of the quarter's first day.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    error = models.TextField(
        blank=True, help_text="Why the import failed: file, line and column where known."
    )
    progress_stage = models.CharField(max_length=20, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    release = models.ForeignKey(
        Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploads"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.state})"


class HcpcsFile(models.Model):
    """One CMS alpha-numeric HCPCS file (HCPCS Level II), e.g. the January 2026 one.

    CMS publishes it every quarter as a ZIP holding the same records as fixed-width
    TXT and XLSX. It describes codes (long and short descriptions, coverage, BETOS,
    dates) but values none: work RVUs come from the fee schedule releases only.
    """

    name = models.CharField(max_length=255, help_text="The file the admin imported, e.g. the CMS ZIP.")
    records_file_name = models.CharField(
        max_length=300,
        help_text="The file the records were read from, e.g. …zip/HCPC2026_JAN_ANWEB_01122026.txt.",
    )
    year = models.PositiveSmallIntegerField()
    effective_on = models.DateField(help_text="First day of the quarter the file is for.")
    version = models.CharField(
        max_length=20, blank=True, help_text="What CMS appends to the name: a date (01122026) or v3."
    )
    sha256 = models.CharField(
        max_length=64, unique=True, help_text="Of the file imported: the same file is a no-op."
    )
    record_count = models.PositiveIntegerField(help_text="Records (TXT) or rows (XLSX, CSV) read.")
    code_count = models.PositiveIntegerField()
    modifier_count = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on", "-id"]

    def __str__(self) -> str:
        return f"HCPCS {self.effective_on:%Y-%m} ({self.records_file_name})"


class HcpcsEntry(models.Model):
    """What the HCPCS file says of a code or a modifier, from the newest file listing it."""

    file = models.ForeignKey(HcpcsFile, on_delete=models.PROTECT, related_name="+")
    source_line = models.PositiveIntegerField(help_text="Line (or spreadsheet row) of its first record.")
    long_description = models.TextField(help_text="Joined from the continuation records, spaces collapsed.")
    short_description = models.CharField(max_length=28, blank=True)
    coverage_code = models.CharField(
        max_length=1,
        blank=True,
        help_text="C carrier judgment, D special coverage instructions, I not payable by Medicare, "
        "M non-covered by Medicare, S non-covered by Medicare statute.",
    )
    processing_note = models.CharField(max_length=4, blank=True)
    added_on = models.DateField(null=True, blank=True)
    action_effective_on = models.DateField(null=True, blank=True)
    terminated_on = models.DateField(
        null=True, blank=True, help_text="The last date of service the code may be used for."
    )
    action_code = models.CharField(
        max_length=1, blank=True, help_text="The latest change CMS made (A added, D discontinued, N none, …)."
    )

    class Meta:
        abstract = True

    def is_terminated_on(self, day: datetime.date) -> bool:
        return self.terminated_on is not None and self.terminated_on < day

    @property
    def is_terminated(self) -> bool:
        """Terminated as of today: CMS keeps a terminated code in its files for a while."""
        return self.is_terminated_on(timezone.localdate())


class HcpcsCode(HcpcsEntry):
    """A HCPCS Level II code as the newest HCPCS file describes it."""

    code = models.OneToOneField(
        Code, primary_key=True, on_delete=models.CASCADE, db_column="code", related_name="hcpcs"
    )
    pricing_indicators = models.CharField(
        max_length=11, blank=True, help_text="One to four two-digit Part B pricing indicators, e.g. '11 13'."
    )
    multiple_pricing_indicator = models.CharField(max_length=1, blank=True)
    betos = models.CharField(max_length=3, blank=True, help_text="Berenson-Eggers type of service, e.g. Z2.")
    type_of_service = models.CharField(
        max_length=9, blank=True, help_text="One to five one-character CMS type-of-service codes, e.g. '1 P'."
    )
    search_text = models.TextField(
        editable=False, help_text="The long description as search matches it; see all_words_for_search."
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "HCPCS code"

    def __str__(self) -> str:
        return f"{self.code_id} {self.short_description}"


class HcpcsModifier(HcpcsEntry):
    """A modifier the HCPCS file lists (its records 7 and 8), e.g. RT or AS."""

    modifier = models.CharField(primary_key=True, max_length=2)

    class Meta:
        ordering = ["modifier"]
        verbose_name = "HCPCS modifier"

    def __str__(self) -> str:
        return f"{self.modifier} {self.short_description}"


class CuratedCodeText(models.Model):
    """What editors write about a code where the CMS files are silent: other names, a plain-language
    line, the clinical context, the specialties that use it, and extra questions and answers.

    Each save keeps the previous text as a `CuratedCodeTextRevision`, so the admin shows who
    changed what and when, and any version can be read back.
    """

    code = models.OneToOneField(
        Code, primary_key=True, on_delete=models.CASCADE, db_column="code", related_name="curated"
    )
    synonyms = models.JSONField(
        default=list, blank=True, help_text='Other names people search by, e.g. "TKA".'
    )
    plain_language = models.CharField(
        max_length=300, blank=True, help_text="One line a patient would understand."
    )
    clinical_context = models.TextField(blank=True, help_text="When and why clinicians use the code.")
    specialties = models.JSONField(default=list, blank=True, help_text="Specialties that use it, most first.")
    questions = models.JSONField(
        default=list, blank=True, help_text='Extra questions and answers: [{"question": …, "answer": …}].'
    )
    search_text = models.TextField(
        editable=False, help_text="Synonyms and the plain-language line as search matches them."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "curated code text"

    def __str__(self) -> str:
        return f"curated text of {self.code_id}"

    def save(self, *args, **kwargs):
        self.search_text = all_words_for_search(" ".join([*self.synonyms, self.plain_language]))
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if not all(isinstance(name, str) and name.strip() for name in self.synonyms):
            raise ValidationError({"synonyms": "List each synonym as text."})
        if not all(isinstance(name, str) and name.strip() for name in self.specialties):
            raise ValidationError({"specialties": "List each specialty as text."})
        for item in self.questions:
            if not (isinstance(item, dict) and set(item) == {"question", "answer"} and all(item.values())):
                raise ValidationError(
                    {"questions": "Each entry needs a question and its answer, both filled."}
                )

    def snapshot(self) -> dict:
        return {name: getattr(self, name) for name in CURATED_FIELDS}


CURATED_FIELDS = ("synonyms", "plain_language", "clinical_context", "specialties", "questions")


class CuratedCodeTextRevision(models.Model):
    """One saved version of a code's curated text."""

    text = models.ForeignKey(CuratedCodeText, on_delete=models.CASCADE, related_name="revisions")
    content = models.JSONField(help_text="The curated fields as saved.")
    saved_at = models.DateTimeField(auto_now_add=True)
    saved_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-saved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.text_id} as saved {self.saved_at:%Y-%m-%d %H:%M}"
