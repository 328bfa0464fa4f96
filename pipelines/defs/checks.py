"""GX suites as asset checks: one check per rule, on the staging asset its findings point at.

Each suite runs through Great Expectations on the warehouse once its inputs are ready; a rule
with violating rows fails its check (severity ERROR for critical and high, WARN otherwise), and an
erroring expectation fails the run.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.audit import validate_rules
from pipelines.rules.catalogue import Rule, Suite


def _target(rule: Rule) -> str:
    return f"staging_{rule.dataset}" if rule.dataset else "subjects"


def _check_name(rule: Rule) -> str:
    return rule.id.lower().replace("-", "_")


def suite_checks(suite: Suite) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            _check_name(rule),
            asset=_target(rule),
            description=rule.title,
            additional_deps=["rule_inputs"],
        )
        for rule in suite.rules
    ]

    @dg.multi_asset_check(name=f"{suite.suite}_suite", specs=specs, description=suite.description)
    def _checks(warehouse: DuckDBResource):
        counts = validate_rules(warehouse.database, [suite])
        for rule in suite.rules:
            violating = counts.get(rule.id, 0)
            yield dg.AssetCheckResult(
                check_name=_check_name(rule),
                asset_key=_target(rule),
                passed=violating == 0,
                severity=(
                    dg.AssetCheckSeverity.ERROR
                    if rule.severity in ("critical", "high")
                    else dg.AssetCheckSeverity.WARN
                ),
                metadata={
                    "violating_rows": violating,
                    "rule": rule.id,
                    "severity": rule.severity,
                    "clauses": ", ".join(rule.clauses),
                },
            )

    return _checks
