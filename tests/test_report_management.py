"""The management report: every section, one plotly.js, the trend and ages over three audits, no
personal data in the HTML or the PDF, every value escaped, and charts that draw in a real browser.

One sample estate (300 contacts, plus a CRM contact whose notes hold a card number and a script)
is audited as of three dates; the report of the last audit is built once for the module.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import plotly.offline
import pytest
from conftest import audit_settings, pdf_text
from markupsafe import escape

from pipelines.audit import run_audit
from pipelines.datamap import DataMap, load_data_map
from pipelines.reporting.management import build_management_report
from pipelines.reporting.masking import mask_key, redact
from pipelines.reporting.pdf import write_pdf
from pipelines.reporting.queries import ReportError
from pipelines.rules.catalogue import Suite, load_catalogue
from pipelines.sample import generate_estate
from pipelines.warehouse import connect, ident

REPO = Path(__file__).resolve().parents[1]
AS_OFS = (date(2026, 5, 1), date(2026, 8, 1), date(2026, 11, 1))
BROWSER_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SECTIONS = (
    "status", "fix-first", "overview", "trend", "age", "systems", "clauses", "coverage",
    "datamap", "rules", "about",
)  # fmt: skip
CHARTS = ("severity", "area", "rule", "trend", "age", "system", "coverage", "datamap")
SCRIPT_NOTES = "Paid by card {card} exp 04/29 <script>alert(1)</script>"
SCRIPT_CONTACT = "59999999999"


@dataclass
class Audited:
    root: Path
    exports: Path
    db: Path
    data_map: DataMap
    suites: list[Suite]
    run_ids: list[str]
    report: Path
    card: str

    @property
    def html(self) -> str:
        return self.report.read_text(encoding="utf-8")


def luhn_complete(digits: str) -> str:
    """digits plus the check digit that makes the number Luhn-valid."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


def plant_script_contact(exports: Path) -> str:
    """Append a HubSpot contact whose Notes hold a card number and a <script>; return the card."""
    card = luhn_complete("453201511283036")
    path = next((exports / "crm_contacts").glob("*.csv"))
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    row = dict.fromkeys(header, "")
    row.update(
        {
            "Record ID": SCRIPT_CONTACT,
            "First Name": "Scripty",
            "Last Name": "McTest",
            "Email": "scripty.mctest@example.com",
            "Phone Number": "07700 900461",
            "Last Activity Date": "2026-04-01 10:00",
            "Create Date": "2025-01-01 10:00",
            "Unsubscribed from all email": "true",
            "Notes": SCRIPT_NOTES.format(
                card=" ".join([card[:4], card[4:8], card[8:12], card[12:]])
            ),
        }
    )
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(
            [row[h] for h in header]
        )
    return card


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Audited:
    root = tmp_path_factory.mktemp("management")
    exports = root / "exports"
    generate_estate(exports, 300, 11, AS_OFS[-1])
    card = plant_script_contact(exports)
    run_ids = []
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
        for as_of in AS_OFS:
            settings = audit_settings(root, as_of)
            run_ids.append(run_audit(settings).run_id)
    data_map = load_data_map(REPO / "data_map")
    suites = load_catalogue(REPO / "expectations", data_map)
    with connect(root / "w.duckdb", read_only=True) as conn:
        report = build_management_report(
            conn, data_map, suites, run_ids[-1], root / "reports" / run_ids[-1]
        )
    return Audited(root, exports, root / "w.duckdb", data_map, suites, run_ids, report, card)


def chart_data(html: str, name: str) -> dict:
    match = re.search(
        rf'<script type="application/json" class="chart-data" data-target="chart-{name}">'
        r"(.*?)</script>",
        html,
        re.S,
    )
    assert match, f"no data for chart {name}"
    return json.loads(match.group(1))


def test_report_has_every_section_and_one_plotly(audited: Audited) -> None:
    html = audited.html
    assert audited.report == audited.root / "reports" / audited.run_ids[-1] / "report.html"
    assert html.count(plotly.offline.get_plotlyjs()[:200]) == 1
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    for name in CHARTS:
        assert html.count(f'id="chart-{name}"') == 1, name
        assert chart_data(html, name)["data"], name
    for suite in audited.suites:
        for rule in suite.rules:
            assert html.count(f'id="rule-{rule.id}"') == 1, rule.id
    with duckdb.connect(str(audited.db), read_only=True) as conn:
        broken = {
            row[0]
            for row in conn.execute(
                "select distinct unnest(clause_ids) from audit.findings where run_id = ?",
                [audited.run_ids[-1]],
            ).fetchall()
        }
    assert broken
    for clause in audited.data_map.policy.clauses:
        assert html.count(f'id="clause-{clause.id}"') == 1, clause.id
        if clause.id in broken:  # a broken clause is quoted in its own words
            assert str(escape(clause.text)) in html, clause.id
    assert "Critical problems: " in html  # the sample estate plants card numbers and sales
    assert "personal data sold" in html
    assert str(escape("“Your personal information will never be sold.”")) in html
    assert audited.run_ids[-1] in html and "1 November 2026" in html


