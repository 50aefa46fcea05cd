-- Table macros shared by the named queries, defined once: scoping, slices, person-level rows,
-- the records filter and the week-to-week diff. No paths here; files are bound parameters.

-- Placements of one snapshot whose person counts in `area` (home_code prefix), with the optional
-- analyst slices: a list of channels, and one key group.
create or replace macro in_group(grp, poverty_alleviated, relocated, disabled, veteran, two_after, gender, education) as
    case grp
        when 'poverty_alleviated' then poverty_alleviated
        when 'relocated' then relocated
        when 'disabled' then disabled
        when 'veteran' then veteran
        when 'two_after' then two_after
        when 'women' then gender = 'F'
        when 'junior_plus' then education in ('junior', 'senior', 'college')
        else false end;

create or replace macro scoped_records(path, area, channels, grp) as table
select *
from read_parquet(path)
where starts_with(home_code, area)
  and (channels is null or list_contains(channels, channel))
  and (grp is null or in_group(grp, poverty_alleviated, relocated, disabled, veteran, two_after, gender, education));

-- The placements that count (`counted`): a later report of a placement already reported (the same person and
-- start date, e.g. by a second county) stays in the ledger and the records views, and is left out of every sum.
create or replace macro scoped_placements(path, area, channels, grp) as table
select * from scoped_records(path, area, channels, grp) where counted;

-- One row per person: the person-level facts every metric is built from.
create or replace macro person_rows(path, area, channels, grp) as table
select
    person_key,
    any_value(home_code) as home_code,
    bool_or(organized) as organized,
    bool_or(organized and dest_scope = 'cross_province') as org_xprov,
    bool_or(organized and dest_scope = 'cross_prefecture') as org_xpref,
    bool_or(dest_scope = 'cross_province') as out_region,
    bool_or(trained) as trained,
    bool_or(trained and training_type in ('order', 'work_for_training')) as trained_directed,
    arg_min(job_source, start_date) as job_source,
    bool_or(poverty_alleviated) as poverty_alleviated,
    bool_or(relocated) as relocated,
    bool_or(disabled) as disabled,
    bool_or(veteran) as veteran,
    bool_or(two_after) as two_after,
    bool_or(gender = 'F') as women,
    bool_or(education in ('junior', 'senior', 'college')) as junior_plus,
    sum(income_yuan) as income,
    least(12, sum(months_employed)) as months,
    count(*) as placements
from scoped_placements(path, area, channels, grp)
group by person_key;

-- The records view's filter: every schema column, each filter null = off. Codes are prefixes of
-- the record's own codes; text filters are substrings; ranges are inclusive.
create or replace macro filtered_records(path, area, channels, grp,
    f_gender, f_education, f_dest_scope, f_channel, f_job_source, f_industry, f_training_type,
    f_organized, f_trained, f_id_check_ok, f_poverty_alleviated, f_relocated, f_disabled, f_veteran,
    f_two_after, f_ended, f_no_village,
    f_prefecture, f_county, f_township, f_village, f_dest_province, f_dest_prefecture,
    f_record_id, f_id_masked,
    f_start_from, f_start_to, f_end_from, f_end_to, f_reported_from, f_reported_to,
    f_months_min, f_months_max, f_income_min, f_income_max, f_birth_min, f_birth_max) as table
