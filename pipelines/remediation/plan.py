"""From a run's open findings to the actions that fix them in the source systems: audit.remediation.

Each open finding (decided ones are the DPO's call, rules/decisions.py) gets at least one action:
- a retention rule's finding takes the action of its retention.yaml row (audit.retention_due);
- a rule of remediation.yaml acts on the finding's own record (redact a field named by the
  detail, unsubscribe) or on every record of the finding's person in other datasets (an erasure
  not carried out: delete each of them, grouped by the request they come from);
- any other finding gets `review`: a person must judge.
A record under a legal hold (exempt in audit.retention_due) is never planned for deletion: it gets
`review`. Actions on one record are merged (one row per record and action, with every rule it
resolves), and a delete makes the record's other actions moot. `target` is what the system acts
on (remediation.yaml `targets`), `sources` the findings a row resolves, for the next audit.
"""

from __future__ import annotations

import duckdb

from pipelines.datamap import DataMap
from pipelines.remediation.values import attach_values, target_sql
from pipelines.rules.catalogue import Suite, all_rules
from pipelines.rules.decisions import is_open

REMEDIATION_DDL = """
create table if not exists audit.remediation (
    run_id varchar, system varchar, dataset varchar, record_key varchar, action varchar,
    rules varchar[], target varchar, field varchar, detail varchar, reference varchar,
    sources struct(rule_id varchar, dataset varchar, record_key varchar)[]
)
"""

PLAN_SQL = """
with found as (
    select rule_id, dataset, record_key, subject_key, detail
    from audit.findings where run_id = $run and {open}
),
actions as (
    select unnest($rule_ids) as rule_id, unnest($actions) as action, unnest($scopes) as scope,
           unnest($only) as only, unnest($never) as never, unnest($fields) as field_regex,
           unnest($reviews) as review_regex
),
held as (  -- exempt from retention (a legal hold, an agreement): never deleted by a plan
    select distinct dataset, record_key from audit.retention_due where exempt
),
retention as (
    select f.*, any_value(d.action) as action
    from found f
    join audit.retention_due d
      on d.rule = f.rule_id and d.dataset = f.dataset and d.record_key = f.record_key
    group by all
),
on_record as (
    select f.*,
           case when a.review_regex is not null and regexp_matches(f.detail, a.review_regex)
                then 'review' else a.action end as action,
           case when a.review_regex is not null and regexp_matches(f.detail, a.review_regex)
                then null
                else nullif(regexp_extract(f.detail, coalesce(a.field_regex, '^$'), 1), '')
                end as field
    from found f join actions a on a.rule_id = f.rule_id and a.scope = 'record'
),
on_subject as (
    select f.rule_id, f.dataset as from_dataset, f.record_key as from_key, f.detail,
           s.dataset, s.record_key, a.action
    from found f
    join actions a on a.rule_id = f.rule_id and a.scope = 'subject'
    join core.subject_records s on s.subject_key = f.subject_key
    where (len(a.only) = 0 or list_contains(a.only, s.dataset))
      and not list_contains(a.never, s.dataset)
      and not (s.dataset = f.dataset and s.record_key = f.record_key)
),
planned as (
    select dataset, record_key, action, rule_id, null as field, detail,
           null as reference, rule_id as src_rule, dataset as src_dataset, record_key as src_key
    from retention
    union all
    select dataset, record_key, action, rule_id, field, detail, null, rule_id, dataset, record_key
    from on_record
    union all
    select dataset, record_key, action, rule_id, null, detail,
           from_dataset || ' ' || from_key, rule_id, from_dataset, from_key
    from on_subject
),
uncovered as (  -- every finding gets an action: review where the plan has none
    select f.dataset, f.record_key, 'review' as action, f.rule_id, null as field, f.detail,
           null as reference, f.rule_id, f.dataset, f.record_key
    from found f
    where not exists (select 1 from planned p where p.src_rule = f.rule_id
                      and p.src_dataset = f.dataset and p.src_key = f.record_key)
),
everything as (
    select * replace (
        case when p.action = 'delete' and h.record_key is not null then 'review'
             else p.action end as action,
        case when p.action = 'delete' and h.record_key is not null
             then 'exempt from deletion (legal hold or agreement): ' || p.detail
             else p.detail end as detail
    )
    from (select * from planned union all select * from uncovered) p
    left join held h using (dataset, record_key)
),
deleted as (select distinct dataset, record_key from everything where action = 'delete'),
superseded as (  -- a delete makes the record's other actions moot
    select e.* replace (
        case when d.record_key is not null then 'delete' else e.action end as action,
        case when d.record_key is not null then null else e.field end as field
    )
    from everything e left join deleted d using (dataset, record_key)
)
select $run as run_id, p.system, s.dataset, s.record_key, s.action,
       list_sort(list_distinct(list(s.rule_id))) as rules,
       null as target, string_agg(distinct s.field, '; ' order by s.field) as field,
       string_agg(distinct s.detail, '; ' order by s.detail) as detail,
       string_agg(distinct s.reference, '; ' order by s.reference) as reference,
       list_distinct(list({{'rule_id': s.src_rule, 'dataset': s.src_dataset,
                            'record_key': s.src_key}})) as sources
from superseded s
left join audit.dataset_parameters p using (dataset)
group by p.system, s.dataset, s.record_key, s.action
order by p.system, s.dataset, s.action, s.record_key
"""


def plan_remediation(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, suites: list[Suite], run_id: str
) -> dict[str, int]:
    """Write the run's rows of audit.remediation; actions planned per action."""
    conn.execute(REMEDIATION_DDL)
    conn.execute("delete from audit.remediation where run_id = ?", [run_id])
    known = {rule.id for _, rule in all_rules(suites)}
    rules = {r: a for r, a in data_map.remediation.rules.items() if r in known}
    conn.execute(
        "create or replace temp table _plan as " + PLAN_SQL.format(open=is_open()),
        {
            "run": run_id,
            "rule_ids": list(rules),
            "actions": [a.action for a in rules.values()],
            "scopes": [a.scope for a in rules.values()],
            "only": [a.datasets for a in rules.values()],
            "never": [a.except_datasets for a in rules.values()],
            "fields": [a.field for a in rules.values()],
            "reviews": [a.review_when for a in rules.values()],
        },
    )
    attach_values(conn, data_map, run_id, "_plan")
    conn.execute(
        "insert into audit.remediation select * replace "
        f"(coalesce({target_sql(data_map)}, r.record_key) as target) "
        "from _plan r"
    )
    conn.execute("drop table _plan")
    return dict(
        conn.execute(
            "select action, count(*) from audit.remediation where run_id = ? group by all",
            [run_id],
        ).fetchall()
    )
