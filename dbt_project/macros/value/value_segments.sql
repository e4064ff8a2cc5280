{#-
    Segments as configuration: `configured` is the list under `config: meta: segments:` of
    segment_membership (its .yml), as the model reads it with `config.meta_get`; each `{name, owner, description, rule}` plus optional
    `label`, `precedence` (exclusive segments: a customer keeps only the matching one with the
    lowest precedence) and `channels` (audience channels, default email, sms and ads). `rule` is
    an SQL predicate over customer_features. Checked here so a bad entry fails the build with a
    message saying which segment and what is wrong.
-#}
{% macro value_segments(configured) -%}
    {%- if configured is none -%}
        {#- sqlfluff's jinja templater (no `execute`): one example segment, so the SQL shape is linted -#}
        {{ return([{'name': 'example', 'owner': 'marketing', 'description': 'Lint example.',
                    'rule': 'orders_count >= 1', 'precedence': 1}]) }}
    {%- endif -%}
    {%- set segments = configured or [] -%}
    {%- set known_keys = ['name', 'label', 'owner', 'description', 'rule', 'precedence', 'channels'] -%}
    {%- set seen = [] -%}
    {%- for segment in segments -%}
        {%- set position = loop.index -%}
        {%- for key in ['name', 'owner', 'description', 'rule'] -%}
            {%- if not segment.get(key) -%}
                {{ exceptions.raise_compiler_error(
                    "segment #" ~ position ~ " (" ~ (segment.get('name') or '?') ~ "): `" ~ key ~ "` is required") }}
            {%- endif -%}
        {%- endfor -%}
        {%- for key in segment -%}
            {%- if key not in known_keys -%}
                {{ exceptions.raise_compiler_error(
                    "segment " ~ segment.name ~ ": unknown key `" ~ key ~ "` (known: " ~ known_keys | join(', ') ~ ")") }}
            {%- endif -%}
        {%- endfor -%}
        {%- if segment.name | lower != segment.name or ' ' in segment.name or "'" in segment.name -%}
            {{ exceptions.raise_compiler_error(
                "segment " ~ segment.name ~ ": name must be lower snake_case (it names audiences)") }}
        {%- endif -%}
        {%- if segment.name in seen -%}
            {{ exceptions.raise_compiler_error("segment " ~ segment.name ~ " is defined twice") }}
        {%- endif -%}
        {%- for channel in segment.get('channels') or [] -%}
            {%- if channel not in ['email', 'sms', 'ads'] -%}
                {{ exceptions.raise_compiler_error(
                    "segment " ~ segment.name ~ ": channel `" ~ channel ~ "` is not one of email, sms, ads") }}
            {%- endif -%}
        {%- endfor -%}
        {%- do seen.append(segment.name) -%}
    {%- endfor -%}
    {{ return(segments) }}
{%- endmacro %}
