-- The medians of the area and of its child units (the snapshot's unit_medians file).
with final as (
    select unit_code, median_income, median_per_month
    from read_parquet($medians_path)
    where unit_code = $area or (length(unit_code) = $child_len and starts_with(unit_code, $area))
)
select * from final order by unit_code
