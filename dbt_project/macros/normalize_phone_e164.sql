{#-
    A phone number in E.164 (`+<calling code><national number>`), or null when it is not one.

    The set-based form of core/identifiers/phone.py (which parses with `phonenumbers`); both read
    the same numbering plan (`phone_rules()`, generated from `phonenumbers`), and tests/identifiers
    runs both on a shared table of tricky inputs:

    - a leading label (`tel:`, `Phone:`), trailing punctuation and an extension (`x12`,
      `ext. 12`, `#12`, `;ext=12`) are dropped; what is left must look like a number (three
      digits before any letter, only phone punctuation), and vanity letters become keypad digits
      when there are three or more (`1-800-FLOWERS`);
    - `+`, the region's international prefix (`011` in North America) or `00` starts an
      international number; anything else is national and takes the region's calling code;
    - the trunk prefix after the calling code (`+44 (0)20…`, `020…` in the UK, `1 415…` in North
      America) is dropped when what remains has a possible length; national digits that already
      start with the region's calling code (`44 20 7946 0958` in the UK) are read as international
      when they are too long to be national;
    - the result must have a possible length for its country, match the country's general
      number pattern and not be one digit repeated (`555-555-5555`).

    `default_region` is an ISO 3166 alpha-2 code known at compile time (default: the var
    `default_phone_region`). `country_column` (optional) is a SQL expression giving each row's
    country (ISO code or English name, e.g. the shipping country): national numbers then take that
    country's calling code, and `default_region` is the fallback.

    The computation is a sequence of named steps (`sql_lets`; DuckDB evaluates each once), and its
    tests of length and pattern are plain matches, which regular-expression engines run fastest.
-#}
{% macro normalize_phone_e164(column, default_region=none, country_column=none) -%}
    {%- set region = (default_region or var('default_phone_region', 'US')) | string | upper -%}
    {%- set implementation = adapter.dispatch('normalize_phone_e164', 'customer_warehouse') -%}
    {{ return(implementation(column, region, country_column)) }}
{%- endmacro %}

{#- Steps giving `ph_inf`, the `cc,idd` (calling code, international prefix) of the row's region: a
    literal for the default region, or the region of the row's ISO code or English name (the
    default region when it is none the plan knows). -#}
{% macro phone_region_steps(default_region, country_column=none) -%}
    {%- set rules = phone_rules() -%}
    {%- if default_region not in rules.regions -%}
        {{ exceptions.raise_compiler_error(
            "normalize_phone_e164: '" ~ default_region ~ "' is not an ISO 3166 region the numbering plan knows") }}
    {%- endif -%}
    {%- set fallback = "'" ~ rules.regions[default_region] ~ "'" -%}
    {%- if country_column is none -%}
        {{ return([('ph_inf', fallback)]) }}
    {%- endif -%}
    {%- set whens = [] -%}
    {%- for info, keys in rules.lookup.items() -%}
        {%- set quoted = [] -%}
        {%- for key in keys -%}
            {%- do quoted.append(dbt.string_literal(key | replace("'", "''"))) -%}
        {%- endfor -%}
        {%- do whens.append("when ph_key in (" ~ quoted | join(', ') ~ ") then '" ~ info ~ "'") -%}
    {%- endfor -%}
    {{ return([
        ('ph_key', "upper(trim(" ~ country_column ~ "))"),
        ('ph_inf', "case " ~ whens | join(' ') ~ " else " ~ fallback ~ " end"),
    ]) }}
{%- endmacro %}

{#- `portable=true` binds the steps as every warehouse can (tests run that form on DuckDB too). -#}
{% macro default__normalize_phone_e164(column, default_region, country_column, portable=false) -%}
    {%- set plan = phone_e164_plan(column, default_region, country_column) -%}
    {{ return(sql_lets(plan.steps, plan.result, portable)) }}
{%- endmacro %}

{#-
    The E.164 form of every row of a relation, as a select of `columns` and `phone_e164`: the
    same steps as normalize_phone_e164, each a column of its own derived table, so every step is
    computed once per row on every warehouse and no lambda binds it (DuckDB runs regular
    expressions inside lambdas several times slower than in a plain projection). Staging calls it
    on the distinct phone numbers of a source (with their country) and joins the result back to
    the rows: each number is normalised once, not once per row and column that repeats it.
    `relation`: a relation or a CTE name; `column` and `country_column` name its columns (the
    names `ph_*` are the steps' own).
-#}
{% macro normalize_phone_e164_select(relation, column, columns, default_region=none, country_column=none) -%}
    {%- set region = (default_region or var('default_phone_region', 'US')) | string | upper -%}
    {%- set plan = phone_e164_plan(column, region, country_column) -%}
    {%- set sql = namespace(text='select * from ' ~ relation ~ ' as phone_input') -%}
    {%- for name, expression in plan.steps -%}
        {%- set sql.text = 'select *, ' ~ expression ~ ' as ' ~ name
            ~ ' from (' ~ sql.text ~ ') as ' ~ name ~ '_step' -%}
    {%- endfor -%}
    select {{ columns | join(', ') }}, {{ plan.result }} as phone_e164 from ({{ sql.text }}) as phone_steps
{%- endmacro %}

{#-
    Every distinct phone number of `relation`'s column `column` (as typed), with the country it is
    read in, normalised once: a select of `phone_raw`, `country_key` (phone_country_key) and
    `phone_e164`. A view joins its rows back on both keys, so a number repeated across rows (a
    buyer's orders) is normalised once; the keys are unique, so a query that reads no phone drops
    the join (DuckDB). One such CTE per phone column, each read once: a CTE read twice is
    materialised, and a query reading none of its numbers would pay for them. `relation`: the
    source table itself, for the same reason. `country_column`: an expression over `relation`
    (optional, as in normalize_phone_e164).
-#}
{% macro normalize_phone_e164_values(relation, column, default_region=none, country_column=none) -%}
    {%- set values = '(select distinct ' ~ column ~ ' as phone_raw, ' ~ phone_country_key(country_column)
        ~ ' as country_key from ' ~ relation ~ ' as phone_rows where ' ~ column ~ ' is not null)' -%}
    {{ normalize_phone_e164_select(
        values, 'phone_raw', ['phone_raw', 'country_key'],
        default_region, 'country_key' if country_column is not none else none) }}
{%- endmacro %}

{#- The country a phone number is read in, as the join key of normalize_phone_e164_values:
    normalize_phone_e164 reads a country as upper(trim(...)), and null and '' both mean the
    default region (no country of the numbering plan is ''); '' without a country column. -#}
{% macro phone_country_key(country_column=none) -%}
    {%- if country_column is none -%}''{%- else -%}coalesce(upper(trim({{ country_column }})), ''){%- endif -%}
{%- endmacro %}

{#- The steps of the phone rule (`(name, expression)` pairs, each using the names before it) and
    its result expression, as a dict: normalize_phone_e164 binds them with sql_lets,
    normalize_phone_e164_select as columns of nested derived tables. -#}
{% macro phone_e164_plan(column, default_region, country_column) -%}
    {%- set rules = phone_rules() -%}
    {%- set punctuation = "-x. ()/~*\u00a0\u2013\u2014" -%}
    {%- set extension = ";ext=[0-9]{1,20}"
        ~ "|[ ,]*([eE]?[xX][tT]([eE][nN][sS][iI][oO]?[nN]|[nN])?|[xX#~]|[iI][nN][tT])[:.]?[ ,-]*[0-9]{1,20}#?"
        ~ "|[- ]+[0-9]{1,6}#|[ ]*[,;]+[:.]?[ ,-]*[0-9]{1,15}#?" -%}
    {%- set viable = '[+]*([' ~ punctuation ~ ']*[0-9]){3,}[' ~ punctuation ~ 'A-Za-z0-9]*' -%}
    {%- set lengths = '(' ~ rules.lengths ~ ')' -%}
    {%- set trunk_groups = namespace(replacement='') -%}
    {%- for n in range(1, rules.trunk_groups + 1) -%}
        {%- set trunk_groups.replacement = trunk_groups.replacement ~ '\\' ~ n -%}
    {%- endfor -%}
    {%- set trunk = '^' ~ rules.trunks | replace('|(', '|^(') -%}
    {%- set calling_code = "split_part(ph_inf, ',', 1)" -%}
    {%- set prefix = "split_part(ph_inf, ',', 2)" -%}
    {%- set steps = [] -%}
    {#- What was typed, without a leading label, trailing punctuation or an extension. -#}
    {%- do steps.append(('ph_txt', regexp_substitute(regexp_substitute(dbt.cast(column, dbt.type_string()),
        '^[^0-9+]+|[^0-9A-Za-z#]+$', ''), '(' ~ extension ~ ')$', ''))) -%}
    {#- `+` and digits when it looks like a number: one or two letters are noise, three or more a
        vanity number (keypad digits). -#}
    {%- set few_letters = '[^A-Za-z]*([A-Za-z][^A-Za-z]*)?([A-Za-z][^A-Za-z]*)?' -%}
    {%- set letters = "case when " ~ regexp_full_match('ph_txt', few_letters)
        ~ " then ph_txt else translate(upper(ph_txt), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '22233344455566677778889999') end" -%}
    {%- do steps.append(('ph_dgt', "case when " ~ regexp_full_match('ph_txt', viable) ~ " then "
        ~ regexp_substitute(letters, '[^0-9+]', '') ~ " end")) -%}
    {#- `cc,idd` of the row's region: its calling code and international prefix. -#}
    {%- do steps.extend(phone_region_steps(default_region, country_column)) -%}
    {#- The digits of an international number (after `+`, the region's prefix or `00`, each followed
        by a digit other than 0); null for a national number. -#}
    {%- do steps.append(('ph_int', "case when ph_dgt like '+%' then "
        ~ regexp_substitute('ph_dgt', '^[+]+', '')
        ~ " when " ~ prefix ~ " <> '' and ph_dgt like " ~ prefix ~ " || '%' and substr(ph_dgt, "
        ~ dbt.length(prefix) ~ " + 1, 1) between '1' and '9' then substr(ph_dgt, " ~ dbt.length(prefix)
        ~ " + 1) when ph_dgt like '00%' and substr(ph_dgt, 3, 1) between '1' and '9' then substr(ph_dgt, 3) end")) -%}
    {#- A: calling code and number. B: national digits that already start with the region's calling
        code, read as international. -#}
    {%- do steps.append(('ph_all', "coalesce(ph_int, " ~ calling_code ~ " || ph_dgt)")) -%}
    {%- do steps.append(('ph_own', "case when ph_int is null and ph_dgt like " ~ calling_code
        ~ " || '%' then ph_dgt end")) -%}
    {#- Each without the trunk prefix after its calling code (`+44 (0)20…`, `1 415…`). -#}
    {%- do steps.append(('ph_tal', regexp_substitute('ph_all', trunk, trunk_groups.replacement))) -%}
    {%- do steps.append(('ph_tow', regexp_substitute('ph_own', trunk, trunk_groups.replacement))) -%}
    {#- The first of possible length: A without trunk, A, B without trunk, B. -#}
    {%- do steps.append(('ph_chs', "case when " ~ regexp_full_match('ph_tal', lengths) ~ " then ph_tal when "
        ~ regexp_full_match('ph_all', lengths) ~ " then ph_all when " ~ regexp_full_match('ph_tow', lengths)
        ~ " then ph_tow else ph_own end")) -%}
    {#- Valid: a possible length and the general pattern of its country (`<number>|<number>` is
        tested against both at once), and not one digit repeated. -#}
    {%- set valid = regexp_full_match("ph_chs || '|' || ph_chs", lengths ~ '[|](' ~ rules.patterns ~ ')')
        ~ " and not " ~ regexp_full_match('ph_chs', '(' ~ rules.calling_codes ~ ')(0+|1+|2+|3+|4+|5+|6+|7+|8+|9+)') -%}
    {{ return({'steps': steps, 'result': "case when " ~ valid ~ " then '+' || ph_chs end"}) }}
{%- endmacro %}
