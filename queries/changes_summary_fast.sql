-- Week-to-week changes against the previous snapshot, from the snapshot's precomputed diff.
with diff as (
    select * from read_parquet($diff_path) where starts_with(home_code, $area)
),
by_child as (
    select
        rpad(left(home_code, $child_len), $child_len, '0') as unit_code,
        count(*) filter (where kind = 'new')::bigint as new,
        count(*) filter (where kind = 'late')::bigint as late,
        count(*) filter (where kind = 'ended')::bigint as ended,
        count(*) filter (where kind = 'changed')::bigint as changed,
        count(*) filter (where kind = 'removed')::bigint as removed
    from diff
    group by 1
),
final as (
    select $area as unit_code, true as is_area, coalesce(sum(columns(* exclude (unit_code))), 0)::bigint from by_child
    union all
    select unit_code, false, columns(* exclude (unit_code)) from by_child
)
select * from final order by is_area desc, unit_code
