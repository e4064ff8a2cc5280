-- The identity key macros on the traps the demo plants: e-mail case, spaces, Gmail dots,
-- `+tags` and googlemail.com; marketplace relay addresses; street suffix and unit spellings.
with

emails as (

    select
        ' Jane.Doe+shop@GMAIL.com ' as raw_value,
        'janedoe@gmail.com' as expected
    union all
    select
        'jane.doe@googlemail.com' as raw_value,
        'janedoe@gmail.com' as expected
    union all
    select
        'JaneDoe@gmail.com' as raw_value,
        'janedoe@gmail.com' as expected
    union all
    select
        'jane.doe+deals@yahoo.com' as raw_value,
        'jane.doe@yahoo.com' as expected
    union all
    select
        'no-at-sign' as raw_value,
        null as expected

),

email_failures as (

    select
        'email' as check_name,
        raw_value,
        expected,
        {{ identity_email_key('raw_value') }} as actual

    from emails

),

relays as (

    select
        'AbC123@Marketplace.Amazon.com' as raw_value,
        true as expected
    union all
    select
        'abc123@amazon.com' as raw_value,
        false as expected

),

relay_failures as (

    select
        'relay' as check_name,
        raw_value,
        {{ dbt.cast('expected', dbt.type_string()) }} as expected,
        {{ dbt.cast(identity_is_relay_email('raw_value'), dbt.type_string()) }} as actual

    from relays

),

addresses as (

    select '12 Elm Street, Apt 4B' as line_1
    union all
    select '12 ELM ST #4B' as line_1
    union all
    select '12 Elm St. Apt. 4B' as line_1
    union all
    select '12 elm st, Unit 4B' as line_1

),

address_failures as (

    select
        'address' as check_name,
        line_1 as raw_value,
        '12 elm st 4b|M5V2P6|CA' as expected,
        {{ identity_address_key('line_1', "'M5V 2P6'", "'ca'") }} as actual

    from addresses

),

checks as (

    select * from email_failures
    union all
    select * from relay_failures
    union all
    select * from address_failures

)

select * from checks
where actual is distinct from expected
