"""Zendesk's tickets CSV export: its columns and a ticket's row."""

from __future__ import annotations

import random
from datetime import timedelta

from benchmarks.export_people.records import Order, Ticket
from benchmarks.export_people.timeline import LAST_DAY, store_time
from benchmarks.export_people.vocabulary import AGENTS

TICKET_HEADINGS = (
    "Summation column",
    "Id",
    "Requester",
    "Requester id",
    "Requester external id",
    "Requester email",
    "Requester domain",
    "Submitter",
    "Assignee",
    "Group",
    "Subject",
    "Tags",
    "Status",
    "Priority",
    "Via",
    "Ticket type",
    "Created at",
    "Updated at",
    "Assigned at",
    "Organization",
    "Due date",
    "Initially assigned at",
    "Solved at",
    "Resolution time",
    "Satisfaction Score",
    "Group stations",
    "Assignee stations",
    "Reopens",
    "Replies",
    "First reply time in minutes",
    "First reply time in minutes within business hours",
    "First resolution time in minutes",
    "First resolution time in minutes within business hours",
    "Full resolution time in minutes",
    "Full resolution time in minutes within business hours",
    "Agent wait time in minutes",
    "Agent wait time in minutes within business hours",
    "Requester wait time in minutes",
    "Requester wait time in minutes within business hours",
    "On hold time in minutes",
    "On hold time in minutes within business hours",
)


def ticket_row(rng: random.Random, ticket: Ticket) -> dict[str, str]:
    user = ticket.user
    reference = ticket.reference
    subject = ticket.subject.replace("{n}", str(reference.number) if isinstance(reference, Order) else reference or "")
    user.record.label = user.record.label or f"{user.name} | {user.email} | {subject}"
    assigned = ticket.created + timedelta(minutes=rng.randint(5, 240))
    replied = rng.randint(10, 900)
    solved = ticket.created + timedelta(minutes=rng.randint(60, 4000))
    open_now = solved > LAST_DAY or rng.random() < 0.1
    status = rng.choice(("Open", "Pending")) if open_now else rng.choice(("Solved", "Closed"))
    updated = max(assigned, min(solved, LAST_DAY)) if open_now else solved
    resolution = "" if open_now else str(int((solved - ticket.created).total_seconds() // 3600))
    minutes = str(int((updated - ticket.created).total_seconds() // 60))
    return {
        "Summation column": "1",
        "Id": str(ticket.id),
        "Requester": user.name,
        "Requester id": user.record.key,
        "Requester email": user.email,
        "Requester domain": user.email.split("@")[1],
        "Submitter": user.name,
        "Assignee": rng.choice(AGENTS),
        "Group": "Support",
        "Subject": subject,
        "Tags": "order_question" if reference else "presale",
        "Status": status,
        "Priority": rng.choice(("Normal", "Normal", "Low", "High", "-")),
        "Via": ticket.via,
        "Ticket type": rng.choice(("Question", "Incident", "Problem", "Task", "-")),
        "Created at": store_time(ticket.created),
        "Updated at": store_time(updated),
        "Assigned at": store_time(assigned),
        "Organization": user.organization,
        "Initially assigned at": store_time(assigned),
        "Solved at": "" if open_now else store_time(solved),
        "Resolution time": resolution,
        "Satisfaction Score": rng.choice(("Offered", "Unoffered", "Good", "Bad")),
        "Group stations": "1",
        "Assignee stations": "1",
        "Reopens": "0",
        "Replies": str(rng.randint(1, 4)),
        "First reply time in minutes": str(replied),
        "First reply time in minutes within business hours": str(replied // 2),
        "First resolution time in minutes": minutes,
        "First resolution time in minutes within business hours": str(int(minutes) // 3),
        "Full resolution time in minutes": minutes,
        "Full resolution time in minutes within business hours": str(int(minutes) // 3),
        "Agent wait time in minutes": "0",
        "Agent wait time in minutes within business hours": "0",
        "Requester wait time in minutes": minutes,
        "Requester wait time in minutes within business hours": str(int(minutes) // 3),
        "On hold time in minutes": "0",
        "On hold time in minutes within business hours": "0",
    }
