{#-
    materialized='identity_resolution': profiles as connected components of the identity graph,
    with the customer identity owner's limits per profile (seed identity_limits).

    The model's SQL returns the candidate links: `record_node_id_a`, `record_node_id_b`,
    `identifier_type`, `identifier_value`, `link_priority` (higher = lower priority), and any
    further columns, carried to `<model>__edges` as they are (so readers of the links need not
    join them back to the model they came from). Config:
      nodes_model        model with one row per record (`record_node_id`): isolated records too;
      limit_values_model model of (`record_node_id`, `identifier_type`, `identifier_value`,
                         `max_per_profile`): the values each record brings that are limited;
      max_limit_passes   (default var identity_max_limit_passes) and max_rounds (default var
                         identity_max_rounds) bound the loops.

    Each pass resolves the graph of the active links (identity_connected_components, which
    asserts convergence), then counts every limited type per profile. The first pass resolves
    the whole graph; later ones only the profiles the pass before dropped links in (links are
    only ever dropped, so every other profile, checked and within its limits, stays as it is
    and the components are exactly those of resolving everything again). Where a profile holds more
    distinct values than allowed (identity_limit_counts_sql), the merge is not made: the links
    joining records with different values of that type are dropped and the profile is resolved
    again in the
    next pass (identity_limit_violations_sql: only the offending links, the weakest first). The
    pass after the last drop confirms the result.

    Writes the model's table (`record_node_id`, `component_node_id`: the smallest record node of
    the profile, `resolution_pass`, `resolution_rounds`) and two tables beside it:
      `<model>__edges` every candidate link (with its carried columns), `is_active` and the pass
                       that dropped it;
      `<model>__log`   one row per pass (rounds, links, profiles, violations, seconds) and one
                       row per limit that fired (profile, type, values, limit, dropped type).
