"""Build hook: the wheel carries the workbook folder as package data (``klant_xl/workbook/``).

The template ``klantanalyse.xlsm``, the ribbon add-in ``klant_xl.xlam`` and the Run-main module
``klantanalyse.py`` live in the repository's ``workbook/`` folder (where the tests and the template
generator keep them); ``pip install klant-xl`` must bring them along, because the README's Excel
steps open them. Everything else is configured in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: Files of workbook/ that go into the wheel.
WORKBOOK_FILES = ("klantanalyse.xlsm", "klant_xl.xlam", "klantanalyse.py", "README.md")


class BuildWithWorkbook(build_py):
    """build_py that also copies workbook/ into klant_xl/workbook/ of the build."""

    def run(self):
        super().run()
        source = Path(__file__).resolve().parent / "workbook"
        target = Path(self.build_lib) / "klant_xl" / "workbook"
        target.mkdir(parents=True, exist_ok=True)
        for name in WORKBOOK_FILES:
            if (source / name).exists():
                shutil.copyfile(source / name, target / name)


setup(cmdclass={"build_py": BuildWithWorkbook})
