-- Data quality per child unit, by the unit that reported the record: freshness and completeness.
with scoped as (
    select *, coalesce(village_code, township_code) as own_code
    from read_parquet($path)
    where starts_with(coalesce(village_code, township_code), $area)
),
final as (
    select
        case when grouping(left(own_code, $child_len)) = 1 then $area
             else rpad(left(own_code, $child_len), $child_len, '0') end as unit_code,
        grouping(left(own_code, $child_len)) = 1 as is_area,
        count(*)::bigint as records,
        max(reported_date) as last_reported,
        count(*) filter (where reported_date > $snapshot - interval 7 day)::bigint as reported_7d,
        count(*) filter (where village_code is null)::bigint as no_village,
        count(*) filter (where education is null)::bigint as no_education,
        count(*) filter (where not id_check_ok)::bigint as bad_id,
        count(*) filter (where trained and training_type is null)::bigint as trained_no_type,
        count(*) filter (where reported_date - start_date > 28)::bigint as late_reports
    from scoped
    group by grouping sets ((left(own_code, $child_len)), ())
)
select * from final order by is_area desc, unit_code
