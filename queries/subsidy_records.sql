-- The records that qualify for one rule (masked IDs), one per person: their longest qualifying placement (ties: the
-- smaller record id), with the months the rule reads (the year's total for a cumulative rule).
-- @records: returns person-level rows (masked IDs); refused for roles without record access
with placements as (
    select * from rule_placements($path, $area, $organized, $scopes::varchar[], $channels::varchar[], $groups::varchar[], $cumulative)
    where rule_months >= $min_months
),
ranked as (
    select *, row_number() over (partition by person_key order by months_employed desc, record_id) as n
    from placements
),
final as (
    select record_id, id_masked, county_code, township_code, village_code, channel, dest_scope, months_employed,
           rule_months
    from ranked
    where n = 1
)
select * from final order by county_code, township_code, village_code, record_id
