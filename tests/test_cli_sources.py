"""klant-xl analyse on a Parquet file (scanned by DuckDB) and on a database table (--bron/--tabel)."""

import json

import pandas as pd
import pytest

from klant_xl.cli import main
from klant_xl.sample import sample_transactions


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def export(tmp_path):
    """The sample shop as a webshop would export it: its own header names."""
    tx = sample_transactions().reset_index(drop=True)
    return tx.rename(columns={"Klant": "klantnummer", "Datum": "besteldatum", "Bedrag": "totaal"})


def _csv_result(capsys, tmp_path, export):
    path = tmp_path / "export.csv"
    export.assign(besteldatum=export["besteldatum"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    code, out, _ = run(capsys, "analyse", str(path), "--json")
    assert code == 0
    return json.loads(out)


def test_parquet_export_gives_the_csv_answer(capsys, tmp_path, export):
    path = tmp_path / "export.parquet"
    export.to_parquet(path)
    code, out, _ = run(capsys, "analyse", str(path), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["klanten"] == 2500 and result["herhaalaankoopratio"] == 0.7052
    reference = _csv_result(capsys, tmp_path, export)
    assert result["status"] == reference["status"]
    assert result["drempels"] == reference["drempels"]
    assert result["verloop_laatste_jaar"] == reference["verloop_laatste_jaar"]


def test_database_table_via_url(capsys, tmp_path, export):
    duckdb = pytest.importorskip("duckdb")
    database = tmp_path / "winkel.duckdb"
    con = duckdb.connect(str(database))
    con.register("frame", export)
    con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    con.close()
    code, out, _ = run(capsys, "analyse", "--bron", f"duckdb://{database}", "--tabel", "orders", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["klanten"] == 2500 and result["status"] == _csv_result(capsys, tmp_path, export)["status"]


def test_parquet_with_an_empty_customer_is_read_as_the_csv_would_be(capsys, tmp_path, export):
    # an odd value sends the Parquet file to the export reader: the same rows skipped, the same words
    export = export.copy()
    export.loc[4, "klantnummer"] = None
    path = tmp_path / "gat.parquet"
    export.to_parquet(path)
    code, out, _ = run(capsys, "analyse", str(path))
    assert code == 0
    assert "Overgeslagen (geen klant): 1 regel, bijvoorbeeld rij 6." in " ".join(out.split())
    csv = tmp_path / "gat.csv"
    export.assign(besteldatum=export["besteldatum"].dt.strftime("%Y-%m-%d")).to_csv(csv, index=False)
    parquet_json = json.loads(run(capsys, "analyse", str(path), "--json")[1])
    csv_json = json.loads(run(capsys, "analyse", str(csv), "--json")[1])
    assert parquet_json["klanten"] == csv_json["klanten"] == 2500  # the customer of row 6 buys more often
    assert parquet_json["status"] == csv_json["status"]
    assert parquet_json["inlezen"]["overgeslagen"] == csv_json["inlezen"]["overgeslagen"]


def test_parquet_without_a_date_column_says_which(capsys, tmp_path, export):
    path = tmp_path / "geen_datum.parquet"
    export.drop(columns="besteldatum").to_parquet(path)
    code, _, err = run(capsys, "analyse", str(path))
    assert code == 1
    assert "Kolom 'Datum' ontbreekt" in err


def test_bron_needs_tabel_and_not_a_file(capsys):
    assert run(capsys, "analyse", "--bron", "duckdb://")[0] == 2
    code, _, err = run(capsys, "analyse")
    assert code == 2 and "--bron" in err


def test_unknown_database_is_a_dutch_message_and_is_not_created(capsys, tmp_path):
    code, _, err = run(capsys, "analyse", "--bron", f"duckdb://{tmp_path / 'leeg.duckdb'}", "--tabel", "orders")
    assert code == 1
    squeezed = "".join(err.split())  # the console wraps a long path anywhere
    assert "".join(f"Databasebestand '{tmp_path / 'leeg.duckdb'}' bestaat niet".split()) in squeezed
    assert "duckdb:///padbegintbijdehoofdmap" in squeezed  # an absolute path: three slashes
    assert not (tmp_path / "leeg.duckdb").exists()


def test_unknown_table_names_the_tables_there_are(capsys, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    database = tmp_path / "winkel.duckdb"
    con = duckdb.connect(str(database))
    con.execute("CREATE TABLE orders AS SELECT 'K1' AS Klant, DATE '2025-01-01' AS Datum, 10.0 AS Bedrag")
    con.execute("CREATE TABLE klanten AS SELECT 'K1' AS Klant")
    con.close()
    code, _, err = run(capsys, "analyse", "--bron", f"duckdb://{database}", "--tabel", "order")
    assert code == 1
    assert "Tabel 'order' bestaat niet" in err and "'klanten', 'orders'" in " ".join(err.split())


def test_plain_csv_is_parsed_by_duckdb_with_the_readers_answer(tmp_path, export):
    from klant_xl import customer_summary, read_transactions
    from klant_xl.sources import csv_transactions

    path = tmp_path / "export.csv"
    export.assign(besteldatum=export["besteldatum"].dt.strftime("%d-%m-%Y")).to_csv(path, index=False)
    engine = csv_transactions(path)
    assert engine is not None and engine.backend_name == "duckdb"
    pd.testing.assert_frame_equal(engine.summary(), customer_summary(read_transactions(path)),
                                  check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("change", [
    lambda e: e.assign(totaal=e["totaal"].map(lambda v: f"{v + 1000:,.2f}")),  # thousands separators
    lambda e: e.assign(besteldatum=e["besteldatum"].dt.strftime("%m/%d/%Y")),  # the column decides
    lambda e: pd.concat([e, pd.DataFrame({"klantnummer": ["Totaal"], "totaal": [1.0],
                                          "besteldatum": [pd.NaT]})]),  # a totals row (no date)
    lambda e: e.assign(totaal=e["totaal"].astype(object).where(e.index != 3, "veel")),
])
def test_csv_outside_the_plain_forms_goes_to_the_reader(tmp_path, export, change):
    from klant_xl.sources import csv_transactions

    path = tmp_path / "export.csv"
    change(export).to_csv(path, index=False)
    assert csv_transactions(path) is None


def test_bad_amount_in_a_csv_is_the_readers_message(capsys, tmp_path, export):
    path = tmp_path / "export.csv"
    export.assign(totaal=export["totaal"].astype(object).where(export.index != 3, "veel")).to_csv(path, index=False)
    code, _, err = run(capsys, "analyse", str(path))
    assert code == 1
    assert "totaal in rij 5" in err and "veel" in err


def test_full_customer_table_as_parquet_and_csv(capsys, tmp_path, export):
    source = tmp_path / "export.parquet"
    export.to_parquet(source)
    target = tmp_path / "klanten.parquet"
    code, out, err = run(capsys, "analyse", str(source), "--klanten", str(target), "--json")
    assert code == 0 and "2.500 klanten" in err
    table = pd.read_parquet(target)
    assert len(table) == 2500 and table["Klant"].is_unique
    assert table["Status"].value_counts().to_dict() == json.loads(out)["status"]
    csv_target = tmp_path / "klanten.csv"
    assert run(capsys, "analyse", str(source), "--klanten", str(csv_target))[0] == 0
    assert csv_target.read_text(encoding="utf-8-sig").startswith("Klant;Status;")
    assert run(capsys, "analyse", str(source), "--klanten", str(tmp_path / "k.xlsx"))[0] == 1
