-- Distribution of income per person in the area: fixed-width bins, the last one open-ended.
with persons as (
    select * from person_rows($path, $area, $channels, $grp)
),
binned as (
    select least(floor(income / $bin)::bigint, $nbins - 1) as bin from persons
),
final as (
    select bin, bin * $bin as lower, case when bin = $nbins - 1 then null else (bin + 1) * $bin end as upper,
           count(*)::bigint as persons
    from binned
    group by bin
)
select * from final order by bin
