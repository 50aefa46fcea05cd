-- Key groups: persons, organized persons and income per group, per child unit and for the area.
with persons as (
    select *, rpad(left(home_code, $child_len), $child_len, '0') as unit_code
    from person_rows($path, $area, $channels, $grp)
),
by_child as (
    {{@group_profile}}
),
final as (
    select $area as unit_code, true as is_area, key_group, sum(persons)::bigint as persons,
           sum(organized)::bigint as organized, sum(income)::bigint as income
    from by_child group by key_group
    union all
    select unit_code, false, key_group, persons::bigint, organized::bigint, income::bigint from by_child
)
select * from final order by is_area desc, unit_code, key_group
