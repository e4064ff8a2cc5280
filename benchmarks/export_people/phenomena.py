"""The mess scored, and how often a single person shows it."""

# fmt: off

PHENOMENA = ("clean", "gift_order", "name_typo", "nickname", "initials", "swapped_names", "diacritics",
             "non_latin", "household_inbox", "household_landline", "multi_account", "email_plus_tag",
             "gmail_dots", "email_typo", "business_shared_inbox", "business_personal", "sms_only",
             "ticket_order_ref", "moved_address", "relay_email", "email_case_space", "phone_format", "namesake")
NAME_KINDS = (("", 70), ("name_typo", 6), ("nickname", 6), ("initials", 5), ("swapped_names", 4),
              ("diacritics", 4.5), ("non_latin", 4.5))
"""How a single person's name varies across their records (weights)."""
TRAITS = (("multi_account", 0.07), ("business_personal", 0.04), ("sms_only", 0.06), ("ticket_order_ref", 0.06),
          ("moved_address", 0.06), ("relay_email", 0.05), ("email_case_space", 0.06), ("gift_order", 0.08))
"""Independent traits of a single person (probability each)."""

# fmt: on
