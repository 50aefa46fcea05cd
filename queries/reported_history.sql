-- Every report of the year inside the area (填报指标), newest first: unit, item, as-of date, value, how and by whom.
with final as (
    select unit_code, item, as_of, value, source, "user", time, note
    from reported
    where year = $year and starts_with(unit_code, $area)
)
select * from final order by time desc, unit_code, item, as_of desc, value, source, "user", note
