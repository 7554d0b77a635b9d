"""National benchmark sets: specialty percentiles of annual work RVUs to compare a physician against.

A `BenchmarkSet` is one version of one table, with its provenance: built here from the CMS
provider-and-service public use file (public data), or imported from a survey the customer
licenses (MGMA, AMGA, SullivanCotter). Each `BenchmarkPoint` is one row of it: a specialty,
optionally narrowed to a career stage or a region, with p10 to p90 and the providers behind them.
"""

from django.db import models
from django.db.models import F, Q

PERCENTILE_FIELDS = ("p10", "p25", "p50", "p75", "p90")


class BenchmarkSet(models.Model):
    class Kind(models.TextChoices):
        PUBLIC_DATA = "public_data", "Built from public data"
        LICENSED = "licensed", "Licensed table"

    name = models.CharField(max_length=150)
    slug = models.SlugField(
        max_length=150, unique=True, help_text="The version's identity, e.g. medicare-2012-sample-rvu26c."
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    source = models.CharField(max_length=300, help_text="Who published the data, and which file or survey.")
    year = models.PositiveSmallIntegerField(help_text="The year of the volumes the percentiles describe.")
    release = models.ForeignKey(
        "codes.Release",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="benchmark_sets",
        help_text="The fee schedule release whose work RVUs valued the services (built sets only).",
    )
    method = models.TextField(help_text="How the figures were made: what counts, and the percentile method.")
    citation = models.TextField(blank=True)
    licence_note = models.TextField(help_text="Who may see the figures, and on what terms.")
    source_files = models.TextField(blank=True, help_text="The files read, one per line.")
    source_sha256 = models.CharField(
        max_length=64,
        blank=True,
        help_text="Checksum of an imported table's file; the same file is imported once.",
    )
    build_report = models.JSONField(
        default=dict, blank=True, help_text="What a build read and skipped, and why; shown in the admin."
    )
    is_default = models.BooleanField(
        default=False, help_text="The set a user is compared against unless they choose another."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-year", "name", "-id"]
        constraints = [
            # "Exactly one" is kept by the services, which move the mark in one transaction;
            # the database guarantees the "at most" half even under concurrent writes.
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="at_most_one_default_benchmark_set"
            ),
            models.UniqueConstraint(
                fields=["source_sha256"],
                condition=~Q(source_sha256=""),
                name="one_benchmark_set_per_imported_file",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_licensed(self) -> bool:
        return self.kind == self.Kind.LICENSED


class BenchmarkPoint(models.Model):
    """Annual wRVU percentiles of one specialty (blank stage and region: all of them)."""

    benchmark_set = models.ForeignKey(BenchmarkSet, on_delete=models.CASCADE, related_name="points")
    specialty = models.CharField(max_length=100, help_text="As CMS names provider types.")
    career_stage = models.CharField(max_length=40, blank=True, help_text="Blank: every stage.")
    region = models.CharField(max_length=60, blank=True, help_text="Blank: national.")
    p10 = models.DecimalField(max_digits=10, decimal_places=2)
    p25 = models.DecimalField(max_digits=10, decimal_places=2)
    p50 = models.DecimalField(max_digits=10, decimal_places=2)
    p75 = models.DecimalField(max_digits=10, decimal_places=2)
    p90 = models.DecimalField(max_digits=10, decimal_places=2)
    provider_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["specialty", "career_stage", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["benchmark_set", "specialty", "career_stage", "region"],
                name="one_benchmark_point_per_specialty_stage_region",
            ),
            models.CheckConstraint(
                condition=Q(
                    p10__gte=0, p25__gte=F("p10"), p50__gte=F("p25"), p75__gte=F("p50"), p90__gte=F("p75")
                ),
                name="benchmark_percentiles_ascend",
            ),
        ]

    def __str__(self) -> str:
        narrowed = ", ".join(filter(None, [self.career_stage, self.region]))
        return f"{self.specialty} ({narrowed})" if narrowed else self.specialty


class BenchmarkCodeUse(models.Model):
    """Which specialties billed a code, by services, in the files a set was built from.

    Kept with the set, top five per code: a code's public page names the specialties that use it.
    """

    benchmark_set = models.ForeignKey(BenchmarkSet, on_delete=models.CASCADE, related_name="code_uses")
    code = models.CharField(
        max_length=5, help_text="As the file prints it; not every code is in the catalog."
    )
    specialty = models.CharField(max_length=100)
    services = models.DecimalField(max_digits=18, decimal_places=2)
    providers = models.PositiveIntegerField(help_text="Individual providers of the specialty who billed it.")

    class Meta:
        ordering = ["code", "-services", "specialty"]
        constraints = [
            models.UniqueConstraint(
                fields=["benchmark_set", "code", "specialty"], name="one_code_use_per_set_code_specialty"
            )
        ]
        indexes = [models.Index(fields=["code"], name="benchmark_code_use_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.specialty}"
