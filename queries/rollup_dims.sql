-- Per counting unit, dimension and value: persons with a placement of that value (exact: one home each; placements
-- that count only, see `scoped_placements`).
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with per_person_value as (
    {{@dimension_rows}}
),
persons as (
    select * from person_rows($path, '', null, null)
),
per_person_facts as (
    -- person-level facts (all placements of the person together): key groups, months bands, income bins
    {{@group_rows}}
    union all
    select home_code, 'months_band', {{@months_band}}, person_key, organized, placements, income, months from persons
    union all
    select home_code, 'income_bin', {{@income_bin}}::varchar, person_key, organized, placements, income, months
    from persons
),
final as (
    select home_code, dim, value, count(*)::bigint as persons, count(*) filter (where organized)::bigint as organized,
           sum(n)::bigint as placements, sum(income)::bigint as income, sum(months) as months
    from (select * from per_person_value union all select * from per_person_facts)
    group by all
)
select * from final order by dim, home_code, value
