"""Issue 15, Windows day one: what `pip install klant-xl` brings (the template, the ribbon add-in and the
Run-main module as package data), and the add-in config the VBA reads (ANSI code page, Conda settings)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from klant_xl.excel.addin import addin_settings, conda_settings, write_addin_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                             "-q", "-w", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return next(out.glob("klant_xl-*.whl"))


@pytest.mark.slow
def test_wheel_holds_template_addin_and_run_main_module(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in ("klantanalyse.xlsm", "klant_xl.xlam", "klantanalyse.py"):
            assert f"klant_xl/workbook/{name}" in names, name
            assert archive.read(f"klant_xl/workbook/{name}") == (ROOT / "workbook" / name).read_bytes(), name


@pytest.mark.slow
def test_installed_package_finds_its_workbook_without_a_source_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from klant_xl.excel.template import bundled_path, write_run_main_module; "
            "print(bundled_path('klantanalyse.xlsm')); print(write_run_main_module(sys.argv[2]))")
    result = subprocess.run([sys.executable, "-c", code, str(site), str(tmp_path / "winkel.xlsm")],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    found, module = result.stdout.split()
    assert Path(found) == site / "klant_xl" / "workbook" / "klantanalyse.xlsm"
    bundled = (ROOT / "workbook" / "klantanalyse.py").read_text(encoding="utf-8")
    # the module names the workbook it sits beside (its messages say 'klant-xl vernieuw winkel.xlsm')
    assert Path(module).read_text(encoding="utf-8") == \
        bundled.replace("klantanalyse.xlsm", "winkel.xlsm").replace("klantanalyse.py", "winkel.py")


def test_config_round_trips_a_non_ascii_path_in_the_ansi_code_page(tmp_path):
    config = tmp_path / ".klant_xl" / "klant_xl.conf"
    python = r"C:\Users\Daniël\AppData\Local\Programs\Python\Python312\python.exe"
    write_addin_config({"INTERPRETER_WIN": python}, config, encoding="cp1252")
    data = config.read_bytes()
    assert b"Dani\xebl" in data  # one byte per character, as VBA's Line Input reads it in cp1252
    assert data.decode("cp1252") == f'"INTERPRETER_WIN","{python}"\r\n'
    # a second write keeps other lines and replaces the key
    write_addin_config({"INTERPRETER_WIN": python.replace("312", "313"), "CONDA ENV": "base"}, config,
                       encoding="cp1252")
    lines = config.read_bytes().decode("cp1252").splitlines()
    assert lines == [f'"INTERPRETER_WIN","{python.replace("312", "313")}"', '"CONDA ENV","base"']


def test_a_path_the_code_page_cannot_hold_is_refused_with_a_dutch_message(tmp_path):
    from klant_xl.errors import WerkmapFout

    with pytest.raises(WerkmapFout, match="codepagina cp1252"):
        write_addin_config({"INTERPRETER_WIN": r"C:\Users\王\python.exe"}, tmp_path / "a.conf", encoding="cp1252")
    assert not (tmp_path / "a.conf").exists()


def test_conda_settings_written_when_python_runs_from_conda(tmp_path):
    base = tmp_path / "miniconda3"
    (base / "conda-meta").mkdir(parents=True)
    (base / "condabin").mkdir()
    env = base / "envs" / "winkel"
    (env / "conda-meta").mkdir(parents=True)
    assert conda_settings(base, {}) == {"CONDA PATH": str(base), "CONDA ENV": "base"}
    assert conda_settings(env, {}) == {"CONDA PATH": str(base), "CONDA ENV": "winkel"}
    assert conda_settings(tmp_path, {}) == {}  # python.org Python: no Conda settings
    settings = addin_settings(r"C:\x\python.exe", "win32", env, {})
    assert settings == {"INTERPRETER_WIN": r"C:\x\python.exe", "CONDA PATH": str(base), "CONDA ENV": "winkel"}


def test_the_addin_config_has_klant_xl_s_own_name(tmp_path):
    from klant_xl.excel.addin import addin_config_path

    # where the add-in's VBA GetConfigFilePath looks once PROJECT_NAME is "klant_xl"
    assert addin_config_path("win32", tmp_path) == tmp_path / ".klant_xl" / "klant_xl.conf"
    assert addin_config_path("darwin", tmp_path) == \
        tmp_path / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "klant_xl.conf"
