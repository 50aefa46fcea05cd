-- One page of the records behind a number (masked IDs only), filtered by any column, sorted.
-- @records: returns person-level rows (masked IDs); refused for roles without record access
-- @ident sort: record_id, id_masked, gender, birth_year, education, prefecture_code, county_code, township_code, village_code, dest_scope, dest_province_code, dest_prefecture_code, organized, channel, job_source, industry, start_date, end_date, reported_date, months_employed, income_yuan, trained, training_type
-- @ident direction: asc, desc
with filtered as (
    select * exclude (person_key)
    from filtered_records($path, $area, $channels, $grp,
        $f_gender, $f_education, $f_dest_scope, $f_channel, $f_job_source, $f_industry, $f_training_type,
        $f_organized, $f_trained, $f_id_check_ok, $f_poverty_alleviated, $f_relocated, $f_disabled, $f_veteran,
        $f_two_after, $f_ended, $f_no_village,
        $f_prefecture, $f_county, $f_township, $f_village, $f_dest_province, $f_dest_prefecture,
        $f_record_id, $f_id_masked,
        $f_start_from, $f_start_to, $f_end_from, $f_end_to, $f_reported_from, $f_reported_to,
        $f_months_min, $f_months_max, $f_income_min, $f_income_max, $f_birth_min, $f_birth_max)
),
final as (
    select * from filtered order by {{sort}} {{direction}} nulls last, record_id limit $limit offset $offset
)
select * from final
