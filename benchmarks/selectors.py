"""Reads of benchmark sets: which sets a caller may see, and the one compared against by default."""

from django.db.models import Count, QuerySet

from .models import BenchmarkPoint, BenchmarkSet


def benchmark_sets_visible_to(user) -> QuerySet[BenchmarkSet]:
    """Sets built from public data for anyone; licensed tables for signed-in users only.

    A licensed survey belongs to the customer who bought it: its figures stay behind the sign-in.
    """
    sets = BenchmarkSet.objects.select_related("release").annotate(point_count=Count("points"))
    sets = sets.order_by(*BenchmarkSet._meta.ordering)  # a GROUP BY query ignores Meta.ordering
    if not user.is_authenticated:
        sets = sets.filter(kind=BenchmarkSet.Kind.PUBLIC_DATA)
    return sets


def benchmark_set_default() -> BenchmarkSet | None:
    """The set marked default; should none be (its set was deleted), the newest one."""
    marked = BenchmarkSet.objects.filter(is_default=True).first()
    return marked or BenchmarkSet.objects.order_by("-created_at", "-id").first()


def benchmark_set_points(benchmark_set: BenchmarkSet) -> QuerySet[BenchmarkPoint]:
    return benchmark_set.points.order_by("specialty", "career_stage", "region")
