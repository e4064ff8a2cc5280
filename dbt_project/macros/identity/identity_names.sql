{#-
    "Same person?" by name, tolerant of how people type names: nicknames (seed
    identity_nicknames), initials, one-letter typos, accents and first/last name entered the
    wrong way round. Every rule that asks whether two records name the same person uses these
    macros: the split of a shared inbox or account, the count of distinct people behind a value,
    gift-order detection and the per-profile name limit (in resolution and in the checks alike).

    A person-name key is `<first>|<last>`: lowercased, accents folded, dots dropped, inner
    whitespace collapsed; `<last>` may be empty (a sign-up form that asked only the first name).
-#}

{#- Accents folded to plain letters (Zoë -> zoe). Portable: `translate`; DuckDB: strip_accents. -#}
{% macro identity_fold_accents(expression) -%}
    {{ return(adapter.dispatch('identity_fold_accents', 'customer_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__identity_fold_accents(expression) -%}
    {{ identity_fold_letters(
        "translate(" ~ expression ~ ", 'áàâäãåéèêëíìîïóòôöõúùûüñçýÿÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇÝ', "
        ~ "'aaaaaaeeeeiiiiooooouuuuncyyAAAAAAEEEEIIIIOOOOOUUUUNCY')"
    ) }}
{%- endmacro %}

{% macro duckdb__identity_fold_accents(expression) -%}
    {{ identity_fold_letters('strip_accents(' ~ expression ~ ')') }}
{%- endmacro %}

{#- Letters that are not a base letter with an accent, so accent stripping leaves them (Søren,
    Łukasz, Đorđe, Ægir, Straße, Þór), spelled as English text spells them: Søren and Soren are
    one name. -#}
{% macro identity_fold_letters(expression) -%}
    {%- set sql = namespace(text="translate(" ~ expression ~ ", 'øØłŁđĐðÐıİ', 'oOlLdDdDiI')") -%}
    {%- for letter, spelled in [('æ', 'ae'), ('Æ', 'AE'), ('œ', 'oe'), ('Œ', 'OE'), ('ß', 'ss'),
                                ('þ', 'th'), ('Þ', 'TH')] -%}
        {%- set sql.text = "replace(" ~ sql.text ~ ", '" ~ letter ~ "', '" ~ spelled ~ "')" -%}
    {%- endfor -%}
    {{ sql.text }}
{%- endmacro %}

{#- A name part as a key: lowercased, accents folded, dots and commas dropped, trimmed; null when empty. -#}
{% macro identity_name_part(expression) -%}
    nullif(trim(replace(replace(
        lower({{ identity_fold_accents('trim(' ~ expression ~ ')') }}), '.', ''), ',', '')), '')
{%- endmacro %}

{#- The person-name key from a first and a last name, or from one full name (split at its first
    space). Null when there is no first name or it looks like a handle or an e-mail local part
    (digits, `@`, `_`), or equals the local part of the record's own e-mail (`email`, or
    `email_key`: its identity_email_key where the caller already has it). The cleaned name and
    its first word are bound once per row (sql_lets), not once per test. -#}
{% macro identity_person_name_key(first_name, last_name=none, email=none, email_key=none) -%}
    {#- First word of the first name, last word of the last name (Mary Ann Smith -> mary|smith). -#}
    {%- if last_name is none -%}
        {%- set full_expression = "replace(replace(" ~ identity_name_part(first_name) ~ ", '  ', ' '), '  ', ' ')" -%}
        {%- set last = "case when pnk_full like '% %' then reverse(" ~ dbt.split_part(
            "reverse(pnk_full)", "' '", 1) ~ ") else '' end" -%}
    {%- else -%}
        {%- set full_expression = identity_name_part(first_name) -%}
        {%- set last_full = identity_name_part(last_name) -%}
        {%- set last_word = dbt.split_part("reverse(" ~ last_full ~ ")", "' '", 1) -%}
        {%- set last = "coalesce(reverse(" ~ last_word ~ "), '')" -%}
    {%- endif -%}
    {%- if email_key is none and email is not none -%}
        {%- set email_key = identity_email_key(email) -%}
    {%- endif -%}
    {#- (identity_name_part drops dots: only `@`, `_` and digits can be left of the marks) -#}
    {%- set tests = ["when nullif(pnk_first, '') is null then null",
                     "when " ~ identity_has_handle_mark('pnk_full') ~ " then null"] -%}
    {%- if email_key is not none -%}
        {%- do tests.append("when pnk_first = " ~ dbt.split_part(email_key, "'@'", 1) ~ " then null") -%}
    {%- endif -%}
    {%- set named = dbt.concat(['pnk_first', "'|'", last]) -%}
    {%- set result = "case " ~ tests | join(' ') ~ " else " ~ named ~ " end" -%}
    {%- set steps = [('pnk_full', full_expression), ('pnk_first', dbt.split_part('pnk_full', "' '", 1))] -%}
    {{ sql_lets(steps, result) }}
{%- endmacro %}

{#- The distinct non-null names the `name_columns` of `relation` hold, each with its keys computed
    once: `name_key` (identity_name_key), `person_name_key` (identity_person_name_key of the name
    as written) and `key_person_name` (identity_person_name_key of the name key). Orders repeat
    their buyers' and recipients' names, and the name keys are costly expressions: joining these
    back on the written name costs less than computing them on every order. -#}
{% macro identity_written_names_sql(relation, name_columns) -%}
    {%- set selects = [] -%}
    {%- for column in name_columns -%}
        {%- do selects.append(
            'select ' ~ column ~ ' as written_name from ' ~ relation ~ ' where ' ~ column ~ ' is not null'
        ) -%}
    {%- endfor %}
    select
        written_name,
        name_key,
        {{ identity_person_name_key('written_name') }} as person_name_key,
        {{ identity_person_name_key('name_key') }} as key_person_name

    from (
        select
            written_name,
            {{ identity_name_key('written_name') }} as name_key

        from ({{ selects | join(' union ') }}) as written_names
    ) as keyed_names
{%- endmacro %}

{#- Full name and postal address together as one key: the two name parts in alphabetical order
    (so a transposed name gives the same key), accents folded, then the address key. Null
    without a last name or an address. -#}
{% macro identity_name_address_key(person_name, address_key) -%}
    {%- set first = dbt.split_part(person_name, "'|'", 1) -%}
    {%- set last = dbt.split_part(person_name, "'|'", 2) -%}
    case
        when {{ person_name }} is not null and {{ address_key }} is not null and {{ last }} != ''
            then least({{ first }}, {{ last }}) || ' ' || greatest({{ first }}, {{ last }}) || '|' || {{ address_key }}
    end
{%- endmacro %}

{#- A typo between two name parts, not two different names: two neighbouring letters swapped
    (Paul/Palu, Michael/Micheal; four letters or more), or one letter added, dropped or replaced
    inside a name of five letters or more with the same first and last letter (Jennifer/Jenifer,
    Wayne/Wayte), or (DuckDB) a letter typed twice in a name of four letters or more (Omar/Ommar).
    Four-letter names one letter apart otherwise are often different people (Mark/Mary,
    Minh/Linh, John/Joan), and so are a name and its feminine form (Louis/Louise): never typos. -#}
{% macro identity_name_typo(a, b) -%}
    {{ return(adapter.dispatch('identity_name_typo', 'customer_warehouse')(a, b)) }}
{%- endmacro %}

{% macro identity_feminine_form(a, b) -%}
    (
        ({{ a }} = {{ b }} || 'a' or {{ a }} = {{ b }} || 'e')
        or ({{ b }} = {{ a }} || 'a' or {{ b }} = {{ a }} || 'e')
    )
{%- endmacro %}

{#- Portable: Levenshtein distance 1 inside a longer name (swaps are two edits there, so only
    DuckDB's path below recognises them). -#}
{% macro default__identity_name_typo(a, b) -%}
    (
        length({{ a }}) >= 5 and length({{ b }}) >= 5
        and substring({{ a }}, 1, 1) = substring({{ b }}, 1, 1)
        and reverse({{ a }}) like substring(reverse({{ b }}), 1, 1) || '%'
        and levenshtein({{ a }}, {{ b }}) <= 1
        and not {{ identity_feminine_form(a, b) }}
    )
{%- endmacro %}

{#- DuckDB: Damerau-Levenshtein tells a swap (one Damerau edit, two Levenshtein edits), and a
    letter typed twice is a typo in a four-letter name too (Omar/Ommar, Lily/Lilly: a repeated
    letter makes no other name of one person, where Mark/Mary's replaced one does). -#}
{% macro duckdb__identity_name_typo(a, b) -%}
    (case
        when length({{ a }}) >= 4 and length({{ b }}) >= 4 and damerau_levenshtein({{ a }}, {{ b }}) = 1 then (
            levenshtein({{ a }}, {{ b }}) = 2
            or (
                length({{ a }}) >= 5 and length({{ b }}) >= 5
                and {{ a }}[1] = {{ b }}[1] and {{ a }}[-1] = {{ b }}[-1]
                and not {{ identity_feminine_form(a, b) }}
            )
            or (case
                when abs(length({{ a }}) - length({{ b }})) = 1 then
                    {{ duckdb__identity_letter_typed_twice(a, b) }} or {{ duckdb__identity_letter_typed_twice(b, a) }}
                else false
            end)
        )
        else false
    end)
{%- endmacro %}

{#- DuckDB: `longer` is `shorter` with one of its letters typed twice (ommar/omar). -#}
{% macro duckdb__identity_letter_typed_twice(longer, shorter) -%}
    (len(list_filter(
        range(1, length({{ longer }})),
        lambda i: ({{ longer }})[i] = ({{ longer }})[i + 1]
        and ({{ longer }})[1:i] || ({{ longer }})[i + 2:] = {{ shorter }}
    )) > 0)
{%- endmacro %}

{#- Two names one edit apart: a letter added, dropped or replaced (portable: Levenshtein), or
    two neighbouring letters swapped (DuckDB: Damerau-Levenshtein). No length or letter rules:
    callers decide when one edit is a typo (int_identity_nickname_pairs: rare spelling variants). -#}
{% macro identity_one_edit(a, b) -%}
    {{ return(adapter.dispatch('identity_one_edit', 'customer_warehouse')(a, b)) }}
{%- endmacro %}

{% macro default__identity_one_edit(a, b) -%}
    (levenshtein({{ a }}, {{ b }}) = 1)
{%- endmacro %}

{% macro duckdb__identity_one_edit(a, b) -%}
    (damerau_levenshtein({{ a }}, {{ b }}) = 1)
{%- endmacro %}

{#- One name part is the other's initial (`j` and `jane`, `m` and `martinez`), either way round. -#}
{% macro identity_initial_of(a, b) -%}
    (
        (length({{ a }}) = 1 and {{ a }} = substring({{ b }}, 1, 1))
        or (length({{ b }}) = 1 and {{ b }} = substring({{ a }}, 1, 1))
    )
{%- endmacro %}

{#- Two first names of one person: equal, an initial of the other, a one-letter typo, or
    nicknames of one name (seed identity_nicknames, as int_identity_nickname_pairs: Bob/Robert,
    Liz/Beth), or a rare spelling of a common name in the seller's data (the same table:
    Ruoh/Ruth). The pairs are an uncorrelated `in (...)` list: one hash semi-join. Pairs learnt
    from last names count too (Mark/Mary where two last names were so spelt): on the 1M-customer
    demo, leaving them out lost 2,271 true record pairs and not one false pair. -#}
{% macro identity_first_names_match(a, b) -%}
    {{ identity_name_parts_match(a, b, "select name_pair from " ~ ref('int_identity_nickname_pairs')) }}
{%- endmacro %}

{#- Two name parts of one person, the cheap tests first: a `case` evaluates each test only for the
    pairs the tests before it did not settle (`or` computes every test for every row: the typo
    tests cost 4 s more over the 1.2M orders of the 1M-customer demo). `pairs_sql` gives the
    `a|b` keys of names known to be one (a hash semi-join). -#}
{% macro identity_name_parts_match(a, b, pairs_sql) -%}
    (case
        when {{ a }} = {{ b }} then true
        when {{ identity_initial_of(a, b) }} then true
        when {{ identity_name_typo(a, b) }} then true
        else {{ dbt.concat([a, "'|'", b]) }} in ({{ pairs_sql }})
    end)
{%- endmacro %}

{#- Two last names of one person: equal, an initial of the other (`Sophia M.`), a one-letter
    typo, or a rare spelling of a common last name in the seller's data (int_identity_nickname_pairs:
    More/Moore, Haall/Hall). -#}
{% macro identity_last_names_match(a, b) -%}
    {{ identity_name_parts_match(a, b, "select name_pair from " ~ ref('int_identity_nickname_pairs')
        ~ " where pair_source = 'last_name_spelling_variant'") }}
{%- endmacro %}

{#- Two person-name keys (`first|last`) of one person: first names match and last names match
    (or one is missing), or the names were entered the wrong way round. `parts_a` and `parts_b`:
    optional (first name, last name) columns already split from the keys (a pair test over many
    pairs then splits each key once, not in every comparison). -#}
{% macro identity_person_names_match(key_a, key_b, parts_a=none, parts_b=none) -%}
    {%- set first_a = parts_a[0] if parts_a else dbt.split_part(key_a, "'|'", 1) -%}
    {%- set last_a = parts_a[1] if parts_a else dbt.split_part(key_a, "'|'", 2) -%}
    {%- set first_b = parts_b[0] if parts_b else dbt.split_part(key_b, "'|'", 1) -%}
    {%- set last_b = parts_b[1] if parts_b else dbt.split_part(key_b, "'|'", 2) -%}
    {#- Equal keys (most pairs) answer at once, and each later test runs only for the pairs the
        ones before left open: a `case` (and the conditions of its `when`s) stops at the first
        answer, where `or` and `and` in a select list compute every test for every row. -#}
    (case
        when {{ key_a }} = {{ key_b }} then true
        when {{ key_a }} is null or {{ key_b }} is null then null
        when {{ identity_first_names_match(first_a, first_b) }}
            and ({{ last_a }} = '' or {{ last_b }} = '' or {{ identity_last_names_match(last_a, last_b) }})
            then true
        when {{ last_a }} != '' and {{ last_b }} != '' and {{ identity_first_names_match(first_a, last_b) }}
            then {{ identity_first_names_match(last_a, first_b) }}
        else false
    end)
{%- endmacro %}

{#- Whether a name key has a Latin letter (`γιωργος|παπαδοπουλος` and `丽|赵` have none): keys are
    lowercased with accents folded, so a-z is every Latin letter. -#}
{% macro identity_has_latin_letter(name_key) -%}
    {{ identity_has_any_of(name_key, 'abcdefghijklmnopqrstuvwxyz') }}
{%- endmacro %}

{#-
    Groups of person names inside each group of `partition_columns`: `sql` returns the
    partition columns and `name_key` (one row per distinct name). Returns the partition columns,
    `name_key` and `name_group`: the smallest full name (first and last) connected to it by
    matching names (three steps);
    a partial name (no last name, or only an initial for a first or a last name) joins the one
    full-name group it matches, stays its own group when it matches none, and gets no group
    (null) when it matches several (`Jane` beside `Jane Miller` and `Jane Smith`, `R. Mendez`
    beside `Randy Mendez` and `Raymond Mendez`, `Sophia M.` beside `Sophia Martinez` and
    `Sophia Moore`: which one is unknown). A partial name never bridges two full names:
    `R. Mendez` does not make Randy and Raymond one person.
    Names without a Latin letter (`Γιώργος Παπαδόπουλος`, `丽 赵`) match no Latin name (no
    transliteration), so they form groups among themselves. Where a value names
    exactly one person in Latin letters and exactly one in another script (a store account as
    `Giorgos Papadopoulos`, its newsletter profile in Greek), the two are one group; with more
    people on either side each keeps its own group (never fewer people than either script shows).
-#}
{% macro identity_name_groups_sql(sql, partition_columns) %}
    {%- set parts = [] -%}
    {%- for column in partition_columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last %}{% do parts.append("'~'") %}{% endif -%}
    {%- endfor -%}
    {%- set same_partition = [] -%}
    {%- for column in partition_columns -%}
        {%- do same_partition.append('names.' ~ column ~ ' = partition_sizes.' ~ column) -%}
    {%- endfor -%}
    with

    names as (

        select distinct
            {{ partition_columns | join(', ') }},
            name_key
        from ({{ sql }}) as named
        where name_key is not null

    ),

    -- A name alone in its partition is its own group (most values name one person): only
    -- partitions naming several go through the pairs below (their columns as one key).
    partition_sizes as (

        select
            {{ partition_columns | join(', ') }},
            count(*) as names_count
        from names
        group by {{ partition_columns | join(', ') }}

    ),

    sized_names as (

        select
            names.*,
            partition_sizes.names_count
        from names
        inner join partition_sizes
            on {{ same_partition | join(' and ') }}

    ),

    several_names as (

        select
            *,
            {{ dbt.concat(parts) }} as partition_key,
            {{ dbt.split_part('name_key', "'|'", 1) }} as first_part,
            {{ dbt.split_part('name_key', "'|'", 2) }} as last_part
        from sized_names
        where names_count > 1

    ),

    -- Full names: a first and a last name of two letters or more (an initial is partial).
    full_names as (

        select * from several_names
        where
            {{ dbt.length('last_part') }} > 1
            and {{ dbt.length('first_part') }} > 1

    ),

    -- Every pair of full names of one person (itself included) inside a partition. The match
    -- is symmetric (so is int_identity_nickname_pairs): each unordered pair is tested once.
    matching_pairs as (

        select
            full_a.partition_key,
            full_a.name_key,
            full_b.name_key as other_key
        from full_names as full_a
        inner join full_names as full_b
            on
                full_a.partition_key = full_b.partition_key
                and full_a.name_key < full_b.name_key
                and {{ identity_person_names_match(
                    'full_a.name_key', 'full_b.name_key',
                    ('full_a.first_part', 'full_a.last_part'), ('full_b.first_part', 'full_b.last_part')
                ) }}

    ),

    full_pairs as (

        select
            partition_key,
            name_key,
            name_key as other_key
        from full_names
        union all
        select
            partition_key,
            name_key,
            other_key
        from matching_pairs
        union all
        select
            partition_key,
            other_key as name_key,
            name_key as other_key
        from matching_pairs

    ),

    -- The smallest name reachable in three steps (Beserly ~ Beverly ~ Bevelry: one person even
    -- where the two typos are two edits apart): connected groups of the pairs.
    hop_1 as (

        select
            partition_key,
            name_key,
            min(other_key) as name_group
        from full_pairs
        group by partition_key, name_key

    ),

    hop_2 as (

        select
            full_pairs.partition_key,
            full_pairs.name_key,
            min(hop_1.name_group) as name_group
        from full_pairs
        inner join hop_1
            on
                full_pairs.partition_key = hop_1.partition_key
                and full_pairs.other_key = hop_1.name_key
        group by full_pairs.partition_key, full_pairs.name_key

    ),

    full_groups as (

        select
            full_pairs.partition_key,
            full_pairs.name_key,
            min(hop_2.name_group) as name_group
        from full_pairs
        inner join hop_2
            on
                full_pairs.partition_key = hop_2.partition_key
                and full_pairs.other_key = hop_2.name_key
        group by full_pairs.partition_key, full_pairs.name_key

    ),

    full_group_names as (

        select
            *,
            {{ dbt.split_part('name_key', "'|'", 1) }} as first_part,
            {{ dbt.split_part('name_key', "'|'", 2) }} as last_part
        from full_groups

    ),

    -- Partial names (`jane|`, `r|mendez`, `sophia|m`) and the full-name groups they fit.
    first_only as (

        select
            names.partition_key,
            names.name_key,
            count(distinct groups.name_group) as matched_groups,
            min(groups.name_group) as name_group
        from several_names as names
        left join full_group_names as groups
            on
                names.partition_key = groups.partition_key
                and {{ identity_person_names_match(
                    'names.name_key', 'groups.name_key',
                    ('names.first_part', 'names.last_part'), ('groups.first_part', 'groups.last_part')
                ) }}
        where
            {{ dbt.length('names.last_part') }} <= 1
            or {{ dbt.length('names.first_part') }} = 1
        group by names.partition_key, names.name_key

    ),

    grouped as (

        select
            partition_key,
            name_key,
            name_group
        from full_groups
        union all
        select
            partition_key,
            name_key,
            case
                when matched_groups = 0 then name_key
                when matched_groups = 1 then name_group
            end as name_group
        from first_only

    ),

    -- Values naming someone without a Latin letter (few): a name in another script matches no
    -- Latin name, so it forms groups of its own above; where the value names exactly one person
    -- in each script, the two are one.
    other_script_values as (

        select distinct names.partition_key
        from several_names as names
        where not {{ identity_has_latin_letter('names.name_key') }}

    ),

    script_groups as (

        select
            names.partition_key,
            count(distinct case
                when {{ identity_has_latin_letter('names.name_key') }} then grouped.name_group
            end) as latin_groups,
            count(distinct case
                when not {{ identity_has_latin_letter('names.name_key') }} then grouped.name_group
            end) as other_groups,
            min(case
                when {{ identity_has_latin_letter('names.name_key') }} then grouped.name_group
            end) as latin_group
        from several_names as names
        inner join other_script_values
            on names.partition_key = other_script_values.partition_key
        inner join grouped
            on
                names.partition_key = grouped.partition_key
                and names.name_key = grouped.name_key
        group by names.partition_key

    )

    select
        names.{{ partition_columns | join(', names.') }},
        names.name_key,
        case
            when
                script_groups.latin_groups = 1
                and script_groups.other_groups = 1
                and grouped.name_group is not null
                and not {{ identity_has_latin_letter('names.name_key') }}
                then script_groups.latin_group
            else grouped.name_group
        end as name_group
    from several_names as names
    inner join grouped
        on
            names.partition_key = grouped.partition_key
            and names.name_key = grouped.name_key
    left join script_groups
        on names.partition_key = script_groups.partition_key
    union all
    select
        {{ partition_columns | join(', ') }},
        name_key,
        name_key as name_group
    from sized_names
    where names_count = 1
{% endmacro %}

{#-
    Order references quoted by support tickets, one row per (ticket requester, reference): the
    ticket's `external_id` and every order number its subject quotes in a vendor's format:
    Shopify order numbers (3 to 12 digits) as the store writes them (`#1001`) and as customers
    do (`Order 1001`, `order no. 1001`, `Order number: 1001`, `order1001`; any case), and Amazon
    order ids (`123-1234567-1234567`). Returns `requester_id`, `reference` (`#1001` or the
    Amazon id). A number quoted any other way (`invoice 1001`, `ordered 300 mugs`) is not a
    reference; a reference links only when an order carries that number.
-#}
{% macro identity_ticket_order_refs(tickets) %}
    {{ return(adapter.dispatch('identity_ticket_order_refs', 'customer_warehouse')(tickets)) }}
{% endmacro %}

{#- Portable (Spark and most warehouses have `regexp_extract`): the external id and the first
    reference of each format in the subject. -#}
{% macro default__identity_ticket_order_refs(tickets) %}
{%- set order_number = identity_ticket_order_number_pattern() | replace('\\', '\\\\') %}
    select requester_id, trim(external_id) as reference
    from {{ tickets }}
    where requester_id is not null and nullif(trim(external_id), '') is not null
    union all
    select requester_id, '#' || regexp_extract(subject, '{{ order_number }}', 1) as reference
    from {{ tickets }}
    where requester_id is not null and (subject like '%#%' or lower(subject) like '%order%')
    union all
    select requester_id, regexp_extract(subject, '([0-9]{3}-[0-9]{7}-[0-9]{7})', 1) as reference
    from {{ tickets }}
    where requester_id is not null and subject like '%-%-%'
{% endmacro %}

{#- DuckDB: every reference in the subject. -#}
{% macro duckdb__identity_ticket_order_refs(tickets) %}
    select requester_id, trim(external_id) as reference
    from {{ tickets }}
    where requester_id is not null and nullif(trim(external_id), '') is not null
    union all
    select requester_id, '#' || unnest(regexp_extract_all(subject, '{{ identity_ticket_order_number_pattern() }}', 1))
        as reference
    from {{ tickets }}
    where requester_id is not null and (subject like '%#%' or lower(subject) like '%order%')
    union all
    select requester_id, unnest(regexp_extract_all(subject, '\b[0-9]{3}-[0-9]{7}-[0-9]{7}\b')) as reference
    from {{ tickets }}
    where requester_id is not null and subject like '%-%-%'
{% endmacro %}

{#- The regular expression of a Shopify order number in ticket text (RE2 and Java alike): `#`, or
    the word `order` with an optional `no.`, `nr.`, `num.` or `number` and `:` or `#`, then the
    number (group 1), not followed by a digit or a dash (the start of an Amazon order id). -#}
{% macro identity_ticket_order_number_pattern() -%}
    (?i)(?:#\s?|\border\s*(?:no\.?|nr\.?|num\.?|number)?\s*[:#]?\s*)([0-9]{3,12})(?:[^0-9-]|$)
{%- endmacro %}
