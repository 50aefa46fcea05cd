-- Data-quality counts of one snapshot per reporting unit (village, or township without one), for dq_units_fast.
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with final as (
    select
        coalesce(village_code, township_code) as own_code,
        count(*)::bigint as records,
        max(reported_date) as last_reported,
        count(*) filter (where reported_date > $snapshot - interval 7 day)::bigint as reported_7d,
        count(*) filter (where village_code is null)::bigint as no_village,
        count(*) filter (where education is null)::bigint as no_education,
        count(*) filter (where not id_check_ok)::bigint as bad_id,
        count(*) filter (where trained and training_type is null)::bigint as trained_no_type,
        count(*) filter (where reported_date - start_date > 28)::bigint as late_reports
    from read_parquet($path)
    group by 1
)
select * from final order by own_code
