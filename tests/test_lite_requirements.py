"""Every requirement of the Lite workbook installs in xlwings Lite: Pyodide 0.27.5 ships it, or it is a
pure-Python wheel (SPEC §12). Pyodide's package list and the wheels checked are in tests/data/lite/ (README).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from klant_xl.excel.lite_workbook import PYODIDE_VERSION, requirements_text

ROOT = Path(__file__).resolve().parent.parent
LITE = Path(__file__).parent / "data" / "lite"
LOCK = json.loads((LITE / "pyodide-0.27.5-lock.json").read_text(encoding="utf-8"))
PYODIDE = {canonicalize_name(name): entry for name, entry in LOCK["packages"].items()}
PURE = {}
for line in (LITE / "pure-wheels.txt").read_text(encoding="utf-8").splitlines():
    if line and not line.startswith("#"):
        project, wheel, _sha = line.split()
        PURE[canonicalize_name(project)] = wheel

#: Pyodide in xlwings Lite, as packaging's markers see it (what micropip evaluates).
PYODIDE_ENVIRONMENT = {**default_environment(), "sys_platform": "emscripten", "platform_system": "Emscripten",
                       "python_version": "3.12", "python_full_version": "3.12.7", "implementation_name": "cpython"}


def _requirements() -> list[Requirement]:
    return [Requirement(line.split("#")[0].strip()) for line in requirements_text().splitlines() if line.strip()]


def _resolves(requirement: Requirement) -> str:
    """Where micropip finds it: 'pyodide' or 'wheel'; fails with the reason otherwise."""
    name = canonicalize_name(requirement.name)
    if name in PYODIDE:
        version = PYODIDE[name]["version"]
        assert not requirement.specifier or requirement.specifier.contains(version), (
            f"{requirement}: Pyodide {PYODIDE_VERSION} ships {version}; a Pyodide package must not be pinned otherwise")
        return "pyodide"
    assert name in PURE, f"{requirement}: neither in Pyodide {PYODIDE_VERSION} nor a known pure-Python wheel"
    wheel = PURE[name]
    assert re.search(r"-py[23.]*(py3)?-none-any\.whl$", wheel), wheel
    version = wheel.split("-")[1]
    assert not requirement.specifier or requirement.specifier.contains(version), (requirement, wheel)
    return "wheel"


def test_package_list_is_pyodide_0_27_5():
    assert LOCK["info"]["version"] == PYODIDE_VERSION == "0.27.5"
    assert LOCK["info"]["python"] == "3.12.7"
    # what SPEC §12 says Pyodide 0.27.5 ships, and what it does not
    assert {n: PYODIDE[n]["version"] for n in ("numpy", "pandas", "scipy", "duckdb", "pyarrow", "polars")} == {
        "numpy": "2.0.2", "pandas": "2.2.3", "scipy": "1.14.1", "duckdb": "1.1.2", "pyarrow": "18.1.0",
        "polars": "1.18.0"}
    assert "rich" in PYODIDE
    assert not {"python-calamine", "openpyxl", "ibis-framework"} & set(PYODIDE)


@pytest.mark.parametrize("requirement", _requirements(), ids=str)
def test_every_lite_requirement_resolves(requirement):
    if canonicalize_name(requirement.name) == "klant-xl":
        return  # klant-xl itself: the next two tests
    _resolves(requirement)


def test_requirements_pin_the_xlwings_this_project_pins():
    pinned = {canonicalize_name(r.name): str(r.specifier) for r in _requirements()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert pinned["xlwings"] in [str(Requirement(d).specifier) for d in project["dependencies"]
                                 if Requirement(d).name == "xlwings"]
    from klant_xl import __version__

    assert pinned["klant-xl"] == f"=={__version__}"


def test_klant_xl_is_a_pure_python_wheel():
    compiled = [p for p in (ROOT / "klant_xl").rglob("*") if p.suffix in (".so", ".pyd", ".c", ".pyx", ".dll")]
    assert compiled == []
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "ext-modules" not in pyproject and "ext_modules" not in pyproject


def test_klant_xl_dependencies_install_in_pyodide():
    """micropip installs klant-xl's own dependencies too; in Pyodide the markers leave out python-calamine."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(d) for d in project["dependencies"]]
    in_lite = [r for r in wanted if r.marker is None or r.marker.evaluate(PYODIDE_ENVIRONMENT)]
    assert "python-calamine" in {r.name for r in wanted}
    assert "python-calamine" not in {r.name for r in in_lite}
    where = {r.name: _resolves(r) for r in in_lite}
    assert where["pandas"] == "pyodide" and where["xlwings"] == "wheel"
