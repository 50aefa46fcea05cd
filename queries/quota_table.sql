-- The quota table inside the area: every year, unit and metric (the quota page checks and rewrites it).
with final as (
    select year, unit_code, metric, target, due_date, source_note, source from quotas
    where starts_with(unit_code, $area)
)
select * from final order by year, unit_code, metric, due_date, target, source_note, source
