-- Base measures per weekly snapshot for the area itself and for each of its child units: the same rows as
-- measures_by_week, read from the one weekly series file (unit_series) instead of a rollup file per week.
select
    snapshot_date,
    unit_code,
    unit_code = $area as is_area,
    {{@week_cols}}
from unit_series
where level in (length($area), $child_len)
  and (unit_code = $area or (length(unit_code) = $child_len and starts_with(unit_code, $area)))
  and snapshot_date between $from_date and $to_date
order by snapshot_date, is_area desc, unit_code
