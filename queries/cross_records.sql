-- Records of persons reported by more than one county (a small share of a snapshot), for the cross-county table.
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with multi as (
    select person_key from read_parquet($path) group by person_key having count(distinct county_code) > 1
),
final as (
    select r.person_key, r.county_code, r.home_code
    from read_parquet($path) as r semi join multi using (person_key)
)
-- a total order: only identical rows (one person's two records at the same home in one county) tie
select * from final order by county_code, person_key, home_code
