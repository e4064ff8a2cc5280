-- Every resolution pass converged (the materialization also fails the model when one does not).
select
    pass_number,
    rounds

from {{ identity_resolution_relation('log') }}
-- depends_on: {{ ref('int_identity_resolution') }}
where
    event_type = 'pass'
    and not is_converged
