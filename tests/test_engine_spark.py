"""The same analysis on PySpark local[2] as on embedded DuckDB (SPEC §11).

Needs the ``spark`` extra (pyspark) and Java 17. Without them the test skips, unless
``KLANT_XL_REQUIRE_SPARK=1`` (set by ``.ci/run``): then a missing Spark is a failure.
"""

from __future__ import annotations

import os
import shutil
import sys

import pandas as pd
import pytest

import klant_xl
from klant_xl.sample import sample_contacts, sample_transactions

pytestmark = pytest.mark.slow


def _missing(reason: str):
    if os.environ.get("KLANT_XL_REQUIRE_SPARK") == "1":
        pytest.fail(f"Spark is vereist maar {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _missing("pyspark is niet geïnstalleerd (pip install -e '.[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _missing("Java (17) is niet gevonden")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers use this venv, not the first python3
    session = (
        SparkSession.builder.master("local[2]")
        .appName("klant_xl-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_gives_the_same_analysis_as_duckdb(spark):
    import ibis

    tx, contacts = sample_transactions().reset_index(drop=True), sample_contacts()
    con = ibis.pyspark.connect(spark)
    spark.createDataFrame(tx).createOrReplaceTempView("klant_xl_transacties")  # no warehouse files
    table = con.table("klant_xl_transacties")
    on_spark = klant_xl.analyse(table, contacts)
    on_duckdb = klant_xl.analyse(tx, contacts)
    assert on_spark.reference_date == on_duckdb.reference_date
    pd.testing.assert_series_equal(on_spark.status, on_duckdb.status)
    assert on_spark.status_counts().to_dict() == on_duckdb.status_counts().to_dict()
    assert on_spark.repeat_rate == on_duckdb.repeat_rate
    assert (on_spark.inactive_days, on_spark.lost_days) == (on_duckdb.inactive_days, on_duckdb.lost_days)
    assert on_spark.thresholds.return_share == on_duckdb.thresholds.return_share
    assert on_spark.churn_last_year == on_duckdb.churn_last_year
    pd.testing.assert_frame_equal(on_spark.winback_report["per kwartaal"], on_duckdb.winback_report["per kwartaal"])
    pd.testing.assert_frame_equal(on_spark.segments["cohorts"], on_duckdb.segments["cohorts"])
    pd.testing.assert_frame_equal(on_spark.summary, on_duckdb.summary, check_exact=False, rtol=1e-12)
    # the sample's published facts (tests/test_sample.py) hold on Spark too
    assert on_spark.summary["Aankopen"].sum() == on_duckdb.summary["Aankopen"].sum()
