"""The analyst extract (findings.csv / findings.parquet) and the ROPA (ropa.csv / ropa.xlsx).

One audit of a small generated estate is shared by the module; each test works on its own copy
of the warehouse, so crafted findings never leak between tests.
"""

from __future__ import annotations

import csv
import re
import shutil
import stat
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import audit_settings
from openpyxl import load_workbook

from pipelines.audit import run_audit
from pipelines.datamap import DataMap
from pipelines.reporting.extract import write_extract
from pipelines.reporting.ropa import write_ropa
from pipelines.rules.catalogue import Suite, load_catalogue
from pipelines.sample import generate_estate
from pipelines.warehouse import connect

REPO = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 1)
# The ICO controller template's columns, as /work/shared/reference/uk-rules.md lists them.
ICO_COLUMNS = [
    "Business function",
    "Purpose of processing",
    "Name and contact details of joint controller (if applicable)",
    "Categories of individuals",
    "Categories of personal data",
    "Categories of recipients",
    "Link to contract with processor",
    "Names of third countries or international organisations that personal data are "
    "transferred to (if applicable)",
    "Safeguards for exceptional transfers of personal data to third countries or "
    "international organisations (if applicable)",
    "Retention schedule (if possible)",
    "General description of technical and organisational security measures (if possible)",
    "Article 6 lawful basis for processing personal data",
    "Article 9 condition for processing special category data",
    "Legitimate interests for the processing (if applicable)",
    "Link to record of legitimate interests assessment (if applicable)",
    "Rights available to individuals",
    "Existence of automated decision-making, including profiling (if applicable)",
    "The source of the personal data (if applicable)",
    "Link to record of consent",
    "Location of personal data",
    "Data Protection Impact Assessment required?",
    "DPIA progress",
    "Link to DPIA",
    "Has a personal data breach occurred?",
    "Link to record of personal data breach",
    "DPA 2018 Schedule 1 condition for processing",
    "GDPR Article 6 lawful basis for processing",
    "Link to retention and erasure policy document",
    "Is personal data retained and erased in accordance with the policy document?",
    "Reasons for not adhering to policy document (if applicable)",
]
RETAINED = ICO_COLUMNS.index(
    "Is personal data retained and erased in accordance with the policy document?"
)
REASONS = RETAINED + 1
# digits with single spaces or dashes between, 13-19 in all, not inside a longer token
DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])")


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """(warehouse file, run id, exports folder) of one audit of a 300-contact estate."""
    root = tmp_path_factory.mktemp("audited")
    exports = root / "exports"
    generate_estate(exports, 300, 1, AS_OF)
    settings = audit_settings(root, AS_OF)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
        summary = run_audit(settings)
    return settings.db_path, summary.run_id, exports


@pytest.fixture(scope="module")
def suites(data_map: DataMap) -> list[Suite]:
    return load_catalogue(REPO / "expectations", data_map)


@pytest.fixture
def warehouse(audited, tmp_path: Path):
    """A private copy of the audited warehouse, open for writing."""
    db_path, _, _ = audited
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db_path, copy)
    conn = connect(copy)
    yield conn
    conn.close()


def _findings(conn: duckdb.DuckDBPyConnection, run_id: str) -> set[tuple[str, str, str]]:
    rows = conn.execute(
        "select rule_id, dataset, record_key from audit.findings where run_id = ?", [run_id]
    ).fetchall()
    return set(rows)


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _parquet_rows(path: Path) -> list[dict]:
    with duckdb.connect() as conn:
        cursor = conn.execute("select * from read_parquet(?)", [str(path)])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _card_numbers(text: str) -> set[str]:
    runs = (re.sub(r"\D", "", m.group()) for m in DIGIT_RUN.finditer(text))
    return {digits for digits in runs if _luhn(digits)}


# --- analyst extract --------------------------------------------------------------------------


