-- Reported figures (填报指标) as of each of the given weeks, for the area and its child units: a unit's own latest report of the year, or else the sum of the latest reports below it.
with weeks as (
    select unnest($dates::date[]) as snapshot_date
),
latest as (
    -- each unit's latest report of each item as of each week, in that week's year (ties: the later entry, then the larger value)
    select w.snapshot_date, r.unit_code, r.item, arg_max(r.value, (r.as_of, r.time, r.value)) as value, max(r.as_of) as as_of
    from weeks as w
    join reported as r on r.year = year(w.snapshot_date) and r.as_of <= w.snapshot_date
    where starts_with(r.unit_code, $area)
    group by w.snapshot_date, r.unit_code, r.item
),
targets as (
    -- the area, and the child unit each report falls in
    select snapshot_date, unit_code, item, value, as_of, $area as target from latest
    union all
    select snapshot_date, unit_code, item, value, as_of, left(unit_code, $child_len) as target
    from latest
    where $child_len > length($area) and length(unit_code) >= $child_len
),
tops as (
    -- the reports that count for a target: no report of the same item by one of their ancestors inside it
    select t.* from targets as t
    where not exists (
        select 1 from latest as q
        where q.snapshot_date = t.snapshot_date and q.item = t.item and q.unit_code <> t.unit_code
          and starts_with(t.unit_code, q.unit_code) and starts_with(q.unit_code, t.target)
    )
),
final as (
    select snapshot_date, target as unit_code, target = $area as is_area, item, sum(value) as value,
           max(as_of) as last_as_of
    from tops
    group by snapshot_date, target, item
)
select * from final order by snapshot_date, is_area desc, unit_code, item
