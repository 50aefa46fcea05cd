-- Key groups: persons, organized persons and income per group, per child unit and for the area.
with persons as (
    select * from person_rows($path, $area, $channels, $grp)
),
long as (
    unpivot (
        select home_code, organized, income, poverty_alleviated, relocated, disabled, veteran, two_after,
               women, junior_plus, true as all_persons
        from persons
    )
    on poverty_alleviated, relocated, disabled, veteran, two_after, women, junior_plus, all_persons
    into name key_group value member
),
final as (
    select
        case when grouping(left(home_code, $child_len)) = 1 then $area
             else rpad(left(home_code, $child_len), $child_len, '0') end as unit_code,
        grouping(left(home_code, $child_len)) = 1 as is_area,
        key_group,
        count(*) filter (where member)::bigint as persons,
        count(*) filter (where member and organized)::bigint as organized,
        coalesce(sum(income) filter (where member), 0)::bigint as income
    from long
    group by grouping sets ((left(home_code, $child_len), key_group), (key_group))
)
select * from final order by is_area desc, unit_code, key_group
