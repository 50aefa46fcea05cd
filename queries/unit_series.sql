-- Base measures per weekly snapshot of every unit (region, prefecture, county, township, village): the overview's
-- weekly series in one file per data version, read instead of a rollup file per week; sorted by level and unit, so
-- a query reads the row groups of its two levels only. Records without a village sit in their township's pseudo
-- village <township>000 (real village codes start at 001).
-- @builder: written by queries.create_views for the whole data directory; never run for a user
with scoped as (
    select rollup.*, l.n
    from rollup
    cross join (values (2), (4), (6), (9), (12)) as l(n)
),
grouped as (
    select
        snapshot_date,
        n::tinyint as level,
        rpad(left(home_code, n), n, '0') as unit_code,
        {{@week_sums}}
    from scoped
    group by snapshot_date, n, rpad(left(home_code, n), n, '0')
)
select * from grouped
order by level, unit_code, snapshot_date
