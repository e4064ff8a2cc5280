{#-
    A phone number in E.164 (`+<country code><number>`), or null when it cannot be one.

    - formatting (spaces, dots, dashes, brackets) is stripped, and a bracketed trunk
      prefix (`+44 (0)20…`) and an extension (`x12`, `ext. 12`, `#12`) dropped;
    - `+…` keeps its country code (`+1` must be followed by a 10-digit NANP number);
    - `00…` (and `011…` in NANP regions) is an international prefix -> `+…`;
    - a national number is completed with the calling code of `default_region`
      (NANP regions: 10 digits -> `+1…`, 11 digits starting 1 -> `+1…`; elsewhere a trunk
      `0` is replaced by the calling code);
    - anything else (too short, too long, letters only) -> null.

    `default_region` is an ISO 3166 alpha-2 code known at compile time; it defaults to the
    project var `default_phone_region`. `country_column` (optional) is a SQL expression giving
    each row's country (ISO alpha-2 code or English name, e.g. the shipping country): national
    numbers then take that country's calling code, and `default_region` is the fallback.
-#}
{% macro normalize_phone_e164(column, default_region=none, country_column=none) -%}
    {%- set region = (default_region or var('default_phone_region', 'US')) | string | upper -%}
    {%- set implementation = adapter.dispatch('normalize_phone_e164', 'customer_warehouse') -%}
    {{ return(implementation(column, region, country_column)) }}
{%- endmacro %}

{% macro phone_calling_codes() -%}
    {{ return({
        'US': '1', 'CA': '1', 'PR': '1', 'VI': '1', 'GU': '1', 'AS': '1', 'MP': '1',
        'GB': '44', 'IE': '353', 'DE': '49', 'FR': '33', 'NL': '31', 'BE': '32', 'LU': '352',
        'ES': '34', 'PT': '351', 'AT': '43', 'CH': '41', 'SE': '46', 'DK': '45', 'NO': '47',
        'FI': '358', 'PL': '48', 'CZ': '420', 'AU': '61', 'NZ': '64', 'JP': '81', 'KR': '82',
        'IN': '91', 'MX': '52', 'BR': '55', 'ZA': '27', 'SG': '65', 'IL': '972', 'TR': '90',
    }) }}
{%- endmacro %}

{% macro phone_country_names() -%}
    {#- English names (upper case) some systems store instead of a code. -#}
    {{ return({
        'UNITED STATES': 'US', 'UNITED STATES OF AMERICA': 'US', 'USA': 'US', 'CANADA': 'CA',
        'UNITED KINGDOM': 'GB', 'UK': 'GB', 'GREAT BRITAIN': 'GB', 'IRELAND': 'IE',
        'GERMANY': 'DE', 'FRANCE': 'FR', 'NETHERLANDS': 'NL', 'SPAIN': 'ES', 'AUSTRALIA': 'AU',
        'NEW ZEALAND': 'NZ', 'MEXICO': 'MX',
    }) }}
{%- endmacro %}

{% macro phone_calling_code(region) -%}
    {%- set calling_codes = phone_calling_codes() -%}
    {%- if region not in calling_codes -%}
        {{ exceptions.raise_compiler_error(
            "normalize_phone_e164: no calling code known for region '" ~ region
            ~ "'; add it to phone_calling_codes()") }}
    {%- endif -%}
    {{ return(calling_codes[region]) }}
{%- endmacro %}

{#- SQL giving each row's calling code (text) from a country expression, else the default's. -#}
{% macro phone_calling_code_sql(country_column, default_region) -%}
    {%- set calling_codes = phone_calling_codes() -%}
    {%- set names = phone_country_names() -%}
    {%- set whens = [] -%}
    {%- for code, calling_code in calling_codes.items() -%}
        {%- do whens.append("when '" ~ code ~ "' then '" ~ calling_code ~ "'") -%}
    {%- endfor -%}
    {%- for name, code in names.items() -%}
        {%- do whens.append("when '" ~ name ~ "' then '" ~ calling_codes[code] ~ "'") -%}
    {%- endfor -%}
    case upper(trim({{ country_column }})) {{ whens | join(' ') }}
        else '{{ phone_calling_code(default_region) }}'
    end
{%- endmacro %}

{% macro default__normalize_phone_e164(column, default_region, country_column) -%}
    {%- if country_column is none -%}
        {%- set calling_code = dbt.string_literal(phone_calling_code(default_region)) -%}
    {%- else -%}
        {%- set calling_code = phone_calling_code_sql(country_column, default_region) -%}
    {%- endif -%}
    {#- One pass each: drop a bracketed trunk `(0)`, an extension (`x12`, `ext. 12`, `#12`)
        and every other non-digit. -#}
    {%- set text = dbt.cast(column, dbt.type_string()) -%}
    {%- set digits = regexp_remove(text, '[(]0[)]|[xX#].*$|[^0-9]') -%}
    {%- set dialable = regexp_remove(text, '[(]0[)]|[xX#].*$|[^0-9+]') -%}
    {%- set n_digits = dbt.length(digits) -%}
    {#- National numbers: NANP (calling code 1) takes `011…`, 10 digits, or 1 + 10 digits;
        elsewhere the trunk prefix `0` gives way to the calling code. -#}
    case
        when {{ dialable }} like '+1%'
            then case
                when {{ n_digits }} = 11 and substr({{ digits }}, 2, 1) between '2' and '9'
                    then {{ dbt.concat(["'+'", digits]) }}
            end
        when {{ dialable }} like '+%'
            then case
                when {{ n_digits }} between 7 and 15 and {{ digits }} not like '0%'
                    then {{ dbt.concat(["'+'", digits]) }}
            end
        when {{ digits }} like '00%'
            then case
                when {{ n_digits }} between 9 and 17 and {{ digits }} not like '000%'
                    then {{ dbt.concat(["'+'", 'substr(' ~ digits ~ ', 3)']) }}
            end
        when {{ calling_code }} = '1'
            then case
                when {{ digits }} like '011%' and {{ n_digits }} between 10 and 18
                    and {{ digits }} not like '0110%'
                    then {{ dbt.concat(["'+'", 'substr(' ~ digits ~ ', 4)']) }}
                when {{ n_digits }} = 10 and substr({{ digits }}, 1, 1) between '2' and '9'
                    then {{ dbt.concat(["'+1'", digits]) }}
                when {{ n_digits }} = 11 and {{ digits }} like '1%'
                    and substr({{ digits }}, 2, 1) between '2' and '9'
                    then {{ dbt.concat(["'+'", digits]) }}
            end
        when {{ digits }} like '0%' and {{ n_digits }} between 7 and 14
            then {{ dbt.concat(["'+'", calling_code, 'substr(' ~ digits ~ ', 2)']) }}
    end
{%- endmacro %}
