-- Records per counting unit and 100-yuan bucket of income per month, from a snapshot's rate file (small).
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with final as (
    select home_code, bucket, count(*)::bigint as n from read_parquet($path) group by all
)
select * from final order by home_code, bucket