def test_trend_has_a_point_per_audit(audited: Audited) -> None:
    traces = {t["name"]: t for t in chart_data(audited.html, "trend")["data"]}
    assert set(traces) == {"Critical", "High", "Medium", "Low", "All open findings"}
    expected = [f"{d:%d %b %Y}" for d in AS_OFS]  # one point per run, in the order they ran
    for trace in traces.values():
        assert trace["x"] == expected
    with duckdb.connect(str(audited.db), read_only=True) as conn:
        totals = [
            conn.execute("select count(*) from audit.findings where run_id = ?", [r]).fetchone()[0]
            for r in audited.run_ids
        ]
    assert traces["All open findings"]["y"] == totals


def test_open_since_is_the_first_audit_of_a_finding_found_three_times(audited: Audited) -> None:
    with duckdb.connect(str(audited.db), read_only=True) as conn:
        rule_id, dataset, key, first_seen = conn.execute(
            """
            select rule_id, dataset, record_key, max(first_seen_as_of) filter (where run_id = ?)
            from audit.findings group by all having count(distinct run_id) = 3
            order by rule_id, 4, dataset, record_key limit 1
            """,
            [audited.run_ids[-1]],
        ).fetchone()
    assert first_seen == AS_OFS[0]
    masked = escape(mask_key(audited.data_map, dataset, key))
    html = audited.html
    section = html[html.index(f'id="rule-{rule_id}"') :]
    section = section[: section.index("</article>")]
    assert f'data-record-key="{masked}" data-open-since="{AS_OFS[0].isoformat()}"' in section
    assert f'data-rule="{rule_id}" data-open-since="{AS_OFS[0].isoformat()}"' in html


def personal_values(audited: Audited) -> dict[str, set[str]]:
    """Every email, phone number (raw and E.164) and 13-19 digit run of the sample estate."""
    found: dict[str, set[str]] = {"email": set(), "phone": set(), "card": set()}
    with duckdb.connect(str(audited.db), read_only=True) as conn:
        for spec in audited.data_map.datasets.values():
            for column in spec.columns:
                if column.type not in ("email", "phone"):
                    continue
                for table, name in (("staging", column.name), ("raw", column.source)):
                    if name is None:
                        continue
                    rows = conn.execute(
                        f"select distinct cast({ident(name)} as varchar) "
                        f"from {table}.{ident(spec.name)} where {ident(name)} is not null"
                    ).fetchall()
                    found[column.type] |= {row[0].strip() for row in rows if row[0].strip()}
    for path in audited.exports.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for run in re.findall(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)", text):
                found["card"].add(re.sub(r"\D", "", run))
    assert len(found["email"]) > 100 and len(found["phone"]) > 100 and audited.card in found["card"]
    return found


def assert_no_personal_data(text: str, values: dict[str, set[str]]) -> None:
    flat = re.sub(r"\s+", "", text).lower()
    digits_only = re.sub(r"\D", "", text)
    leaks = [v for v in values["email"] if v.lower() in flat]
    leaks += [v for v in values["phone"] if re.sub(r"\s+", "", v).lower() in flat]
    leaks += [v for v in values["card"] if v in digits_only or v in flat]
    assert not leaks, f"personal data in the report: {sorted(leaks)[:5]}"


def test_report_holds_no_personal_data(audited: Audited) -> None:
    # the library is not data: its numbers could match a phone number by chance
    assert_no_personal_data(without_plotly(audited.html), personal_values(audited))


def without_plotly(html: str) -> str:
    """The report less the plotly.js library (whose code holds "<b>" and the like)."""
    bundle = plotly.offline.get_plotlyjs()
    assert html.count(bundle) == 1
    return html.replace(bundle, "")


