-- The changed records against the previous snapshot (masked IDs), from the precomputed diff.
-- @records: returns person-level rows (masked IDs); refused for roles without record access
with final as (
    select kind, record_id, id_masked, county_code, township_code, village_code, channel, dest_scope,
           start_date, end_date, reported_date, income_change, fields
    from read_parquet($diff_path)
    where starts_with(home_code, $area) and ($kind is null or kind = $kind)
    order by reported_date desc nulls last, record_id
    limit $limit
)
select * from final
