-- One province's counted placements of a week for the national person registry (tracker/registry.py): the columns the
-- national rule needs; never an ID number.
-- @builder: writes a file of one whole snapshot (tracker.registry); never run for a user
with final as (
    select $province as province, county_code, township_code, home_code, record_id, person_key, start_date, reported_date
    from read_parquet($path)
    where counted
)
-- a total order: a week's record ids are unique
select * from final order by person_key, start_date, record_id
