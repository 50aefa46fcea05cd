-- Persons by months employed this year (< 3, 3–6, ≥ 6; all placements summed), per child unit and area.
with persons as (
    select * from person_rows($path, $area, $channels, $grp)
),
final as (
    select
        case when grouping(left(home_code, $child_len)) = 1 then $area
             else rpad(left(home_code, $child_len), $child_len, '0') end as unit_code,
        grouping(left(home_code, $child_len)) = 1 as is_area,
        count(*)::bigint as persons,
        count(*) filter (where months < 3)::bigint as lt3,
        count(*) filter (where months >= 3 and months < 6)::bigint as m3to6,
        count(*) filter (where months >= 6)::bigint as ge6,
        sum(income)::bigint as income,
        median(income) as median_income
    from persons
    group by grouping sets ((left(home_code, $child_len)), ())
)
select * from final order by is_area desc, unit_code
