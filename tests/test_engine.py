"""The transaction engine (klant_xl.engine): one set of Ibis expressions, the same answers on every input.

The pandas path (embedded DuckDB, compiled SQL cached), an Ibis table on DuckDB (the generic Ibis
runner any backend uses) and a Parquet file scanned by DuckDB must agree with each other and with
oracles written here by hand.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import klant_xl
from klant_xl.engine import TransactionEngine
from klant_xl.errors import WaardeFout
from klant_xl.sample import sample_contacts, sample_transactions
from klant_xl.status import kaplan_meier, time_between_purchases

ibis = pytest.importorskip("ibis")


def frame(rows):
    out = pd.DataFrame(rows, columns=["Klant", "Datum", "Bedrag", "Product"])
    out["Datum"] = pd.to_datetime(out["Datum"])
    return out


HAND = frame([
    ("a", "2026-01-01", 10.0, "schoen"),
    ("a", "2026-01-01", 5.0, "riem"),
    ("a", "2026-01-11", 20.0, "tas"),
    ("a", "2026-01-15", -20.0, "tas"),
    ("a", "2026-02-10", 30.0, "schoen"),
    ("b", "2026-01-21", 7.5, "riem"),
    ("c", "2026-01-05", -3.0, "tas"),
])


def test_gap_histogram_by_hand():
    # a: occasions 01-01, 01-11, 02-10 -> observed 10 and 30, censored 10 (02-10 -> 02-20)
    # b: censored 30 (01-21 -> 02-20); c has no purchase
    histogram = TransactionEngine(HAND, "2026-02-20").gap_histogram()
    assert histogram.values.tolist() == [[10, False, 1], [10, True, 1], [30, False, 1], [30, True, 1]]


def test_histogram_kaplan_meier_equals_gap_by_gap():
    durations = [1, 2, 2, 3, 4, 4, 4]
    observed = [True, True, False, True, False, True, True]
    one_by_one = kaplan_meier(durations, observed)
    counted = kaplan_meier([1, 2, 2, 3, 4, 4], [True, True, False, True, False, True], [1, 1, 1, 1, 1, 2])
    pd.testing.assert_frame_equal(one_by_one, counted)


def test_time_between_purchases_percentiles_match_numpy():
    tx = sample_transactions()
    gaps = []
    for _, days in tx[tx["Bedrag"] >= 0].groupby("Klant")["Datum"]:
        unique = np.sort(days.dt.normalize().unique())
        gaps.extend(np.diff(unique).astype("timedelta64[D]").astype(int))
    stats = time_between_purchases(tx)
    p10, p50, p90 = np.percentile(gaps, [10, 50, 90])
    assert stats["aantal"] == len(gaps)
    assert stats["mediaan"] == p50 and stats["p10"] == p10 and stats["p90"] == p90
    assert stats["gemiddelde"] == pytest.approx(np.mean(gaps), rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.booleans()), min_size=1, max_size=40))
def test_histogram_percentiles_equal_numpy(values):
    from klant_xl.status import _histogram_percentiles

    days = np.array([v for v, _ in values])
    uniq, counts = np.unique(days, return_counts=True)
    assert _histogram_percentiles(uniq, counts, [10, 25, 50, 75, 90]) == list(
        np.percentile(days.astype(float), [10, 25, 50, 75, 90]))


def _same_analysis(a, b):
    pd.testing.assert_series_equal(a.status, b.status)
    assert a.repeat_rate == b.repeat_rate
    assert (a.inactive_days, a.lost_days) == (b.inactive_days, b.lost_days)
    assert a.churn_last_year == b.churn_last_year
    pd.testing.assert_frame_equal(a.segments["cohorts"], b.segments["cohorts"])
    pd.testing.assert_frame_equal(a.winback_report["per kwartaal"], b.winback_report["per kwartaal"])
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=False, rtol=1e-12)


def test_ibis_table_gives_the_same_analysis_as_the_frame():
    tx, contacts = sample_transactions(), sample_contacts()
    con = ibis.duckdb.connect()
    table = con.create_table("transacties", ibis.memtable(tx.reset_index(drop=True)))
    from_frame = klant_xl.analyse(tx, contacts)
    from_table = klant_xl.analyse(table, contacts)
    _same_analysis(from_frame, from_table)
    first = from_frame.summary.index[0]
    assert from_table.summary.loc[first, "Eerste product"] == from_frame.summary.loc[first, "Eerste product"]


def test_parquet_file_scanned_by_duckdb(tmp_path: Path):
    tx = sample_transactions().reset_index(drop=True)
    path = tmp_path / "transacties.parquet"
    tx.to_parquet(path)
    from klant_xl.sources import parquet_transactions

    engine = parquet_transactions(path)
    assert engine.backend_name == "duckdb"
    pd.testing.assert_frame_equal(engine.summary(), klant_xl.customer_summary(tx), check_exact=False, rtol=1e-12)


def test_summary_is_sorted_and_complete_on_random_data():
    rng = np.random.default_rng(3)
    n = 5000
    tx = pd.DataFrame({
        "Klant": rng.integers(0, 400, n).astype(str),
        "Datum": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
        "Bedrag": np.round(rng.normal(40, 30, n), 2),
    })
    summary = klant_xl.customer_summary(tx, "2025-06-30")
    kept = tx[tx["Datum"] <= "2025-06-30"]
    assert summary.index.tolist() == sorted(kept["Klant"].unique())
    occasions = kept[kept["Bedrag"] >= 0].drop_duplicates(["Klant", "Datum"]).groupby("Klant").size()
    assert summary["Aankopen"].to_dict() == occasions.reindex(summary.index, fill_value=0).to_dict()
    medians = kept[kept["Bedrag"] >= 0].drop_duplicates(["Klant", "Datum"]).sort_values("Datum").groupby(
        "Klant")["Datum"].apply(lambda d: d.diff().dt.days.dropna().median())
    np.testing.assert_array_equal(summary["Mediaan dagen tussen aankopen"].to_numpy(),
                                  medians.reindex(summary.index).to_numpy())


def test_compiled_sql_is_reused_for_a_new_table():
    from klant_xl import engine

    TransactionEngine(HAND, "2026-02-20").summary()
    before = len(engine._SQL)
    TransactionEngine(HAND.assign(Klant=HAND["Klant"] + "x"), "2026-02-27").summary()
    assert len(engine._SQL) == before


def test_compiled_sql_is_cached_per_kind_of_value():
    # the cache was keyed by the names of the values only: an int placeholder's SQL reused for a float
    # value kept the float's sentinel (-918273645.5) in the query instead of the value
    from klant_xl import engine

    def build(tables, values):
        table = tables["transacties"]
        return table.filter(table.dag > values["grens"]).select("Klant")

    runner = engine._DuckDBRunner()

    def sql(values):
        return runner._sql(runner._cache_key("test_kind_of_value", values, {}), build, values, {})

    as_int = sql({"grens": 20000})
    as_float = sql({"grens": 20000.5})
    assert "20000" in as_int and "20000.5" in as_float
    assert "918273645" not in as_float and "9182736450" not in as_int


def test_the_same_transactions_give_the_same_summary_every_time():
    """Float sums depend on the order they are added in; with DuckDB's threads that order changed
    from run to run: on the bundled sample one customer's revenue of 49.95 - 49.95 was 0 in some runs
    and -1.4e-14 in others (with two threads 4 of 20 summaries differed from the first). Money is now
    summed as exact decimals, so four threads give twenty equal summaries."""
    from klant_xl.engine import _duckdb  # noqa: PLC2701 - the engine's own connection
    from klant_xl.reading import read_transactions
    from klant_xl.summary import customer_summary

    transactions = read_transactions(Path(klant_xl.__file__).parent / "data" / "voorbeeld_transacties.csv")
    connection = _duckdb()
    threads = connection.execute("SELECT current_setting('threads')").fetchone()[0]
    connection.execute("SET threads = 4")
    try:
        first = customer_summary(transactions)
        for _ in range(20):
            pd.testing.assert_frame_equal(customer_summary(transactions), first, check_exact=True)
    finally:
        connection.execute(f"SET threads = {threads}")
    assert first.loc["K10137", "Omzet"] == 0.0  # 82.95 - 82.95


def test_amounts_are_added_up_exactly():
    frame = pd.DataFrame({"Klant": ["a", "a", "a", "b", "b", "b"],
                          "Datum": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"] * 2),
                          "Bedrag": [0.1, 0.2, -0.3, 12.34, 12.34, 12.34]})
    assert 0.1 + 0.2 - 0.3 != 0.0 and 12.34 + 12.34 + 12.34 != 37.02  # what float sums give
    summary = klant_xl.customer_summary(frame)
    assert summary.loc["a", "Omzet"] == 0.0
    assert summary.loc["b", "Omzet"] == 37.02
    assert summary.loc["b", "Gem. bestelwaarde"] == 37.02 / 3  # revenue / purchases


@pytest.mark.parametrize("amount", [1e15, -2.5e18, 1e300])
def test_an_amount_too_large_to_add_up_is_refused_with_its_row(amount):
    frame = pd.DataFrame({"Klant": ["a", "b"], "Datum": pd.to_datetime(["2026-01-01", "2026-01-02"]),
                          "Bedrag": [10.0, amount]}, index=pd.Index([2, 3], name="Rij"))
    with pytest.raises(WaardeFout) as caught:
        klant_xl.customer_summary(frame)
    assert caught.value.row == 3 and "te groot voor een bedrag" in str(caught.value)


def test_a_file_with_an_amount_too_large_names_the_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Klant;Datum;Bedrag\nK1;01-02-2026;12,50\nK2;02-02-2026;1.000.000.000.000.000\n", encoding="utf-8")
    from klant_xl.reading import read_transactions

    with pytest.raises(WaardeFout) as caught:
        read_transactions(path)
    assert caught.value.row == 3
    assert str(caught.value) == ("Bedrag in rij 3 is te groot voor een bedrag (klant_xl rekent met bedragen "
                                 "onder 10^15): '1.000.000.000.000.000'")




@settings(max_examples=60)
@given(purchases=st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 60)), min_size=1, max_size=25),
       boundaries=st.lists(st.integers(-5, 70), min_size=1, max_size=6, unique=True),
       inactive=st.one_of(st.floats(-3, 80), st.sampled_from([0.0, 0.5, 10.0, 10.999, float("inf"), float("nan")])))
def test_activity_at_boundaries_is_a_purchase_within_the_inactive_days(purchases, boundaries, inactive):
    # oracle: active at b when some day a of the customer has 0 <= b - a <= inactive, counted among buyers
    # by (first day, pattern)
    start = pd.Timestamp("2026-01-01")
    frame = pd.DataFrame({"Klant": [k for k, _ in purchases], "Bedrag": 1.0,
                          "Datum": [start + pd.Timedelta(days=d) for _, d in purchases]})
    engine = TransactionEngine(frame, reference_date=start + pd.Timedelta(days=80))
    base = int((start - pd.Timestamp("1970-01-01")).days)
    profile = engine.activity([base + b for b in boundaries], inactive)
    days_of = {}
    for k, d in purchases:
        days_of.setdefault(k, set()).add(d)
    expected = {}
    for k, days in days_of.items():
        pattern = tuple(any(0 <= b - a <= inactive for a in days) for b in sorted(boundaries))
        key = (base + min(days), pattern)
        expected[key] = expected.get(key, 0) + 1
    marks = [f"a{j}" for j in range(len(boundaries))]
    got = {(int(row["eerste"]), tuple(bool(row[m]) for m in marks)): int(row["n"])
           for _, row in profile.counts.iterrows()}
    assert got == expected


def test_the_models_fitted_on_their_own_thread_give_the_same_analysis(monkeypatch):
    import klant_xl.analysis as analysis

    transactions = sample_transactions()
    threaded = klant_xl.analyse(transactions).to_dict()

    class Inline:  # as where no thread can start (Pyodide)
        def __init__(self, function, threaded=True):
            self.function = function

        def result(self):
            return self.function()

    monkeypatch.setattr(analysis, "Beside", Inline)
    assert klant_xl.analyse(transactions).to_dict() == threaded
    assert threaded["voorspelling"]["parameters"]["r"] == pytest.approx(5.9322, abs=1e-4)


def test_a_thread_that_cannot_start_computes_in_place(monkeypatch):
    import threading

    from klant_xl.concurrency import Beside

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    assert Beside(lambda: 42).result() == 42
    with pytest.raises(ZeroDivisionError):
        Beside(lambda: 1 / 0).result()
    monkeypatch.undo()
    with pytest.raises(ZeroDivisionError):  # an error on the thread is raised by result()
        Beside(lambda: 1 / 0).result()


def test_the_shells_ask_openblas_for_one_thread_unless_the_user_chose(monkeypatch):
    import os
    import sys

    from klant_xl.concurrency import one_blas_thread

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setitem(sys.modules, "scipy", None)  # scipy imported already: OpenBLAS has read the variable
    one_blas_thread()
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    monkeypatch.delitem(sys.modules, "scipy")
    one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "3"


def test_the_fit_of_a_shell_runs_openblas_on_one_thread(tmp_path):
    # A fresh interpreter as `klant-xl analyse` starts: load_models_beside before scipy is imported.
    # scipy's OpenBLAS then reports a pool of one (else one per core, spinning beside the fit).
    import os
    import subprocess
    import sys

    script = (
        "import ctypes, glob, os\n"
        "from klant_xl.analysis import load_models_beside\n"
        "load_models_beside().result()\n"
        "import scipy.optimize\n"
        "lib = ctypes.CDLL(glob.glob(os.path.join(os.path.dirname(scipy.__file__), os.pardir, 'scipy.libs',"
        " '*openblas*'))[0])\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'), lib.scipy_openblas_get_num_threads())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["1", "1"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=6), max_size=40), st.booleans())
def test_customer_codes_follow_pythons_order_of_the_ids(texts, arrow_backed):
    # the engine's codes sort as the ids do (by code point), whether Arrow or Python sorts them
    from klant_xl.engine import CustomerKeys

    ids = pd.Series(texts, dtype=str) if arrow_backed else pd.Series(texts, dtype=object)
    keys = CustomerKeys(ids)
    assert keys.ids.tolist() == sorted(set(texts))
    codes = keys.codes.to_numpy(dtype=float, na_value=np.nan)
    assert [keys.ids[int(c)] for c in codes] == texts


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from([" K1", "K1 ", "k1", "A@b.NL", "a@B.nl", "", " ", "x"]),
                          st.text(max_size=4)), max_size=30))
def test_customer_id_codes_give_the_ids_customer_ids_gives(cells):
    from klant_xl.values import customer_id_codes, customer_ids, id_text_column, ids_of_codes

    column = pd.Series(cells, dtype=object)
    codes, ids = customer_id_codes(column)
    expected = customer_ids(column)
    assert ids_of_codes(codes, ids).tolist() == expected.tolist()
    assert len(set(ids.tolist())) == len(ids)  # one code per id
    pd.testing.assert_series_equal(id_text_column(codes, ids), pd.Series(expected, dtype=str))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=5), st.integers(0, 40), st.integers(-5, 50)), min_size=1, max_size=30),
       st.lists(st.text(max_size=5), max_size=4))
def test_the_engine_keys_the_reader_s_coded_ids_as_it_keys_their_texts(rows, unused):
    # a column the reader built from codes (id_text_column) reaches the engine with its codes: the
    # same summary as the same ids typed as plain texts, ids no row uses left out
    from klant_xl.values import id_codes_of, id_text_column

    texts = [text for text, _, _ in rows]
    ids = list(dict.fromkeys(unused + texts))  # distinct, some without a row, not sorted
    codes = np.array([ids.index(text) for text in texts], dtype=np.int64)
    dates = pd.Timestamp("2026-01-01") + pd.to_timedelta([day for _, day, _ in rows], unit="D")
    amounts = [float(amount) for _, _, amount in rows]
    coded = pd.DataFrame({"Klant": id_text_column(codes, np.array(ids, dtype=object)), "Datum": dates,
                          "Bedrag": amounts})
    assert id_codes_of(coded["Klant"]) is not None
    plain = pd.DataFrame({"Klant": pd.Series(texts, dtype=object), "Datum": dates, "Bedrag": amounts})
    summary = TransactionEngine(coded).summary()
    assert summary.index.tolist() == sorted(set(texts))
    pd.testing.assert_frame_equal(summary, TransactionEngine(plain).summary())


def test_an_id_column_someone_changed_is_factorised_again():
    from klant_xl.values import id_codes_of, id_text_column

    transactions = pd.DataFrame({"Klant": id_text_column(np.array([0, 1, 0]), np.array(["b", "a"], dtype=object)),
                                 "Datum": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"]),
                                 "Bedrag": [1.0, 2.0, 4.0]})
    transactions.loc[2, "Klant"] = "c"  # the third line is someone else's now
    assert id_codes_of(transactions["Klant"]) is None
    summary = TransactionEngine(transactions).summary()
    assert summary["Omzet"].to_dict() == {"a": 2.0, "b": 1.0, "c": 4.0}


@pytest.mark.parametrize("blank", [None, np.nan, pd.NA])
def test_a_frame_row_without_a_customer_is_named_not_a_traceback(blank):
    dates = pd.to_datetime(["2026-01-01", "2026-01-05", "2026-01-09"])
    lines = pd.DataFrame({"Klant": ["a", blank, "b"], "Datum": dates, "Bedrag": [1.0, 2.0, 3.0]},
                         index=pd.Index([2, 3, 4], name="Rij"))
    with pytest.raises(WaardeFout, match=r"^Klant in rij 3 is leeg: elke regel hoort bij een klant\.$"):
        TransactionEngine(lines)
    with pytest.raises(WaardeFout, match=r"^Klant in rij 2 is leeg"):  # every id blank: no IndexError
        TransactionEngine(lines.assign(Klant=[blank] * 3))
    contacts = pd.DataFrame({"Klant": ["a", blank], "Datum": dates[:2]}, index=pd.Index([2, 3], name="Rij"))
    with pytest.raises(WaardeFout, match=r"^Klant \(contactmomenten\) in rij 3 is leeg"):
        TransactionEngine(lines.assign(Klant=["a", "a", "b"]), contacts=contacts)
