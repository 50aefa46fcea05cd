-- Persons meeting one subsidy rule (each once), per child unit: eligible now, within a month, by year end.
with placements as (
    select * from rule_placements($path, $area, $organized, $scopes, $channels)
),
persons as (
    select
        person_key,
        any_value(home_code) as home_code,
        max(months_employed) as best_months,
        -- still working: the months can still grow until 31 December
        max(case when end_date is null then months_employed + $months_left else months_employed end) as reachable
    from placements
    group by person_key
),
by_child as (
    select
        rpad(left(home_code, $child_len), $child_len, '0') as unit_code,
        count(*) filter (where best_months >= $min_months)::bigint as eligible,
        count(*) filter (where best_months < $min_months and best_months >= $min_months - 1)::bigint as within_month,
        count(*) filter (where reachable >= $min_months)::bigint as by_year_end
    from persons
    group by 1
),
final as (
    select $area as unit_code, true as is_area, coalesce(sum(columns(* exclude (unit_code))), 0)::bigint from by_child
    union all
    select unit_code, false, columns(* exclude (unit_code)) from by_child
)
select * from final order by is_area desc, unit_code