def test_extract_holds_every_finding_of_the_run(audited, warehouse, data_map, tmp_path) -> None:
    _, run_id, _ = audited
    out = tmp_path / "reports" / run_id
    out.mkdir(parents=True)
    (out / "findings.csv").write_text("stale\n")  # an old, world-readable file is replaced
    (out / "findings.csv").chmod(0o644)

    paths = write_extract(warehouse, data_map, run_id, out)

    assert [p.name for p in paths] == [
        "findings.csv", "findings.parquet", "resolved.csv", "resolved.parquet"
    ]  # fmt: skip
    expected = _findings(warehouse, run_id)
    csv_rows, parquet_rows = _csv_rows(paths[0]), _parquet_rows(paths[1])
    assert len(csv_rows) == len(parquet_rows) == len(expected) > 0
    for rows in (csv_rows, parquet_rows):
        assert {(r["rule_id"], r["dataset"], r["record_key"]) for r in rows} == expected
        assert list(rows[0]) == [
            "run_id", "as_of", "rule_id", "title", "severity", "area", "clause_ids", "dataset",
            "system", "responsible", "record_key", "subject_key", "detail", "first_seen_run",
            "first_seen_as_of", "decision_state", "decision",
        ]  # fmt: skip
    assert {_mode(p) for p in paths} == {0o600}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no partial files left
    # critical first, then by rule, dataset and record key
    order = ["critical", "high", "medium", "low"]
    keys = [
        (order.index(r["severity"]), r["rule_id"], r["dataset"], r["record_key"])
        for r in parquet_rows
    ]
    assert keys == sorted(keys)
    calls = [r for r in parquet_rows if r["rule_id"] == "RET-CALLS"]
    assert calls and {r["system"] for r in calls} == {"telephony"}
    assert calls[0]["clause_ids"] == ["7.1", "5.2"] and calls[0]["as_of"] == AS_OF
    assert {r["clause_ids"] for r in csv_rows if r["rule_id"] == "RET-CALLS"} == {"7.1; 5.2"}


def test_extract_neutralises_formulas_in_csv_only(audited, warehouse, data_map, tmp_path) -> None:
    _, run_id, _ = audited
    crafted = {
        "CRAFT-1": ("=1+1", '=HYPERLINK("http://x","y")'),
        "CRAFT-2": ("+44", "-2+3"),
        "CRAFT-3": ("@SUM(A1)", "\tcmd"),
        "CRAFT-4": ("\r=x", "plain - text"),
    }
    for rule_id, (key, detail) in crafted.items():
        warehouse.execute(
            """
            insert into audit.findings (run_id, as_of, rule_id, title, severity, area,
                clause_ids, dataset, record_key, subject_key, detail, first_seen_run,
                first_seen_as_of, decision_state, decision) values
            (?, ?, ?, 'crafted', 'low', 'security', ['5.1'], 'crm_contacts', ?, null, ?, ?, ?,
             'open', null)
            """,
            [run_id, AS_OF, rule_id, key, detail, run_id, AS_OF],
        )

    csv_path, parquet_path, *_ = write_extract(warehouse, data_map, run_id, tmp_path)

    from_csv = {r["rule_id"]: r for r in _csv_rows(csv_path) if r["rule_id"] in crafted}
    from_parquet = {r["rule_id"]: r for r in _parquet_rows(parquet_path) if r["rule_id"] in crafted}
    assert from_csv["CRAFT-1"]["detail"] == '\'=HYPERLINK("http://x","y")'
    assert from_csv["CRAFT-1"]["record_key"] == "'=1+1"
    assert from_csv["CRAFT-2"]["record_key"] == "'+44"
    assert from_csv["CRAFT-2"]["detail"] == "'-2+3"
    assert from_csv["CRAFT-3"]["record_key"] == "'@SUM(A1)"
    assert from_csv["CRAFT-3"]["detail"] == "'\tcmd"
    assert from_csv["CRAFT-4"]["record_key"] == "'\r=x"
    assert from_csv["CRAFT-4"]["detail"] == "plain - text"  # only a leading character counts
    for rule_id, (key, detail) in crafted.items():
        assert (from_parquet[rule_id]["record_key"], from_parquet[rule_id]["detail"]) == (
            key,
            detail,
        )
    # every cell is quoted, so no cell of any row starts with a formula character unescaped
    for row in _csv_rows(csv_path):
        assert not any(v and v[0] in "=+-@\t\r" for v in row.values()), row


