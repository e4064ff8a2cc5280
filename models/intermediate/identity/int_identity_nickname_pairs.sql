-- Pairs of first names that name one person, as `a|b` keys in both directions;
-- identity_first_names_match looks pairs up here:
--
-- * nicknames (seed identity_nicknames): a name and its nickname (robert|bob, bob|robert) and
--   two nicknames of one name (bob|rob); the initial of one beside the other (b|robert, r|bob);
-- * spelling variants learnt from the seller's own names: a first name of four letters or more
--   seen with at most var `identity_spelling_variant_max_surnames` last names (one person's
--   typo: Ruoh Owens, Lram Guzman) one edit (a letter added, dropped, replaced or two swapped)
--   from exactly one first name seen with at least var `identity_spelling_variant_min_surnames`
--   last names (Ruth, Liam). Two common names (Mark and Mary, Minh and Linh) never pair, nor
--   does a rare name close to several common ones (Mara: Mary, Mark, Maria) or a name and its
--   feminine form (Louis/Louise). The four-letter typos the fixed rule (identity_name_typo)
--   must refuse, because Mark/Mary are two people, are told apart by the data itself.

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

-- The person names the records give (accounts, profiles, users, marketplace buyers).
record_names as (

    select distinct
        {{ identity_person_name_key('full_name') }} as name_key

    from {{ ref('int_identity_records') }}
    where full_name is not null

),

name_parts as (

    select
        {{ dbt.split_part('name_key', "'|'", 1) }} as first_name,
        {{ dbt.split_part('name_key', "'|'", 2) }} as last_name

    from record_names
    where name_key is not null

),

-- How many people (told apart by last name) each first name is seen with.
first_names as (

    select
        first_name,
        count(distinct case when last_name != '' then last_name end) as surnames_count

    from name_parts
    group by first_name

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
        first_names.first_name,
        first_names.surnames_count,
        first_names.first_name as deletion_key

    from first_names
    where
        first_names.surnames_count <= {{ max_rare }}
        or first_names.surnames_count >= {{ min_common }}

    union all

    select
        first_names.first_name,
        first_names.surnames_count,
        {{ dbt.concat([
            'substring(first_names.first_name, 1, positions.letter_position - 1)',
            'substring(first_names.first_name, positions.letter_position + 1, length(first_names.first_name))',
        ]) }} as deletion_key

    from first_names
    inner join positions
        on positions.letter_position <= length(first_names.first_name)
    where
        first_names.surnames_count <= {{ max_rare }}
        or first_names.surnames_count >= {{ min_common }}

),

variant_candidates as (

    select distinct
        rare.first_name as rare_name,
        common.first_name as common_name

    from deletion_keys as rare
    inner join deletion_keys as common
        on rare.deletion_key = common.deletion_key
    where
        rare.surnames_count <= {{ max_rare }}
        and common.surnames_count >= {{ min_common }}
        and rare.first_name != common.first_name
        and length(rare.first_name) >= 4
        and length(common.first_name) >= 3
        and {{ identity_one_edit('rare.first_name', 'common.first_name') }}
        and not {{ identity_feminine_form('rare.first_name', 'common.first_name') }}

),

-- Only a rare name that can be corrected one way.
spelling_variants as (

    select
        rare_name,
        min(common_name) as common_name

    from variant_candidates
    group by rare_name
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
        'spelling_variant' as pair_source
    from spelling_variants
    union all
    select
        common_name as first_name_a,
        rare_name as first_name_b,
        'spelling_variant' as pair_source
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
