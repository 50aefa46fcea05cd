-- How many records and distinct persons match the records view's filter.
with filtered as (
    select record_id, person_key
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
    select count(*)::bigint as records, count(distinct person_key)::bigint as persons from filtered
)
select * from final
