"""The weekly compliance audit: Mondays at 06:00, London time."""

from __future__ import annotations

import dagster as dg


def weekly_audit(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="weekly_audit",
        job=job,
        cron_schedule="0 6 * * 1",
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Audit every export each Monday at 06:00 (Europe/London).",
    )
