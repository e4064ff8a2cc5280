"""Identity resolution on messy people written as the vendors' real export files: a second opinion.

Invents people and the mess real sellers' data has (gift orders, typos, nicknames, initials,
transposed names, diacritics, non-Latin names, households sharing an inbox or a landline, several
store accounts per person, business buyers, SMS-only profiles, support tickets tied to an order only
by its number, moves, marketplace relay e-mails, e-mail and phone spellings, namesakes), writes their
records in the layouts of the Shopify customers and orders exports, the Klaviyo profiles export, the
Zendesk tickets CSV export and Amazon's All Orders Report, runs ``cdw run --source drops`` on them
from an empty home, and scores ``marts.customer_source_map.customer_id`` against the truth kept apart:
pairwise precision and recall, overall, per phenomenon (the pairs involving at least one record
exhibiting it) and per system, next to the naive "same lower-cased trimmed e-mail" baseline.

It is independent of the demo generator (``demo/``) and of the benchmarks built on it: nothing here
reads them, so it does not share their assumptions about what people and their mess look like.

Scored records are those that carry identity in the export (an e-mail, phone, name or account):
Shopify customers and orders, Klaviyo profiles and Zendesk requesters. Amazon All Orders rows carry
none (no buyer e-mail, name or phone) and are left out. The truth is one row per record, keyed as
the warehouse keys it (``shopify/customer`` Customer ID, ``shopify/order`` Id, ``klaviyo/profile``
Klaviyo ID, ``zendesk/user`` Requester id), with its person and every phenomenon it exhibits
(``PHENOMENA``; all records of a person with none are ``clean``); it is written to ``truth.csv``
in the home, beside (never in) the landing folder. Loader rejections and quarantined rows are printed.

    .venv/bin/python -m benchmarks.export_people [--people 2000] [--seed 7] [--home DIR] [--keep]
"""
