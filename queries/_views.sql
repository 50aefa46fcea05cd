-- Views over the data directory, defined once. Paths come from settings, never from users.
-- Quotas and regions are small and loaded into memory once per data version. Records and the weekly
-- rollups stay on disk and are read by partition (a query names its weeks: the others are not opened), so a
-- process's memory does not grow with the number of weeks kept.
create or replace view records as
select * from read_parquet({records}, hive_partitioning = true, hive_types = {{'snapshot_date': date}});
create or replace view rollup as
select * from read_parquet({rollup}, hive_partitioning = true, hive_types = {{'snapshot_date': date}});
-- a quota file from before the `source` column gets it from its note (已公布 / 演示 / else issued)
create or replace table quotas as
select {quota_select}
from read_csv('{quotas}', header = true, columns = {{'year': 'smallint', 'unit_code': 'varchar',
  'metric': 'varchar', 'target': 'double', 'due_date': 'date', 'source_note': 'varchar'{source_col}}});
-- reports of the 填报指标 (tracker/reported.py): empty until the first one
create or replace table reported as
{reported_select};
create or replace table units as
select * from read_csv('{units}', header = true, columns = {{'code': 'varchar', 'level': 'tinyint',
  'parent_code': 'varchar', 'name_zh': 'varchar', 'name_en': 'varchar'}});
create or replace table national_units as
select * from read_csv('{national}', header = true, columns = {{'code': 'varchar', 'level': 'tinyint',
  'parent_code': 'varchar', 'name_zh': 'varchar', 'name_en': 'varchar'}});
-- every unit above the village, week by week (queries/unit_series.sql): one small file per data version
create or replace view unit_series as
select * from read_parquet('{series}');
