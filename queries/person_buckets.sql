-- Persons per counting unit and 500-yuan income bucket, from a snapshot's person file (finds where medians fall).
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with final as (
    select home_code, bucket, count(*)::bigint as n from read_parquet($path) group by all
)
select * from final order by home_code, bucket
