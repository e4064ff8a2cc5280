{#-
    Distinct values of every limited type per profile, as resolution and the checks count them:
    `exact` types by distinct value, `person_name` by groups of names of one person
    (identity_name_groups_sql: nicknames, initials, typos, transposed names count once; a first
    name alone that fits several full names adds no one). `components`: relation or subquery of
    (`node_id`, `component_id`); `limit_values`: (`record_node_id`, `identifier_type`,
    `identifier_value`, `max_per_profile`, `comparison`), blocklisted values already left out.
    Returns (`component_id`, `identifier_type`, `distinct_values`, `max_per_profile`).
-#}
{% macro identity_limit_counts_sql(components, limit_values) %}
    with

    valued as {{ inline_cte() }} (

        select
            components.component_id,
            limit_values.identifier_type,
            limit_values.identifier_value,
            limit_values.max_per_profile,
            limit_values.comparison

        from {{ limit_values }} as limit_values
        inner join {{ components }} as components
            on limit_values.record_node_id = components.node_id

    ),

    -- Distinct values first, then counted: a distinct count per (profile, type) kept a set of
    -- values per group (at a million customers 4.1 s against 2.1 s this way).
    profile_values as (

        select
            component_id,
            identifier_type,
            identifier_value,
            max(max_per_profile) as max_per_profile,
            max(comparison) as comparison

        from valued
        group by
            component_id,
            identifier_type,
            identifier_value

    ),

    exact_counts as (

        select
            component_id,
            identifier_type,
            count(identifier_value) as distinct_values,
            max(max_per_profile) as max_per_profile,
            max(comparison) as comparison

        from profile_values
        group by
            component_id,
            identifier_type

    ),

    -- Only profiles with more distinct names than allowed can hold more people than allowed.
    name_candidates as (

        select valued.*
        from valued
        inner join exact_counts
            on
                valued.component_id = exact_counts.component_id
                and valued.identifier_type = exact_counts.identifier_type
        where
            exact_counts.comparison = 'person_name'
            and exact_counts.distinct_values > exact_counts.max_per_profile

    ),

    name_groups as (

        {{ identity_name_groups_sql(
            "select component_id, identifier_type, identifier_value as name_key from name_candidates",
            ['component_id', 'identifier_type']) }}

    ),

    name_counts as (

        select
            component_id,
            identifier_type,
            count(distinct name_group) as distinct_values

        from name_groups
        group by
            component_id,
            identifier_type

    )

    select
        exact_counts.component_id,
        exact_counts.identifier_type,
        case
            when exact_counts.comparison = 'person_name' and exact_counts.distinct_values > exact_counts.max_per_profile
                then coalesce(name_counts.distinct_values, 0)
            else exact_counts.distinct_values
        end as distinct_values,
        exact_counts.max_per_profile

    from exact_counts
    left join name_counts
        on
            exact_counts.component_id = name_counts.component_id
            and exact_counts.identifier_type = name_counts.identifier_type
{% endmacro %}

{#- The exceeded types' values of the records of the exceeded profiles (a few thousand profiles),
    for the limit steps to read instead of every record's values. `exceeded`: subquery of
    (`component_id`, `exceeded_type`), one row each. Returns (`component_id`, `record_node_id`,
    `identifier_type`, `identifier_value`, `comparison`). -#}
{% macro identity_exceeded_values_sql(exceeded, components, limit_values) %}
    select
        components.component_id,
        limit_values.record_node_id,
        limit_values.identifier_type,
        limit_values.identifier_value,
        limit_values.comparison

    from {{ exceeded }} as exceeded
    inner join {{ components }} as components
        on exceeded.component_id = components.component_id
    inner join {{ limit_values }} as limit_values
        on
            components.node_id = limit_values.record_node_id
            and exceeded.exceeded_type = limit_values.identifier_type
{% endmacro %}

{#-
    Links that may join two different values of an exceeded type through a record that carries
    none (a shared family computer's device, a checkout without a name): links between a record
    carrying the type and one without it that is not a dead end. A record without the type is a
    dead end when all its neighbours carry the type and every two of them share a value (names
    compared with tolerance): an SMS sign-up known only by one person's phone, a browser logged
    in to one person's account. No path between two different values passes through a dead end,
    so its links are never the offending ones. `links`: subquery of active links with
    (`component_id`, `record_node_id_a`, `record_node_id_b`, `identifier_type`, `link_priority`);
    `exceeded`: subquery of (`component_id`, `exceeded_type`). Returns the links' columns and
    `exceeded_type`.
-#}
{% macro identity_limit_bridging_links_sql(links, exceeded, limit_values) %}
    with

    exceeded_links as (

        select
            links.*,
            exceeded.exceeded_type

        from {{ links }} as links
        inner join {{ exceeded }} as exceeded
            on links.component_id = exceeded.component_id

    ),

    adjacency as (

        select component_id, exceeded_type, record_node_id_a as node_id, record_node_id_b as neighbour_id
        from exceeded_links
        union
        select component_id, exceeded_type, record_node_id_b as node_id, record_node_id_a as neighbour_id
        from exceeded_links

    ),

    carried as (

        select distinct
            adjacency.component_id,
            adjacency.exceeded_type,
            adjacency.node_id

        from adjacency
        inner join {{ limit_values }} as node_values
            on
                adjacency.node_id = node_values.record_node_id
                and adjacency.exceeded_type = node_values.identifier_type

    ),

    neighbour_values as (

        select
            adjacency.component_id,
            adjacency.exceeded_type,
            adjacency.node_id,
            adjacency.neighbour_id,
            neighbour.identifier_value,
            neighbour.comparison

        from adjacency
        left join carried
            on
                adjacency.component_id = carried.component_id
                and adjacency.exceeded_type = carried.exceeded_type
                and adjacency.node_id = carried.node_id
        left join {{ limit_values }} as neighbour
            on
                adjacency.neighbour_id = neighbour.record_node_id
                and adjacency.exceeded_type = neighbour.identifier_type
        where carried.node_id is null

    ),

    neighbour_pairs as (

        select
            values_a.component_id,
            values_a.exceeded_type,
            values_a.node_id,
            values_a.neighbour_id as neighbour_a,
            values_b.neighbour_id as neighbour_b,
            max(case
                when values_a.identifier_value = values_b.identifier_value then 1
                when values_a.comparison = 'person_name'
                    and {{ identity_person_names_match('values_a.identifier_value', 'values_b.identifier_value') }}
                    then 1
                else 0
            end) as is_same

        from neighbour_values as values_a
        inner join neighbour_values as values_b
            on
                values_a.component_id = values_b.component_id
                and values_a.exceeded_type = values_b.exceeded_type
                and values_a.node_id = values_b.node_id
                and values_a.neighbour_id < values_b.neighbour_id
        where
            values_a.identifier_value is not null
            and values_b.identifier_value is not null
        group by
            values_a.component_id,
            values_a.exceeded_type,
            values_a.node_id,
            values_a.neighbour_id,
            values_b.neighbour_id

    ),

    -- Records without the type that may join two values: a neighbour without it either, or two
    -- neighbours with nothing in common.
    bridges as (

        select distinct component_id, exceeded_type, node_id
        from neighbour_values
        where identifier_value is null
        union
        select distinct component_id, exceeded_type, node_id
        from neighbour_pairs
        where is_same = 0

    )

    select exceeded_links.*
    from exceeded_links
    inner join carried
        on
            exceeded_links.component_id = carried.component_id
            and exceeded_links.exceeded_type = carried.exceeded_type
            and exceeded_links.record_node_id_a = carried.node_id
    inner join bridges
        on
            exceeded_links.component_id = bridges.component_id
            and exceeded_links.exceeded_type = bridges.exceeded_type
            and exceeded_links.record_node_id_b = bridges.node_id
    union all
    select exceeded_links.*
    from exceeded_links
    inner join carried
        on
            exceeded_links.component_id = carried.component_id
            and exceeded_links.exceeded_type = carried.exceeded_type
            and exceeded_links.record_node_id_b = carried.node_id
    inner join bridges
        on
            exceeded_links.component_id = bridges.component_id
            and exceeded_links.exceeded_type = bridges.exceeded_type
            and exceeded_links.record_node_id_a = bridges.node_id
{% endmacro %}

{#-
    Profiles (with at least one active link) holding more values of a type than allowed, with
    the offending links to drop: active links inside the profile whose two records carry
    different values of the exceeded type (no value in common; names that do not match), the
    weakest priority first. When no single link joins two conflicting records (they meet through
    records without that type), the weakest links where they meet go (identity_limit_bridging_links_sql:
    never the links of a dead end, such as an SMS sign-up known by one person's phone); then the
    weakest links touching a record that carries the type; only when there are none either, the
    weakest links of the profile. Never all of a record's
    links at once. Writes (`component_id`, `identifier_type`, `distinct_values`,
    `max_per_profile`, `dropped_identifier_type`, `dropped_link_priority`, `drop_scope`).
-#}
{% macro identity_limit_violations_sql(components, limit_values, edges) %}
    with

    counted as (

        {{ identity_limit_counts_sql(components, limit_values) }}

    ),

    exceeded as (

        select * from counted
        where distinct_values > max_per_profile

    ),

    -- Every step below reads these instead of every record's values again.
    exceeded_values as (

        {{ identity_exceeded_values_sql(
            '(select component_id, identifier_type as exceeded_type from exceeded)', components, limit_values
        ) }}

    ),

    active_links as (

        select
            components.component_id,
            edges.record_node_id_a,
            edges.record_node_id_b,
            edges.identifier_type,
            edges.link_priority

        from {{ edges }} as edges
        inner join {{ components }} as components
            on edges.record_node_id_a = components.node_id
        inner join exceeded
            on components.component_id = exceeded.component_id
        -- Priority 0 (a match a data owner accepted) is a decision, never an offending link.
        where edges.is_active and edges.link_priority > 0

    ),

    value_pairs as (

        select
            active_links.component_id,
            active_links.record_node_id_a,
            active_links.record_node_id_b,
            active_links.identifier_type,
            active_links.link_priority,
            exceeded.identifier_type as exceeded_type,
            case
                when values_a.identifier_value = values_b.identifier_value then 1
                when values_a.comparison = 'person_name'
                    and {{ identity_person_names_match('values_a.identifier_value', 'values_b.identifier_value') }}
                    then 1
                else 0
            end as is_same

        from active_links
        inner join exceeded
            on active_links.component_id = exceeded.component_id
        inner join exceeded_values as values_a
            on
                active_links.record_node_id_a = values_a.record_node_id
                and exceeded.identifier_type = values_a.identifier_type
        inner join exceeded_values as values_b
            on
                active_links.record_node_id_b = values_b.record_node_id
                and exceeded.identifier_type = values_b.identifier_type

    ),

    conflicting as (

        select
            component_id,
            exceeded_type,
            identifier_type,
            link_priority

        from value_pairs
        group by
            component_id,
            record_node_id_a,
            record_node_id_b,
            exceeded_type,
            identifier_type,
            link_priority
        having max(is_same) = 0

    ),

    -- Records carrying the exceeded type inside each exceeded profile.
    carriers as (

        select distinct
            component_id,
            identifier_type as exceeded_type,
            record_node_id

        from exceeded_values

    ),

    touching as (

        select distinct
            active_links.component_id,
            carriers.exceeded_type,
            active_links.identifier_type,
            active_links.link_priority

        from active_links
        inner join carriers
            on
                active_links.component_id = carriers.component_id
                and active_links.record_node_id_a = carriers.record_node_id

        union

        select distinct
            active_links.component_id,
            carriers.exceeded_type,
            active_links.identifier_type,
            active_links.link_priority

        from active_links
        inner join carriers
            on
                active_links.component_id = carriers.component_id
                and active_links.record_node_id_b = carriers.record_node_id

    ),

    bridging as (

        select distinct
            component_id,
            exceeded_type,
            identifier_type,
            link_priority

        from ({{ identity_limit_bridging_links_sql(
            'active_links',
            '(select component_id, identifier_type as exceeded_type from exceeded)',
            'exceeded_values') }}) as bridging_links

    ),

    choices as (

        select component_id, exceeded_type, identifier_type, link_priority, 1 as drop_rank from conflicting
        union all
        select component_id, exceeded_type, identifier_type, link_priority, 2 as drop_rank from bridging
        union all
        select component_id, exceeded_type, identifier_type, link_priority, 3 as drop_rank from touching
        union all
        select component_id, cast(null as {{ dbt.type_string() }}), identifier_type, link_priority, 4 as drop_rank
        from active_links

    ),

    best_rank as (

        select
            component_id,
            min(drop_rank) as drop_rank

        from choices
        group by component_id

    ),

    weakest as (

        select
            choices.component_id,
            choices.drop_rank,
            max(choices.link_priority) as link_priority

        from choices
        inner join best_rank
            on
                choices.component_id = best_rank.component_id
                and choices.drop_rank = best_rank.drop_rank
        group by
            choices.component_id,
            choices.drop_rank

    ),

    weakest_type as (

        select
            weakest.component_id,
            weakest.drop_rank,
            weakest.link_priority,
            min(choices.identifier_type) as identifier_type

        from weakest
        inner join choices
            on
                weakest.component_id = choices.component_id
                and weakest.drop_rank = choices.drop_rank
                and weakest.link_priority = choices.link_priority
        group by
            weakest.component_id,
            weakest.drop_rank,
            weakest.link_priority

    )

    select
        exceeded.component_id,
        exceeded.identifier_type,
        exceeded.distinct_values,
        exceeded.max_per_profile,
        weakest_type.identifier_type as dropped_identifier_type,
        weakest_type.link_priority as dropped_link_priority,
        case weakest_type.drop_rank
            when 1 then 'conflicting_links'
            when 2 then 'bridging_links'
            when 3 then 'links_of_limited_records'
            else 'weakest_links'
        end as drop_scope

    from exceeded
    inner join weakest_type
        on exceeded.component_id = weakest_type.component_id
{% endmacro %}

{#- Drops the offending links the violations name (see identity_limit_violations_sql).
    `components` needs to hold only the profiles the violations name (or more); every link of
    `edges` is kept in the rewritten table. -#}
{% macro identity_drop_lowest_priority_links(
    edges, work_edges, components, violations, pass_number, limit_values=none
) %}
    {%- do identity_replace_table(work_edges, "
        with

        dropping as (
            select distinct component_id, identifier_type as exceeded_type, dropped_link_priority, drop_scope
            from " ~ violations ~ "
        ),

        located as (
            select
                edges.*,
                components.component_id
            from " ~ edges ~ " as edges
            inner join " ~ components ~ " as components
                on edges.record_node_id_a = components.node_id
            inner join (select distinct component_id from dropping) as violated
                on components.component_id = violated.component_id
        ),

        -- The exceeded types' values of the records of the profiles losing links.
        dropping_values as (" ~ identity_exceeded_values_sql(
            '(select distinct component_id, exceeded_type from dropping)', components, limit_values) ~ "
        ),

        value_pairs as (
            select
                located.record_node_id_a,
                located.record_node_id_b,
                located.identifier_type,
                located.identifier_value,
                dropping.exceeded_type,
                max(case
                    when values_a.identifier_value = values_b.identifier_value then 1
                    when values_a.comparison = 'person_name'
                        and " ~ identity_person_names_match('values_a.identifier_value', 'values_b.identifier_value')
                        ~ " then 1
                    else 0
                end) as is_same
            from located
            inner join dropping
                on located.component_id = dropping.component_id
                and located.link_priority = dropping.dropped_link_priority
                and dropping.drop_scope = 'conflicting_links'
            inner join dropping_values as values_a
                on located.record_node_id_a = values_a.record_node_id
                and dropping.exceeded_type = values_a.identifier_type
            inner join dropping_values as values_b
                on located.record_node_id_b = values_b.record_node_id
                and dropping.exceeded_type = values_b.identifier_type
            where located.is_active
            group by 1, 2, 3, 4, 5
        ),

        conflicting as (
            select distinct record_node_id_a, record_node_id_b, identifier_type, identifier_value
            from value_pairs
            where is_same = 0
        ),

        touching as (
            select distinct located.record_node_id_a, located.record_node_id_b, located.identifier_type,
                located.identifier_value
            from located
            inner join dropping
                on located.component_id = dropping.component_id
                and located.link_priority = dropping.dropped_link_priority
                and dropping.drop_scope = 'links_of_limited_records'
            inner join dropping_values as carried
                on carried.identifier_type = dropping.exceeded_type
                and carried.record_node_id = located.record_node_id_a
            where located.is_active
            union
            select distinct located.record_node_id_a, located.record_node_id_b, located.identifier_type,
                located.identifier_value
            from located
            inner join dropping
                on located.component_id = dropping.component_id
                and located.link_priority = dropping.dropped_link_priority
                and dropping.drop_scope = 'links_of_limited_records'
            inner join dropping_values as carried
                on carried.identifier_type = dropping.exceeded_type
                and carried.record_node_id = located.record_node_id_b
            where located.is_active
        ),

        bridging as (
            select distinct located.record_node_id_a, located.record_node_id_b, located.identifier_type,
                located.identifier_value
            from located
            inner join (" ~ identity_limit_bridging_links_sql(
                "(select * from located where is_active and link_priority > 0)",
                "(select component_id, exceeded_type from dropping where drop_scope = 'bridging_links')",
                'dropping_values') ~ ") as bridging_links
                on located.record_node_id_a = bridging_links.record_node_id_a
                and located.record_node_id_b = bridging_links.record_node_id_b
                and located.identifier_type = bridging_links.identifier_type
            inner join dropping
                on located.component_id = dropping.component_id
                and located.link_priority = dropping.dropped_link_priority
                and dropping.drop_scope = 'bridging_links'
                and bridging_links.exceeded_type = dropping.exceeded_type
            where located.is_active
        ),

        weakest as (
            select distinct located.record_node_id_a, located.record_node_id_b, located.identifier_type,
                located.identifier_value
            from located
            inner join dropping
                on located.component_id = dropping.component_id
                and located.link_priority = dropping.dropped_link_priority
                and dropping.drop_scope = 'weakest_links'
            where located.is_active
        ),

        dropped as (
            select * from conflicting
            union
            select * from bridging
            union
            select * from touching
            union
            select * from weakest
        )

        select * from dropped
    ") -%}
    {%- do identity_apply_dropped_links(edges, work_edges, pass_number) -%}
{% endmacro %}

{#- Mark the links of `dropped` (`record_node_id_a`, `record_node_id_b`, `identifier_type`,
    `identifier_value`; a few per pass) inactive in `edges`, dropped in `pass_number`. Portable:
    the edges table written again; DuckDB: an update of those rows (writing every link again
    took seconds per pass at a million customers; var identity_update_in_place: false forces the
    portable path). -#}
{% macro identity_apply_dropped_links(edges, dropped, pass_number) %}
    {{ return(adapter.dispatch('identity_apply_dropped_links', 'customer_warehouse')(
        edges, dropped, pass_number)) }}
{% endmacro %}

{% macro default__identity_apply_dropped_links(edges, dropped, pass_number) %}
    {%- set next_edges = identity_sibling_relation(edges, 'next') -%}
    {#- the links' own columns (and those the model carries) as they are -#}
    {%- set kept = [] -%}
    {%- for column in adapter.get_columns_in_relation(edges) -%}
        {%- if column.name | lower not in ('is_active', 'dropped_in_pass') -%}
            {%- do kept.append('edges.' ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do identity_replace_table(next_edges, "
        select
            " ~ kept | join(', ') ~ ",
            edges.is_active and dropped.record_node_id_a is null as is_active,
            case
                when edges.is_active and dropped.record_node_id_a is not null then " ~ pass_number ~ "
                else edges.dropped_in_pass
            end as dropped_in_pass
        from " ~ edges ~ " as edges
        left join " ~ dropped ~ " as dropped
            on edges.record_node_id_a = dropped.record_node_id_a
            and edges.record_node_id_b = dropped.record_node_id_b
            and edges.identifier_type = dropped.identifier_type
            and edges.identifier_value = dropped.identifier_value
    ") -%}
    {%- do adapter.drop_relation(edges) -%}
    {%- do adapter.rename_relation(next_edges, edges) -%}
{% endmacro %}

{% macro duckdb__identity_apply_dropped_links(edges, dropped, pass_number) %}
    {%- if not var('identity_update_in_place', true) -%}
        {{ return(default__identity_apply_dropped_links(edges, dropped, pass_number)) }}
    {%- endif -%}
    {%- do run_query("
        update " ~ edges ~ " as edges
        set is_active = false, dropped_in_pass = " ~ pass_number ~ "
        from " ~ dropped ~ " as dropped
        where edges.is_active
            and edges.record_node_id_a = dropped.record_node_id_a
            and edges.record_node_id_b = dropped.record_node_id_b
            and edges.identifier_type = dropped.identifier_type
            and edges.identifier_value = dropped.identifier_value
    ") -%}
{% endmacro %}
