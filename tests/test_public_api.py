"""Keep the curated public API honest (httpx style)."""

import subprocess
import sys
import types

import klant_xl


def test_all_is_sorted_and_complete():
    assert klant_xl.__all__ == sorted(klant_xl.__all__)
    for name in klant_xl.__all__:
        assert hasattr(klant_xl, name), name
    public = {
        name
        for name, value in vars(klant_xl).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(klant_xl.__all__) - {"__version__"}


def test_every_error_is_a_klant_xl_error():
    for name in klant_xl.__all__:
        value = getattr(klant_xl, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, klant_xl.KlantXLError)


def test_core_import_does_not_load_excel_libraries():
    code = "import sys, klant_xl; print(sorted(m for m in ('xlwings', 'openpyxl') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_models_package_offers_what_predict_offers():
    from klant_xl import models
    from klant_xl.models import predict

    assert models.__all__ == predict.__all__
    assert all(getattr(models, name) is getattr(predict, name) for name in models.__all__)
    assert models.sbg.project_cohorts.__module__ == "klant_xl.models.sbg"


def test_the_models_and_scipy_load_when_first_used():
    # the command line imports them on a thread while it reads the file (load_models_beside)
    code = ("import sys, klant_xl.cli; print('scipy' in sys.modules); "
            "print('predict_customers' in dir(klant_xl), 'predict_customers' in dir(klant_xl.models)); "
            "klant_xl.predict_customers; print('scipy' in sys.modules); "
            "from klant_xl import *; print(predict_customers.__module__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True", "True", "True", "klant_xl.models.predict"]
