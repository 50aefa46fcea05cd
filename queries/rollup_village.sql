-- Base measures of one snapshot file per counting unit (home_code): each person counted once, at home.
with persons as (
    select * from person_rows($path, '', null, null)
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
