"""Every bench runs as the README says (``python bench/NAME.py``), from the repository root, on a
small size: it prints its table. Nothing here is timed; the numbers are the benches' business."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: bench -> (small-size arguments, a line its table must print)
RUNS = {
    "core.py": (["--sizes", "2000", "--no-apply-at-1m"], "duckdb"),
    "engine.py": (["--rows", "20000", "--repeats", "1", "--spark-max-rows", "0", "--formats", "parquet", "csv"],
                  "klant-xl analyse"),
    "udfs.py": (["--rows", "5000", "--runs", "1"], "KLANTSTATUS_TABEL"),
    "refresh.py": (["2000"], "vs calamine"),
    "export.py": (["--rows", "3000", "--repeats", "1"], "klant-xl analyse -o"),
}


def test_every_bench_in_the_readme_is_run_here():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = {line.split("bench/")[1].split(".py")[0] + ".py" for line in readme.splitlines()
             if "python bench/" in line}
    assert named - {"models.py"} == set(RUNS)  # models.py fits CDNOW (minutes): run by hand


@pytest.mark.slow
@pytest.mark.parametrize("bench", sorted(RUNS))
def test_bench_runs_as_the_readme_says(bench, tmp_path):
    arguments, expected = RUNS[bench]
    if bench in ("engine.py", "export.py"):
        arguments = [*arguments, "--dir", str(tmp_path)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # a fresh checkout has none set
    done = subprocess.run([sys.executable, f"bench/{bench}", *arguments], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout, done.stdout[-2000:]
    assert "mislukt" not in done.stdout, done.stdout[-2000:]
