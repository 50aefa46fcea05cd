-- Every record that differs between two snapshots, classified, with the restated fields named.
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with final as (
    select * from diff_with_fields($path_a, $path_b, $date_a, '')
)
select * from final order by home_code, record_id
