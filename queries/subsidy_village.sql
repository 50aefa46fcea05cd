-- Persons meeting each subsidy rule of a policy, per counting unit (each person once per rule): eligible now, within a month, by year end.
-- @builder: writes a derived file of one whole snapshot for one policy's rules (subsidy.ensure_file); never run for a user
with rules as (
    select unnest($rules, recursive := true)
),
placements as (
    -- the placements that count, with the person's months this year over all of them (for a cumulative rule)
    select *,
        {{@group_list}} as groups_of,  -- the key groups of the record (the catalogue's)
        least(12, sum(months_employed) over (partition by person_key)) as year_months,
        bool_or(end_date is null) over (partition by person_key) as year_working
    from read_parquet($path)
    where counted
),
matched as (
    select r.key as rule, r.min_months, p.person_key, p.home_code,
        case when r.cumulative then p.year_months else p.months_employed end as months,
        case when r.cumulative then p.year_working else p.end_date is null end as working,
        r.cumulative
    from placements p
    join rules r on rule_matches(r.organized, r.scopes::varchar[], r.channels::varchar[], r.groups::varchar[], p)
),
persons as (
    select
        rule,
        person_key,
        any_value(home_code) as home_code,
        any_value(min_months) as min_months,
        max(months) as best_months,
        -- still working: the months can still grow until 31 December (12 at most in a year)
        max(case when working then least(12, months + $months_left) else months end) as reachable
    from matched
    group by rule, person_key
),
final as (
    select
        rule,
        home_code,
        count(*) filter (where best_months >= min_months)::bigint as eligible,
        -- within a month: not yet, and a month more (still working, before 31 December) gets there; a subset of the
        -- year-end count, so now + within a month never exceeds the year's end
        count(*) filter (where best_months < min_months and least(reachable, best_months + 1) >= min_months)::bigint as within_month,
        count(*) filter (where reachable >= min_months)::bigint as by_year_end
    from persons
    group by rule, home_code
)
select * from final order by home_code, rule
