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
    {{ return(sql_lets(steps, "case when " ~ valid ~ " then '+' || ph_chs end", portable)) }}
{%- endmacro %}
