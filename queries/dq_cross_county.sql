-- Persons reported by more than one county (double counting risk), by the pair of counties involved; `persons_all`
-- is the number of such persons (one reported by three counties is in three pairs, and once in `persons_all`).
-- $path is the snapshot or its cross_records file (same columns, same answer: tests/test_analysis.py).
-- A person is the area's when any of their records is (reported there, or from a home there); every pair of their
-- counties is then listed, so a county sees the same pairs and counts as its prefecture and the region do.
with mine as (
    select distinct person_key from read_parquet($path) where starts_with(county_code, $area) or starts_with(home_code, $area)
),
reported as (
    select distinct person_key, county_code from read_parquet($path) semi join mine using (person_key)
),
pairs as (
    select a.person_key, a.county_code as county_a, b.county_code as county_b
    from reported as a join reported as b on a.person_key = b.person_key and a.county_code < b.county_code
),
final as (
    select county_a, county_b, count(*)::bigint as persons, (select count(distinct person_key) from pairs)::bigint as persons_all
    from pairs
    group by county_a, county_b
)
select * from final order by persons desc, county_a, county_b
