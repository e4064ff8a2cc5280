-- Pairs of first names that name one person by the nickname seed, as `a|b` keys in both
-- directions: a name and its nickname (robert|bob, bob|robert) and two nicknames of one name
-- (bob|rob). identity_first_names_match looks pairs up here.

with

nicknames as (

    select
        lower(trim(name)) as full_first_name,
        lower(trim(nickname)) as nickname

    from {{ ref('identity_nicknames') }}

),

pairs as (

    select
        full_first_name as first_name_a,
        nickname as first_name_b
    from nicknames
    union all
    select
        nickname as first_name_a,
        full_first_name as first_name_b
    from nicknames
    union all
    select
        nicknames_a.nickname as first_name_a,
        nicknames_b.nickname as first_name_b
    from nicknames as nicknames_a
    inner join nicknames as nicknames_b
        on nicknames_a.full_first_name = nicknames_b.full_first_name
    where nicknames_a.nickname != nicknames_b.nickname

)

select distinct
    -- strings
    {{ dbt.concat(['first_name_a', "'|'", 'first_name_b']) }} as name_pair,
    first_name_a,
    first_name_b

from pairs
