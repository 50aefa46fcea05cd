-- Base measures per child unit and for the area, straight from one snapshot's records (with slices).
with measures as (
    select rpad(unit_code, $child_len, '0') as unit_code, * exclude (unit_code)
    from base_measures($path, $area, $channels, $grp, $child_len)
),
recs as (
    select rpad(left(home_code, $child_len), $child_len, '0') as unit_code, count(*)::bigint as records
    from scoped_records($path, $area, $channels, $grp)
    group by 1
),
by_child as (
    select m.*, r.records from measures as m join recs as r using (unit_code)
),
-- every person has exactly one counting unit, so the area is the sum of its children
final as (
    select $area as unit_code, true as is_area, coalesce(sum(columns(* exclude (unit_code))), 0)::bigint from by_child
    union all
    select unit_code, false, columns(* exclude (unit_code)) from by_child
)
select * from final order by is_area desc, unit_code
