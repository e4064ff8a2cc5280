-- The name key macros on names as people type them: case, accents, a middle name, handles and
-- e-mail local parts typed as a name (`@`, `.`, `_`, digits: no person name, no first name), and
-- a name that only repeats the record's own e-mail address; and whether two name keys name one
-- person (typos, a letter typed twice, initials, a missing last name, names the wrong way round;
-- a missing name answers nothing). Its pairs that are not one person are names no seller's data
-- can make one: int_identity_nickname_pairs learns one-edit spelling variants from the data
-- (a demo learns Mark/Mary from last names), so a one-edit pair would test the data, not the rule.
with

person_names as (

    select
        'Jane' as first_name,
        ' Doe ' as last_name,
        'jane|doe' as expected
    union all
    select
        'Zoë' as first_name,
        'Smith' as last_name,
        'zoe|smith' as expected
    union all
    select
        'Mary Ann' as first_name,
        'Van Smith' as last_name,
        'mary|smith' as expected
    union all
    select
        'jdoe_88' as first_name,
        'Doe' as last_name,
        null as expected
    union all
    select
        'jane2' as first_name,
        'Doe' as last_name,
        null as expected
    union all
    select
        'jane@doe' as first_name,
        null as last_name,
        null as expected

),

person_name_failures as (

    select
        'person_name' as check_name,
        {{ dbt.concat(["coalesce(first_name, '')", "' / '", "coalesce(last_name, '')"]) }} as raw_value,
        expected,
        {{ identity_person_name_key('first_name', 'last_name') }} as actual

    from person_names

),

first_names as (

    select
        'jane doe' as full_name,
        'janedoe@gmail.com' as email_key,
        'jane' as expected
    union all
    select
        'jane.doe' as full_name,
        'other@gmail.com' as email_key,
        null as expected
    union all
    select
        'jdoe_88' as full_name,
        'other@gmail.com' as email_key,
        null as expected
    union all
    select
        'jane 2' as full_name,
        'other@gmail.com' as email_key,
        null as expected
    union all
    select
        'janedoe' as full_name,
        'janedoe@gmail.com' as email_key,
        null as expected
    union all
    select
        'ommar' as full_name,
        'other@gmail.com' as email_key,
        'ommar' as expected

),

first_name_failures as (

    select
        'first_name' as check_name,
        full_name as raw_value,
        expected,
        {{ identity_first_name_key('full_name', email_key='email_key') }} as actual

    from first_names

),

name_pairs as (

    select
        'paul|brown' as key_a,
        'palu|brown' as key_b,
        true as expected
    union all
    select
        'omar|campbell' as key_a,
        'ommar|campbell' as key_b,
        true as expected
    union all
    select
        'john|smith' as key_a,
        'peter|smith' as key_b,
        false as expected
    union all
    select
        'brown|paul' as key_a,
        'paul|brown' as key_b,
        true as expected
    union all
    select
        'jane|' as key_a,
        'jane|miller' as key_b,
        true as expected
    union all
    select
        'j|miller' as key_a,
        'jane|miller' as key_b,
        true as expected
    union all
    select
        'jane|miller' as key_a,
        'jane|smith' as key_b,
        false as expected
    union all
    select
        null as key_a,
        'jane|doe' as key_b,
        null as expected

),

name_pair_failures as (

    select
        'same_person' as check_name,
        {{ dbt.concat(["coalesce(key_a, 'null')", "' / '", 'key_b']) }} as raw_value,
        {{ dbt.cast('expected', dbt.type_string()) }} as expected,
        {{ dbt.cast(identity_person_names_match('key_a', 'key_b'), dbt.type_string()) }} as actual

    from name_pairs

),

checks as (

    select * from person_name_failures
    union all
    select * from first_name_failures
    union all
    select * from name_pair_failures

)

select * from checks
where actual is distinct from expected
