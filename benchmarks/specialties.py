"""Benchmark specialties by the names a profile uses (CMS provider types), however a source spells them.

CMS has respelled some provider types over the years ("Obstetrics/Gynecology", "Obstetrics &
Gynecology"), so names are matched on their letters and digits alone, without "and".
"""

import re

from accounts.specialties import CMS_PROVIDER_SPECIALTIES

NOT_LETTERS = re.compile(r"[^0-9a-z]+")
AND_WORD = re.compile(r"\band\b")


def specialty_key(name: str) -> str:
    return NOT_LETTERS.sub("", AND_WORD.sub(" ", name.casefold().replace("&", " ")))


PROFILE_SPECIALTY_BY_KEY = {specialty_key(name): name for name in CMS_PROVIDER_SPECIALTIES}


def profile_specialty(name: str) -> str | None:
    """The profile's name for `name`, or None when no profile specialty matches it."""
    return PROFILE_SPECIALTY_BY_KEY.get(specialty_key(name))
