-- One row per person of one snapshot: counting unit, income and its 500-yuan bucket, sorted by income (medians).
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with final as (
    select home_code, income, floor(income / 500)::bigint as bucket from person_rows($path, '', null, null)
)
select * from final order by income
