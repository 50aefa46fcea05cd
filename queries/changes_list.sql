-- The changed records between two snapshots (masked IDs), one kind or all, newest report first.
-- @records: returns person-level rows (masked IDs); refused for roles without record access
with final as (
    select kind, record_id, id_masked, county_code, township_code, village_code, channel, dest_scope,
           start_date, end_date, reported_date, income_change, fields
    from diff_with_fields($path_a, $path_b, $date_a, $area)
    where $kind is null or kind = $kind
    order by reported_date desc nulls last, record_id
    limit $limit
)
select * from final
