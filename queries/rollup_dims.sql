-- Per counting unit, dimension and value: persons with a placement of that value (exact: one home each; placements
-- that count only, see `scoped_placements`).
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with per_person_value as (
    select home_code, 'channel' as dim, channel as value, person_key, bool_or(organized) as organized, count(*) as n,
           sum(income_yuan) as income, sum(months_employed) as months from read_parquet($path) where counted group by all
    union all
    select home_code, 'dest_scope', dest_scope, person_key, bool_or(organized), count(*), sum(income_yuan), sum(months_employed)
    from read_parquet($path) where counted group by all
    union all
    select home_code, 'dest_province_code', dest_province_code, person_key, bool_or(organized), count(*), sum(income_yuan),
           sum(months_employed) from read_parquet($path) where counted group by all
    union all
    select home_code, 'dest_prefecture_code', dest_prefecture_code, person_key, bool_or(organized), count(*), sum(income_yuan),
           sum(months_employed) from read_parquet($path) where counted group by all
    union all
    select home_code, 'industry', industry, person_key, bool_or(organized), count(*), sum(income_yuan), sum(months_employed)
    from read_parquet($path) where counted group by all
    union all
    select home_code, 'job_source', job_source, person_key, bool_or(organized), count(*), sum(income_yuan), sum(months_employed)
    from read_parquet($path) where counted group by all
    union all
    select home_code, 'education', coalesce(education, ''), person_key, bool_or(organized), count(*), sum(income_yuan),
           sum(months_employed) from read_parquet($path) where counted group by all
    union all
    select home_code, 'gender', gender, person_key, bool_or(organized), count(*), sum(income_yuan), sum(months_employed)
    from read_parquet($path) where counted group by all
    union all
    select home_code, 'training_type', coalesce(training_type, ''), person_key, bool_or(organized), count(*), sum(income_yuan),
           sum(months_employed) from read_parquet($path) where counted group by all
),
persons as (
    select * from person_rows($path, '', null, null)
),
per_person_facts as (
    -- person-level facts (all placements of the person together): key groups, months bands, income bins
    select home_code, 'key_group' as dim, key_group as value, person_key, organized, placements as n, income, months
    from (unpivot (select home_code, person_key, organized, placements, income, months, poverty_alleviated, relocated,
                          disabled, veteran, two_after, women, junior_plus, true as all_persons from persons)
          on poverty_alleviated, relocated, disabled, veteran, two_after, women, junior_plus, all_persons
          into name key_group value member)
    where member
    union all
    select home_code, 'months_band', case when months < 3 then 'lt3' when months < 6 then 'm3to6' else 'ge6' end,
           person_key, organized, placements, income, months from persons
    union all
    select home_code, 'income_bin', least(floor(income / 2000)::bigint, 14)::varchar, person_key, organized, placements,
           income, months from persons
),
final as (
    select home_code, dim, value, count(*)::bigint as persons, count(*) filter (where organized)::bigint as organized,
           sum(n)::bigint as placements, sum(income)::bigint as income, sum(months) as months
    from (select * from per_person_value union all select * from per_person_facts)
    group by all
)
select * from final order by dim, home_code, value
