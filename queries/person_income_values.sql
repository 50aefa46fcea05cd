-- Incomes around the medians: for each wanted unit ($units, child units at $child_len digits, or the area itself
-- with $child_len = its length), the persons in its buckets $b1s..$b2s, ascending. The file is sorted by
-- income, so only the row groups of buckets $bmin..$bmax are read, in one pass for all units.
with want as (
    select unnest($units) as unit, unnest($b1s) as b1, unnest($b2s) as b2
),
candidates as (
    select rpad(left(home_code, $child_len), $child_len, '0') as unit, bucket, income
    from read_parquet($persons_path)
    where bucket between $bmin and $bmax and starts_with(home_code, $area)
),
final as (
    select c.unit, c.income from candidates c join want w on c.unit = w.unit and c.bucket between w.b1 and w.b2
)
select * from final order by unit, income
