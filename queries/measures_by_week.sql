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
        {{@week_sums}}
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