def test_values_are_escaped(audited: Audited, tmp_path: Path) -> None:
    html = without_plotly(audited.html)
    assert "<script>alert" not in html
    pan = html[html.index('id="rule-SEC-PAN"') :]
    assert f'data-record-key="{SCRIPT_CONTACT}"' in pan[: pan.index("</article>")]

    db = tmp_path / "w.duckdb"
    shutil.copy(audited.db, db)
    run_id = audited.run_ids[-1]
    with connect(db) as conn:
        conn.execute(
            """
            insert into audit.findings
            select run_id, as_of, rule_id, title, severity, area, clause_ids, dataset,
                   '<i>key</i>', subject_key, '<b>bold</b> <script>alert(2)</script>',
                   first_seen_run, first_seen_as_of, decision_state, decision, responsible
            from audit.findings where run_id = ? and rule_id = 'SEC-PAN' limit 1
            """,
            [run_id],
        )
        suites = [
            suite.model_copy(
                update={
                    "rules": [
                        r.model_copy(update={"title": r.title + " <b>now</b>"}) for r in suite.rules
                    ]
                }
            )
            for suite in audited.suites
        ]
        report = build_management_report(conn, audited.data_map, suites, run_id, tmp_path / "r")
    html = without_plotly(report.read_text(encoding="utf-8"))
    assert "<b>" not in html and "<i>" not in html and "<script>alert" not in html
    assert "Full card number stored &lt;b&gt;now&lt;/b&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "&lt;i&gt;key&lt;/i&gt;" in html
    labels = json.dumps(chart_data(html, "rule"))
    assert "&lt;b&gt;now" in labels and "<b>" not in labels


def test_clean_run_is_green_and_unknown_run_fails(audited: Audited, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(audited.db, db)
    run_id = audited.run_ids[-1]
    with connect(db) as conn:
        conn.execute("delete from audit.findings where run_id = ?", [run_id])
        report = build_management_report(
            conn, audited.data_map, audited.suites, run_id, tmp_path / "r"
        )
        with pytest.raises(ReportError, match="not in audit.runs"):
            build_management_report(conn, audited.data_map, audited.suites, "nope", tmp_path)
    html = report.read_text(encoding="utf-8")
    assert 'class="banner banner-green"' in html
    assert "No problems found: every automated check passed" in html
    assert "getting better" in html  # from the previous audit's findings down to none


def test_masking() -> None:
    data_map = load_data_map(REPO / "data_map")
    assert mask_key(data_map, "marketing_members", "a.b@example.com") == "[email withheld]"
    assert mask_key(data_map, "marketing_sends", "c1|a.b@example.com") == "c1|[email withheld]"
    assert mask_key(data_map, "call_recordings", "pbx1-1770199420.270") == "pbx1-1770199420.270"
    assert mask_key(data_map, "disclosures", "12") == "12"
    assert redact("call 07700 900123 or +447700900123, mail X@Y.com") == (
        "call [number removed] or [number removed], mail [email removed]"
    )
    assert redact("due 2024-04-08, card ending 1111") == "due 2024-04-08, card ending 1111"


def test_report_renders_in_a_browser_and_prints(
    audited: Audited, tmp_path: Path, chromium: str
) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.route(  # offline: nothing but the file itself may load
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith("file:") else route.abort()
            ),
        )
        page.goto(audited.report.as_uri())
        page.wait_for_selector("body[data-charts-ready]", timeout=30_000)
        drawn = page.locator(".js-plotly-plot .main-svg").count()
        plots = page.locator(".chart.js-plotly-plot").count()
        browser.close()
    assert not errors, errors
    assert plots == len(CHARTS) and drawn >= len(CHARTS)

    pdf = write_pdf(audited.report, tmp_path / "report.pdf")
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    pages = len(reader.pages)
    assert pages > 1
    text = pdf_text(pdf)
    assert "Critical problems" in text and "What to fix first" in text
    assert_no_personal_data(text, personal_values(audited))
    # every page numbered, with the running header naming the company, the as-of date and run
    for number in (1, pages // 2, pages):
        assert f"Page {number} of {pages}" in text
    run_id = audited.run_ids[-1]
    assert text.count(f"run {run_id}") >= pages and text.count("Confidential") >= pages
    assert "Click a bar" not in text  # no hint only a screen can follow

    # bookmarks: the sections of the report
    def flat(items):
        for item in items:
            yield from flat(item) if isinstance(item, list) else [item.title]

    titles = list(flat(reader.outline))
    assert "1. What to fix first" in titles and "2. Resolved since the previous audit" in titles
