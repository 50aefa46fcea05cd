-- Data-quality counts of one snapshot per reporting unit (village, or township without one), for dq_units.
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with final as (
    select * from dq_counts($path, $snapshot)
)
select * from final order by own_code
