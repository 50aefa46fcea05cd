-- The area's reports that count in another province under the national person registry (the province's file
-- national/snapshot_date=D.parquet written by tracker.registry): person-level rows, never an ID number or a person key.
-- @records
with final as (
    select
        county_code, township_code, home_code, record_id, start_date, reported_date, first_province, first_reported,
        home_province, placement_elsewhere, person_elsewhere
    from read_parquet($path)
    where starts_with(county_code, $area) or starts_with(home_code, $area)
)
-- a total order: record ids are unique within a province's week
select * from final order by county_code, township_code, record_id
