"""GraphQL documents sent to the Shopify Admin API (current objects, no deprecated fields).

Every list query takes ``$first``, ``$after`` (cursor pagination through
``pageInfo { hasNextPage endCursor }``) and ``$query`` (Shopify search syntax, used for the
``updated_at:>='…'`` incremental filter). Nested connections that can hold more rows than fit in
one page (line items, variants, refund line items) carry their own ``pageInfo``; the follow-up
queries (``…Rest``) fetch the remainder for one record through ``node(id:)``.
"""

from __future__ import annotations

PAGE_INFO = "pageInfo { hasNextPage endCursor }"
MAILING_ADDRESS = "company address1 city provinceCode zip countryCodeV2"
SHOP_AMOUNT = "shopMoney { amount }"

LINE_ITEM = f"""
  id sku title quantity
  product {{ legacyResourceId }}
  variant {{ legacyResourceId }}
  originalUnitPriceSet {{ {SHOP_AMOUNT} }}
  totalDiscountSet {{ {SHOP_AMOUNT} }}
"""

CHECKOUT_LINE_ITEM = f"""
  id title quantity
  product {{ legacyResourceId }}
  variant {{ legacyResourceId }}
  originalUnitPriceSet {{ {SHOP_AMOUNT} }}
"""

VARIANT = """
  legacyResourceId sku title price
  inventoryItem { unitCost { amount } }
"""

REFUND_LINE_ITEM = f"""
  id quantity restockType
  lineItem {{ id }}
  subtotalSet {{ {SHOP_AMOUNT} }}
"""

CUSTOMERS = f"""
query Customers($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    {PAGE_INFO}
    nodes {{
      id legacyResourceId firstName lastName state verifiedEmail tags createdAt updatedAt
      defaultEmailAddress {{ emailAddress marketingState marketingOptInLevel marketingUpdatedAt }}
      defaultPhoneNumber {{ phoneNumber marketingState marketingUpdatedAt }}
      defaultAddress {{ {MAILING_ADDRESS} phone }}
      lastOrder {{ currencyCode }}
    }}
  }}
}}
"""

ORDERS = f"""
query Orders($first: Int!, $after: String, $query: String, $lineItems: Int!, $refunds: Int!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    {PAGE_INFO}
    nodes {{
      id legacyResourceId name email phone createdAt updatedAt processedAt cancelledAt
      displayFinancialStatus displayFulfillmentStatus currencyCode sourceName checkoutToken
      customer {{ legacyResourceId }}
      subtotalPriceSet {{ {SHOP_AMOUNT} }}
      totalDiscountsSet {{ {SHOP_AMOUNT} }}
      totalTaxSet {{ {SHOP_AMOUNT} }}
      totalShippingPriceSet {{ {SHOP_AMOUNT} }}
      totalPriceSet {{ {SHOP_AMOUNT} }}
      customerJourneySummary {{
        firstVisit {{ landingPage referrerUrl }}
        lastVisit {{ landingPage referrerUrl }}
      }}
      shippingAddress {{ firstName lastName name {MAILING_ADDRESS} phone }}
      billingAddress {{ name address1 zip countryCodeV2 phone }}
      fulfillments(first: 5) {{ createdAt }}
      refunds(first: $refunds) {{ id }}
      lineItems(first: $lineItems) {{ {PAGE_INFO} nodes {{ {LINE_ITEM} }} }}
    }}
  }}
}}
"""

ORDER_LINE_ITEMS_REST = f"""
query OrderLineItemsRest($id: ID!, $first: Int!, $after: String) {{
  node(id: $id) {{
    ... on Order {{ lineItems(first: $first, after: $after) {{ {PAGE_INFO} nodes {{ {LINE_ITEM} }} }} }}
  }}
}}
"""

REFUNDS = f"""
query Refunds($ids: [ID!]!, $lineItems: Int!) {{
  nodes(ids: $ids) {{
    ... on Refund {{
      id legacyResourceId createdAt note
      transactions(first: 1) {{ nodes {{ processedAt }} }}
      refundLineItems(first: $lineItems) {{ {PAGE_INFO} nodes {{ {REFUND_LINE_ITEM} }} }}
    }}
  }}
}}
"""

REFUND_LINE_ITEMS_REST = f"""
query RefundLineItemsRest($id: ID!, $first: Int!, $after: String) {{
  node(id: $id) {{
    ... on Refund {{ refundLineItems(first: $first, after: $after) {{ {PAGE_INFO} nodes {{ {REFUND_LINE_ITEM} }} }} }}
  }}
}}
"""

ABANDONED_CHECKOUTS = f"""
query AbandonedCheckouts($first: Int!, $after: String, $query: String, $lineItems: Int!) {{
  abandonedCheckouts(first: $first, after: $after, query: $query) {{
    {PAGE_INFO}
    nodes {{
      id createdAt updatedAt completedAt abandonedCheckoutUrl
      customer {{
        legacyResourceId
        defaultEmailAddress {{ emailAddress }}
        defaultPhoneNumber {{ phoneNumber }}
      }}
      subtotalPriceSet {{ shopMoney {{ amount currencyCode }} }}
      totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
      lineItems(first: $lineItems) {{ {PAGE_INFO} nodes {{ {CHECKOUT_LINE_ITEM} }} }}
    }}
  }}
}}
"""

CHECKOUT_LINE_ITEMS_REST = f"""
query CheckoutLineItemsRest($id: ID!, $first: Int!, $after: String) {{
  node(id: $id) {{
    ... on AbandonedCheckout {{
      lineItems(first: $first, after: $after) {{ {PAGE_INFO} nodes {{ {CHECKOUT_LINE_ITEM} }} }}
    }}
  }}
}}
"""

PRODUCTS = f"""
query Products($first: Int!, $after: String, $query: String, $variants: Int!) {{
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    {PAGE_INFO}
    nodes {{
      id legacyResourceId title handle productType vendor status tags createdAt updatedAt
      variants(first: $variants) {{ {PAGE_INFO} nodes {{ {VARIANT} }} }}
    }}
  }}
}}
"""

VARIANTS_REST = f"""
query VariantsRest($id: ID!, $first: Int!, $after: String) {{
  node(id: $id) {{
    ... on Product {{ variants(first: $first, after: $after) {{ {PAGE_INFO} nodes {{ {VARIANT} }} }} }}
  }}
}}
"""


def updated_since(start: str | None) -> str | None:
    """The search filter for records changed at or after ``start`` (``None``: everything).

    ``>=`` rather than ``>``: timestamps have second resolution, so a record changed in the same
    second as the last one landed is not lost; the one already landed is dropped again by dlt's
    incremental de-duplication at the boundary.
    """
    return None if start is None else f"updated_at:>='{start}'"
