-- Every record of one snapshot with its income per month, sorted by it (the outlier list reads its top).
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with final as (
    select home_code, income_yuan / greatest(months_employed, 0.5) as per_month, record_id, id_masked, county_code, township_code, industry, months_employed, income_yuan
    from read_parquet($path)
)
select * from final order by per_month, record_id
