-- Persons by months employed this year (the catalogue's bands; all placements that count summed), per child unit and area.
with persons as (
    select * from person_rows($path, $area, $channels, $grp)
),
by_child as (
    select
        rpad(left(home_code, $child_len), $child_len, '0') as unit_code,
        count(*)::bigint as persons,
        {{@band_counts}},
        sum(income)::bigint as income,
        median(income) as median_income
    from persons
    group by 1
),
final as (
    select $area as unit_code, true as is_area, sum(persons)::bigint as persons, {{@band_sums}},
           sum(income)::bigint as income,
           (select median(income) from persons) as median_income
    from by_child
    union all
    select unit_code, false, persons, {{@band_keys}}, income, median_income from by_child
)
select * from final order by is_area desc, unit_code