def test_extract_holds_no_card_number(audited, warehouse, data_map, tmp_path) -> None:
    _, run_id, exports = audited
    planted = set()
    for path in exports.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json"):
            planted |= _card_numbers(path.read_text(encoding="utf-8", errors="replace"))
    assert planted  # the estate does hold card numbers: the check below means something

    csv_path, parquet_path, *_ = write_extract(warehouse, data_map, run_id, tmp_path)

    parquet_text = "\n".join(
        "\t".join(str(v) for v in row.values()) for row in _parquet_rows(parquet_path)
    )
    for text in (csv_path.read_text(encoding="utf-8"), parquet_text):
        assert "SEC-PAN" in text
        assert not _card_numbers(text)
        bare = re.sub(r"[ -]", "", text)
        assert not [pan for pan in planted if pan in bare]


def test_extract_of_an_unknown_run_is_an_error(warehouse, data_map, tmp_path) -> None:
    with pytest.raises(LookupError, match="no-such-run"):
        write_extract(warehouse, data_map, "no-such-run", tmp_path)
    assert not list(tmp_path.glob("findings.*"))


# --- ROPA -------------------------------------------------------------------------------------


def _purposes_by_name() -> dict[str, str]:
    """Purpose name -> system id, read straight from systems.yaml."""
    systems = yaml.safe_load((REPO / "data_map" / "systems.yaml").read_text())["systems"]
    return {p["name"]: s["id"] for s in systems for p in s["purposes"]}


def _ropa_by_system(path: Path) -> dict[str, list[list[str]]]:
    systems = _purposes_by_name()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    by_system: dict[str, list[list[str]]] = {}
    for row in rows:
        by_system.setdefault(systems[row[1]], []).append(row)
    return by_system


def test_ropa_has_the_ico_columns_and_a_row_per_purpose(
    audited, warehouse, data_map, suites, tmp_path
) -> None:
    _, run_id, _ = audited
    paths = write_ropa(warehouse, data_map, suites, run_id, tmp_path)

    assert [p.name for p in paths] == ["ropa.csv", "ropa.xlsx", "ropa.html"]
    with paths[0].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ICO_COLUMNS
    purposes = _purposes_by_name()
    assert len(rows) - 1 == len(purposes)
    assert sorted(row[1] for row in rows[1:]) == sorted(purposes)
    assert all(len(row) == 30 and all(row) for row in rows[1:])  # no empty cell
    by_purpose = {row[1]: dict(zip(ICO_COLUMNS, row, strict=True)) for row in rows[1:]}
    marketing = by_purpose["Email marketing of our own products"]
    assert marketing["Article 6 lawful basis for processing personal data"].startswith(
        "Article 6(1)(a)"
    )
    assert "withdraw consent" in marketing["Rights available to individuals"]
    assert "OPTIN_TIME" in marketing["Link to record of consent"]
    calls = by_purpose["Call recording for quality, training and security"]
    assert "12 months" in calls["Retention schedule (if possible)"]

    sheet = load_workbook(paths[1], read_only=True)["ROPA"]
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(cells) if list(row[:30]) == ICO_COLUMNS)
    above = " ".join(str(c) for row in cells[:header_at] for c in row if c)
    assert data_map.policy.controller.split(",")[0] in above
    assert "Data Protection Officer" in above and "Representative" in above
    # the controller block, the source of the data and the DPIA come from the data map
    assert data_map.policy.dpo in above and data_map.policy.representative in above
    assert "[to be completed" not in above
    orders = by_purpose["Taking and fulfilling orders"]
    assert orders["The source of the personal data (if applicable)"] == (
        data_map.datasets["orders"].collected_from
    )
    assert orders["Data Protection Impact Assessment required?"] == "Yes"
    assert orders["Link to DPIA"].startswith("DPIA-2021-02")
    assert calls["Link to DPIA"].startswith("DPIA-2019-01")
    assert [list(row[:30]) for row in cells[header_at + 1 : header_at + len(rows)]] == rows[1:]


