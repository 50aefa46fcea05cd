-- Persons meeting each subsidy rule per child unit and for the area (the snapshot's subsidy file for the policy).
with scoped as (
    select * from read_parquet($sub_path) where starts_with(home_code, $area)
),
final as (
    select
        rule,
        case when grouping(left(home_code, $child_len)) = 1 then $area
             else rpad(left(home_code, $child_len), $child_len, '0') end as unit_code,
        grouping(left(home_code, $child_len)) = 1 as is_area,
        sum(eligible)::bigint as eligible,
        sum(within_month)::bigint as within_month,
        sum(by_year_end)::bigint as by_year_end
    from scoped
    group by grouping sets ((rule, left(home_code, $child_len)), (rule))
)
select * from final order by rule, is_area desc, unit_code
