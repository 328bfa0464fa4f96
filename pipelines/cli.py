"""privacy-audit: generate sample exports, validate the data map, run the audit."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipelines.audit import AuditSummary, NoExports, generate_sample, run_audit
from pipelines.datamap import DataMapError, load_data_map
from pipelines.lookup import look_up_subject, print_report, write_files
from pipelines.rules.catalogue import SEVERITY_ORDER, load_catalogue
from pipelines.settings import ENGINES, SAMPLE_CONTACTS, SAMPLE_SEED, Settings

out = Console(highlight=False)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except DataMapError as error:
        _fail(str(error))
        return 2
    except NoExports as error:
        _fail(str(error))
        return 1
    except (RuntimeError, OSError, ValueError) as error:  # reconciliation, rules, GX, I/O
        _fail(f"cannot complete: {error}")
        return 1
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130


def _fail(message: str) -> None:
    print(f"privacy-audit: {message}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="privacy-audit", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="command")

    generate = commands.add_parser("generate", help="write the sample estate's exports")
    generate.add_argument("--contacts", type=_positive, default=SAMPLE_CONTACTS)
    generate.add_argument("--seed", type=int, default=SAMPLE_SEED)
    generate.add_argument("--as-of", type=_date, help="last day of history (default: today)")
    generate.add_argument("--out", type=Path, help="folder to write (default: exports/)")
    generate.set_defaults(command=_generate)

    validate = commands.add_parser("validate-map", help="check data_map/ and list every problem")
    validate.add_argument("--data-map", type=Path)
    validate.add_argument("--expectations", type=Path, help="folder of rule suites")
    validate.set_defaults(command=_validate_map)

    run = commands.add_parser(
        "run", help="audit the exports in --exports (see generate for a sample)"
    )
    run.add_argument("--exports", type=Path)
    run.add_argument("--data-map", type=Path)
    run.add_argument("--expectations", type=Path, help="folder of rule suites")
    run.add_argument("--db", type=Path)
    run.add_argument("--as-of", type=_date, help="audit date YYYY-MM-DD (default: today)")
    run.add_argument("--reports", type=Path)
    run.add_argument(
        "--engine",
        choices=ENGINES,
        help="where staging, the text scan, identity resolution and the rules run (default: "
        "duckdb, or PRIVACY_AUDIT_ENGINE); spark needs the spark extra and Java 17, its master "
        "is PRIVACY_AUDIT_SPARK_MASTER (default local[*])",
    )
    run.add_argument(
        "--exports-uri",
        metavar="URI",
        help="read the exports from a URI Spark's file systems read (hdfs:, s3a:, file:) "
        "instead of --exports; needs --engine spark (or PRIVACY_AUDIT_EXPORTS_URI)",
    )
    run.set_defaults(command=_run)

    subject = commands.add_parser("subject", help="everything held on one person (access/erasure)")
    subject.add_argument("identifier", metavar="EMAIL|PHONE")
    subject.add_argument("--db", type=Path)
    subject.add_argument("--data-map", type=Path)
    subject.add_argument("--out", type=Path, help="folder to write (default: reports/subjects/)")
    subject.set_defaults(command=_subject)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from None


def _generate(args: argparse.Namespace) -> int:
    settings = Settings.from_env(exports_dir=args.out, as_of=args.as_of)
    counts = generate_sample(settings, args.contacts, args.seed)
    table = Table("dataset", "rows", title=f"sample estate in {settings.exports_dir}")
    for name, rows in counts.items():
        table.add_row(name, f"{rows:,}")
    out.print(table)
    return 0


def _validate_map(args: argparse.Namespace) -> int:
    settings = Settings.from_env(data_map_dir=args.data_map, expectations_dir=args.expectations)
    data_map = load_data_map(settings.data_map_dir)
    suites = load_catalogue(settings.expectations_dir, data_map)  # every rule bound to the map
    columns = sum(len(spec.columns) for spec in data_map.datasets.values())
    rules = sum(len(suite.rules) for suite in suites)
    out.print(
        f"{settings.data_map_dir}: valid ({len(data_map.datasets)} datasets, {columns} "
        f"columns, {len(data_map.policy.clauses)} policy clauses, "
        f"{len(data_map.retention.rules)} retention rules; {rules} rules of "
        f"{settings.expectations_dir} read only what it maps)"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    settings = Settings.from_env(
        exports_dir=args.exports,
        data_map_dir=args.data_map,
        expectations_dir=args.expectations,
        db_path=args.db,
        as_of=args.as_of,
        reports_dir=args.reports,
        engine=args.engine,
        exports_uri=args.exports_uri,
    )
    summary = run_audit(settings)
    _print_summary(summary, settings)
    return 0


def _subject(args: argparse.Namespace) -> int:
    """Print one person's records; write subject-<key>.json and .html (mode 0600)."""
    settings = Settings.from_env(data_map_dir=args.data_map, db_path=args.db)
    data_map = load_data_map(settings.data_map_dir)
    try:
        report = look_up_subject(settings.db_path, data_map, args.identifier)
    except LookupError as error:  # nobody has this identifier
        _fail(str(error))
        return 1
    print_report(out, report)
    for path in write_files(report, args.out or settings.reports_dir / "subjects"):
        out.print(f"written: {path}", soft_wrap=True, markup=False)
    return 0


