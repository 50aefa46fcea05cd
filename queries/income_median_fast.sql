-- Median income per person, per child unit and for the area, from the snapshot's person file.
with persons as (
    select * from read_parquet($persons_path) where starts_with(home_code, $area)
),
final as (
    select rpad(left(home_code, $child_len), $child_len, '0') as unit_code, median(income) as median_income
    from persons group by 1
    union all
    select $area, median(income) from persons
)
select * from final
