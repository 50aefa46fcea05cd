-- Views over the data directory, defined once. Paths come from settings, never from users.
-- The rollups and quotas are small (≈5,600 rows a snapshot): they are loaded into memory once per
-- data version, the person-level records stay on disk and are read by partition.
create or replace view records as
select * from read_parquet({records}, hive_partitioning = true, hive_types = {{'snapshot_date': date}});
create or replace table rollup as
select * from read_parquet({rollup}, hive_partitioning = true, hive_types = {{'snapshot_date': date}})
order by snapshot_date, home_code;
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
