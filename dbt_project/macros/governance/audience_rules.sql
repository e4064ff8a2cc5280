{#-
    Generic tests for the data dictionary's audience rules (`rules:` in
    governance/data_dictionary.yml), on the audience models an outgoing sync reads. The consent
    fields are governed booleans where only true is consent (null = no consent), so no audience
    yml writes the value a member must hold:

        columns:
          - name: consent_email
            data_tests:
              - holds_consent
          - name: is_suppressed
            data_tests:
              - not_suppressed

    Great Expectations enforces the same rules per sync (expectations/audience.py), with the
    sync's consent channel from activation/syncs.yml; these catch a wrong audience model at build
    time, before any sync runs.
-#}

{% test holds_consent(model, column_name) %}

{#- audience.consent: every member holds the consent; a null consent is no consent. #}
select {{ column_name }} as unexpected_value
from {{ model }}
where not coalesce({{ column_name }}, false)

{% endtest %}


{% test not_suppressed(model, column_name) %}

{#- audience.not_suppressed: no member is suppressed; a null flag is not a suppression. #}
select {{ column_name }} as unexpected_value
from {{ model }}
where coalesce({{ column_name }}, false)

{% endtest %}
