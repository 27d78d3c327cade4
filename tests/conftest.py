"""Shared fixtures. Test data live in tests/data/ (see its README)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# No deadline for any hypothesis test: time is measured by bench/, and on a loaded 2-core CI machine
# a 200 ms deadline failed a correct example (test_exports, 256 ms once, 147 ms on the rerun).
settings.register_profile("klant_xl", deadline=None)
settings.load_profile("klant_xl")

# The engine's compiled SQL that the command line keeps between runs goes to a folder of the test run,
# never to the cache of the person running the tests (klant_xl.query_cache).
os.environ["KLANT_XL_CACHE"] = tempfile.mkdtemp(prefix="klant_xl_cache_")

DATA = Path(__file__).parent / "data"
CDNOW = DATA / "cdnow"


@pytest.fixture
def soffice():
    """Path of LibreOffice's soffice; skips without it unless KLANT_XL_REQUIRE_SOFFICE=1."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        if os.environ.get("KLANT_XL_REQUIRE_SOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is vereist maar niet gevonden")
        pytest.skip("LibreOffice (soffice) not installed")
    return path
