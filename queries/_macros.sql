-- Table macros shared by the named queries, defined once: scoping, slices, person-level rows,
-- the records filter and the week-to-week diff. No paths here; files are bound parameters.

-- Placements of one snapshot whose person counts in `area` (home_code prefix), with the optional
-- analyst slices: a list of channels, and one key group.
create or replace macro scoped_records(path, area, channels, grp) as table
select *
from read_parquet(path)
where starts_with(home_code, area)
  and (channels is null or list_contains(channels, channel))
  and (grp is null or {{@group_case}});  -- the record is in key group `grp` (the catalogue's groups)

-- The placements that count (`counted`): a later report of a placement already reported (the same person and
-- start date, e.g. by a second county) stays in the ledger and the records views, and is left out of every sum.
create or replace macro scoped_placements(path, area, channels, grp) as table
select * from scoped_records(path, area, channels, grp) where counted;

-- One row per person: the person-level facts every metric is built from.
create or replace macro person_rows(path, area, channels, grp) as table
select
    person_key,
    any_value(home_code) as home_code,
    {{@person_facts}}
from scoped_placements(path, area, channels, grp)
group by person_key;

-- The records view's filter: every schema column, each filter null = off. Codes are prefixes of
-- the record's own codes; text filters are substrings; ranges are inclusive.
create or replace macro filtered_records(path, area, channels, grp, {{@filter_params}}) as table
select *
from scoped_records(path, area, channels, grp)
where {{@filter_where}};

-- Week-to-week: every record of either snapshot (scoped by home), classified. `changed` compares a hash
-- of the facts a restatement can touch; months, income and end date grow by themselves.
create or replace macro restatable_hash(r) as hash({{@restatable}});

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
    {{@unit_measures}}
from person_rows(path, area, channels, grp)
group by 1;

-- The placements a subsidy rule looks at (organized flag, destination scopes, channels, key groups; null or an empty
-- list = any). A placement meets a key-group condition when its person is in any of the listed groups.
create or replace macro rule_matches(organized_, scopes, channels, groups, r) as
    (organized_ is null or r.organized = organized_)
    and (scopes is null or array_length(scopes) = 0 or list_contains(scopes, r.dest_scope))
    and (channels is null or array_length(channels) = 0 or list_contains(channels, r.channel))
    and (groups is null or array_length(groups) = 0 or list_has_any(groups, r.groups_of));

-- A rule's placements with the months the rule reads: `cumulative` = the person's months this year over all their
-- placements that count (年度就业时间累计, capped at 12), else the placement's own months. `working` = the months
-- can still grow (a placement still running).
create or replace macro rule_placements(path, area, organized_, scopes, channels, groups, cumulative) as table
with mine as (
    select *,
        {{@group_list}} as groups_of,
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
    count(*) filter (where date_diff('day', start_date, reported_date) > 28)::bigint as late_reports,
    count(*) filter (where not counted)::bigint as repeated
from read_parquet(path)
group by 1;
