"""The klant-xl command line: seed numbers, exit codes and Dutch messages."""

import csv
import json

import pytest

from klant_xl.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_projectie_reproduces_seed_002_tables(capsys):
    code, out, _ = run(capsys, "projectie", "--start", "1000", "--nieuw", "40%", "--verloop", "30%", "--jaren", "10",
                       "--terugwin", "60%", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["huidige_situatie"] == [1000, 1100, 1210, 1331, 1464, 1611, 1772, 1949, 2144, 2358, 2594]
    assert result["nieuwe_situatie"] == [1000, 1280, 1638, 2097, 2684, 3436, 4398, 5629, 7206, 9223, 11806]
    assert round(result["verdubbelingstijd_jaren"], 2) == 7.27
    assert result["verloop_na_terugwinnen_pct"] == pytest.approx(0.12)
    assert round(result["cumulatief_verlies_3_jaar"], 2) == 0.66


def test_projectie_table_text(capsys):
    code, out, _ = run(capsys, "projectie", "--start", "1000", "--nieuw", "0,4", "--verloop", "30 %", "--jaren", "10")
    assert code == 0
    assert "2.594" in out and "1.949" in out
    assert "Verdubbelingstijd: 7,27 jaar." in out


def test_projectie_bad_percentage_exits_2_with_dutch_message(capsys):
    with pytest.raises(SystemExit) as info:
        main(["projectie", "--start", "1000", "--nieuw", "veel", "--verloop", "30%"])
    assert info.value.code == 2
    assert "fout" in capsys.readouterr().err


def test_demo_prints_summary(capsys):
    code, out, _ = run(capsys, "demo")
    assert code == 0
    for text in ("Peildatum: 31-12-2025", "Klanten per status", "Herhaalaankoopratio", "Tijd tussen aankopen",
                 "van de klanten die terugkomen, doet dat binnen", "Verloop laatste jaar", "Projectie"):
        assert text in out


def test_demo_json_is_consistent(capsys):
    code, out, _ = run(capsys, "demo", "--json")
    result = json.loads(out)
    assert code == 0
    assert result["peildatum"] == "2025-12-31"
    assert sum(result["status"].values()) == result["klanten"]
    assert result["drempels"]["afgeleid"] is True
    assert len(result["projectie"]["huidige_situatie"]) == 11


def test_analyse_missing_file_exits_1(capsys, tmp_path):
    code, _, err = run(capsys, "analyse", str(tmp_path / "bestaat-niet.csv"))
    assert code == 1
    assert "Fout" in err


def test_mailinglijst_writes_neutralised_csv(capsys, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(
        "Klant;Datum;Bedrag\n"
        "=HYPERLINK(\"x\");01-01-2025;10\n"
        "gewoon;01-01-2025;10\n"
        "gewoon;01-06-2025;10\n"
        "actief;20-12-2025;10\n",
        encoding="utf-8",
    )
    out = tmp_path / "uitsluiten.csv"
    code, stdout, _ = run(capsys, "mailinglijst", str(export), "-o", str(out), "--dagen-inactief", "90",
                          "--dagen-verloren", "300")
    assert code == 0
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0][:2] == ["Klant", "Status"]
    customers = [row[0] for row in rows[1:]]
    # 'gewoon' inactive (202 days), the formula-like id lost (353 days); 'actief' is not listed
    assert customers == ["gewoon", "'=HYPERLINK(\"x\")"]
    assert "2 klanten in de uitsluitlijst" in stdout


MAILING_EXPORT = "Klant;Datum;Bedrag\nK1;01-01-2025;10\nK1;01-06-2025;10\nK2;20-12-2025;10\n"


def test_mailinglijst_never_writes_over_its_own_export(capsys, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(MAILING_EXPORT, encoding="utf-8")
    for extra in ([], ["--overschrijven"]):
        code, _, err = run(capsys, "mailinglijst", str(export), "-o", str(export), *extra)
        assert code == 1 and "ook het bestand dat je inleest" in err
    assert export.read_text(encoding="utf-8") == MAILING_EXPORT


def test_mailinglijst_replaces_an_existing_list_only_when_asked(capsys, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(MAILING_EXPORT, encoding="utf-8")
    out = tmp_path / "lijst.csv"
    out.write_text("mijn eigen lijst", encoding="utf-8")
    code, _, err = run(capsys, "mailinglijst", str(export), "-o", str(out))
    assert code == 1 and "bestaat al" in err and "--overschrijven" in err
    assert out.read_text(encoding="utf-8") == "mijn eigen lijst"
    code, stdout, _ = run(capsys, "mailinglijst", str(export), "-o", str(out), "--overschrijven",
                          "--dagen-inactief", "90", "--dagen-verloren", "300")
    assert code == 0 and "1 klant in de uitsluitlijst" in stdout
    assert out.read_bytes().decode("utf-8-sig").splitlines()[1].startswith("K1;")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv", "lijst.csv"]  # no temporary file left


@pytest.mark.parametrize("argv, message", [
    (["-o", "lijst.xlsx"], "op .csv eindigt"),
    (["-o", "lijst.csv", "--aantal", "2"], "--aantal hoort bij --soort winback"),
])
def test_mailinglijst_refuses_what_it_would_not_do(capsys, tmp_path, argv, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "export.csv").write_text(MAILING_EXPORT, encoding="utf-8")
    code, _, err = run(capsys, "mailinglijst", "export.csv", *argv)
    assert code == 1 and message in " ".join(err.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]


def test_mailinglijst_shows_what_the_export_reader_doubted(capsys, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("Klant,Datum,Bedrag\nK1,2025-01-01,10\nK2,2099-02-01,20\nK1,2025-03-01,5\n", encoding="utf-8")
    code, stdout, _ = run(capsys, "mailinglijst", str(export), "-o", str(tmp_path / "lijst.csv"))
    assert code == 0
    assert "Inlezen" in stdout and "2099" in stdout


def test_projectie_reads_the_start_as_a_dutch_number(capsys):
    def years(start):
        code, out, _ = run(capsys, "projectie", "--start", start, "--nieuw", "40%", "--verloop", "30%", "--jaren", "2",
                           "--json")
        assert code == 0
        return json.loads(out)["huidige_situatie"]

    assert years("1.000") == years("1000") == [1000, 1100, 1210]  # seed 002: +10% a year
    assert years("1.000,0") == years("1000")


@pytest.mark.parametrize("start", ["inf", "nan", "veel", "-5"])
def test_projectie_refuses_a_start_that_is_no_count(capsys, start):
    with pytest.raises(SystemExit) as stopped:
        main(["projectie", f"--start={start}", "--nieuw", "40%", "--verloop", "30%"])
    assert stopped.value.code == 2
    assert "Aantal klanten nu is" in capsys.readouterr().err


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--nieuw", "-10%", "Nieuwe klanten % is negatief: '-10%'"),
    ("--nieuw", "-0,1", "Nieuwe klanten % is negatief: '-0,1'"),
    ("--verloop", "-5 %", "Verloop % is geen percentage tussen 0% en 100%: '-5 %'"),
    ("--start", "-1.000", "Aantal klanten nu is negatief: '-1.000'"),
])
def test_a_negative_dutch_number_after_an_option_is_its_value(capsys, option, value, said):
    # argparse took '-10%' for an unknown option and said the value was missing
    argv = {"--start": "1000", "--nieuw": "40%", "--verloop": "30%", option: value}
    with pytest.raises(SystemExit) as stopped:
        main(["projectie", *[word for pair in argv.items() for word in pair]])
    assert stopped.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"argument {option}: {said}" in err and "verwacht een waarde" not in err


def test_klanten_never_replaces_the_export_it_reads(tmp_path, capsys):
    # 'analyse s.csv --klanten s.csv' wrote the customer table over the export
    export = tmp_path / "s.csv"
    export.write_text(MAILING_EXPORT, encoding="utf-8")
    code, _, err = run(capsys, "analyse", str(export), "--klanten", str(export), "--overschrijven")
    assert code != 0 and "ook het bestand dat je inleest" in " ".join(err.split())
    assert export.read_text(encoding="utf-8") == MAILING_EXPORT


def test_klanten_replaces_an_existing_file_only_when_asked(tmp_path, capsys):
    export, table = tmp_path / "s.csv", tmp_path / "klanten.csv"
    export.write_text(MAILING_EXPORT, encoding="utf-8")
    table.write_text("mijn eigen lijst\n", encoding="utf-8")
    code, _, err = run(capsys, "analyse", str(export), "--klanten", str(table))
    assert code != 0 and "bestaat al en wordt niet overschreven" in " ".join(err.split())
    assert table.read_text(encoding="utf-8") == "mijn eigen lijst\n"
    code, _, err = run(capsys, "analyse", str(export), "--klanten", str(table), "--overschrijven")
    assert code == 0 and "Klantentabel geschreven" in err
    rows = table.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("Klant;Status;") and [row.split(";")[0] for row in rows[1:]] == ["K1", "K2"]


@pytest.mark.parametrize(("extra", "said"), [
    (["--klanten", "klanten.txt"], "kies een bestandsnaam op .parquet of .csv"),
    (["--klanten", "klanten.csv", "-o", "uit.xlsx"], "--klanten hoort bij analyse zonder -o"),
])
def test_klanten_is_checked_before_the_analysis(tmp_path, capsys, extra, said):
    export = tmp_path / "s.csv"
    export.write_text(MAILING_EXPORT, encoding="utf-8")
    code, _, err = run(capsys, "analyse", str(export), *[str(tmp_path / w) if "." in w else w for w in extra])
    assert code != 0 and said in " ".join(err.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.csv"]  # no workbook, no table


@pytest.mark.parametrize("encoding", ["cp1252", "cp850"])
def test_output_in_an_encoding_without_every_character_is_printed_not_crashed(encoding):
    # Windows writes redirected output in the ANSI code page (cp1252 has no '←'; cp850 no '•'): the
    # report stopped halfway with an encoding error
    import os
    import subprocess
    import sys
    from pathlib import Path

    import klant_xl

    sample = str(Path(klant_xl.__file__).parent / "data" / "voorbeeld_transacties.csv")
    result = subprocess.run([sys.executable, "-c", "import sys; from klant_xl.cli import main; "
                             "raise SystemExit(main(['analyse', sys.argv[1]]))", sample],
                            capture_output=True, env={**os.environ, "PYTHONIOENCODING": encoding}, timeout=300)
    out = " ".join(result.stdout.decode(encoding).split())
    assert result.returncode == 0, result.stderr.decode(encoding, "replace")
    assert "Klant ? 'Klant'" in out  # the arrow the code pages lack
    assert "Peildatum: 31-12-2025" in out and "Projectie" in out  # and the report to its end


@pytest.mark.parametrize(("typed", "fraction"), [("1%", 0.01), ("100%", 1.0), ("1,5", 0.015), ("0,5", 0.5)])
def test_a_bare_one_as_percentage_is_refused_and_the_rest_read_as_before(capsys, typed, fraction):
    # '--nieuw 1' was 100% while '--nieuw 1,5' is 1,5%: a bare 1 is refused, naming both readings
    with pytest.raises(SystemExit) as stopped:
        main(["projectie", "--start", "100", "--nieuw", "1", "--verloop", "5%"])
    assert stopped.value.code == 2
    assert "dubbelzinnig (100% of 1%?" in " ".join(capsys.readouterr().err.split())
    code, out, _ = run(capsys, "projectie", "--start", "100", "--nieuw", typed, "--verloop", "5%", "--jaren", "1",
                       "--json")
    assert code == 0 and json.loads(out)["huidige_situatie"] == [100, round(100 * (1 + fraction - 0.05))]


@pytest.mark.parametrize(("argv", "said"), [
    (["mailinglijst", "x.csv", "-o", "m.csv", "--soort", "winback", "--aantal", "2,5"],
     "argument --aantal: geen geheel getal: '2,5'"),
    (["mailinglijst", "x.csv", "-o", "m.csv", "--soort", "alles"],
     "argument --soort: ongeldige keuze: 'alles' (kies uit 'uitsluiten', 'winback')"),
])
def test_argparse_s_own_refusals_are_dutch(capsys, argv, said):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2 and said in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize("option", [["-o", "uit.xlsx"], ["--klanten", "k.csv"]])
def test_an_output_in_a_missing_folder_is_refused_before_the_analysis(tmp_path, capsys, option):
    export = tmp_path / "s.csv"
    export.write_text(MAILING_EXPORT, encoding="utf-8")
    missing = tmp_path / "bestaat-niet"
    code, _, err = run(capsys, "analyse", str(export), option[0], str(missing / option[1]))
    assert code != 0
    said = f"De map '{missing}' bestaat niet: '{option[1]}' kon niet geschreven worden"
    assert "".join(said.split()) in "".join(err.split())  # rich breaks lines (also inside a long path)
    assert "Klantentabel geschreven" not in err and not missing.exists()


def test_mailinglijst_aantal_counts_the_customers_that_may_be_mailed(tmp_path, capsys):
    # '--aantal 4' took the four most recent inactive customers and then left out those who opted out: 2 left
    lines = ["Klant;Datum;Bedrag;Nieuwsbrief"]
    for i, (day, opt_in) in enumerate([("01-06-2025", "nee"), ("01-05-2025", "nee"), ("01-04-2025", "ja"),
                                       ("01-03-2025", ""), ("01-02-2025", "ja"), ("01-01-2025", "ja")]):
        lines.append(f"K{i};{day};10;{opt_in}")
    lines.append("K9;31-12-2025;10;ja")  # active: not on the win-back list
    export = tmp_path / "export.csv"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "lijst.csv"
    code, stdout, _ = run(capsys, "mailinglijst", str(export), "-o", str(out), "--soort", "winback", "--aantal", "3",
                          "--dagen-inactief", "90", "--dagen-verloren", "730")
    assert code == 0
    rows = out.read_bytes().decode("utf-8-sig").splitlines()[1:]
    assert [row.split(";")[0] for row in rows] == ["K2", "K3", "K4"]
    assert "2 klanten weggelaten: zij willen geen marketing" in " ".join(stdout.split())
    with pytest.raises(SystemExit):
        main(["mailinglijst", str(export), "-o", str(tmp_path / "x.csv"), "--soort", "winback", "--aantal", "nul"])
    code, _, err = run(capsys, "mailinglijst", str(export), "-o", str(tmp_path / "y.csv"), "--soort", "winback",
                       "--aantal", "0")
    assert code != 0 and "--aantal is het aantal klanten op de lijst: minstens 1, niet 0." in " ".join(err.split())


def test_thresholds_that_fall_back_to_the_defaults_say_so(tmp_path, capsys):
    export = tmp_path / "export.csv"
    export.write_text(MAILING_EXPORT, encoding="utf-8")
    code, out, _ = run(capsys, "analyse", str(export))
    flat = " ".join(out.split())
    assert code == 0
    assert "inactief na 180 dagen (standaard: te weinig gegevens om af te leiden)" in flat
    code, out, _ = run(capsys, "analyse", str(export), "--dagen-inactief", "90", "--dagen-verloren", "400")
    assert "inactief na 90 dagen (ingesteld), verloren na 400 dagen (ingesteld)" in " ".join(out.split())


@pytest.mark.parametrize("years", ["1000", "-3", "abc"])
def test_projectie_jaren_is_refused_as_an_option_value(capsys, years):
    with pytest.raises(SystemExit) as stopped:
        main(["projectie", "--start", "10", "--nieuw", "5%", "--verloop", "5%", f"--jaren={years}"])
    assert stopped.value.code == 2 and "argument --jaren: Aantal jaren is geen geheel getal" in capsys.readouterr().err


def test_a_peildatum_before_the_first_transaction_says_so(tmp_path, capsys):
    # it said 'Er zijn geen klanten met een aankoop; herhaalaankoopratio is niet te berekenen'
    export = tmp_path / "export.csv"
    export.write_text(MAILING_EXPORT, encoding="utf-8")
    code, _, err = run(capsys, "analyse", str(export), "--peildatum", "2020-01-01")
    assert code != 0
    assert ("De peildatum 01-01-2020 ligt vóór de eerste transactie (01-01-2025): op die dag was nog niemand klant. "
            "Kies een latere peildatum.") in " ".join(err.split())
    code, _, _ = run(capsys, "analyse", str(export), "--peildatum", "2025-01-01")  # the first day itself is fine
    assert code == 0
