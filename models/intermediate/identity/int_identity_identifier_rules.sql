-- The rules of the customer identity owner (seeds identity_rules and identity_blocklist)
-- applied to every distinct identifier value: one row per (identifier type, value, match
-- scope) saying whether the value links the records that carry it, and why not otherwise.
--
-- * blocklist: junk values (test addresses, `noreply@`, placeholder numbers) never link;
-- * weak types (address alone, name alone) never link on their own;
-- * shared values: a strong personal value carried by records that show more distinct people
--   than the type's `shared_threshold` (distinct phone numbers, or distinct person names told
--   apart with tolerance: identity_name_groups_sql; for the types marked counts_email_owner,
--   also the owner a personal e-mail address names: email_owners) is demoted to weak, e.g. a household's
--   shared inbox, store account or landline; where the type names a `split_shared_by` evidence
--   type, the value is split instead: it still links the records that name the same person
--   (int_identity_resolution), e.g. one member's orders shipped under her own name. Business values
--   (a purchasing inbox, an office phone) are never demoted: they link the business's records;
-- * business scope: for scoped types (e-mail, phone: seed column is_business_scoped) business
--   and personal records form separate groups, so a business profile never merges into a
--   personal one through them (the one rule; the identity checks test the same).

with

identifiers as {{ inline_cte() }} (

    select * from {{ ref('int_identifiers') }}

),

rules as (

    select * from {{ ref('identity_rules') }}

),

blocklist as (

    select * from {{ ref('identity_blocklist') }}

),

scoped as (

    select
        identifiers.record_node_id,
        identifiers.identifier_type,
        identifiers.identifier_value,
        identifiers.is_business_record,
        identifiers.is_person_record,
        {{ identity_match_scope('rules.is_business_scoped', 'identifiers.is_business_record') }}
            as match_scope

    from identifiers
    inner join rules
        on identifiers.identifier_type = rules.identifier_type

),