select *
from scoped_records(path, area, channels, grp)
where (f_gender is null or list_contains(f_gender, gender))
  and (f_education is null or list_contains(f_education, education))
  and (f_dest_scope is null or list_contains(f_dest_scope, dest_scope))
  and (f_channel is null or list_contains(f_channel, channel))
  and (f_job_source is null or list_contains(f_job_source, job_source))
  and (f_industry is null or list_contains(f_industry, industry))
  and (f_training_type is null or list_contains(f_training_type, training_type))
  and (f_organized is null or organized = f_organized)
  and (f_trained is null or trained = f_trained)
  and (f_id_check_ok is null or id_check_ok = f_id_check_ok)
  and (f_poverty_alleviated is null or poverty_alleviated = f_poverty_alleviated)
  and (f_relocated is null or relocated = f_relocated)
  and (f_disabled is null or disabled = f_disabled)
  and (f_veteran is null or veteran = f_veteran)
  and (f_two_after is null or two_after = f_two_after)
  and (f_ended is null or (end_date is not null) = f_ended)
  and (f_no_village is null or (village_code is null) = f_no_village)
  and (f_prefecture is null or starts_with(prefecture_code, f_prefecture))
  and (f_county is null or starts_with(county_code, f_county))
  and (f_township is null or starts_with(township_code, f_township))
  and (f_village is null or starts_with(village_code, f_village))
  and (f_dest_province is null or starts_with(dest_province_code, f_dest_province))
  and (f_dest_prefecture is null or starts_with(dest_prefecture_code, f_dest_prefecture))
  and (f_record_id is null or contains(record_id, f_record_id))
  and (f_id_masked is null or contains(id_masked, f_id_masked))
  and (f_start_from is null or start_date >= f_start_from)
  and (f_start_to is null or start_date <= f_start_to)
  and (f_end_from is null or end_date >= f_end_from)
  and (f_end_to is null or end_date <= f_end_to)
  and (f_reported_from is null or reported_date >= f_reported_from)
  and (f_reported_to is null or reported_date <= f_reported_to)
  and (f_months_min is null or months_employed >= f_months_min)
  and (f_months_max is null or months_employed <= f_months_max)
  and (f_income_min is null or income_yuan >= f_income_min)
  and (f_income_max is null or income_yuan <= f_income_max)
  and (f_birth_min is null or birth_year >= f_birth_min)
  and (f_birth_max is null or birth_year <= f_birth_max);

-- Week-to-week: every record of either snapshot (scoped by home), classified. `changed` compares a hash
-- of the facts a restatement can touch; months, income and end date grow by themselves.
create or replace macro restatable_hash(r) as hash(r.channel, r.organized, r.dest_scope, r.dest_province_code,
    r.dest_prefecture_code, r.industry, r.job_source, r.county_code, r.township_code, r.village_code, r.start_date,
    r.education, r.trained, r.training_type, r.poverty_alleviated, r.relocated, r.disabled, r.veteran, r.two_after);

create or replace macro record_diff(path_a, path_b, date_a, area) as table
with a as (
    select record_id, home_code, id_masked, county_code, township_code, village_code, channel, dest_scope, start_date,
           end_date, income_yuan, restatable_hash(x) as h
    from read_parquet(path_a) as x where starts_with(home_code, area)
),
b as (
    select record_id, home_code, id_masked, county_code, township_code, village_code, channel, dest_scope, start_date,
           end_date, reported_date, income_yuan, restatable_hash(x) as h
    from read_parquet(path_b) as x where starts_with(home_code, area)
)
select
    coalesce(b.record_id, a.record_id) as record_id,
    coalesce(b.home_code, a.home_code) as home_code,
    coalesce(b.id_masked, a.id_masked) as id_masked,
    coalesce(b.county_code, a.county_code) as county_code,
    coalesce(b.township_code, a.township_code) as township_code,
    coalesce(b.village_code, a.village_code) as village_code,
    coalesce(b.channel, a.channel) as channel,
    coalesce(b.dest_scope, a.dest_scope) as dest_scope,
    coalesce(b.start_date, a.start_date) as start_date,
    b.end_date as end_date,
    b.reported_date as reported_date,
    b.income_yuan - coalesce(a.income_yuan, 0) as income_change,
    case
        when a.record_id is null and b.start_date <= date_a then 'late'
        when a.record_id is null then 'new'
        when b.record_id is null then 'removed'
        when a.end_date is null and b.end_date is not null then 'ended'
        when a.h <> b.h then 'changed'
        else 'same'
    end as kind
from a full outer join b on a.record_id = b.record_id;

