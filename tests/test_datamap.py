"""The data map loads, and every mistake in it is reported with its file, its key and a fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from pipelines.datamap import DataMapError, Problem, load_data_map

DEFAULT_DATASETS = {
    "crm_contacts",
    "orders",
    "call_recordings",
    "marketing_members",
    "marketing_sends",
    "chat_transcripts",
    "rights_requests",
    "disclosures",
    "cookie_scans",
    "cookie_consents",
    "job_applications",
    "employees",
}


def edit(directory: Path, relative: str, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in data_map/<relative>."""
    path = directory / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def problems_of(directory: Path) -> list[Problem]:
    with pytest.raises(DataMapError) as caught:
        load_data_map(directory)
    problems = caught.value.problems
    # the exception text lists every problem too (that is what the CLI prints)
    for problem in problems:
        assert str(problem) in str(caught.value)
    return problems


def only(problems: list[Problem], file_name: str, key: str) -> Problem:
    found = [p for p in problems if Path(p.file).name == file_name and p.key == key]
    assert len(found) == 1, f"no single problem {file_name}: {key} in {problems}"
    return found[0]


def test_default_data_map_loads_with_fideslang_categories(data_map):
    categories = {c.fides_key for c in DEFAULT_TAXONOMY.data_category}
    subjects = {s.fides_key for s in DEFAULT_TAXONOMY.data_subject}

    assert set(data_map.datasets) == DEFAULT_DATASETS
    for spec in data_map.datasets.values():
        assert spec.columns, spec.name
        for column in spec.columns:
            assert column.category in categories, (spec.name, column.name, column.category)
        assert set(spec.data_subjects) <= subjects, spec.name
        assert data_map.system(spec.system) is not None, spec.name
    assert re.fullmatch(r"[0-9a-f]{64}", data_map.digest)


def test_default_keys_are_the_documented_ones(data_map):
    keys = {name: spec.key for name, spec in data_map.datasets.items()}
    assert keys == {
        "crm_contacts": ["record_id"],
        "orders": ["order_name"],
        "call_recordings": ["unique_id"],
        "marketing_members": ["email"],
        "marketing_sends": ["campaign_id", "email"],
        "chat_transcripts": ["chat_id"],
        "rights_requests": ["ref"],
        "disclosures": [],
        "cookie_scans": ["cookie_name"],
        "cookie_consents": [],
        "job_applications": ["application_id"],
        "employees": ["employee_number"],
    }


