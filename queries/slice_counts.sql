-- Persons with a placement in each value of one dimension, per child unit and for the area.
-- @ident dim: {{@dimension_keys}}
with per_person as (
    -- one row per person and value first: the distinct count becomes a plain count
    select
        rpad(left(home_code, $child_len), $child_len, '0') as unit_code,
        coalesce({{dim}}::varchar, '') as value,
        person_key,
        bool_or(organized) as organized,
        count(*) as placements,
        sum(income_yuan) as income,
        sum(months_employed) as months
    from scoped_placements($path, $area, $channels, $grp)
    group by all
),
by_child as (
    select unit_code, value, count(*)::bigint as persons, count(*) filter (where organized)::bigint as organized,
           sum(placements)::bigint as placements, sum(income)::bigint as income, sum(months) as months
    from per_person
    group by all
),
final as (
    select $area as unit_code, true as is_area, value, sum(persons)::bigint as persons, sum(organized)::bigint as organized,
           sum(placements)::bigint as placements, sum(income)::bigint as income, sum(months) as months
    from by_child group by value
    union all
    select unit_code, false, value, persons, organized, placements, income, months from by_child
)
select * from final order by is_area desc, unit_code, persons desc, value
