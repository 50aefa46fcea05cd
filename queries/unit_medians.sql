-- Medians of one snapshot for every unit at every level (region, prefecture, county, township, village): income per
-- person and income per month of a record. Medians do not add up, so each level is grouped on its own.
-- @builder: writes a derived file of one whole snapshot (build_rollup); never run for a user
with levels as (
    select k from (values (2), (4), (6), (9), (12)) as t(k)
),
persons as (
    select home_code, income from person_rows($path, '', null, null)
),
rated as (
    select home_code, income_yuan / greatest(months_employed, 0.5) as per_month from read_parquet($path)
),
by_person as (
    select rpad(left(home_code, k), k, '0') as unit_code, median(income) as median_income
    from persons, levels group by 1
),
by_record as (
    select rpad(left(home_code, k), k, '0') as unit_code, median(per_month) as median_per_month
    from rated, levels group by 1
),
final as (
    select * from by_person full outer join by_record using (unit_code)
)
select * from final order by unit_code
