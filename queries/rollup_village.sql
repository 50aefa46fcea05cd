-- Base measures of one snapshot file per counting unit (home_code): each person counted once, at home.
with placements as (
    select * from read_parquet($path)
),
persons as (
    select
        person_key,
        any_value(home_code) as home_code,
        bool_or(organized) as organized,
        bool_or(organized and dest_scope = 'cross_province') as org_xprov,
        bool_or(organized and dest_scope = 'cross_prefecture') as org_xpref,
        bool_or(dest_scope = 'cross_province') as out_region,
        bool_or(trained) as trained,
        bool_or(trained and training_type in ('order', 'work_for_training')) as trained_directed,
        arg_min(job_source, start_date) as job_source,
        sum(income_yuan) as income,
        count(*) as placements
    from placements
    group by person_key
),
final as (
    select
        home_code,
        count(*)::bigint as persons,
        count(*) filter (where organized)::bigint as organized,
        count(*) filter (where org_xprov)::bigint as org_xprov,
        count(*) filter (where org_xpref)::bigint as org_xpref,
        count(*) filter (where out_region)::bigint as out_region,
        count(*) filter (where trained)::bigint as trained,
        count(*) filter (where trained_directed)::bigint as trained_directed,
        count(*) filter (where job_source = 'industry')::bigint as src_industry,
        count(*) filter (where job_source = 'project')::bigint as src_project,
        count(*) filter (where job_source = 'flexible')::bigint as src_flexible,
        sum(income)::bigint as income,
        sum(placements)::bigint as placements
    from persons
    group by home_code
)
select * from final order by home_code
