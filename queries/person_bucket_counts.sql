-- Persons per income bucket for each child unit and for the area (is_area), from the bucket file.
with scoped as (
    select * from read_parquet($hist_path) where starts_with(home_code, $area)
),
final as (
    select rpad(left(home_code, $child_len), $child_len, '0') as unit_code, false as is_area, bucket, sum(n)::bigint as n
    from scoped group by all
    union all
    select $area, true, bucket, sum(n)::bigint from scoped group by bucket
)
select * from final order by is_area desc, unit_code, bucket
