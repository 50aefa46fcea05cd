-- Persons by months employed this year (< 3, 3–6, ≥ 6; all placements summed), per child unit and area.
with persons as (
    select * from person_rows($path, $area, $channels, $grp)
),
by_child as (
    select
        rpad(left(home_code, $child_len), $child_len, '0') as unit_code,
        count(*)::bigint as persons,
        count(*) filter (where months < 3)::bigint as lt3,
        count(*) filter (where months >= 3 and months < 6)::bigint as m3to6,
        count(*) filter (where months >= 6)::bigint as ge6,
        sum(income)::bigint as income,
        median(income) as median_income
    from persons
    group by 1
),
final as (
    select $area as unit_code, true as is_area, sum(persons)::bigint as persons, sum(lt3)::bigint as lt3,
           sum(m3to6)::bigint as m3to6, sum(ge6)::bigint as ge6, sum(income)::bigint as income,
           (select median(income) from persons) as median_income
    from by_child
    union all
    select unit_code, false, persons, lt3, m3to6, ge6, income, median_income from by_child
)
select * from final order by is_area desc, unit_code
