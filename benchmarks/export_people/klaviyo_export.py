"""Klaviyo's profiles export: its columns and a profile's row."""

from __future__ import annotations

import random
from datetime import timedelta

from benchmarks.export_people.records import Profile
from benchmarks.export_people.spelling import e164
from benchmarks.export_people.timeline import EXPORTED_AT, utc_time

PROFILE_HEADINGS = (
    "Email",
    "Phone Number",
    "First Name",
    "Last Name",
    "Organization",
    "Title",
    "Address",
    "Address 2",
    "City",
    "State / Region",
    "Country",
    "Zip Code",
    "Latitude",
    "Longitude",
    "Source",
    "IP Address",
    "Email Marketing Consent",
    "Email Marketing Consent Timestamp",
    "SMS Marketing Consent",
    "SMS Marketing Consent Timestamp",
    "First Active",
    "Last Active",
    "Profile Created On",
    "Date Added",
    "Last Open",
    "Last Click",
    "Klaviyo ID",
    "Shopify Tags",
)


def profile_row(rng: random.Random, profile: Profile) -> dict[str, str]:
    phone = e164(profile.phone) if profile.phone else ""
    profile.record.label = f"{profile.first} {profile.last} | {profile.email} | {phone}"
    created, active = profile.created, profile.created + timedelta(days=rng.randint(0, 200))
    active = min(active, EXPORTED_AT - timedelta(hours=1))
    row = {
        "Email": profile.email,
        "Phone Number": phone,
        "First Name": profile.first,
        "Last Name": profile.last,
        "Organization": profile.organization,
        "Source": profile.source,
        "IP Address": ".".join(str(rng.randint(1, 254)) for _ in range(4)),
        "Email Marketing Consent": rng.choice(("SUBSCRIBED", "SUBSCRIBED", "NEVER_SUBSCRIBED", "UNSUBSCRIBED"))
        if profile.email
        else "NEVER_SUBSCRIBED",
        "SMS Marketing Consent": "SUBSCRIBED" if profile.phone and not profile.email else "NEVER_SUBSCRIBED",
        "First Active": utc_time(created),
        "Last Active": utc_time(active),
        "Profile Created On": utc_time(created),
        "Date Added": utc_time(created + timedelta(seconds=20)),
        "Last Open": utc_time(active) if profile.email else "",
        "Klaviyo ID": profile.record.key,
    }
    if row["Email Marketing Consent"] != "NEVER_SUBSCRIBED":
        row["Email Marketing Consent Timestamp"] = utc_time(created + timedelta(seconds=20))
    if row["SMS Marketing Consent"] == "SUBSCRIBED":
        row["SMS Marketing Consent Timestamp"] = utc_time(created + timedelta(seconds=35))
    if profile.address:
        address = profile.address
        row |= {
            "Address": address.street,
            "Address 2": address.unit,
            "City": address.city.name,
            "State / Region": address.city.state_name,
            "Country": "United States",
            "Zip Code": address.zip,
        }
    return row