def test_ropa_answers_retention_from_the_findings(
    audited, warehouse, data_map, suites, tmp_path
) -> None:
    _, run_id, _ = audited
    calls = warehouse.execute(
        "select count(*) from audit.findings where run_id = ? and rule_id = 'RET-CALLS'",
        [run_id],
    ).fetchall()[0][0]
    assert calls > 0  # the sample estate plants RET-CALLS

    by_system = _ropa_by_system(write_ropa(warehouse, data_map, suites, run_id, tmp_path)[0])

    for row in by_system["telephony"]:
        assert row[RETAINED] == "No"
        assert f"RET-CALLS: {calls} finding" in row[REASONS]
        assert run_id in row[REASONS]
    # rights requests have a period in retention.yaml but no audit rule checks it
    for row in by_system["privacy_office"]:
        assert row[RETAINED] == "Not checked"


def test_ropa_says_yes_when_a_system_has_no_retention_findings(
    audited, warehouse, data_map, suites, tmp_path
) -> None:
    _, run_id, _ = audited
    warehouse.execute(
        "delete from audit.findings where run_id = ? and rule_id = 'RET-CHAT'", [run_id]
    )

    by_system = _ropa_by_system(write_ropa(warehouse, data_map, suites, run_id, tmp_path)[0])

    (chat,) = by_system["live_chat"]
    assert chat[RETAINED] == "Yes"
    assert f"no retention findings in run {run_id} as of {AS_OF.isoformat()}" in chat[REASONS]
    assert all(row[RETAINED] == "No" for row in by_system["telephony"])


def test_ropa_takes_home_country_and_schedule_from_the_data_map(
    audited, warehouse, data_map, suites, tmp_path
) -> None:
    _, run_id, _ = audited
    # the controller's country written another way changes nothing
    policy = data_map.policy.model_copy(update={"controller_country": "UK"})
    moved = data_map.model_copy(update={"policy": policy, "directory": "/srv/acme/data_map"})
    csv_path, *_ = write_ropa(warehouse, moved, suites, run_id, tmp_path / "uk")
    base_path, *_ = write_ropa(warehouse, data_map, suites, run_id, tmp_path / "base")
    uk, base = _csv_rows(csv_path), _csv_rows(base_path)
    link = "Link to retention and erasure policy document"
    assert {row[link] for row in uk} == {"/srv/acme/data_map/retention.yaml"}
    third, safeguards = ICO_COLUMNS[7], ICO_COLUMNS[8]
    assert [r[third] for r in uk] == [r[third] for r in base]
    assert [r[safeguards].replace("outside UK", "outside United Kingdom") for r in uk] == [
        r[safeguards] for r in base
    ]
    chat = next(r for r in uk if "website visitors" in r["Purpose of processing"])
    assert "United States" in chat[ICO_COLUMNS[7]]  # Pure Chat, abroad
    # a controller elsewhere sees the UK recipients as transfers
    abroad = data_map.model_copy(
        update={"policy": data_map.policy.model_copy(update={"controller_country": "Ireland"})}
    )
    ie_path, *_ = write_ropa(warehouse, abroad, suites, run_id, tmp_path / "ie")
    assert any("United Kingdom" in r[ICO_COLUMNS[7]] for r in _csv_rows(ie_path))


# --- ROPA: what the run observed ----------------------------------------------------------------

