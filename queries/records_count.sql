-- How many records and distinct persons match the records view's filter.
with filtered as (
    select record_id, person_key
    from filtered_records($path, $area, $channels, $grp, {{@filter_args}})
),
final as (
    select count(*)::bigint as records, count(distinct person_key)::bigint as persons from filtered
)
select * from final
