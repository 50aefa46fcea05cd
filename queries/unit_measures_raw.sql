-- Base measures per child unit and for the area, straight from one snapshot's records (with slices).
with persons as (
    select * from person_rows($path, $area, $channels, $grp)
),
by_child as (
    select
        rpad(left(home_code, $child_len), $child_len, '0') as unit_code,
        count(*)::bigint as persons,
        count(*) filter (where organized)::bigint as organized,
        count(*) filter (where org_xprov)::bigint as org_xprov,
        count(*) filter (where org_xpref)::bigint as org_xpref,
        count(*) filter (where out_region)::bigint as out_region,
        count(*) filter (where trained)::bigint as trained,
        count(*) filter (where trained_directed)::bigint as trained_directed,
        count(*) filter (where job_source = 'industry')::bigint as src_industry,
        count(*) filter (where job_source = 'project')::bigint as src_project,
        count(*) filter (where job_source = 'flexible')::bigint as src_flexible,
        sum(income)::bigint as income,
        sum(placements)::bigint as placements
    from persons
    group by 1
),
-- every person has exactly one counting unit, so the area is the sum of its children
final as (
    select $area as unit_code, true as is_area, coalesce(sum(columns(* exclude (unit_code))), 0)::bigint from by_child
    union all
    select unit_code, false, columns(* exclude (unit_code)) from by_child
)
select * from final order by is_area desc, unit_code