FINDING = (
    "insert into audit.findings (run_id, as_of, rule_id, title, severity, area, clause_ids, "
    "dataset, record_key, detail, first_seen_run, first_seen_as_of, decision_state) "
    "values (?, ?, ?, ?, ?, ?, ['5.1'], ?, ?, ?, ?, ?, ?)"
)
BREACH = ICO_COLUMNS.index("Has a personal data breach occurred?")
RECIPIENTS, COUNTRIES, SAFEGUARDS = 5, 7, 8


def _finding(conn, run_id, rule_id, dataset, key, *, severity="critical", area="security",
             first_seen=AS_OF, state="open", title="crafted") -> None:  # fmt: skip
    conn.execute(
        FINDING,
        [run_id, AS_OF, rule_id, title, severity, area, dataset, key, "crafted detail",
         run_id, first_seen, state],
    )  # fmt: skip


def test_ropa_reports_possible_breaches_from_open_critical_security_findings(
    audited, warehouse, data_map, suites, tmp_path
) -> None:
    _, run_id, _ = audited
    warehouse.execute("delete from audit.findings where run_id = ? and area = 'security'", [run_id])
    first = AS_OF - timedelta(days=31)
    for key in ("#9001", "#9002"):
        _finding(warehouse, run_id, "SEC-PAN", "orders", key, first_seen=first,
                 title="Full card number stored")  # fmt: skip
    # neither a decided finding nor a high one is a possible breach
    _finding(warehouse, run_id, "SEC-PAN", "orders", "#9003", state="false_positive")
    _finding(warehouse, run_id, "SEC-UNDECLARED", "call_recordings", "c-1", severity="high")

    paths = write_ropa(warehouse, data_map, suites, run_id, tmp_path)
    by_system = _ropa_by_system(paths[0])

    for row in by_system["ordering"]:
        cell = row[BREACH]
        assert cell.startswith("Possible breach: ")
        assert "(SEC-PAN) in 2 records of orders" in cell
        assert f"first seen {first.isoformat()}" in cell
        assert "within 72 hours" in cell and "ICO (UK GDPR Art. 33)" in cell
        assert "#900" not in cell  # counts, rule ids and dates, never a record
        assert run_id in row[BREACH + 1] and "SEC-PAN" in row[BREACH + 1]
    for system in ("telephony", "hr", "crm"):
        for row in by_system[system]:
            assert row[BREACH] == "No possible breach found by this audit"
    assert "Possible: SEC-PAN" in paths[2].read_text(encoding="utf-8")

    warehouse.execute("delete from audit.findings where run_id = ? and area = 'security'", [run_id])
    by_system = _ropa_by_system(write_ropa(warehouse, data_map, suites, run_id, tmp_path)[0])
    assert {row[BREACH] for rows in by_system.values() for row in rows} == {
        "No possible breach found by this audit"
    }


def _disclose(conn, run_id, row: int, recipient: str, country: str, safeguard: str,
              rules: tuple[str, ...]) -> None:  # fmt: skip
    conn.execute(
        "insert into staging.disclosures (disclosed_on, recipient, purpose, country, safeguard, "
        "records, record_key, _source_file, _row_number) values (?, ?, 'crafted', ?, ?, 10, ?, "
        "'crafted.csv', ?)",
        [AS_OF, recipient, country, safeguard, str(row), row],
    )
    for rule_id in rules:
        _finding(conn, run_id, rule_id, "disclosures", str(row), severity="high",
                 area="third_parties")  # fmt: skip


