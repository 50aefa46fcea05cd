-- Like slice_counts, from the snapshot's dimension rollup (no slices): per child unit and for the area.
with by_child as (
    select rpad(left(home_code, $child_len), $child_len, '0') as unit_code, value,
           sum(persons)::bigint as persons, sum(organized)::bigint as organized, sum(placements)::bigint as placements,
           sum(income)::bigint as income, sum(months) as months
    from read_parquet($dims_path)
    where dim = $dim and starts_with(home_code, $area)
    group by all
),
final as (
    select $area as unit_code, true as is_area, value, sum(persons)::bigint as persons, sum(organized)::bigint as organized,
           sum(placements)::bigint as placements, sum(income)::bigint as income, sum(months) as months
    from by_child group by value
    union all
    select unit_code, false, value, persons, organized, placements, income, months from by_child
)
select * from final order by is_area desc, unit_code, persons desc, value
