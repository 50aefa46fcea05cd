-- Every record that differs between two snapshots, classified, with the restated fields named.
with diff as (
    select * from record_diff($path_a, $path_b, $date_a, '') where kind <> 'same'
),
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
    select d.*, coalesce(r.fields, '') as fields from diff d left join restated r using (record_id)
)
select * from final order by home_code, record_id