def test_ropa_shows_the_disclosure_logs_recipients_and_transfers(
    audited, warehouse, data_map, suites, tmp_path
) -> None:
    _, run_id, _ = audited
    warehouse.execute("delete from staging.disclosures")
    warehouse.execute(
        "delete from audit.findings where run_id = ? and dataset = 'disclosures'", [run_id]
    )
    for row in (1, 2, 3):  # not on the approved list; two of them to the US with no safeguard
        rules = ("TPD-UNAPPROVED", "TPD-TRANSFER") if row < 3 else ("TPD-UNAPPROVED",)
        _disclose(warehouse, run_id, row, "Acme Data Ltd", "US", "none" if row < 3 else "SCCs",
                  rules)  # fmt: skip
    _disclose(warehouse, run_id, 4, "Pure Chat", "US", "n/a", ("TPD-TRANSFER",))
    _disclose(warehouse, run_id, 5, "Pure Chat", "US", "UK IDTA", ())

    paths = write_ropa(warehouse, data_map, suites, run_id, tmp_path)
    by_system = _ropa_by_system(paths[0])

    (chat,) = by_system["live_chat"]  # Pure Chat is declared for the chat's purpose
    assert chat[RECIPIENTS].startswith("live chat provider (Pure Chat)")
    assert "Observed in the disclosure log: Pure Chat (approved, 2 disclosures of 20 records, " \
        "TPD-TRANSFER 1)" in chat[RECIPIENTS]  # fmt: skip
    assert (
        "Observed in the disclosure log: to United States: 1 disclosure with no safeguard "
        "(TPD-TRANSFER), 1 under UK IDTA" in chat[SAFEGUARDS]
    )
    # Acme: declared for no purpose, so beside every row of customers' data, not tied to it
    acme = (
        "Acme Data Ltd (not approved, 3 disclosures of 30 records, TPD-TRANSFER 2, TPD-UNAPPROVED)"
    )
    for row in by_system["ordering"] + by_system["crm"][:1] + [chat]:
        assert acme in row[RECIPIENTS]
        assert "for no declared purpose" in row[RECIPIENTS]
        assert "United States (Acme Data Ltd, 3 disclosures)" in row[COUNTRIES]
        assert (
            "to United States: 2 disclosures with no safeguard (TPD-TRANSFER, TPD-UNAPPROVED), "
            "1 under SCCs (TPD-UNAPPROVED)" in row[SAFEGUARDS]
        )
    (orders, _) = by_system["ordering"]
    assert not orders[SAFEGUARDS].startswith("Not applicable")
    for row in by_system["hr"] + by_system["applicant_tracking"]:  # no customers there
        assert "Acme" not in "".join(row) and "Observed" not in "".join(row)
    # the controller-level section, below the table and in the page
    sheet = load_workbook(paths[1], read_only=True)["ROPA"]
    below = [row for row in sheet.iter_rows(values_only=True) if row[0] == "Acme Data Ltd"]
    assert below and "not approved" in below[0][1]
    page = paths[2].read_text(encoding="utf-8")
    assert "Disclosures no purpose declares" in page and "Acme Data Ltd" in page


def test_ropa_workbook_prints_landscape_one_page_wide(
    audited, warehouse, data_map, suites, tmp_path
) -> None:
    _, run_id, _ = audited
    xlsx = write_ropa(warehouse, data_map, suites, run_id, tmp_path)[1]

    book = load_workbook(xlsx)
    assert book.sheetnames == ["ROPA"]
    sheet = book["ROPA"]
    header = next(
        r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == ICO_COLUMNS[0]
    )
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${header}:${header}"
    assert sheet.freeze_panes == f"C{header + 1}"
    for r in range(header, header + len(_purposes_by_name()) + 1):
        cells = [sheet.cell(r, c) for c in range(1, 31)]
        assert all(c.alignment.wrap_text for c in cells)
        # tall enough for its most wrapped cell: at least one line per character-width of text
        need = max(
            sum(-(-max(1, len(p)) // int(sheet.column_dimensions[c.column_letter].width))
                for p in str(c.value).split("\n"))
            for c in cells
        )  # fmt: skip
        assert sheet.row_dimensions[r].height >= 15 * need, r
    widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[header]]
    assert all(10 <= w <= 60 for w in widths)