-- The diff with the restated fields named (only changed records are compared field by field: they are few).
create or replace macro diff_with_fields(path_a, path_b, date_a, area) as table
with diff as (
    select * from record_diff(path_a, path_b, date_a, area) where kind <> 'same'
),
restated as (
    select a.record_id, concat_ws(', ',
        case when a.channel is distinct from b.channel then 'channel' end,
        case when a.dest_scope is distinct from b.dest_scope then 'dest_scope' end,
        case when a.dest_province_code is distinct from b.dest_province_code
               or a.dest_prefecture_code is distinct from b.dest_prefecture_code then 'destination' end,
        case when a.organized is distinct from b.organized then 'organized' end,
        case when a.industry is distinct from b.industry then 'industry' end,
        case when a.job_source is distinct from b.job_source then 'job_source' end,
        case when a.village_code is distinct from b.village_code then 'village_code' end,
        case when a.start_date is distinct from b.start_date then 'start_date' end,
        case when a.education is distinct from b.education then 'education' end,
        case when a.training_type is distinct from b.training_type then 'training_type' end) as fields
    from read_parquet(path_a) as a join read_parquet(path_b) as b on a.record_id = b.record_id
    where a.record_id in (select record_id from diff where kind = 'changed')
)
select d.*, coalesce(r.fields, '') as fields from diff d left join restated r using (record_id);

-- The base measures, defined once: per unit at `len` digits of the counting unit (12 = the unit itself).
create or replace macro base_measures(path, area, channels, grp, len) as table
select
    left(home_code, len) as unit_code,
    count(*)::bigint as persons,
    count(*) filter (where organized)::bigint as organized,
    count(*) filter (where org_xprov)::bigint as org_xprov,
    count(*) filter (where org_xpref)::bigint as org_xpref,
    count(*) filter (where out_region)::bigint as out_region,
    count(*) filter (where trained)::bigint as trained,
    count(*) filter (where trained_directed)::bigint as trained_directed,
    count(*) filter (where job_source = 'industry')::bigint as src_industry,
    count(*) filter (where job_source = 'project')::bigint as src_project,
    count(*) filter (where job_source = 'flexible')::bigint as src_flexible,
    sum(income)::bigint as income,
    sum(placements)::bigint as placements
from person_rows(path, area, channels, grp)
group by 1;

-- The placements a subsidy rule looks at (organized flag, destination scopes, channels, key groups; null or an empty
-- list = any). A placement meets a key-group condition when its person is in any of the listed groups.
create or replace macro rule_matches(organized_, scopes, channels, groups, r) as
    (organized_ is null or r.organized = organized_)
    and (scopes is null or len(scopes) = 0 or list_contains(scopes, r.dest_scope))
    and (channels is null or len(channels) = 0 or list_contains(channels, r.channel))
    and (groups is null or len(groups) = 0 or list_has_any(groups, [
        case when r.poverty_alleviated then 'poverty_alleviated' end, case when r.relocated then 'relocated' end,
        case when r.disabled then 'disabled' end, case when r.veteran then 'veteran' end,
        case when r.two_after then 'two_after' end, case when r.gender = 'F' then 'women' end,
        case when r.education in ('junior', 'senior', 'college') then 'junior_plus' end]));

-- A rule's placements with the months the rule reads: `cumulative` = the person's months this year over all their
-- placements that count (年度就业时间累计, capped at 12), else the placement's own months. `working` = the months
-- can still grow (a placement still running).
create or replace macro rule_placements(path, area, organized_, scopes, channels, groups, cumulative) as table
with mine as (
    select *,
        least(12, sum(months_employed) over (partition by person_key)) as year_months,
        bool_or(end_date is null) over (partition by person_key) as year_working
    from scoped_placements(path, area, null, null)
)
select *,
    case when cumulative then year_months else months_employed end as rule_months,
    case when cumulative then year_working else end_date is null end as working
from mine as r
where rule_matches(organized_, scopes, channels, groups, r);

-- Data-quality counts per reporting unit (village, or township without one): the snapshot's dq_village file.
create or replace macro dq_counts(path, snapshot) as table
select
    coalesce(village_code, township_code) as own_code,
    count(*)::bigint as records,
    max(reported_date) as last_reported,
    count(*) filter (where reported_date > snapshot - interval 7 day)::bigint as reported_7d,
    count(*) filter (where village_code is null)::bigint as no_village,
    count(*) filter (where education is null)::bigint as no_education,
    count(*) filter (where not id_check_ok)::bigint as bad_id,
    count(*) filter (where trained and training_type is null)::bigint as trained_no_type,
    count(*) filter (where reported_date - start_date > 28)::bigint as late_reports,
    count(*) filter (where not counted)::bigint as repeated
from read_parquet(path)
group by 1;