def _print_summary(summary: AuditSummary, settings: Settings) -> None:
    table = Table(
        "dataset",
        "files",
        "rows read",
        "loaded",
        "rejected",
        "staged",
        title=f"audit as of {summary.as_of} - {settings.db_path}",
    )
    for load in summary.loads:
        table.add_row(
            load.dataset,
            str(len(load.files)),
            f"{sum(f.rows_read for f in load.files):,}",
            f"{sum(f.rows_loaded for f in load.files):,}",
            f"{sum(f.rows_rejected for f in load.files):,}",
            f"{summary.staged.get(load.dataset, 0):,}",
        )
    out.print(table)
    gaps = [gap for load in summary.loads for gap in load.gap_messages]
    for load in summary.loads:
        for file in load.files:
            for note in file.notes:
                out.print(f"data quality: {file.source_file}: {note.sentence()}", markup=False)
    for gap in gaps:
        out.print(f"[yellow]audit gap:[/] {escape(gap)}")
    timings = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in summary.seconds.items())
    out.print(f"subjects: {summary.subjects:,} people across all sources")
    for warning in summary.warnings:
        out.print(f"identity warning: {warning}", markup=False)
    _print_findings(summary)
    out.print(f"run {summary.run_id} ({timings})")
    if summary.report_note:
        out.print(f"[yellow]{summary.report_note}[/]")
    if summary.outputs:
        folder = summary.outputs[0].parent
        out.print(f"written to {folder}/ (and {folder.parent / 'latest'}/):", soft_wrap=True)
        for path in summary.outputs:
            if path.parent == folder:
                out.print(f"  {path.name}: {OUTPUT_WORDS.get(path.name, 'output')}", soft_wrap=True)
        if lists := [p for p in summary.outputs if p.parent.name == "remediation"]:
            out.print(
                f"  remediation/: {len(lists)} files, remediation.csv (every action) and each "
                "system's own lists (owner-only: they hold record keys and emails)",
                soft_wrap=True,
            )
    elif summary.report:
        out.print(f"report: {summary.report}", soft_wrap=True)
    if gaps:
        out.print(
            f"[yellow]audit completed with {len(gaps)} audit gap{'s' if len(gaps) > 1 else ''}"
            " (above): its findings cover only the rows that could be read[/]"
        )


OUTPUT_WORDS = {
    "report.html": "the management report",
    "report.pdf": "the management report, printable",
    "findings.csv": "every finding, for analysts",
    "findings.parquet": "every finding, for analysts",
    "resolved.csv": "the previous audit's findings that are gone, for analysts",
    "resolved.parquet": "the previous audit's findings that are gone, for analysts",
    "ropa.csv": "the record of processing activities (ICO template)",
    "ropa.xlsx": "the record of processing activities, for Excel",
    "ropa.html": "the record of processing activities, to read or print",
}


def _print_findings(summary: AuditSummary) -> None:
    order = {severity: i for i, severity in enumerate(SEVERITY_ORDER)}
    compared = summary.previous_run is not None
    columns = ["rule", "severity", "findings"] + (["new", "resolved"] if compared else [])
    table = Table(*columns, title="findings")
    for rule, count in sorted(
        summary.findings.items(), key=lambda item: (order[summary.severities[item[0]]], item[0])
    ):
        changes = [f"{summary.new.get(rule, 0):,}", f"{summary.resolved.get(rule, 0):,}"]
        table.add_row(rule, summary.severities[rule], f"{count:,}", *(changes if compared else []))
    out.print(table)
    totals = {
        s: sum(n for rule, n in summary.findings.items() if summary.severities[rule] == s)
        for s in SEVERITY_ORDER
    }
    by_severity = ", ".join(f"{n:,} {s}" for s, n in totals.items() if n)
    out.print(
        f"{sum(summary.findings.values()):,} findings in {len(summary.findings)} rules"
        + (f" ({by_severity})" if by_severity else "")
    )
    decided = {k: n for k, n in summary.decided.items() if k not in ("open", "reopened")}
    if decided or summary.decided.get("reopened"):
        words = ", ".join(
            f"{n:,} {state.replace('_', ' ')}" for state, n in sorted(decided.items())
        )
        out.print(
            f"decided (decisions.yaml, kept apart from the open ones): {words or 'none'}; "
            f"reopened (decision expired): {summary.decided.get('reopened', 0):,}"
        )
    if compared:
        out.print(
            f"since the previous audit (run {summary.previous_run}): "
            f"{sum(summary.new.values()):,} new, {sum(summary.resolved.values()):,} resolved"
        )
    else:
        out.print("first audit of this warehouse: every finding is new")
    _print_remediation(summary)


def _print_remediation(summary: AuditSummary) -> None:
    if summary.remediation:
        planned = ", ".join(f"{n:,} {a.replace('_', ' ')}" for a, n in summary.remediation.items())
        out.print(f"remediation planned: {sum(summary.remediation.values()):,} actions ({planned})")
    done = summary.follow_up
    if done is not None and done.previous_run is not None:
        out.print(
            f"the previous run's actions: {done.carried_out:,} of {done.planned:,} carried out "
            f"(their findings are gone), {done.not_carried_out:,} not yet; "
            f"{done.came_back_total:,} findings came back after being fixed"
        )


if __name__ == "__main__":
    sys.exit(main())
