-- How many of the area's persons and placements count in another province under the national person registry (the
-- province's file national/snapshot_date=D.parquet written by tracker.registry): one row.
with scoped as (
    select person_key, placement_elsewhere, person_elsewhere
    from read_parquet($path)
    where starts_with(county_code, $area) or starts_with(home_code, $area)
),
final as (
    select
        count(distinct case when person_elsewhere then person_key end)::bigint as persons,
        count(case when placement_elsewhere then 1 end)::bigint as placements
    from scoped
)
select * from final
