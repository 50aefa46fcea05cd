-- Median income per person, per child unit and for the area (medians do not add up: computed from records).
with persons as (
    select * from person_rows($path, $area, $channels, $grp)
),
final as (
    select rpad(left(home_code, $child_len), $child_len, '0') as unit_code, median(income) as median_income
    from persons group by 1
    union all
    select $area, median(income) from persons
)
-- the area first (a prefix of every child code sorts before it), then its children
select * from final order by unit_code
