-- Key groups: persons, organized persons and income per group, per child unit and for the area.
with persons as (
    select * from person_rows($path, $area, $channels, $grp)
),
by_child as (
    select
        rpad(left(home_code, $child_len), $child_len, '0') as unit_code,
        count(*) as all_persons_n, count(*) filter (where organized) as all_persons_o, sum(income) as all_persons_i,
        count(*) filter (where poverty_alleviated) as poverty_alleviated_n,
        count(*) filter (where poverty_alleviated and organized) as poverty_alleviated_o,
        coalesce(sum(income) filter (where poverty_alleviated), 0) as poverty_alleviated_i,
        count(*) filter (where relocated) as relocated_n, count(*) filter (where relocated and organized) as relocated_o,
        coalesce(sum(income) filter (where relocated), 0) as relocated_i,
        count(*) filter (where disabled) as disabled_n, count(*) filter (where disabled and organized) as disabled_o,
        coalesce(sum(income) filter (where disabled), 0) as disabled_i,
        count(*) filter (where veteran) as veteran_n, count(*) filter (where veteran and organized) as veteran_o,
        coalesce(sum(income) filter (where veteran), 0) as veteran_i,
        count(*) filter (where two_after) as two_after_n, count(*) filter (where two_after and organized) as two_after_o,
        coalesce(sum(income) filter (where two_after), 0) as two_after_i,
        count(*) filter (where women) as women_n, count(*) filter (where women and organized) as women_o,
        coalesce(sum(income) filter (where women), 0) as women_i,
        count(*) filter (where junior_plus) as junior_plus_n, count(*) filter (where junior_plus and organized) as junior_plus_o,
        coalesce(sum(income) filter (where junior_plus), 0) as junior_plus_i
    from persons
    group by 1
),
both_levels as (
    select $area as unit_code, true as is_area, coalesce(sum(columns(* exclude (unit_code))), 0) from by_child
    union all
    select unit_code, false, columns(* exclude (unit_code)) from by_child
),
long as (
    unpivot both_levels
    on (all_persons_n, all_persons_o, all_persons_i) as all_persons,
       (poverty_alleviated_n, poverty_alleviated_o, poverty_alleviated_i) as poverty_alleviated,
       (relocated_n, relocated_o, relocated_i) as relocated,
       (disabled_n, disabled_o, disabled_i) as disabled,
       (veteran_n, veteran_o, veteran_i) as veteran,
       (two_after_n, two_after_o, two_after_i) as two_after,
       (women_n, women_o, women_i) as women,
       (junior_plus_n, junior_plus_o, junior_plus_i) as junior_plus
    into name key_group value persons, organized, income
),
final as (
    select unit_code, is_area, key_group, persons::bigint as persons, organized::bigint as organized,
           coalesce(income, 0)::bigint as income
    from long
)
select * from final order by is_area desc, unit_code, key_group
