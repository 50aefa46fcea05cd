-- Incomes per month in the area in buckets $b1..$b2, ascending: the few values around the median (file is sorted).
with final as (
    select per_month from read_parquet($rates_path)
    where bucket between $b1 and $b2 and starts_with(home_code, $area)
)
select * from final order by per_month
