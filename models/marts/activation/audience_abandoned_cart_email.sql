-- Abandoned carts to follow up by e-mail: the events of trigger_abandoned_cart whose customer
-- holds e-mail consent, is not suppressed and has an e-mail; e-mail, first name and the cart
-- (sync cart_abandoned_to_crm, append mode).

{{ value_trigger_audience(
    ref('trigger_abandoned_cart'), 'email', ['email', 'first_name'],
    ['cart_items', 'cart_products_count', 'cart_units', 'cart_value', 'cart_started_at', 'cart_updated_at']
) }}
