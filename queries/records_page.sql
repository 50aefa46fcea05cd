-- One page of the records behind a number (masked IDs only), filtered by any column, sorted.
-- @records: returns person-level rows (masked IDs); refused for roles without record access
-- @ident sort: record_id, id_masked, gender, birth_year, education, prefecture_code, county_code, township_code, village_code, dest_scope, dest_province_code, dest_prefecture_code, organized, channel, job_source, industry, start_date, end_date, reported_date, months_employed, income_yuan, trained, training_type
-- @ident direction: asc, desc
with filtered as (
    select * exclude (person_key)
    from filtered_records($path, $area, $channels, $grp, {{@filter_args}})
),
final as (
    select * from filtered order by {{sort}} {{direction}} nulls last, record_id limit $limit offset $offset
)
select * from final
