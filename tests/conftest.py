"""Shared fixtures. Test data live in tests/data/ (see its README)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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
