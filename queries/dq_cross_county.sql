-- Persons reported by more than one county (double counting risk), by the pair of counties involved.
-- $path is the snapshot or its cross_records file (same columns, same answer: tests/test_analysis.py).
with scoped as (
    select * from read_parquet($path) where starts_with(county_code, $area) or starts_with(home_code, $area)
),
persons as (
    select person_key, list_sort(list_distinct(list(county_code))) as counties
    from scoped
    group by person_key
    having count(distinct county_code) > 1
),
final as (
    select counties[1] as county_a, counties[2] as county_b, count(*)::bigint as persons
    from persons
    group by all
)
select * from final order by persons desc, county_a, county_b
