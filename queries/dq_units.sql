-- Data quality per child unit, by the unit that reported the record: freshness and completeness (from the snapshot's dq_village counts).
with scoped as (
    select * from read_parquet($dq_path) where starts_with(own_code, $area)
),
final as (
    select
        case when grouping(left(own_code, $child_len)) = 1 then $area
             else rpad(left(own_code, $child_len), $child_len, '0') end as unit_code,
        grouping(left(own_code, $child_len)) = 1 as is_area,
        sum(records)::bigint as records,
        max(last_reported) as last_reported,
        sum(reported_7d)::bigint as reported_7d,
        sum(no_village)::bigint as no_village,
        sum(no_education)::bigint as no_education,
        sum(bad_id)::bigint as bad_id,
        sum(trained_no_type)::bigint as trained_no_type,
        sum(late_reports)::bigint as late_reports,
        sum(repeated)::bigint as repeated
    from scoped
    group by grouping sets ((left(own_code, $child_len)), ())
)
select * from final order by is_area desc, unit_code
