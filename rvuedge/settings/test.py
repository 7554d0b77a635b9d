"""Test runs: fast password hashing, quiet logs, uploads in a temporary folder.

DATABASE_URL decides the database; the test command points it at PostgreSQL.
"""

import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="rvuedge-test-media-")
LOGGING["root"]["level"] = "ERROR"  # noqa: F405
