-- Base measures per child unit and for the area, straight from one snapshot's records (with slices).
with persons as (
    select * from person_rows($path, $area, $channels, $grp)
),
final as (
    select
        case when grouping(left(home_code, $child_len)) = 1 then $area
             else rpad(left(home_code, $child_len), $child_len, '0') end as unit_code,
        grouping(left(home_code, $child_len)) = 1 as is_area,
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
    group by grouping sets ((left(home_code, $child_len)), ())
)
select * from final order by is_area desc, unit_code
