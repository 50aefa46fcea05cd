-- The records in the area whose income per month is at least $limit_yuan, highest first (masked IDs).
-- @records: returns person-level rows (masked IDs); refused for roles without record access
with final as (
    select record_id, id_masked, county_code, township_code, industry, months_employed, income_yuan,
           round(per_month) as per_month, $limit_yuan::double as limit_yuan
    from read_parquet($rates_path)
    where per_month >= $limit_yuan and starts_with(home_code, $area)
    order by per_month desc, record_id
    limit $limit
)
select * from final