-- Each record once per value (int_identifiers holds a record's value once; its flags are the
-- record's own), so plain counts count records: one aggregation, no distinct count per measure.
value_records as (

    select
        identifier_type,
        identifier_value,
        match_scope,
        record_node_id,
        is_person_record,
        is_business_record

    from scoped

),

distinct_values as (

    select
        identifier_type,
        identifier_value,
        match_scope,
        min(record_node_id) as first_record_node_id,
        count(*) as records_count,
        count(case when is_person_record then 1 end) as person_records_count,
        count(case when is_business_record then 1 end) as business_records_count,
        count(case when is_person_record and not is_business_record then 1 end) as personal_accounts_count

    from value_records
    group by
        identifier_type,
        identifier_value,
        match_scope

),

blocked as (

    select
        distinct_values.identifier_type,
        distinct_values.identifier_value,
        min(blocklist.reason) as blocked_reason,
        min(blocklist.pattern) as blocked_pattern

    from distinct_values
    inner join blocklist
        on (
            distinct_values.identifier_type = blocklist.identifier_type
            or blocklist.identifier_type = '*'
        )
        and (
            (blocklist.match_type = 'exact' and distinct_values.identifier_value = blocklist.pattern)
            or (blocklist.match_type = 'like' and distinct_values.identifier_value like blocklist.pattern)
        )
    group by
        distinct_values.identifier_type,
        distinct_values.identifier_value

),

-- Who a record is about, as far as it says: its phone numbers and its person name (not blocked).
evidence as (

    select
        identifiers.record_node_id,
        identifiers.identifier_type as evidence_type,
        identifiers.identifier_value as evidence_value

    from identifiers
    left join blocked
        on
            identifiers.identifier_type = blocked.identifier_type
            and identifiers.identifier_value = blocked.identifier_value
    where
        identifiers.identifier_type in ('phone', 'person_name')
        and blocked.identifier_value is null

),

-- The owner a personal e-mail address names (seed column counts_email_owner): its local part
-- read with the record's own last name (three letters or more), digits, `+tags` and separators
-- (`.`, `_`, `-`) left out: a first name or initial then the last name (`d.brooks@`,
-- `dbrooks@`, `jane.m.smith@`), or the last name first with a separator (`brooks.d@`). On a
-- record naming Amanda Brooks, `d.brooks@` names D. Brooks: the inbox is also someone else's.
-- Nothing when the local part does not spell the last name or its first part has two letters.
email_locals as (

    select
        emails.record_node_id,
        translate(
            {{ dbt.split_part(dbt.split_part('lower(emails.raw_value)', "'@'", 1), "'+'", 1) }},
            '_-0123456789',
            '..'
        ) as local_part,
        {{ dbt.split_part('named.identifier_value', "'|'", 2) }} as last_name

    from identifiers as emails
    inner join identifiers as named
        on emails.record_node_id = named.record_node_id
    where
        emails.identifier_type = 'email'
        and named.identifier_type = 'person_name'
        and not emails.is_business_record

),

email_owner_parts as (

    select
        record_node_id,
        last_name,
        case
            when local_part like '%.%'
                then
                    case
                        when reverse({{ dbt.split_part('reverse(local_part)', "'.'", 1) }}) = last_name
                            then {{ dbt.split_part('local_part', "'.'", 1) }}
                        when {{ dbt.split_part('local_part', "'.'", 1) }} = last_name
                            then reverse({{ dbt.split_part('reverse(local_part)', "'.'", 1) }})
                    end
            when
                {{ dbt.length('local_part') }} > {{ dbt.length('last_name') }}
                and substring(
                    local_part,
                    {{ dbt.length('local_part') }} - {{ dbt.length('last_name') }} + 1,
                    {{ dbt.length('last_name') }}
                ) = last_name
                then substring(local_part, 1, {{ dbt.length('local_part') }} - {{ dbt.length('last_name') }})
        end as owner_first_name

    from email_locals
    where {{ dbt.length('last_name') }} >= 3

),

email_owners as (

    select
        record_node_id,
        {{ dbt.concat(['owner_first_name', "'|'", 'last_name']) }} as owner_name

    from email_owner_parts
    where
        {{ dbt.length('owner_first_name') }} = 1
        or {{ dbt.length('owner_first_name') }} >= 3

),

-- The records carrying each value a shared threshold applies to (read from identifiers, not
-- from `scoped`: a CTE read twice is materialised, one read is streamed).
checked as {{ inline_cte() }} (

    select
        identifiers.record_node_id,
        identifiers.identifier_type,
        identifiers.identifier_value,
        {{ identity_match_scope('rules.is_business_scoped', 'identifiers.is_business_record') }}
            as match_scope

    from identifiers
    inner join rules
        on identifiers.identifier_type = rules.identifier_type
    where rules.shared_threshold is not null

),

-- The people named among the records carrying each checked value, told apart with tolerance
-- (identity_name_groups_sql: Bob/Robert Brown one person, Jane Miller/Jane Smith two).
value_names as (

    {{ identity_name_groups_sql(
        "select checked.identifier_type, checked.identifier_value, checked.match_scope,
            evidence.evidence_value as name_key
        from checked
        inner join evidence
            on checked.record_node_id = evidence.record_node_id
        where evidence.evidence_type = 'person_name'
        union all
        select checked.identifier_type, checked.identifier_value, checked.match_scope,
            email_owners.owner_name as name_key
        from checked
        inner join rules
            on checked.identifier_type = rules.identifier_type
        inner join distinct_values
            on
                checked.identifier_type = distinct_values.identifier_type
                and checked.identifier_value = distinct_values.identifier_value
                and checked.match_scope = distinct_values.match_scope
        inner join email_owners
            on checked.record_node_id = email_owners.record_node_id
        where rules.counts_email_owner and distinct_values.records_count > 1",
        ['identifier_type', 'identifier_value', 'match_scope']
    ) }}

),

named_people as (

    select
        identifier_type,
        identifier_value,
        match_scope,
        count(distinct name_group) as distinct_names

    from value_names
    group by
        identifier_type,
        identifier_value,
        match_scope

),

phone_people as (

    select
        checked.identifier_type,
        checked.identifier_value,
        checked.match_scope,
        count(distinct evidence.evidence_value) as distinct_phones

    from checked
    inner join evidence
        on checked.record_node_id = evidence.record_node_id
    where
        evidence.evidence_type = 'phone'
        and checked.identifier_type != 'phone'
    group by
        checked.identifier_type,
        checked.identifier_value,
        checked.match_scope

),

-- E-mail values carried by business and personal records alike (kept apart by scope).
both_scopes as (

    select
        identifier_type,
        identifier_value

    from distinct_values
    where match_scope in ('business', 'personal')
    group by
        identifier_type,
        identifier_value
    having count(*) > 1

),

classified as (

    select
        distinct_values.identifier_type,
        distinct_values.identifier_value,
        distinct_values.match_scope,
        distinct_values.first_record_node_id,
        distinct_values.records_count,
        distinct_values.person_records_count,
        coalesce(phone_people.distinct_phones, 0) as distinct_phones,
        coalesce(named_people.distinct_names, 0) as distinct_first_names,
        case
            when coalesce(phone_people.distinct_phones, 0) > coalesce(named_people.distinct_names, 0)
                then coalesce(phone_people.distinct_phones, 0)
            else coalesce(named_people.distinct_names, 0)
        end as distinct_people,
        rules.priority as link_priority,
        rules.shared_threshold,
        rules.split_shared_by,
        blocked.blocked_reason,
        blocked.blocked_pattern,
        rules.is_strong,
        -- A business value (purchasing inbox, office phone, a company's store account: carried by
        -- business records and by no personal account or profile) links all its business's records.
        -- A threshold of 0 always splits (a postal address links only records naming one person).
        rules.shared_threshold = 0
        or (
            rules.shared_threshold is not null
            and distinct_values.match_scope != 'business'
            and not (
                distinct_values.business_records_count > 0
                and distinct_values.personal_accounts_count = 0
            )
            and (
                coalesce(phone_people.distinct_phones, 0) > rules.shared_threshold
                or coalesce(named_people.distinct_names, 0) > rules.shared_threshold
            )
        ) as is_over_threshold,
        blocked.identifier_value is not null as is_blocked,
        both_scopes.identifier_value is not null as is_in_both_scopes

    from distinct_values
    inner join rules
        on distinct_values.identifier_type = rules.identifier_type
    left join phone_people
        on
            distinct_values.identifier_type = phone_people.identifier_type
            and distinct_values.identifier_value = phone_people.identifier_value
            and distinct_values.match_scope = phone_people.match_scope
    left join named_people
        on
            distinct_values.identifier_type = named_people.identifier_type
            and distinct_values.identifier_value = named_people.identifier_value
            and distinct_values.match_scope = named_people.match_scope
    left join blocked
        on
            distinct_values.identifier_type = blocked.identifier_type
            and distinct_values.identifier_value = blocked.identifier_value
    left join both_scopes
        on
            distinct_values.identifier_type = both_scopes.identifier_type
            and distinct_values.identifier_value = both_scopes.identifier_value

)

select
    -- ids
    identifier_type,
    identifier_value,
    match_scope,
    first_record_node_id,

    -- strings
    case
        when is_blocked then 'blocked'
        when not is_strong then 'weak'
        when is_over_threshold then 'shared'
        when records_count = 1 then 'single'
        else 'linking'
    end as link_status,
    blocked_reason,
    blocked_pattern,
    case
        when not is_blocked and is_strong and is_over_threshold then split_shared_by
    end as split_by_type,

    -- numerics
    records_count,
    person_records_count,
    distinct_phones,
    distinct_first_names,
    distinct_people,
    shared_threshold,
    link_priority,

    -- booleans
    is_strong,
    is_blocked,
    not is_blocked and is_strong and is_over_threshold as is_shared,
    is_in_both_scopes

from classified
