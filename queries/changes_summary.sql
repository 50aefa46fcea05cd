-- Week-to-week changes between two snapshots, counted per child unit and for the area, by kind.
with diff as (
    select * from record_diff($path_a, $path_b, $date_a, $area) where kind <> 'same'
),
final as (
    select
        case when grouping(left(home_code, $child_len)) = 1 then $area
             else rpad(left(home_code, $child_len), $child_len, '0') end as unit_code,
        grouping(left(home_code, $child_len)) = 1 as is_area,
        count(*) filter (where kind = 'new')::bigint as new,
        count(*) filter (where kind = 'late')::bigint as late,
        count(*) filter (where kind = 'ended')::bigint as ended,
        count(*) filter (where kind = 'changed')::bigint as changed,
        count(*) filter (where kind = 'removed')::bigint as removed
    from diff
    group by grouping sets ((left(home_code, $child_len)), ())
)
select * from final order by is_area desc, unit_code
