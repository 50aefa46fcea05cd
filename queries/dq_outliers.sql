-- Records whose income per month is implausible: at least $floor yuan and $factor × the median.
-- @records: returns person-level rows (masked IDs); refused for roles without record access
with scoped as (
    select * from read_parquet($path) where starts_with(home_code, $area)
),
rated as (
    select *, income_yuan / greatest(months_employed, 0.5) as per_month from scoped
),
cut as (
    select greatest($floor, $factor * median(per_month)) as limit_yuan from rated
),
final as (
    select record_id, id_masked, county_code, township_code, industry, months_employed, income_yuan,
           round(per_month) as per_month, (select limit_yuan from cut) as limit_yuan
    from rated
    where per_month >= (select limit_yuan from cut)
    order by per_month desc, record_id
    limit $limit
)
select * from final
