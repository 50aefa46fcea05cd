-- The national person registry's rule over every province's counted placements of one week ($path: a glob of the
-- registry_reports files). The rule of one ledger (tracker/submissions.counting_units) across provinces: a placement
-- (person key and start date) counts once in the country, in the province that reported it first; a person counts
-- once, where their first-reported placement is (ties: the smaller record id, then the smaller province code).
-- Rows: every report that counts elsewhere, as a placement or as a person.
-- @builder: writes the registry's file of one week (tracker.registry); never run for a user
-- (the files are read twice, not through one CTE: DuckDB would hold every report in memory to share it)
with multi as (
    select person_key from read_parquet($path) group by person_key having min(province) <> max(province)
),
ranked as (
    select
        r.province, r.county_code, r.township_code, r.home_code, r.record_id, r.person_key, r.start_date, r.reported_date,
        row_number() over (partition by r.person_key, r.start_date order by r.reported_date, r.record_id, r.province) as placement_rank,
        row_number() over (partition by r.person_key order by r.reported_date, r.record_id, r.province) as person_rank
    from read_parquet($path) as r semi join multi using (person_key)
),
firsts as (
    select person_key, start_date, province as first_province, reported_date as first_reported
    from ranked
    where placement_rank = 1
),
homes as (
    select person_key, province as home_province, home_code as national_home
    from ranked
    where person_rank = 1
),
final as (
    select
        r.province, r.county_code, r.township_code, r.home_code, r.record_id, r.person_key, r.start_date, r.reported_date,
        f.first_province, f.first_reported, h.home_province, h.national_home
    from ranked as r
    join firsts as f using (person_key, start_date)
    join homes as h using (person_key)
    where f.first_province <> r.province or h.home_province <> r.province
)
-- a total order: record ids are unique within a province's week
select * from final order by province, record_id
