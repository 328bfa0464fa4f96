"""The weekly compliance audit: Mondays at 06:00, London time, as of that Monday."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.resources import pinned_as_of


def weekly_audit(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="weekly_audit",
        job=job,
        cron_schedule="0 6 * * 1",
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Audit every export each Monday at 06:00 (Europe/London), as of that day.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        day = context.scheduled_execution_time.date()  # in the schedule's time zone
        return dg.RunRequest(run_config=pinned_as_of(day), tags={"as_of": day.isoformat()})

    return _schedule
