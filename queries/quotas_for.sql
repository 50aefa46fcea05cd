-- Quota rows of the year for the area itself and its child units (long form: one row per metric).
with scoped as (
    select *
    from quotas
    where year = $year
      and (unit_code = $area or (starts_with(unit_code, $area) and length(unit_code) = $child_len))
),
final as (
    select unit_code, metric, target, due_date, source_note, source
    from scoped
)
select * from final order by unit_code, metric, due_date, target, source_note, source
