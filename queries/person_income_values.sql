-- Incomes of the persons of one unit (the area, or a child at $child_len digits) in buckets $b1..$b2, ascending:
-- the few around its median (the file is sorted by income, so only a few row groups are read).
with final as (
    select income from read_parquet($persons_path)
    where bucket between $b1 and $b2 and starts_with(home_code, $area)
      and rpad(left(home_code, $child_len), $child_len, '0') = $unit
)
select * from final order by income
