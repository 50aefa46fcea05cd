-- Base measures per weekly snapshot for the area itself and for each of its child units.
with scoped as (
    select *
    from rollup
    where starts_with(home_code, $area)
      and snapshot_date between $from_date and $to_date
),
grouped as (
    select
        snapshot_date,
        grouping(left(home_code, $child_len)) = 1 as is_area,
        left(home_code, $child_len) as child_code,
        sum(persons)::bigint as persons,
        sum(organized)::bigint as organized,
        sum(org_xprov)::bigint as org_xprov,
        sum(org_xpref)::bigint as org_xpref,
        sum(out_region)::bigint as out_region,
        sum(trained)::bigint as trained,
        sum(trained_directed)::bigint as trained_directed,
        sum(src_industry)::bigint as src_industry,
        sum(src_project)::bigint as src_project,
        sum(src_flexible)::bigint as src_flexible,
        sum(income)::bigint as income,
        sum(placements)::bigint as placements,
        sum(records)::bigint as records
    from scoped
    group by grouping sets ((snapshot_date), (snapshot_date, left(home_code, $child_len)))
),
final as (
    select
        snapshot_date,
        -- records without a village sit in their township: under a township area they get the
        -- pseudo village code <township>000 (real village codes start at 001)
        case when is_area then $area else rpad(child_code, $child_len, '0') end as unit_code,
        is_area,
        * exclude (snapshot_date, is_area, child_code)
    from grouped
)
select * from final order by snapshot_date, is_area desc, unit_code