# (file, text to replace, replacement, problem key, words of the message, words of the fix)
MISTAKES = {
    "unknown category with a close match": (
        "datasets/crm_contacts.yaml",
        "category: user.contact.email}",
        "category: user.contact.emial}",
        "dataset.columns.email.category",
        ["user.contact.emial", "not a fideslang data category"],
        ["use 'user.contact.email'"],
    ),
    "retention starts names a missing column": (
        "retention.yaml",
        "starts: started_at\n      action: delete\n      exempt_when",
        "starts: call_started\n      action: delete\n      exempt_when",
        "retention.rules.call_recordings.starts",
        ["call_started", "not declared", "call_recordings"],
        ["datasets/call_recordings.yaml"],
    ),
    "retention starts names a missing column of another dataset": (
        "retention.yaml",
        "end_of_financial_year(orders.created_at)",
        "end_of_financial_year(orders.ordered_at)",
        "retention.rules.customers.starts",
        ["ordered_at", "not declared", "orders"],
        ["datasets/orders.yaml"],
    ),
    "exempt_when names a missing column": (
        "retention.yaml",
        "exempt_when: legal_hold",
        "exempt_when: on_hold",
        "retention.rules.call_recordings.exempt_when",
        ["on_hold", "not declared", "call_recordings"],
        ["datasets/call_recordings.yaml"],
    ),
    "a column with a source that is also declared absent": (
        "datasets/crm_contacts.yaml",
        "{source: Job Title, name: job_title,",
        "{source: Job Title, absent: true, name: job_title,",
        "dataset.columns.job_title",
        ["needs exactly one of source, sources, from_file_name or absent", "source, absent"],
        ["absent: true"],
    ),
    "anonymised_when_empty names an undeclared column": (
        "datasets/crm_contacts.yaml",
        "anonymised_when_empty: [first_name, last_name, email, phone]",
        "anonymised_when_empty: [first_name, surname, email, phone]",
        "dataset.anonymised_when_empty",
        ["column 'surname' is not declared"],
        ["canonical column names"],
    ),
    "a safe country nobody knows": (
        "rules.yaml",
        "Sweden]",
        "Swedenland]",
        "rules.safe_countries",
        ["'Swedenland' is not a country"],
        ["ISO 3166 code"],
    ),
    "a canonical name staging keeps for itself": (
        "datasets/orders.yaml",
        "name: order_id,",
        "name: is_anonymised,",
        "dataset.columns.is_anonymised.name",
        ["a name staging gives its own column"],
        ["record_key"],
    ),
    "key column not declared": (
        "datasets/call_recordings.yaml",
        "key: [unique_id]",
        "key: [call_id]",
        "dataset.key",
        ["call_id", "not declared"],
        ["declare it under columns"],
    ),
    "unknown system": (
        "datasets/orders.yaml",
        "system: ordering",
        "system: shopify",
        "dataset.system",
        ["unknown system 'shopify'"],
        ["systems.yaml"],
    ),
    "unknown recipient in a purpose": (
        "systems.yaml",
        "recipients: [printmail]",
        "recipients: [printmale]",
        "systems.email_marketing.purposes[0].recipients",
        ["unknown recipient 'printmale'"],
        ["recipients.yaml"],
    ),
    "dataset name differs from its file name": (
        "datasets/marketing_sends.yaml",
        "name: marketing_sends",
        "name: campaign_sends",
        "dataset.name",
        ["campaign_sends", "differs from the file name"],
        ["campaign_sends.yaml", "marketing_sends"],
    ),
    "extract regex without a capture group": (
        "datasets/call_recordings.yaml",
        "extract: 'rec=([^;]*)'",
        "extract: 'rec=[^;]*'",
        "dataset.columns.recording_file.extract",
        ["capture group"],
        ["( )"],
    ),
    "invalid extract regex": (
        "datasets/call_recordings.yaml",
        "extract: 'hold=([01])'",
        "extract: 'hold=([01]'",
        "dataset.columns.legal_hold.extract",
        ["invalid regular expression"],
        ["correct the pattern"],
    ),
    "unknown dataset time zone": (
        "datasets/crm_contacts.yaml",
        "  key: [record_id]",
        "  timezone: Europe/Londres\n  key: [record_id]",
        "dataset.timezone",
        ["unknown time zone 'Europe/Londres'"],
        ["Europe/London"],
    ),
    "unknown column time zone": (
        "datasets/marketing_sends.yaml",
        "{source: sent_at, name: sent_at,",
        "{source: sent_at, name: sent_at, timezone: Mars/Olympus,",
        "dataset.columns.sent_at.timezone",
        ["unknown time zone 'Mars/Olympus'"],
        ["IANA"],
    ),
    "unknown retention time zone": (
        "retention.yaml",
        "timezone: Europe/London",
        "timezone: GMT+1",
        "retention.timezone",
        ["unknown time zone 'GMT+1'"],
        ["Europe/London"],
    ),
    "timestamp column without formats": (
        "datasets/marketing_sends.yaml",
        ', formats: ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S"]',
        "",
        "dataset.columns.sent_at.formats",
        ["needs formats"],
        ["strptime formats"],
    ),
    "unknown data use": (
        "systems.yaml",
        "data_use: marketing.communications.email",
        "data_use: marketing.communication.email",
        "systems.email_marketing.purposes[0].data_use",
        ["marketing.communication.email", "not a fideslang data use"],
        ["use 'marketing.communications.email'"],
    ),
    "unknown policy clause in a retention rule": (
        "retention.yaml",
        'clauses: ["7.1", "8.1"]',
        'clauses: ["7.1", "8.9"]',
        "retention.rules.unsubscribed_members.clauses",
        ["unknown policy clause '8.9'"],
        ["policy.yaml"],
    ),
}


@pytest.mark.parametrize("mistake", list(MISTAKES), ids=list(MISTAKES))
def test_a_mistake_is_reported_with_file_key_and_fix(data_map_copy, mistake):
    file, old, new, key, message_words, fix_words = MISTAKES[mistake]
    edit(data_map_copy, file, old, new)

    problems = problems_of(data_map_copy)

    assert len(problems) == 1, problems
    problem = only(problems, Path(file).name, key)
    assert Path(problem.file) == data_map_copy / file
    for word in message_words:
        assert word in problem.message, (word, problem)
    for word in fix_words:
        assert word in problem.fix, (word, problem)


def test_invalid_yaml_names_the_file_and_line(data_map_copy):
    path = data_map_copy / "datasets" / "disclosures.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if text.startswith("  key:"))
    lines[line - 1] = "  key: [ref"  # an unclosed flow sequence
    lines.insert(line, "  oops: : :")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    problems = problems_of(data_map_copy)

    assert len(problems) == 1, problems
    (problem,) = problems
    assert Path(problem.file).name == "disclosures.yaml"
    assert problem.key.startswith(f"line {line + 1},")
    assert "not valid YAML" in problem.message
    assert "YAML syntax" in problem.fix


def test_invalid_yaml_in_a_top_level_file_names_its_line(data_map_copy):
    path = data_map_copy / "systems.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if "owner: Head of Sales" in text)
    lines.insert(line, "   bogus: [")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    problems = problems_of(data_map_copy)

    assert [Path(p.file).name for p in problems] == ["systems.yaml"]
    assert problems[0].key.startswith(f"line {line + 1},")


