-- Base measures of one snapshot file per counting unit (home_code): each person counted once, at home.
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with final as (
    select unit_code as home_code, * exclude (unit_code) from base_measures($path, '', null, null, 12)
)
select * from final order by home_code
