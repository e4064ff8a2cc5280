{#-
    Connected components of an undirected graph, as set-based SQL in a loop of `run_query`
    rounds (a FastSV / Shiloach-Vishkin style min-label algorithm with root hooking and pointer
    jumping). Every node keeps a parent pointer to a node id no larger than its own; each round

      1. takes every node's grandparent (pointer jumping: paths halve each round),
      2. hooks every node to the smallest grandparent among its neighbours,
      3. hooks every node's parent (a tree root, or close to one) to the smallest of those,

    so whole trees merge at once and the number of rounds grows with the logarithm of the
    component size, not its diameter (a 100,000-node chain takes 18 rounds). The loop stops after
    the first round in which no pointer changed; at that point every node points at the smallest
    node id of its component (see the macro's documentation in _identity_macros.yml). It raises an error when
    `max_rounds` pass without convergence, so a result is never silently partial.

    Arguments are relations (or `schema.table` strings):
      edges_relation: columns `node_a`, `node_b` (integers; self-loops and duplicates are fine);
      nodes_relation: column `node_id`, every node (isolated ones too), or none to take the nodes
        of the edges only;
      output_relation: created (replaced) as `node_id`, `component_id` (smallest node id).
    Returns a dict: rounds, converged, nodes, edges, seconds.
-#}
{% macro identity_connected_components(edges_relation, nodes_relation, output_relation, max_rounds=none) %}
    {%- set implementation = adapter.dispatch('identity_connected_components', 'customer_warehouse') -%}
    {{ return(implementation(edges_relation, nodes_relation, output_relation, max_rounds)) }}
{% endmacro %}

{#-
    The `edges` count identity_connected_components reports for `edges_relation` (directed
    edges: both directions of every distinct link on the set-based path, twice the non-loop
    rows on the native one), without resolving it: the resolution log counts the active links
    of the whole graph when a pass resolved only part of it.
-#}
{% macro identity_component_edge_count(edges_relation) %}
    {{ return(adapter.dispatch('identity_component_edge_count', 'customer_warehouse')(edges_relation)) }}
{% endmacro %}

{% macro default__identity_component_edge_count(edges_relation) %}
    {{ return(identity_scalar("
        select count(*) from (
            select node_a as node_id, node_b as neighbour_id from " ~ edges_relation ~ " as edges_a
            where node_a is not null and node_b is not null and node_a <> node_b
            union
            select node_b as node_id, node_a as neighbour_id from " ~ edges_relation ~ " as edges_b
            where node_a is not null and node_b is not null and node_a <> node_b
        ) as adjacency") | int) }}
{% endmacro %}

{% macro duckdb__identity_component_edge_count(edges_relation) %}
    {%- if not identity_native_components_available() -%}
        {{ return(default__identity_component_edge_count(edges_relation)) }}
    {%- endif -%}
    {{ return(2 * (identity_scalar(
        "select count(*) from " ~ edges_relation ~ " as edges"
        ~ " where node_a is not null and node_b is not null and node_a <> node_b") | int)) }}
{% endmacro %}

{#- A relation beside `relation`, named `<identifier>__<suffix>`. -#}
{% macro identity_sibling_relation(relation, suffix) %}
    {{ return(api.Relation.create(
        database=relation.database, schema=relation.schema,
        identifier=relation.identifier ~ '__' ~ suffix, type='table')) }}
{% endmacro %}

{#- One scalar from a query. -#}
{% macro identity_scalar(sql) %}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values()[0]) }}
{% endmacro %}

{% macro identity_replace_table(relation, sql) %}
    {%- do adapter.drop_relation(relation) -%}
    {%- do run_query(get_create_table_as_sql(False, relation, sql)) -%}
{% endmacro %}

{% macro identity_component_round_sql(adjacency, parents) %}
    with

    grandparents as (

        select
            pointers.node_id,
            pointers.parent_id,
            parents_of_parents.parent_id as grandparent_id

        from {{ parents }} as pointers
        inner join {{ parents }} as parents_of_parents
            on pointers.parent_id = parents_of_parents.node_id

    ),

    -- Aggressive hooking: the smallest grandparent among a node's neighbours.
    neighbour_minimum as (

        select
            adjacency.node_id,
            min(grandparents.grandparent_id) as candidate_id

        from {{ adjacency }} as adjacency
        inner join grandparents
            on adjacency.neighbour_id = grandparents.node_id
        group by adjacency.node_id

    ),

    -- Root hooking: a node's parent takes the smallest candidate of its children, so whole
    -- trees merge in one round.
    parent_hooks as (

        select
            grandparents.parent_id as node_id,
            min(neighbour_minimum.candidate_id) as candidate_id

        from grandparents
        inner join neighbour_minimum
            on grandparents.node_id = neighbour_minimum.node_id
        group by grandparents.parent_id

    ),

    candidates as (

        select
            node_id,
            grandparent_id as candidate_id
        from grandparents
        union all
        select
            node_id,
            candidate_id
        from neighbour_minimum
        union all
        select
            node_id,
            candidate_id
        from parent_hooks

    )

    select
        node_id,
        min(candidate_id) as parent_id

    from candidates
    group by node_id
{% endmacro %}

{% macro default__identity_connected_components(
    edges_relation, nodes_relation, output_relation, max_rounds
) %}
    {%- set max_rounds = (max_rounds or var('identity_max_rounds', 40)) | int -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- set adjacency = identity_sibling_relation(output_relation, 'adjacency') -%}
    {%- set parents = identity_sibling_relation(output_relation, 'parents') -%}
    {%- set next_parents = identity_sibling_relation(output_relation, 'parents_next') -%}

    {#- Both directions of every edge, once; isolated nodes take no part in the rounds. -#}
    {%- do identity_replace_table(adjacency, "
        select node_a as node_id, node_b as neighbour_id from " ~ edges_relation ~ "
        where node_a is not null and node_b is not null and node_a <> node_b
        union
        select node_b as node_id, node_a as neighbour_id from " ~ edges_relation ~ "
        where node_a is not null and node_b is not null and node_a <> node_b
    ") -%}
    {%- do identity_replace_table(parents, "
        select distinct node_id, node_id as parent_id from " ~ adjacency) -%}
    {%- set edges_count = identity_scalar("select count(*) from " ~ adjacency) | int -%}

    {%- set state = namespace(rounds=0, converged=false) -%}
    {%- for round_number in range(1, max_rounds + 1) -%}
        {%- if not state.converged -%}
            {%- set state.rounds = round_number -%}
            {%- do identity_replace_table(next_parents, identity_component_round_sql(adjacency, parents)) -%}
            {%- set changed = identity_scalar(
                "select count(*) from " ~ next_parents ~ " as next_parents inner join " ~ parents
                ~ " as parents on next_parents.node_id = parents.node_id"
                ~ " where next_parents.parent_id <> parents.parent_id") | int -%}
            {%- do adapter.drop_relation(parents) -%}
            {%- do adapter.rename_relation(next_parents, parents) -%}
            {%- if changed == 0 -%}
                {%- set state.converged = true -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not state.converged -%}
        {{ exceptions.raise_compiler_error(
            "identity_connected_components: labels still changed after " ~ max_rounds
            ~ " rounds (var identity_max_rounds); the graph in " ~ edges_relation
            ~ " did not converge") }}
    {%- endif -%}

    {#- Converged: every node points at its root, the smallest node id of its component. -#}
    {%- if nodes_relation is none -%}
        {%- set nodes_sql = "select node_id from " ~ parents -%}
    {%- else -%}
        {%- set nodes_sql = "select node_id from " ~ nodes_relation ~ " as nodes_input" -%}
    {%- endif -%}
    {%- do identity_replace_table(output_relation, "
        select
            nodes.node_id,
            coalesce(parents.parent_id, nodes.node_id) as component_id
        from (select distinct node_id from (" ~ nodes_sql ~ ") as listed) as nodes
        left join " ~ parents ~ " as parents
            on nodes.node_id = parents.node_id
    ") -%}
    {%- set nodes_count = identity_scalar("select count(*) from " ~ output_relation) | int -%}
    {%- do adapter.drop_relation(adjacency) -%}
    {%- do adapter.drop_relation(parents) -%}
    {%- set seconds = (modules.datetime.datetime.now() - started).total_seconds() -%}
    {%- do log("identity_connected_components: " ~ nodes_count ~ " nodes, " ~ edges_count
        ~ " directed edges, converged in " ~ state.rounds ~ " rounds, " ~ seconds ~ " s", info=true) -%}
    {{ return({'rounds': state.rounds, 'converged': state.converged, 'nodes': nodes_count,
               'edges': edges_count, 'seconds': seconds}) }}
{% endmacro %}

{#-
    `dbt run-operation identity_components_operation --args '{edges: s.t, output: s.t2}'`:
    connected components of any edge table (columns node_a, node_b), for tests and benchmarks.
    Writes the output table and a one-row `<output>__stats` table (rounds, converged, nodes,
    edges, seconds).
-#}
{% macro identity_components_operation(edges, output, nodes=none, max_rounds=none) %}
    {%- set parts = output.split('.') -%}
    {%- set output_relation = api.Relation.create(
        database=target.database, schema=parts[0], identifier=parts[1], type='table') -%}
    {%- do run_query("create schema if not exists " ~ parts[0]) -%}
    {%- set result = identity_connected_components(edges, nodes, output_relation, max_rounds) -%}
    {%- do identity_replace_table(identity_sibling_relation(output_relation, 'stats'),
        "select " ~ result.rounds ~ " as rounds, " ~ (result.converged | string | lower) ~ " as converged, "
        ~ result.nodes ~ " as nodes, " ~ result.edges ~ " as edges, " ~ result.seconds ~ " as seconds") -%}
    {%- do adapter.commit() -%}
{% endmacro %}

{#-
    DuckDB: one statement hands the whole edge list to the native function
    `identity_connected_components` (registered by the dbt-duckdb plugin identity.duckdb_plugin:
    scipy's connected components over Arrow arrays) and unnests its result. Same output and
    labels (smallest node id) as the set-based loop, which stays the path of every other engine
    and of a DuckDB profile without the plugin (var identity_native_components: false forces it).
-#}
{% macro duckdb__identity_connected_components(
    edges_relation, nodes_relation, output_relation, max_rounds
) %}
    {%- if not identity_native_components_available() -%}
        {{ return(default__identity_connected_components(
            edges_relation, nodes_relation, output_relation, max_rounds)) }}
    {%- endif -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- set labels = identity_sibling_relation(output_relation, 'native_labels') -%}
    {%- do identity_replace_table(labels, "
        with graph as (
            select identity_connected_components(
                list(cast(node_a as bigint)), list(cast(node_b as bigint))) as result
            from " ~ edges_relation ~ "
            where node_a is not null and node_b is not null
        )
        select
            unnest(result.node_id) as node_id,
            unnest(result.component_id) as component_id
        from graph
    ") -%}
    {%- if nodes_relation is none -%}
        {%- do adapter.drop_relation(output_relation) -%}
        {%- do adapter.rename_relation(labels, output_relation) -%}
    {%- else -%}
        {%- do identity_replace_table(output_relation, "
            select
                nodes.node_id,
                coalesce(labels.component_id, nodes.node_id) as component_id
            from (select distinct node_id from " ~ nodes_relation ~ " as nodes_input) as nodes
            left join " ~ labels ~ " as labels
                on nodes.node_id = labels.node_id
        ") -%}
        {%- do adapter.drop_relation(labels) -%}
    {%- endif -%}
    {%- set edges_count = identity_scalar(
        "select count(*) from " ~ edges_relation ~ " where node_a is not null and node_b is not null"
        ~ " and node_a <> node_b") | int -%}
    {%- set nodes_count = identity_scalar("select count(*) from " ~ output_relation) | int -%}
    {%- set seconds = (modules.datetime.datetime.now() - started).total_seconds() -%}
    {%- do log("identity_connected_components (native): " ~ nodes_count ~ " nodes, " ~ edges_count
        ~ " edges, " ~ seconds ~ " s", info=true) -%}
    {{ return({'rounds': 1, 'converged': true, 'nodes': nodes_count, 'edges': edges_count * 2,
               'seconds': seconds, 'method': 'native'}) }}
{% endmacro %}

{#- Whether the native components function is registered on this connection (and not switched off). -#}
{% macro identity_native_components_available() %}
    {%- if not var('identity_native_components', true) or not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = identity_scalar(
        "select count(*) from duckdb_functions() where function_name = 'identity_connected_components'") | int -%}
    {{ return(found > 0) }}
{% endmacro %}
