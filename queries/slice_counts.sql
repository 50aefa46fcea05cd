-- Persons with a placement in each value of one dimension, per child unit and for the area.
-- @ident dim: channel, dest_scope, dest_province_code, dest_prefecture_code, industry, job_source, education, gender, training_type
with scoped as (
    select * from scoped_records($path, $area, $channels, $grp)
),
final as (
    select
        case when grouping(left(home_code, $child_len)) = 1 then $area
             else rpad(left(home_code, $child_len), $child_len, '0') end as unit_code,
        grouping(left(home_code, $child_len)) = 1 as is_area,
        coalesce({{dim}}::varchar, '') as value,
        count(distinct person_key)::bigint as persons,
        count(distinct person_key) filter (where organized)::bigint as organized,
        count(*)::bigint as placements,
        sum(income_yuan)::bigint as income,
        sum(months_employed) as months
    from scoped
    group by grouping sets ((left(home_code, $child_len), {{dim}}), ({{dim}}))
)
select * from final order by is_area desc, unit_code, persons desc, value