-#}
{% materialization identity_resolution, default %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set nodes_relation = ref(config.require('nodes_model')) -%}
    {%- set limit_values_relation = ref(config.require('limit_values_model')) -%}
    {%- set max_passes = config.get('max_limit_passes', var('identity_max_limit_passes', 8)) | int -%}
    {%- set max_rounds = config.get('max_rounds', var('identity_max_rounds', 40)) | int -%}
    {%- set edges_relation = identity_sibling_relation(target_relation, 'edges') -%}
    {%- set log_relation = identity_sibling_relation(target_relation, 'log') -%}
    {%- set work_components = identity_sibling_relation(target_relation, 'work_components') -%}
    {%- set work_active = identity_sibling_relation(target_relation, 'work_active_edges') -%}
    {%- set work_violations = identity_sibling_relation(target_relation, 'work_violations') -%}
    {%- set work_edges = identity_sibling_relation(target_relation, 'work_edges') -%}
    {%- set work_affected = identity_sibling_relation(target_relation, 'work_affected') -%}
    {%- set work_changed = identity_sibling_relation(target_relation, 'work_changed') -%}
    {%- set work_merged = identity_sibling_relation(target_relation, 'work_merged') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- do adapter.create_schema(target_relation) -%}

    {%- do identity_replace_table(edges_relation, "
        select
            candidate_links.*,
            true as is_active,
            cast(null as integer) as dropped_in_pass
        from (" ~ sql ~ ") as candidate_links
    ") -%}
    {%- do identity_replace_table(log_relation, identity_log_row_sql('pass', 0) ~ " where 1 = 0") -%}

    {%- set state = namespace(passes=0, rounds=0, done=false) -%}
    {%- for pass_number in range(1, max_passes + 2) -%}
        {%- if not state.done -%}
            {%- set started = modules.datetime.datetime.now() -%}
            {%- set state.passes = pass_number -%}
            {%- if pass_number == 1 -%}
                {%- do identity_replace_table(work_active, "
                    select record_node_id_a as node_a, record_node_id_b as node_b
                    from " ~ edges_relation ~ " where is_active") -%}
                {%- set result = identity_connected_components(
                    work_active, "(select record_node_id as node_id from " ~ nodes_relation ~ ")",
                    work_components, max_rounds) -%}
                {%- set resolved = work_components -%}
                {%- set active_edges = result.edges -%}
            {%- else -%}
                {#- Only the profiles the last pass dropped links in: their records and active links. -#}
                {%- do identity_replace_table(work_affected, "
                    select components.node_id
                    from " ~ work_components ~ " as components
                    inner join (select distinct component_id from " ~ work_violations ~ ") as violated
                        on components.component_id = violated.component_id") -%}
                {%- do identity_replace_table(work_active, "
                    select edges.record_node_id_a as node_a, edges.record_node_id_b as node_b
                    from " ~ edges_relation ~ " as edges
                    inner join " ~ work_affected ~ " as affected
                        on edges.record_node_id_a = affected.node_id
                    where edges.is_active") -%}
                {%- set result = identity_connected_components(
                    work_active, "(select node_id from " ~ work_affected ~ ")", work_changed, max_rounds) -%}
                {%- do identity_replace_table(work_merged, "
                    select components.node_id, components.component_id
                    from " ~ work_components ~ " as components
                    left join " ~ work_affected ~ " as affected
                        on components.node_id = affected.node_id
                    where affected.node_id is null
                    union all
                    select node_id, component_id from " ~ work_changed) -%}
                {%- do adapter.drop_relation(work_components) -%}
                {%- do adapter.rename_relation(work_merged, work_components) -%}
                {%- set resolved = work_changed -%}
                {%- set active_edges = identity_component_edge_count(
                    "(select record_node_id_a as node_a, record_node_id_b as node_b from "
                    ~ edges_relation ~ " where is_active)") -%}
            {%- endif -%}
            {%- set state.rounds = state.rounds + result.rounds -%}
            {%- do identity_replace_table(work_violations, identity_limit_violations_sql(
                resolved, limit_values_relation, edges_relation)) -%}
            {%- set violations = identity_scalar("select count(*) from " ~ work_violations) | int -%}
            {%- set final = violations == 0 or pass_number > max_passes -%}
            {%- if not final -%}
                {%- do identity_drop_lowest_priority_links(
                    edges_relation, work_edges, resolved, work_violations, pass_number,
                    limit_values_relation) -%}
                {%- do run_query("insert into " ~ log_relation ~ " " ~ identity_limit_events_sql(
                    work_violations, pass_number)) -%}
            {%- endif -%}
            {%- set seconds = (modules.datetime.datetime.now() - started).total_seconds() -%}
            {%- set whole = {'rounds': result.rounds, 'edges': active_edges, 'converged': result.converged} -%}
            {%- do run_query("insert into " ~ log_relation ~ " " ~ identity_pass_row_sql(
                pass_number, whole, violations, work_components, seconds, final)) -%}
            {%- set state.done = final -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set new_relation = identity_sibling_relation(target_relation, 'dbt_new') -%}
    {%- do adapter.drop_relation(new_relation) -%}
    {%- call statement('main') -%}
        {{ get_create_table_as_sql(False, new_relation, "
            select
                node_id as record_node_id,
                component_id as component_node_id,
                " ~ state.passes ~ " as resolution_pass,
                " ~ state.rounds ~ " as resolution_rounds
            from " ~ work_components) }}
    {%- endcall -%}
    {%- do adapter.drop_relation(existing_relation or target_relation) -%}
    {%- do adapter.rename_relation(new_relation, target_relation) -%}
    {%- for work in [work_components, work_active, work_violations, work_edges, work_affected, work_changed,
                     work_merged] -%}
        {%- do adapter.drop_relation(work) -%}
    {%- endfor -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do adapter.commit() -%}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- Columns of the resolution log, as a select of one row (`event_type`, `pass_number`). -#}
{% macro identity_log_row_sql(event_type, pass_number) %}
    select
        cast('{{ event_type }}' as {{ dbt.type_string() }}) as event_type,
        cast({{ pass_number }} as integer) as pass_number,
        cast(null as integer) as rounds,
        cast(null as {{ dbt.type_bigint() }}) as active_links,
        cast(null as {{ dbt.type_bigint() }}) as profiles,
        cast(null as {{ dbt.type_bigint() }}) as violations,
        cast(null as {{ dbt.type_bigint() }}) as component_node_id,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        cast(null as {{ dbt.type_bigint() }}) as distinct_values,
        cast(null as integer) as max_per_profile,
        cast(null as {{ dbt.type_string() }}) as dropped_identifier_type,
        cast(null as {{ dbt.type_float() }}) as seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_converged,
        cast(null as {{ dbt.type_boolean() }}) as is_final
{% endmacro %}

{% macro identity_limit_events_sql(violations, pass_number) %}
    select
        cast('limit_exceeded' as {{ dbt.type_string() }}) as event_type,
        cast({{ pass_number }} as integer) as pass_number,
        cast(null as integer) as rounds,
        cast(null as {{ dbt.type_bigint() }}) as active_links,
        cast(null as {{ dbt.type_bigint() }}) as profiles,
        cast(null as {{ dbt.type_bigint() }}) as violations,
        cast(component_id as {{ dbt.type_bigint() }}) as component_node_id,
        identifier_type,
        cast(distinct_values as {{ dbt.type_bigint() }}) as distinct_values,
        cast(max_per_profile as integer) as max_per_profile,
        dropped_identifier_type,
        cast(null as {{ dbt.type_float() }}) as seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_converged,
        cast(null as {{ dbt.type_boolean() }}) as is_final
    from {{ violations }}
{% endmacro %}

{% macro identity_pass_row_sql(pass_number, result, violations, components, seconds, final) %}
    select
        cast('pass' as {{ dbt.type_string() }}) as event_type,
        cast({{ pass_number }} as integer) as pass_number,
        cast({{ result.rounds }} as integer) as rounds,
        cast({{ (result.edges / 2) | int }} as {{ dbt.type_bigint() }}) as active_links,
        cast(count(distinct component_id) as {{ dbt.type_bigint() }}) as profiles,
        cast({{ violations }} as {{ dbt.type_bigint() }}) as violations,
        cast(null as {{ dbt.type_bigint() }}) as component_node_id,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        cast(null as {{ dbt.type_bigint() }}) as distinct_values,
        cast(null as integer) as max_per_profile,
        cast(null as {{ dbt.type_string() }}) as dropped_identifier_type,
        cast({{ seconds }} as {{ dbt.type_float() }}) as seconds,
        {{ result.converged | string | lower }} as is_converged,
        {{ final | string | lower }} as is_final
    from {{ components }}
{% endmacro %}

{#- A table the identity_resolution materialization writes beside its model
    (`int_identity_resolution__edges`, `int_identity_resolution__log`), for downstream models. -#}
{% macro identity_resolution_relation(suffix) %}
    {%- set resolution = ref('int_identity_resolution') -%}
    {{ return(resolution.incorporate(path={'identifier': resolution.identifier ~ '__' ~ suffix})) }}
{% endmacro %}
