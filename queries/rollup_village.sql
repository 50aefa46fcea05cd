-- Base measures of one snapshot file per counting unit (home_code): each person counted once, at home; `records` counts
-- every record of the unit's persons, a second county's report of a placement included (the records view's total).
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with measures as (
    select unit_code as home_code, * exclude (unit_code) from base_measures($path, '', null, null, 12)
),
recs as (
    select home_code, count(*)::bigint as records from read_parquet($path) group by home_code
),
final as (
    select m.*, r.records from measures as m join recs as r using (home_code)
)
select * from final order by home_code
