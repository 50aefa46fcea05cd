-- Persons reported by more than one county (double counting risk), by the pair of counties involved.
-- $path is the snapshot or its cross_records file (same columns, same answer: tests/test_analysis.py).
-- A person is the area's when any of their records is (reported there, or from a home there); all their records
-- then name the pair, so a county sees the same pair and count as its prefecture and the region do.
with mine as (
    select distinct person_key from read_parquet($path) where starts_with(county_code, $area) or starts_with(home_code, $area)
),
persons as (
    select person_key, list_sort(list_distinct(list(county_code))) as counties
    from read_parquet($path) semi join mine using (person_key)
    group by person_key
    having count(distinct county_code) > 1
),
final as (
    select counties[1] as county_a, counties[2] as county_b, count(*)::bigint as persons
    from persons
    group by all
)
select * from final order by persons desc, county_a, county_b
