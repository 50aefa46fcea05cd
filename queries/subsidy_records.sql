-- The records that qualify for one rule (masked IDs), one per person: their longest qualifying placement.
-- @records: returns person-level rows (masked IDs); refused for roles without record access
with placements as (
    select * from rule_placements($path, $area, $organized, $scopes, $channels)
    where months_employed >= $min_months
),
final as (
    select
        arg_max(record_id, months_employed) as record_id,
        arg_max(id_masked, months_employed) as id_masked,
        arg_max(county_code, months_employed) as county_code,
        arg_max(township_code, months_employed) as township_code,
        arg_max(village_code, months_employed) as village_code,
        arg_max(channel, months_employed) as channel,
        arg_max(dest_scope, months_employed) as dest_scope,
        max(months_employed) as months_employed
    from placements
    group by person_key
)
select * from final order by county_code, township_code, village_code, record_id
