-- Pairs of first names that name one person, as `a|b` keys in both directions;
-- identity_first_names_match looks pairs up here:
--
-- * nicknames (seed identity_nicknames): a name and its nickname (robert|bob, bob|robert) and
--   two nicknames of one name (bob|rob); the initial of one beside the other (b|robert, r|bob);
-- * spelling variants learnt from the seller's own names (accounts, profiles, users, buyers and
--   the names orders are billed and shipped to): a first name seen with at most var
--   `identity_spelling_variant_max_surnames` last names (one person's typo: Ruoh Owens, Lram
--   Guzman, Mak Schmidt) one edit (a letter added, dropped, replaced or two swapped) from
--   exactly one first name seen with at least var `identity_spelling_variant_min_surnames` last
--   names (Ruth, Liam, Mark); a last name the same way, counted by first names (Laura More,
--   Kevin Haall: Moore, Hall; pair_source `last_name_spelling_variant`, read by
--   identity_last_names_match). The rare name has four letters or more, or three with a letter
--   dropped inside it (Mak/Mark, Ran/Ryan; Eva/Evan never pair). Two common names (Mark and
--   Mary, Minh and Linh) never pair, nor does a rare name close to several common ones (Mara:
--   Mary, Mark, Maria) or a name and its feminine form (Louis/Louise). The four-letter typos the
--   fixed rule (identity_name_typo) must refuse, because Mark/Mary are two people, are told
--   apart by the data itself.

{% set max_rare = var('identity_spelling_variant_max_surnames', 1) | int %}
{% set min_common = var('identity_spelling_variant_min_surnames', 5) | int %}

with

nicknames as (

    select
        lower(trim(name)) as full_first_name,
        lower(trim(nickname)) as nickname

    from {{ ref('identity_nicknames') }}

),

nickname_pairs as (

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

),

-- The person names the records give (accounts, profiles, users, marketplace buyers) and the
-- names store orders are billed and shipped to.
-- Each written name once before its key is computed (orders repeat their buyers' names).
written_names as (

    select full_name as written_name
    from {{ ref('int_identity_records') }}
    where full_name is not null
    union
    select shipping_name as written_name
    from {{ ref('stg_shopify__orders') }}
    where shipping_name is not null
    union
    select billing_name as written_name
    from {{ ref('stg_shopify__orders') }}
    where billing_name is not null

),

record_names as (

    select distinct {{ identity_person_name_key('written_name') }} as name_key
    from written_names

),

name_parts as (

    select
        {{ dbt.split_part('name_key', "'|'", 1) }} as first_name,
        {{ dbt.split_part('name_key', "'|'", 2) }} as last_name

    from record_names
    where name_key is not null

),

-- How many people each first name is seen with (told apart by last name), and each last name
-- (told apart by first name).
name_counts as (

    select
        'first' as name_part,
        first_name as part_name,
        count(distinct case when last_name != '' then last_name end) as others_count

    from name_parts
    group by first_name

    union all

    select
        'last' as name_part,
        last_name as part_name,
        count(distinct first_name) as others_count

    from name_parts
    where {{ dbt.length('last_name') }} > 1
    group by last_name

),

positions as (

    {% for position in range(1, 21) -%}
        select {{ position }} as letter_position
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- Each rare and each common name with the keys one deleted letter gives (and the name
-- itself): two names one edit apart share a key, so only those pairs are compared.
deletion_keys as (

    select
        name_counts.name_part,
        name_counts.part_name,
        name_counts.others_count,
        name_counts.part_name as deletion_key

    from name_counts
    where
        name_counts.others_count <= {{ max_rare }}
        or name_counts.others_count >= {{ min_common }}

    union all

    select
        name_counts.name_part,
        name_counts.part_name,
        name_counts.others_count,
        {{ dbt.concat([
            'substring(name_counts.part_name, 1, positions.letter_position - 1)',
            'substring(name_counts.part_name, positions.letter_position + 1, length(name_counts.part_name))',
        ]) }} as deletion_key

    from name_counts
    inner join positions
        on positions.letter_position <= length(name_counts.part_name)
    where
        name_counts.others_count <= {{ max_rare }}
        or name_counts.others_count >= {{ min_common }}

),

variant_candidates as (

    select distinct
        rare.name_part,
        rare.part_name as rare_name,
        common.part_name as common_name

    from deletion_keys as rare
    inner join deletion_keys as common
        on
            rare.deletion_key = common.deletion_key
            and rare.name_part = common.name_part
    where
        rare.others_count <= {{ max_rare }}
        and common.others_count >= {{ min_common }}
        and rare.part_name != common.part_name
        and length(common.part_name) >= 3
        and (
            length(rare.part_name) >= 4
            or (
                length(rare.part_name) = 3
                and length(common.part_name) = 4
                and substring(rare.part_name, 1, 1) = substring(common.part_name, 1, 1)
                and substring(rare.part_name, 3, 1) = substring(common.part_name, 4, 1)
            )
        )
        and {{ identity_one_edit('rare.part_name', 'common.part_name') }}
        and not {{ identity_feminine_form('rare.part_name', 'common.part_name') }}

),

-- Only a rare name that can be corrected one way.
spelling_variants as (

    select
        name_part,
        rare_name,
        min(common_name) as common_name

    from variant_candidates
    group by name_part, rare_name
    having count(*) = 1

),

-- The initial of a name beside its nicknames and the other way round: B. is Robert's initial
-- through Bob, R. Bob's through Robert (`b.smith@` on Robert Smith, `R. Smith` beside Bob).
nickname_initials as (

    select
        substring(first_name_a, 1, 1) as initial,
        first_name_b as first_name
    from nickname_pairs
    where substring(first_name_a, 1, 1) != substring(first_name_b, 1, 1)

),

pairs as (

    select
        first_name_a,
        first_name_b,
        'nickname' as pair_source
    from nickname_pairs
    union all
    select
        initial as first_name_a,
        first_name as first_name_b,
        'nickname_initial' as pair_source
    from nickname_initials
    union all
    select
        first_name as first_name_a,
        initial as first_name_b,
        'nickname_initial' as pair_source
    from nickname_initials
    union all
    select
        rare_name as first_name_a,
        common_name as first_name_b,
        case
            when name_part = 'last' then 'last_name_spelling_variant'
            else 'spelling_variant'
        end as pair_source
    from spelling_variants
    union all
    select
        common_name as first_name_a,
        rare_name as first_name_b,
        case
            when name_part = 'last' then 'last_name_spelling_variant'
            else 'spelling_variant'
        end as pair_source
    from spelling_variants

),

deduplicated as (

    select
        first_name_a,
        first_name_b,
        min(pair_source) as pair_source

    from pairs
    group by
        first_name_a,
        first_name_b

)

select
    -- strings
    {{ dbt.concat(['first_name_a', "'|'", 'first_name_b']) }} as name_pair,
    first_name_a,
    first_name_b,
    pair_source

from deduplicated
