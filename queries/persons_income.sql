-- One row per person of one snapshot: counting unit and income (exact medians at any level, fast).
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with final as (
    select home_code, income from person_rows($path, '', null, null)
)
select * from final order by home_code
