-- The changed records between two snapshots (masked IDs), one kind or all, newest report first.
with diff as (
    select * from record_diff($path_a, $path_b, $date_a, $area)
    where kind <> 'same' and ($kind is null or kind = $kind)
    order by reported_date desc nulls last, record_id
    limit $limit
),
-- which facts were restated: only for the listed records, so the big join carries a hash, not every column
restated as (
    select a.record_id, concat_ws(', ',
        case when a.channel is distinct from b.channel then 'channel' end,
        case when a.dest_scope is distinct from b.dest_scope then 'dest_scope' end,
        case when a.industry is distinct from b.industry then 'industry' end,
        case when a.job_source is distinct from b.job_source then 'job_source' end,
        case when a.village_code is distinct from b.village_code then 'village_code' end,
        case when a.start_date is distinct from b.start_date then 'start_date' end,
        case when a.education is distinct from b.education then 'education' end,
        case when a.training_type is distinct from b.training_type then 'training_type' end) as fields
    from read_parquet($path_a) as a join read_parquet($path_b) as b on a.record_id = b.record_id
    where a.record_id in (select record_id from diff where kind = 'changed')
),
final as (
    select d.kind, d.record_id, d.id_masked, d.county_code, d.township_code, d.village_code, d.channel, d.dest_scope,
           d.start_date, d.end_date, d.reported_date, d.income_change, coalesce(r.fields, '') as fields
    from diff d left join restated r using (record_id)
)
select * from final order by reported_date desc nulls last, record_id
