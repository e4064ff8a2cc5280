"""One demo warehouse for the identity tests, built once per session.

A small demo (2,000 customers) is generated and loaded, then hand-written raw records are added
for each identity trap (household inbox, shared store account, business buyer, junk values,
Gmail variants, phone formats, masked relay address), and the identity models are built with dbt. The trap records
use ids no demo record has, so they do not disturb the demo's truth.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from benchmarks.identity_quality import build_identity, make_demo

CUSTOMERS = 2_000
SEED = 42
LOADED_AT = "2026-10-31 12:00:00+00"

# Raw records per (schema, table), named by vendor field (dlt snake_case). Columns not given are null.
TRAP_ROWS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("raw_shopify", "customers"): [
        # Letters accent stripping keeps (ø, æ, ß, ł): Søren's store account, his profile spelt Soren.
        {"id": 990000091, "email": "s.lefevre@fastmail.com", "first_name": "Søren", "last_name": "Lefèvre",
         "phone": "(312) 555-0191", "created_at": "2024-01-02T10:00:00Z", "updated_at": "2024-01-02T10:00:00Z"},
        # Household inbox: Tom opened the store account the family shares.
        {"id": 990000001, "email": "The.Millers@gmail.com", "first_name": "Tom", "last_name": "Miller",
         "phone": "(312) 555-0111", "default_address__address1": "12 Elm Street",
         "default_address__zip": "60601", "default_address__country_code": "US",
         "created_at": "2024-01-02T10:00:00Z", "updated_at": "2024-01-02T10:00:00Z"},
        # Junk values: two strangers typed a test address and a placeholder number.
        {"id": 990000301, "email": "test@test.com", "phone": "555-555-5555", "first_name": "Alice",
         "last_name": "Ray", "created_at": "2024-02-01T10:00:00Z", "updated_at": "2024-02-01T10:00:00Z"},
        {"id": 990000302, "email": "TEST@test.com ", "phone": "(555) 555-5555", "first_name": "Bob",
         "last_name": "Stone", "created_at": "2024-02-03T10:00:00Z", "updated_at": "2024-02-03T10:00:00Z"},
        # Gmail variants: one person, two store accounts.
        {"id": 990000401, "email": "Chris.Park@gmail.com", "first_name": "Chris", "last_name": "Park",
         "created_at": "2024-03-01T10:00:00Z", "updated_at": "2024-03-01T10:00:00Z"},
        {"id": 990000402, "email": "chrispark+deals@gmail.com", "first_name": "Chris", "last_name": "Park",
         "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-01T10:00:00Z"},
        # Shared store account: Linh opened it; her brother Minh orders through it too.
        {"id": 990000801, "email": "Nguyen.Home@gmail.com", "first_name": "Linh", "last_name": "Nguyen",
         "default_address__address1": "5 Oak Avenue", "default_address__zip": "10001",
         "default_address__country_code": "US", "created_at": "2024-07-01T10:00:00Z",
         "updated_at": "2024-07-01T10:00:00Z"},
        # Masked relay: the Amazon buyer later opens a store account (same name and address).
        {"id": 990000601, "email": "erin.cole@outlook.com", "first_name": "Erin", "last_name": "Cole",
         "default_address__address1": "77 Birch Street, Apt 2", "default_address__zip": "98101",
         "default_address__country_code": "US", "created_at": "2025-01-10T10:00:00Z",
         "updated_at": "2025-01-10T10:00:00Z"},
    ],
    ("raw_shopify", "orders"): [
        {"id": 990000101, "name": "#990101", "email": "the.millers@gmail.com", "phone": "312-555-0111",
         "customer__id": 990000001, "shipping_address__address1": "12 Elm St",
         "shipping_address__zip": "60601", "shipping_address__country_code": "US", "currency": "USD",
         "subtotal_price": "40.00", "total_price": "40.00",
         "created_at": "2024-01-03T10:00:00Z", "updated_at": "2024-01-03T10:00:00Z"},
        {"id": 990000102, "name": "#990102", "email": "the.millers@gmail.com", "phone": "(312) 555-0122",
         "customer__id": 990000001, "shipping_address__address1": "12 Elm St",
         "shipping_address__zip": "60601", "shipping_address__country_code": "US", "currency": "USD",
         "subtotal_price": "25.00", "total_price": "25.00",
         "created_at": "2024-02-03T10:00:00Z", "updated_at": "2024-02-03T10:00:00Z"},
        # Shared store account: no phone on any order; only the name each ships under (and the
        # checkout behind it) tells Linh's order from Minh's. The last one comes from an export
        # file: the whole name, no first and last name.
        {"id": 990000801, "name": "#990801", "email": "nguyen.home@gmail.com", "customer__id": 990000801,
         "checkout_token": "trapcheckoutlinh0000000000000001", "shipping_address__first_name": "Linh",
         "shipping_address__last_name": "Nguyen", "shipping_address__name": "Linh Nguyen",
         "shipping_address__address1": "5 Oak Ave", "shipping_address__zip": "10001",
         "shipping_address__country_code": "US", "currency": "USD", "subtotal_price": "20.00",
         "total_price": "20.00", "created_at": "2024-07-02T10:00:00Z", "updated_at": "2024-07-02T10:00:00Z"},
        {"id": 990000802, "name": "#990802", "email": "nguyenhome@gmail.com", "customer__id": 990000801,
         "checkout_token": "trapcheckoutminh0000000000000001", "shipping_address__first_name": "Minh",
         "shipping_address__last_name": "Nguyen", "shipping_address__name": "Minh Nguyen",
         "shipping_address__address1": "5 Oak Ave", "shipping_address__zip": "10001",
         "shipping_address__country_code": "US", "currency": "USD", "subtotal_price": "35.00",
         "total_price": "35.00", "created_at": "2024-07-09T10:00:00Z", "updated_at": "2024-07-09T10:00:00Z"},
        {"id": 990000803, "name": "#990803", "email": "nguyen.home@gmail.com", "customer__id": 990000801,
         "shipping_address__name": "MINH NGUYEN", "shipping_address__address1": "5 Oak Ave",
         "shipping_address__zip": "10001", "shipping_address__country_code": "US", "currency": "USD",
         "subtotal_price": "15.00", "total_price": "15.00", "created_at": "2024-08-01T10:00:00Z",
         "updated_at": "2024-08-01T10:00:00Z"},
        # Phone formats: the same number typed another way.
        {"id": 990000501, "name": "#990501", "phone": "1 (646) 555-0177", "currency": "USD",
         "subtotal_price": "10.00", "total_price": "10.00", "shipping_address__country_code": "US",
         "created_at": "2024-04-03T10:00:00Z", "updated_at": "2024-04-03T10:00:00Z"},
    ],
    ("raw_amazon", "orders"): [
        # Household: Jane, the other member, buys on Amazon with her own phone.
        {"amazon_order_id": "999-0000001-0000001", "purchase_date": "2024-02-10T10:00:00Z",
         "last_update_date": "2024-02-10T10:00:00Z", "order_status": "Shipped", "marketplace_id": "ATVPDKIKX0DER",
         "order_total__currency_code": "USD", "order_total__amount": "30.00",
         "buyer_info__buyer_email": "qz81janemiller0a@marketplace.amazon.com", "buyer_info__buyer_name": "Jane Miller",
         "shipping_address__name": "Jane Miller", "shipping_address__address_line1": "12 Elm St",
         "shipping_address__postal_code": "60601", "shipping_address__country_code": "US",
         "shipping_address__phone": "312.555.0122", "is_business_order": False},
        # Business buyer: an Amazon Business order of Acme Supply.
        {"amazon_order_id": "999-0000002-0000001", "purchase_date": "2024-03-10T10:00:00Z",
         "last_update_date": "2024-03-10T10:00:00Z", "order_status": "Shipped", "marketplace_id": "ATVPDKIKX0DER",
         "order_total__currency_code": "USD", "order_total__amount": "30.00",
         "buyer_info__buyer_email": "acme7buyer9x2k4@marketplace.amazon.com", "buyer_info__buyer_name": "Sam Lee",
         "buyer_info__buyer_tax_info__company_legal_name": "Acme Supply LLC", "is_business_order": True,
         "shipping_address__country_code": "US"},
        # Phone formats: international access code.
        {"amazon_order_id": "999-0000005-0000001", "purchase_date": "2024-04-10T10:00:00Z",
         "last_update_date": "2024-04-10T10:00:00Z", "order_status": "Shipped", "marketplace_id": "ATVPDKIKX0DER",
         "order_total__currency_code": "USD", "order_total__amount": "30.00",
         "buyer_info__buyer_email": "d4n4relay00000001@marketplace.amazon.com",
         "shipping_address__phone": "001-646-555-0177", "shipping_address__country_code": "US",
         "is_business_order": False},
        # Masked relay: two orders of one buyer (the relay address in two letter cases) and a
        # ship-to name and address that match the store account typed differently.
        {"amazon_order_id": "999-0000006-0000001", "purchase_date": "2024-06-10T10:00:00Z",
         "last_update_date": "2024-06-10T10:00:00Z", "order_status": "Shipped", "marketplace_id": "ATVPDKIKX0DER",
         "order_total__currency_code": "USD", "order_total__amount": "30.00",
         "buyer_info__buyer_email": "k3v9erin0relay7zz@marketplace.amazon.com", "buyer_info__buyer_name": "Erin Cole",
         "shipping_address__name": "Erin Cole", "shipping_address__address_line1": "77 Birch St. #2",
         "shipping_address__postal_code": "98101", "shipping_address__country_code": "US",
         "is_business_order": False},
        {"amazon_order_id": "999-0000006-0000002", "purchase_date": "2024-08-10T10:00:00Z",
         "last_update_date": "2024-08-10T10:00:00Z", "order_status": "Shipped", "marketplace_id": "ATVPDKIKX0DER",
         "order_total__currency_code": "USD", "order_total__amount": "30.00",
         "buyer_info__buyer_email": "K3V9ERIN0RELAY7ZZ@marketplace.amazon.com", "shipping_address__name": "Erin Cole",
         "shipping_address__address_line1": "77 BIRCH ST APT 2", "shipping_address__postal_code": "98101",
         "shipping_address__country_code": "US", "is_business_order": False},
    ],
    ("raw_klaviyo", "profiles"): [
        {"id": "TRAPSOREN000000000000001", "attributes__email": "s.lefevre@fastmail.com",
         "attributes__first_name": "Soren", "attributes__last_name": "Lefevre",
         "attributes__phone_number": "+13125550191", "attributes__created": "2024-01-21T10:00:00+00:00",
         "attributes__updated": "2024-01-21T10:00:00+00:00"},
        # Household: Jane signs up with the shared inbox (Gmail dots dropped) and her own phone.
        {"id": "TRAPJANE0000000000000001", "attributes__email": "themillers@gmail.com",
         "attributes__first_name": "Jane", "attributes__last_name": "Miller",
         "attributes__phone_number": "+13125550122", "attributes__created": "2024-01-20T10:00:00+00:00",
         "attributes__updated": "2024-01-20T10:00:00+00:00"},
        # Business buyer: Sam signs up for the newsletter with the work address, as a person.
        {"id": "TRAPSAM00000000000000001", "attributes__email": "purchasing@acmesupply.com",
         "attributes__first_name": "Sam", "attributes__created": "2024-03-20T10:00:00+00:00",
         "attributes__updated": "2024-03-20T10:00:00+00:00"},
        # Gmail variants: googlemail.com, upper case, stray spaces.
        {"id": "TRAPCHRIS000000000000001", "attributes__email": " CHRIS.PARK@googlemail.com ",
         "attributes__first_name": "Chris", "attributes__created": "2024-03-05T10:00:00+00:00",
         "attributes__updated": "2024-03-05T10:00:00+00:00"},
        # Stable ids: Lee's newsletter profile (tests/identity/test_stable_ids.py).
        {"id": "STABLELEE000000000000001", "attributes__email": "lee.stable@fastmail.com",
         "attributes__first_name": "Lee", "attributes__created": "2024-01-01T10:00:00+00:00",
         "attributes__updated": "2024-01-01T10:00:00+00:00"},
        # Phone formats: dotted national number.
        {"id": "TRAPDANA0000000000000001", "attributes__phone_number": "646.555.0177",
         "attributes__first_name": "Dana", "attributes__location__country": "United States",
         "attributes__created": "2024-04-05T10:00:00+00:00", "attributes__updated": "2024-04-05T10:00:00+00:00"},
    ],
    ("raw_zendesk", "users"): [
        # Business buyer: the company's purchasing contact, in a Zendesk organisation.
        {"id": 990000201, "name": "Sam Lee", "email": "Purchasing@AcmeSupply.com", "organization_id": 5555001,
         "role": "end-user", "locale": "en-US", "created_at": "2024-03-15T10:00:00Z",
         "updated_at": "2024-03-15T10:00:00Z"},
        # Stable ids: Lee's help-desk user, with a phone only.
        {"id": 990000701, "name": "Lee Stable", "phone": "+1 415 555 0199", "role": "end-user", "locale": "en-US",
         "created_at": "2024-06-01T10:00:00Z", "updated_at": "2024-06-01T10:00:00Z"},
        # Phone formats: E.164 with spaces and brackets.
        {"id": 990000501, "name": "Dana Cruz", "phone": "+1 (646) 555-0177", "role": "end-user", "locale": "en-US",
         "created_at": "2024-04-20T10:00:00Z", "updated_at": "2024-04-20T10:00:00Z"},
    ],
    ("raw_shopify", "pixel_events"): [
        # Shared store account: Minh's browser, logged in to the shared account, completes his checkout.
        {"id": "trap-minh-event-1", "name": "checkout_completed", "timestamp": "2024-07-09T09:59:00.000Z",
         "client_id": "trap-device-minh", "customer_id": 990000801,
         "data__checkout__token": "trapcheckoutminh0000000000000001"},
    ],
    ("raw_zendesk", "tickets"): [
        # Business buyer: the contact writes in about the Amazon Business order.
        {"id": 990000301, "subject": "Invoice for Amazon order 999-0000002-0000001", "status": "solved",
         "requester_id": 990000201, "external_id": "999-0000002-0000001",
         "created_at": "2024-03-16T10:00:00Z", "updated_at": "2024-03-17T10:00:00Z"},
    ],
}


# The mess of real people (issue 18): one trap per failure class seen on independently generated data.
MESS_ROWS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("raw_shopify", "customers"): [
        # Gift: Grace buys from her account and ships a present to her nephew in another city.
        {"id": 991000001, "email": "grace.hopper@fastmail.com", "first_name": "Grace", "last_name": "Hopper",
         "phone": "+1 202 555 0181", "default_address__address1": "9 Navy Yard Road", "default_address__zip": "20003",
         "default_address__country_code": "US", "created_at": "2024-01-05T10:00:00Z",
         "updated_at": "2024-01-05T10:00:00Z"},
        # Alan has an account of his own; Grace's export-style gift below ships to him.
        {"id": 991003001, "email": "alan.t@fastmail.com", "first_name": "Alan", "last_name": "Turing",
         "phone": "+1 415 555 0147", "default_address__address1": "1 Bletchley Way", "default_address__zip": "94105",
         "default_address__country_code": "US", "created_at": "2024-01-06T10:00:00Z",
         "updated_at": "2024-01-06T10:00:00Z"},
        # Typo: "Palu Brown" and "Paul Brown", same e-mail, same phone: one person.
        {"id": 991000101, "email": "paul.brown@fastmail.com", "first_name": "Palu", "last_name": "Brown",
         "phone": "+1 617 555 0150", "created_at": "2024-02-05T10:00:00Z", "updated_at": "2024-02-05T10:00:00Z"},
        # A letter typed twice in a four-letter name: "Ommar Campbell"'s account and the order
        # his e-mail placed for "Omar Campbell" (a second-opinion export's miss): one person.
        {"id": 991000121, "email": "omar.campbell@fastmail.com", "first_name": "Ommar", "last_name": "Campbell",
         "created_at": "2024-02-07T10:00:00Z", "updated_at": "2024-02-07T10:00:00Z"},
        # Four store accounts of one person: canonical, +tag, dotless Gmail, a mistyped domain.
        {"id": 991000201, "email": "rita.moreno@gmail.com", "first_name": "Rita", "last_name": "Moreno",
         "phone": "+1 305 555 0101", "default_address__address1": "1 Ocean Drive", "default_address__zip": "33139",
         "default_address__country_code": "US", "created_at": "2024-01-01T10:00:00Z",
         "updated_at": "2024-01-01T10:00:00Z"},
        {"id": 991000202, "email": "rita.moreno+shop@gmail.com", "first_name": "Rita", "last_name": "Moreno",
         "created_at": "2024-02-01T10:00:00Z", "updated_at": "2024-02-01T10:00:00Z"},
        {"id": 991000203, "email": "ritamoreno@gmail.com", "first_name": "Rita", "last_name": "Moreno",
         "created_at": "2024-03-01T10:00:00Z", "updated_at": "2024-03-01T10:00:00Z"},
        {"id": 991000204, "email": "rita.moreno@gmial.com", "first_name": "Rita", "last_name": "Moreno",
         "default_address__address1": "1 Ocean Dr", "default_address__zip": "33139",
         "default_address__country_code": "US", "created_at": "2024-04-01T10:00:00Z",
         "updated_at": "2024-04-01T10:00:00Z"},
        # Business: colleagues order through the company's purchasing inbox and office phone.
        {"id": 991000301, "email": "purchasing@initech.example.io", "first_name": "Peter", "last_name": "Gibbons",
         "phone": "+1 512 555 0190", "default_address__company": "Initech LLC",
         "default_address__address1": "4120 Freidrich Lane", "default_address__zip": "78744",
         "default_address__country_code": "US", "created_at": "2024-01-10T10:00:00Z",
         "updated_at": "2024-01-10T10:00:00Z"},
        # SMS-only: the store knows Ana's phone only from her default address.
        {"id": 991000401, "email": "ana.lima@fastmail.com", "first_name": "Ana", "last_name": "Lima",
         "default_address__phone": "(415) 555-0177", "default_address__country_code": "US",
         "created_at": "2024-01-10T10:00:00Z", "updated_at": "2024-01-10T10:00:00Z"},
        # A household account: Maya's, and Ravi orders through it too (to their shared address).
        {"id": 991001001, "email": "patel.home@fastmail.com", "first_name": "Maya", "last_name": "Patel",
         "default_address__address1": "12 Elm Street", "default_address__zip": "94110",
         "default_address__country_code": "US", "created_at": "2024-01-02T10:00:00Z",
         "updated_at": "2024-01-02T10:00:00Z"},
        # Nora's account; a newsletter sign-up with her e-mail only; a store-synced profile without
        # a name that carries her account and her brother Owen's phone (where the two meet).
        {"id": 991001101, "email": "nora.quinn@fastmail.com", "first_name": "Nora", "last_name": "Quinn",
         "created_at": "2024-01-03T10:00:00Z", "updated_at": "2024-01-03T10:00:00Z"},
        # Names in another script: Giorgos's account (his newsletter profile is in Greek, one
        # inbox and phone) and Li Zhao's (her profile is `丽 赵`, another inbox, her phone).
        {"id": 991001301, "email": "giorgos.p@fastmail.com", "first_name": "Giorgos", "last_name": "Papadopoulos",
         "phone": "+1 718 555 0121", "created_at": "2024-01-04T10:00:00Z", "updated_at": "2024-01-04T10:00:00Z"},
        {"id": 991001401, "email": "lizhao.shop@fastmail.com", "first_name": "Li", "last_name": "Zhao",
         "phone": "(323) 555-0186", "created_at": "2024-01-04T10:00:00Z", "updated_at": "2024-01-04T10:00:00Z"},
        # Last-name initial: Sophia's account; an export order of hers billed to `Sophia M.`.
        {"id": 991001501, "email": "sophia.shop@fastmail.com", "first_name": "Sophia", "last_name": "Martinez",
         "phone": "+1 212 555 0163", "created_at": "2024-01-04T10:00:00Z", "updated_at": "2024-01-04T10:00:00Z"},
    ],
    ("raw_shopify", "orders"): [
        {"id": 991000011, "name": "#991011", "email": "grace.hopper@fastmail.com", "customer__id": 991000001,
         "shipping_address__first_name": "Kevin", "shipping_address__last_name": "Marsh",
         "shipping_address__name": "Kevin Marsh", "shipping_address__address1": "77 Lake Shore Drive",
         "shipping_address__zip": "60611", "shipping_address__country_code": "US",
         "shipping_address__phone": "+1 312 555 0199", "currency": "USD", "subtotal_price": "30.00",
         "total_price": "30.00", "created_at": "2024-01-06T10:00:00Z", "updated_at": "2024-01-06T10:00:00Z"},
        {"id": 991000012, "name": "#991012", "email": "grace.hopper@fastmail.com", "customer__id": 991000001,
         "shipping_address__name": "Grace Hopper", "shipping_address__address1": "9 Navy Yard Rd",
         "shipping_address__zip": "20003", "shipping_address__country_code": "US", "currency": "USD",
         "subtotal_price": "20.00", "total_price": "20.00", "created_at": "2024-02-06T10:00:00Z",
         "updated_at": "2024-02-06T10:00:00Z"},
        # An orders export has no customer id: Grace's gift to Alan is known by its billing name and
        # address; the shipping name, address and phone are Alan's.
        {"id": 991000013, "name": "#991013", "email": "grace.hopper@fastmail.com",
         "billing_address__name": "Grace Hopper", "billing_address__address1": "9 Navy Yard Road",
         "billing_address__zip": "20003", "billing_address__country_code": "US",
         "shipping_address__name": "Alan Turing", "shipping_address__address1": "1 Bletchley Way",
         "shipping_address__zip": "94105", "shipping_address__country_code": "US",
         "shipping_address__phone": "+1 415 555 0147", "currency": "USD", "subtotal_price": "30.00",
         "total_price": "30.00", "created_at": "2024-03-09T10:00:00Z", "updated_at": "2024-03-09T10:00:00Z"},
        {"id": 991000111, "name": "#991111", "email": "Paul.Brown@fastmail.com", "phone": "617-555-0150",
         "shipping_address__name": "Paul Brown", "currency": "USD", "subtotal_price": "20.00",
         "total_price": "20.00", "created_at": "2024-02-06T10:00:00Z", "updated_at": "2024-02-06T10:00:00Z"},
        {"id": 991000122, "name": "#991122", "email": "omar.campbell@fastmail.com",
         "shipping_address__name": "Omar Campbell", "currency": "USD", "subtotal_price": "25.00",
         "total_price": "25.00", "created_at": "2024-02-08T10:00:00Z", "updated_at": "2024-02-08T10:00:00Z"},
        {"id": 991000311, "name": "#991311", "email": "purchasing@initech.example.io", "phone": "512.555.0190",
         "customer__id": 991000301, "shipping_address__name": "Michael Bolton",
         "shipping_address__company": "Initech LLC", "shipping_address__address1": "4120 Freidrich Ln",
         "shipping_address__zip": "78744", "shipping_address__country_code": "US", "currency": "USD",
         "subtotal_price": "90.00", "total_price": "90.00", "created_at": "2024-02-10T10:00:00Z",
         "updated_at": "2024-02-10T10:00:00Z"},
        {"id": 991000312, "name": "#991312", "email": "purchasing@initech.example.io", "phone": "512.555.0190",
         "customer__id": 991000301, "shipping_address__name": "Samir Nagheenanajar",
         "shipping_address__company": "Initech LLC", "shipping_address__address1": "4120 Freidrich Ln",
         "shipping_address__zip": "78744", "shipping_address__country_code": "US", "currency": "USD",
         "subtotal_price": "60.00", "total_price": "60.00", "created_at": "2024-03-10T10:00:00Z",
         "updated_at": "2024-03-10T10:00:00Z"},
        # Placeholder phones typed by strangers: never a link, never counted toward a limit.
        {"id": 991000501, "name": "#991501", "email": "kim.one@fastmail.com", "phone": "+1 999 999 9999",
         "shipping_address__name": "Kim One", "currency": "USD", "subtotal_price": "5.00", "total_price": "5.00",
         "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-01T10:00:00Z"},
        {"id": 991000502, "name": "#991502", "email": "lee.two@fastmail.com", "phone": "(999) 999-9999",
         "billing_address__phone": "555-555-5555", "shipping_address__name": "Lee Two", "currency": "USD",
         "subtotal_price": "5.00", "total_price": "5.00", "created_at": "2024-05-02T10:00:00Z",
         "updated_at": "2024-05-02T10:00:00Z"},
        # The household account's orders: Maya's, Ravi's own (home, his name, his mobile), and a
        # gift shipped to Lena in Portland whose checkout phone is Ravi's mobile.
        {"id": 991001011, "name": "#992011", "email": "patel.home@fastmail.com", "customer__id": 991001001,
         "shipping_address__name": "Maya Patel", "shipping_address__address1": "12 Elm St",
         "shipping_address__zip": "94110", "shipping_address__country_code": "US", "currency": "USD",
         "subtotal_price": "20.00", "total_price": "20.00", "created_at": "2024-02-02T10:00:00Z",
         "updated_at": "2024-02-02T10:00:00Z"},
        {"id": 991001012, "name": "#992012", "email": "patel.home@fastmail.com", "customer__id": 991001001,
         "phone": "+1 415 555 0133", "shipping_address__name": "Ravi Patel",
         "shipping_address__address1": "12 Elm Street", "shipping_address__zip": "94110",
         "shipping_address__country_code": "US", "currency": "USD", "subtotal_price": "25.00",
         "total_price": "25.00", "created_at": "2024-03-02T10:00:00Z", "updated_at": "2024-03-02T10:00:00Z"},
        {"id": 991001013, "name": "#992013", "email": "patel.home@fastmail.com", "customer__id": 991001001,
         "phone": "(415) 555-0133", "shipping_address__first_name": "Lena", "shipping_address__last_name": "Fox",
         "shipping_address__name": "Lena Fox", "shipping_address__address1": "8 Pine Road",
         "shipping_address__zip": "97201", "shipping_address__country_code": "US", "currency": "USD",
         "subtotal_price": "40.00", "total_price": "40.00", "created_at": "2024-04-02T10:00:00Z",
         "updated_at": "2024-04-02T10:00:00Z"},
        {"id": 991001511, "name": "#991511", "email": "sophia.shop@fastmail.com", "phone": "212-555-0163",
         "billing_address__name": "Sophia M.", "shipping_address__name": "Sophia M.", "currency": "USD",
         "subtotal_price": "15.00", "total_price": "15.00", "created_at": "2024-04-03T10:00:00Z",
         "updated_at": "2024-04-03T10:00:00Z"},
    ],
    ("raw_klaviyo", "profiles"): [
        # SMS-only sign-up: a phone and nothing else.
        {"id": "TRAPSMSANA00000000000001", "attributes__phone_number": "+14155550177",
         "attributes__created": "2024-03-01T10:00:00+00:00", "attributes__updated": "2024-03-01T10:00:00+00:00"},
        {"id": "TRAPNORA0000000000000001", "attributes__email": "nora.quinn@fastmail.com",
         "attributes__created": "2024-02-01T10:00:00+00:00", "attributes__updated": "2024-02-01T10:00:00+00:00"},
        {"id": "TRAPQUINN000000000000001", "attributes__external_id": "991001101",
         "attributes__phone_number": "+12065550166",
         "attributes__created": "2024-02-02T10:00:00+00:00", "attributes__updated": "2024-02-02T10:00:00+00:00"},
        # Nickname: Bob on the newsletter, Robert in the help desk, one inbox.
        {"id": "TRAPBOB00000000000000001", "attributes__email": "r.tables@fastmail.com",
         "attributes__first_name": "Bob", "attributes__last_name": "Tables",
         "attributes__created": "2024-03-01T10:00:00+00:00", "attributes__updated": "2024-03-01T10:00:00+00:00"},
        {"id": "TRAPGIORGOS0000000000001", "attributes__email": "giorgos.p@fastmail.com",
         "attributes__first_name": "Γιώργος", "attributes__last_name": "Παπαδόπουλος",
         "attributes__phone_number": "+17185550121",
         "attributes__created": "2024-03-01T10:00:00+00:00", "attributes__updated": "2024-03-01T10:00:00+00:00"},
        {"id": "TRAPLIZHAO00000000000001", "attributes__email": "lzhao.news@fastmail.com",
         "attributes__first_name": "丽", "attributes__last_name": "赵", "attributes__phone_number": "+13235550186",
         "attributes__created": "2024-03-01T10:00:00+00:00", "attributes__updated": "2024-03-01T10:00:00+00:00"},
        # A household inbox of two people named in Chinese: two people.
        {"id": "TRAPWANGWEI0000000000001", "attributes__email": "wang.li.home@fastmail.com",
         "attributes__first_name": "伟", "attributes__last_name": "王",
         "attributes__created": "2024-03-01T10:00:00+00:00", "attributes__updated": "2024-03-01T10:00:00+00:00"},
        {"id": "TRAPLINA0000000000000001", "attributes__email": "wang.li.home@fastmail.com",
         "attributes__first_name": "娜", "attributes__last_name": "李",
         "attributes__created": "2024-03-02T10:00:00+00:00", "attributes__updated": "2024-03-02T10:00:00+00:00"},
    ],
    ("raw_zendesk", "users"): [
        {"id": 991000601, "name": "Robert Tables", "email": "r.tables@fastmail.com", "role": "end-user",
         "created_at": "2024-03-05T10:00:00Z", "updated_at": "2024-03-05T10:00:00Z"},
        # Households: two Janes with different last names share an inbox and a phone.
        {"id": 991000701, "name": "Jane Doe", "email": "home.inbox@fastmail.com", "phone": "+1 503 555 0142",
         "role": "end-user", "created_at": "2024-03-05T10:00:00Z", "updated_at": "2024-03-05T10:00:00Z"},
        {"id": 991000702, "name": "Jane Roe", "email": "home.inbox@fastmail.com", "phone": "+1 503 555 0142",
         "role": "end-user", "created_at": "2024-03-06T10:00:00Z", "updated_at": "2024-03-06T10:00:00Z"},
        {"id": 991001201, "name": "Owen Quinn", "phone": "+1 206 555 0166", "role": "end-user",
         "created_at": "2024-03-05T10:00:00Z", "updated_at": "2024-03-05T10:00:00Z"},
        # A help-desk user known by nothing else, whose ticket quotes Grace's gift order.
        {"id": 991000801, "name": "G. Hopper", "email": "gh.work@navy.example.io", "role": "end-user",
         "created_at": "2024-03-07T10:00:00Z", "updated_at": "2024-03-07T10:00:00Z"},
        # Help-desk users known by nothing else, quoting orders the way customers write them (no `#`),
        # and one whose subject quotes a number that is no order reference.
        {"id": 991000802, "name": "Minh", "email": "mnguyen.desk@contoso.example.io", "role": "end-user",
         "created_at": "2024-03-08T10:00:00Z", "updated_at": "2024-03-08T10:00:00Z"},
        {"id": 991000803, "name": "Grace", "email": "frontdesk@hopper.example.io", "role": "end-user",
         "created_at": "2024-03-08T10:00:00Z", "updated_at": "2024-03-08T10:00:00Z"},
        {"id": 991000804, "name": "Sam Wu", "email": "samwu.desk@contoso.example.io", "role": "end-user",
         "created_at": "2024-03-08T10:00:00Z", "updated_at": "2024-03-08T10:00:00Z"},
    ],
    ("raw_zendesk", "tickets"): [
        {"id": 991000901, "subject": "Where is my order #991011? It was a present", "status": "open",
         "requester_id": 991000801, "created_at": "2024-03-07T10:00:00Z", "updated_at": "2024-03-07T10:00:00Z"},
        {"id": 991000902, "subject": "Order 990802 arrived damaged", "status": "open",
         "requester_id": 991000802, "created_at": "2024-03-08T10:00:00Z", "updated_at": "2024-03-08T10:00:00Z"},
        {"id": 991000903, "subject": "Return request - order no. 991012", "status": "open",
         "requester_id": 991000803, "created_at": "2024-03-08T10:00:00Z", "updated_at": "2024-03-08T10:00:00Z"},
        {"id": 991000904, "subject": "I ordered 990801 stickers, invoice 990802", "status": "open",
         "requester_id": 991000804, "created_at": "2024-03-08T10:00:00Z", "updated_at": "2024-03-08T10:00:00Z"},
    ],
}


@dataclass(frozen=True)
class IdentityDemo:
    database: Path
    truth: Path
    work_dir: Path

    def query(self, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return query(self.database, sql, parameters)

    def customer_of(self, system: str, entity: str, key: str) -> str:
        rows = self.query("select customer_id from marts.customer_source_map where source_system = ? "
                          "and source_entity = ? and source_key = ?", [system, entity, key])
        assert len(rows) == 1, f"{system}/{entity}/{key} maps to {rows}"
        return rows[0][0]


def query(database: Path, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


def insert_raw_rows(database: Path, rows: dict[tuple[str, str], list[dict[str, Any]]], source: str = "trap") -> None:
    """Add records to the raw tables the way the loader lands them (columns not given are null)."""
    con = duckdb.connect(str(database))
    try:
        for (schema, table), records in rows.items():
            columns = {name for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, table]).fetchall()}
            for number, record in enumerate(records):
                values = {**record, "_cdw_source_file": f"{source}/{table}.parquet", "_cdw_loaded_at": LOADED_AT}
                if "_dlt_load_id" in columns:
                    values |= {"_dlt_load_id": source, "_dlt_id": f"{source}-{table}-{number}"}
                unknown = set(values) - columns
                assert not unknown, f"{schema}.{table} has no columns {unknown}"
                names = list(values)
                con.execute(f"insert into {schema}.{table} ({', '.join(names)}) values "
                            f"({', '.join('?' for _ in names)})", [values[n] for n in names])
    finally:
        con.close()


def delete_raw_rows(database: Path, schema: str, table: str, key: str, value: Any) -> None:
    con = duckdb.connect(str(database))
    try:
        con.execute(f"delete from {schema}.{table} where {key} = ?", [value])
    finally:
        con.close()


@pytest.fixture(scope="session")
def identity_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityDemo]:
    base = tmp_path_factory.mktemp("identity_demo")
    database, truth = make_demo(base, CUSTOMERS, SEED)
    insert_raw_rows(database, TRAP_ROWS)
    insert_raw_rows(database, MESS_ROWS, source="mess")
    build_identity(database, base, with_customer_360=True)
    yield IdentityDemo(database=database, truth=truth, work_dir=base)


@pytest.fixture
def demo_copy(identity_demo: IdentityDemo, tmp_path: Path) -> IdentityDemo:
    """A private copy of the built demo warehouse, for tests that change data and rebuild."""
    database = tmp_path / "build.duckdb"
    shutil.copyfile(identity_demo.database, database)
    return IdentityDemo(database=database, truth=identity_demo.truth, work_dir=tmp_path)
