-- Persons meeting each subsidy rule of a policy, per counting unit (each person once per rule): eligible now, within a month, by year end.
-- @builder: writes a derived file of one whole snapshot for one policy's rules (subsidy.ensure_file); never run for a user
with rules as (
    select unnest($rules, recursive := true)
),
placements as (
    select r.key as rule, r.min_months, p.person_key, p.home_code, p.months_employed, p.end_date
    from read_parquet($path) p
    join rules r on rule_matches(r.organized, r.scopes, r.channels, p.organized, p.dest_scope, p.channel)
),
persons as (
    select
        rule,
        person_key,
        any_value(home_code) as home_code,
        any_value(min_months) as min_months,
        max(months_employed) as best_months,
        -- still working: the months can still grow until 31 December
        max(case when end_date is null then months_employed + $months_left else months_employed end) as reachable
    from placements
    group by rule, person_key
),
final as (
    select
        rule,
        home_code,
        count(*) filter (where best_months >= min_months)::bigint as eligible,
        count(*) filter (where best_months < min_months and best_months >= min_months - 1)::bigint as within_month,
        count(*) filter (where reachable >= min_months)::bigint as by_year_end
    from persons
    group by rule, home_code
)
select * from final order by home_code, rule
