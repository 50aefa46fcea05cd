-- Records in the area per 100-yuan bucket of income per month (where the median falls), from the bucket file.
with final as (
    select bucket, sum(n)::bigint as n from read_parquet($hist_path) where starts_with(home_code, $area) group by bucket
)
select * from final order by bucket
