-- Per province: the placements and persons it reported in a week, and what counts in the country after the national
-- registry's rule ($path: the registry_reports glob; $elsewhere: registry_national's file).
-- @builder: writes the registry's summary of one week (tracker.registry); never run for a user
with reports as (
    select province, person_key from read_parquet($path)
),
away as (
    select province, person_key, first_province, home_province from read_parquet($elsewhere)
),
reported as (
    select province, count(*)::bigint as placements, count(distinct person_key)::bigint as persons
    from reports
    group by province
),
placements_away as (
    select province, count(*)::bigint as placements_elsewhere
    from away
    where first_province <> province
    group by province
),
persons_away as (
    select province, count(distinct person_key)::bigint as persons_elsewhere
    from away
    where home_province <> province
    group by province
),
final as (
    select
        r.province,
        r.placements,
        coalesce(p.placements_elsewhere, 0)::bigint as placements_elsewhere,
        (r.placements - coalesce(p.placements_elsewhere, 0))::bigint as placements_counted,
        r.persons,
        coalesce(q.persons_elsewhere, 0)::bigint as persons_elsewhere,
        (r.persons - coalesce(q.persons_elsewhere, 0))::bigint as persons_counted
    from reported as r
    left join placements_away as p using (province)
    left join persons_away as q using (province)
)
select * from final order by province