def test_a_typo_in_a_field_name_is_an_unknown_key(data_map_copy):
    edit(
        data_map_copy,
        "datasets/marketing_sends.yaml",
        "{source: campaign_title, name: campaign_title, category: system.operations}",
        "{source: campaign_title, name: campaign_title, categroy: system.operations}",
    )

    problems = problems_of(data_map_copy)

    typo = only(problems, "marketing_sends.yaml", "dataset.columns[1].categroy")
    assert typo.message == "unknown key"
    assert "spelling" in typo.fix
    missing = only(problems, "marketing_sends.yaml", "dataset.columns[1].category")
    assert missing.message == "required key missing"
    assert len(problems) == 2


def test_a_typo_in_a_top_level_dataset_key_is_reported(data_map_copy):
    edit(data_map_copy, "datasets/chat_transcripts.yaml", "  files: {", "  file: {")

    problems = problems_of(data_map_copy)

    assert only(problems, "chat_transcripts.yaml", "dataset.file").message == "unknown key"
    assert (
        only(problems, "chat_transcripts.yaml", "dataset.files").message == "required key missing"
    )


def test_several_problems_in_several_files_are_all_reported(data_map_copy):
    edit(
        data_map_copy,
        "datasets/crm_contacts.yaml",
        "category: user.contact.email}",
        "category: user.contact.emial}",
    )
    edit(data_map_copy, "datasets/orders.yaml", "system: ordering", "system: shopify")
    edit(data_map_copy, "datasets/call_recordings.yaml", "key: [unique_id]", "key: [call_id]")
    edit(data_map_copy, "retention.yaml", "exempt_when: legal_hold", "exempt_when: on_hold")
    edit(data_map_copy, "systems.yaml", "recipients: [printmail]", "recipients: [printmale]")

    problems = problems_of(data_map_copy)

    assert sorted((Path(p.file).name, p.key) for p in problems) == [
        ("call_recordings.yaml", "dataset.key"),
        ("crm_contacts.yaml", "dataset.columns.email.category"),
        ("orders.yaml", "dataset.system"),
        ("retention.yaml", "retention.rules.call_recordings.exempt_when"),
        ("systems.yaml", "systems.email_marketing.purposes[0].recipients"),
    ]


def test_several_syntax_problems_are_all_reported(data_map_copy):
    edit(data_map_copy, "datasets/orders.yaml", "  files: {", "  file: {")
    (data_map_copy / "datasets" / "disclosures.yaml").write_text("dataset: [\n", encoding="utf-8")
    edit(data_map_copy, "recipients.yaml", "country: United States", "countri: United States")

    problems = problems_of(data_map_copy)

    files = {Path(p.file).name for p in problems}
    assert files == {"orders.yaml", "disclosures.yaml", "recipients.yaml"}
    assert only(problems, "orders.yaml", "dataset.file").message == "unknown key"
    assert only(problems, "recipients.yaml", "recipients[4].countri").message == "unknown key"


def test_a_syntax_problem_does_not_hide_a_category_problem_in_another_file(data_map_copy):
    edit(
        data_map_copy,
        "datasets/marketing_sends.yaml",
        "{source: campaign_title, name: campaign_title, category: system.operations}",
        "{source: campaign_title, name: campaign_title, categroy: system.operations}",
    )
    edit(
        data_map_copy,
        "datasets/crm_contacts.yaml",
        "category: user.contact.email}",
        "category: user.contact.emial}",
    )

    problems = problems_of(data_map_copy)

    only(problems, "marketing_sends.yaml", "dataset.columns[1].categroy")
    category = only(problems, "crm_contacts.yaml", "dataset.columns.email.category")
    assert category.fix == "use 'user.contact.email'"


def test_an_extract_pattern_duckdb_cannot_run_is_a_data_map_problem(data_map_copy):
    edit(
        data_map_copy,
        "datasets/call_recordings.yaml",
        "extract: 'rec=([^;]*)'",
        "extract: '(?<=rec=)([^;]*)'",
    )

    problems = problems_of(data_map_copy)

    only(problems, "call_recordings.yaml", "dataset.columns.recording_file.extract")


def test_a_timestamp_format_duckdb_cannot_parse_is_a_data_map_problem(data_map_copy):
    edit(
        data_map_copy,
        "datasets/marketing_sends.yaml",
        '"%Y-%m-%dT%H:%M:%S"]',
        '"%Y-%m-%dT%H:%M:%Q"]',
    )

    problems = problems_of(data_map_copy)

    only(problems, "marketing_sends.yaml", "dataset.columns.sent_at.formats")


def test_a_missing_data_map_folder_is_reported(tmp_path):
    problems = problems_of(tmp_path / "nowhere")

    assert len(problems) == 1
    assert problems[0].file == str(tmp_path / "nowhere")
    assert "not found" in problems[0].message


def test_a_missing_top_level_file_is_reported(data_map_copy):
    (data_map_copy / "recipients.yaml").unlink()

    problems = problems_of(data_map_copy)

    assert [(Path(p.file).name, p.message) for p in problems] == [
        ("recipients.yaml", "file missing")
    ]
