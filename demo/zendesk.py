"""Zendesk (support): end-users and agents, tickets, satisfaction ratings.

People write in about store orders (the ticket's ``external_id`` is the Shopify order name),
about Amazon orders (the Amazon order id: a link from a masked marketplace buyer to a real
address), or before buying. Addresses are typed by hand here, so case, whitespace and Gmail
variants are most common; some callers leave only a phone number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.amazon import SHIPPED, AmazonData
from demo.catalog import SHOP_DOMAIN
from demo.chunks import WHOLE, Chunk
from demo.frame import TableOut, bools, frame, ints
from demo.identity import EmailStyle, full_name, render_email, render_phone, take
from demo.people import Persons
from demo.shopify import ShopifyData
from demo.timeline import DAY, HOUR, Timeline
from demo.vector import NO_TIME, group_first, iso_z, join, null_where, pick, rising_ids, where

USER_EMAIL_STYLE = EmailStyle(case=0.2, pad=0.05, gmail_dots=0.05, plus_tag=0.02, typo=0.01)
AGENTS = (("Maya Chen", "admin"), ("Luis Ortega", "agent"), ("Priya Nair", "agent"), ("Tom Becker", "agent"),
          ("Aisha Bello", "agent"), ("Sam Rivera", "agent"), ("Nora Lindqvist", "agent"), ("Dev Patel", "agent"))
STATUSES = ("new", "open", "pending", "solved", "closed")
NEW, OPEN, PENDING, SOLVED, CLOSED = range(5)
SHOP_TOPICS = (("Where is my order {}?", "shipping where_is_my_order"), ("Return request for order {}", "return"),
               ("Item arrived damaged - order {}", "damaged"), ("Wrong size, can I exchange? ({})", "exchange sizing"),
               ("Refund status for {}", "refund"), ("Change shipping address on {}", "address_change"))
AMAZON_TOPICS = (("Question about my Amazon order {}", "amazon"), ("Amazon order {} - item defective", "amazon defect"),
                 ("Missing part in Amazon order {}", "amazon missing_part"))
GENERAL_TOPICS = (("Sizing question", "sizing presale"), ("Do you ship to Canada?", "shipping presale"),
                  ("Discount code not working", "discount"), ("Wholesale inquiry", "wholesale"),
                  ("Restock date for the Daypack?", "restock presale"))
BAD_REASONS = ("The issue took too long to resolve", "The issue was not resolved",
               "The agent's knowledge is unsatisfactory", "The agent's attitude was unsatisfactory",
               "Some other reason")
US_ZONES = ("Eastern Time (US & Canada)", "Central Time (US & Canada)", "Mountain Time (US & Canada)",
            "Pacific Time (US & Canada)")


@dataclass
class Tickets:
    person: np.ndarray
    ts: np.ndarray
    subject: pa.Array
    tags: pa.Array
    external_id: pa.Array


@dataclass
class ZendeskData:
    """The help desk's tables, and its agents' user ids (one team answers every chunk's tickets)."""

    tables: list[TableOut]
    agent_id: np.ndarray


def generate(rng: np.random.Generator, persons: Persons, shop: ShopifyData, amazon: AmazonData,
             timeline: Timeline, chunk: Chunk = WHOLE, agent_id: np.ndarray | None = None) -> ZendeskData:
    """Users, tickets and satisfaction ratings.

    The agents are drawn, and listed among the users, by the first chunk of persons; a later
    chunk passes their ``agent_id`` and lists only its own end-users. Ids continue after the
    earlier chunks' ids.
    """
    tickets = _ticket_requests(rng, persons, shop, amazon, timeline)
    n_persons = len(persons)
    inbox = np.where(persons.shares_email, persons.household_head, np.arange(n_persons))
    key = inbox[tickets.person]
    first = group_first(key, tickets.ts, n_persons)
    user_keys = np.flatnonzero(first >= 0)
    user_person = tickets.person[first[user_keys]]
    user_created = np.maximum(tickets.ts[first[user_keys]] - rng.integers(0, 120, len(user_keys)),
                              timeline.start_ts)
    sort = np.argsort(user_created, kind="stable")
    user_keys, user_person, user_created = user_keys[sort], user_person[sort], user_created[sort]
    user_id = rising_ids(rng, len(user_keys), chunk.first_id("zendesk.users"), 40_000)
    user_of_key = np.full(n_persons, -1, dtype=np.int64)
    user_of_key[user_keys] = np.arange(len(user_keys))
    requester = user_of_key[key]
    with_agents = agent_id is None
    if with_agents:
        agent_id = rising_ids(rng, len(AGENTS), 360_012_345_000, 5_000)
    org_id = _organisation_ids(rng, persons, chunk)
    tickets_out, ratings_out, last_update = _ticket_tables(rng, tickets, requester, user_id, persons, agent_id,
                                                           user_person, org_id, timeline, chunk)
    users_out = _users_table(rng, persons, shop, user_id, user_person, user_created, last_update,
                             agent_id if with_agents else agent_id[:0], org_id, timeline)
    return ZendeskData(tables=[users_out, tickets_out, ratings_out], agent_id=agent_id)


def _organisation_ids(rng: np.random.Generator, persons: Persons, chunk: Chunk) -> np.ndarray:
    """A Zendesk organisation id per business buyer (-1 for others), in no relation to the person number."""
    business = rng.permutation(np.flatnonzero(persons.is_business))
    org = np.full(len(persons), -1, dtype=np.int64)
    org[business] = rising_ids(rng, len(business), chunk.first_id("zendesk.organizations"), 3_000)
    return org


def _ticket_requests(rng: np.random.Generator, persons: Persons, shop: ShopifyData, amazon: AmazonData,
                     timeline: Timeline) -> Tickets:
    """Who writes in, when and about what: store orders, Amazon orders, and questions before buying."""
    end = timeline.end_ts
    orders = shop.orders
    refunded = orders.refund_ts != NO_TIME
    shop_p = np.where(refunded, 0.4, np.where(orders.cancelled_ts != NO_TIME, 0.15, 0.04))
    shop_ts = np.where(refunded, orders.refund_ts - rng.integers(DAY, 5 * DAY, len(orders)),
                       orders.ts + rng.integers(DAY, 20 * DAY, len(orders)))
    shop_pick = np.flatnonzero((rng.random(len(orders)) < shop_p) & (shop_ts <= end) & (shop_ts > orders.ts))
    shop_topic = np.where(refunded[shop_pick], rng.choice([1, 2, 3, 4], size=len(shop_pick)),
                          rng.choice([0, 3, 5], size=len(shop_pick), p=[0.7, 0.15, 0.15]))
    shop_subject = _fill(pick([t for t, _ in SHOP_TOPICS], shop_topic), orders.name.take(pa.array(shop_pick)))
    a = amazon.orders
    amazon_ts = a.ts + rng.integers(2 * DAY, 25 * DAY, len(a))
    amazon_pick = np.flatnonzero((a.status == SHIPPED) & (rng.random(len(a)) < 0.025) & (amazon_ts <= end))
    amazon_topic = rng.integers(0, len(AMAZON_TOPICS), len(amazon_pick))
    amazon_subject = _fill(pick([t for t, _ in AMAZON_TOPICS], amazon_topic), a.id.take(pa.array(amazon_pick)))
    asking = np.flatnonzero(rng.random(len(persons)) < 0.012)
    start = np.maximum.reduce([persons.shop_first_ts[asking], persons.signup_ts[asking],
                               persons.amazon_first_ts[asking]])
    asking = asking[start != NO_TIME]
    start = start[start != NO_TIME]
    general_ts = np.minimum(start + rng.integers(HOUR, 30 * DAY, len(asking)), end)
    general_topic = np.where(persons.is_business[asking], 3, rng.choice([0, 1, 2, 4], size=len(asking)))
    person = np.r_[orders.person[shop_pick], a.person[amazon_pick], asking]
    ts = np.r_[shop_ts[shop_pick], amazon_ts[amazon_pick], general_ts]
    subject = pa.concat_arrays([shop_subject, amazon_subject, pick([t for t, _ in GENERAL_TOPICS], general_topic)])
    tags = pa.concat_arrays([pick([g for _, g in SHOP_TOPICS], shop_topic), pick([g for _, g in AMAZON_TOPICS],
                                                                                amazon_topic),
                             pick([g for _, g in GENERAL_TOPICS], general_topic)])
    mention = rng.random(len(person)) < 0.7
    external = pa.concat_arrays([orders.name.take(pa.array(shop_pick)), a.id.take(pa.array(amazon_pick)),
                                 pa.nulls(len(asking), pa.string())])
    external = null_where(external, ~mention)
    sort = np.argsort(ts, kind="stable")
    arrow_sort = pa.array(sort)
    return Tickets(person=person[sort], ts=ts[sort], subject=subject.take(arrow_sort), tags=tags.take(arrow_sort),
                   external_id=external.take(arrow_sort))


def _fill(template: pa.Array, value: pa.Array) -> pa.Array:
    """Put ``value`` where the template has ``{}``."""
    before = pc.replace_substring_regex(template, r"\{\}.*$", "")
    after = pc.replace_substring_regex(template, r"^.*\{\}", "")
    return join(before, value, after)


def _ticket_tables(rng: np.random.Generator, tickets: Tickets, requester: np.ndarray, user_id: np.ndarray,
                   persons: Persons, agent_id: np.ndarray, user_person: np.ndarray, org_id: np.ndarray,
                   timeline: Timeline, chunk: Chunk) -> tuple[TableOut, TableOut, np.ndarray]:
    end = timeline.end_ts
    n = len(tickets.ts)
    ticket_id = chunk.first_id("zendesk.tickets") + 1 + np.arange(n)
    ts = tickets.ts
    solved_ts = ts + rng.integers(2 * HOUR, 5 * DAY, n)
    closed_ts = solved_ts + 4 * DAY
    age = end - ts
    status = np.select(
        [solved_ts > end, closed_ts <= end],
        [np.where(age < DAY, rng.choice([NEW, OPEN], size=n), rng.choice([OPEN, PENDING], size=n)),
         np.where(rng.random(n) < 0.6, CLOSED, SOLVED)], default=SOLVED)
    updated = np.select([status == CLOSED, status == SOLVED], [closed_ts, solved_ts],
                        default=np.minimum(ts + rng.integers(60, DAY, n), end))
    updated = np.minimum(np.maximum(updated, ts + 60), end)
    assignee = agent_id[rng.integers(0, len(agent_id), n)]
    org = org_id[user_person[requester]]  # the user's organisation is their company (business buyers only)
    via = rng.choice(5, size=n, p=[0.5, 0.2, 0.15, 0.08, 0.07])
    columns = {
        "id": ints(ticket_id),
        "subject": tickets.subject,
        "priority": pick([None, "low", "normal", "high", "urgent"], rng.choice(5, size=n, p=[0.2, 0.15, 0.45, 0.15,
                                                                                            0.05])),
        "type": pick(["question", "incident", "problem", "task"], rng.choice(4, size=n, p=[0.5, 0.3, 0.15, 0.05])),
        "requester_id": ints(user_id[requester]),
        "submitter_id": ints(np.where(rng.random(n) < 0.9, user_id[requester], assignee)),
        "organization_id": ints(org, org < 0),
        "via__channel": pick(["email", "web", "chat", "voice", "api"], via),
        "tags": tickets.tags,
        "external_id": tickets.external_id,
        "created_at": iso_z(ts),
    }

    def version(state: np.ndarray, at: np.ndarray) -> dict[str, pa.Array]:
        return {"status": pick(STATUSES, state), "updated_at": iso_z(at),
                "assignee_id": ints(assignee, state == NEW)}

    person_id = tickets.person + 1
    latest = frame({**columns, **version(status, updated)}, updated, person_id=person_id)
    at = ts + rng.integers(60, 2 * HOUR, n)
    candidates = np.flatnonzero((status >= SOLVED) & (at < updated))
    older = frame({**columns, **version(np.full(n, OPEN), at)}, at, person_id=person_id).take(candidates)
    tickets_out = TableOut("zendesk", "tickets", latest, older=older)
    ratings_out = _ratings_table(rng, status, solved_ts, requester, user_id, assignee, person_id, end, ticket_id,
                                 chunk.first_id("zendesk.ratings"))
    last_update = np.full(len(user_id), NO_TIME, dtype=np.int64)
    np.maximum.at(last_update, requester, updated)
    return tickets_out, ratings_out, last_update


def _ratings_table(rng: np.random.Generator, status: np.ndarray, solved_ts: np.ndarray, requester: np.ndarray,
                   user_id: np.ndarray, assignee: np.ndarray, person_id: np.ndarray, end: int, ticket_id: np.ndarray,
                   first_rating_id: int) -> TableOut:
    """CSAT: offered on a share of solved tickets; answered good or bad, or left at ``offered``."""
    offered_ts = solved_ts + rng.integers(HOUR, DAY, len(status))
    rated = np.flatnonzero((status >= SOLVED) & (rng.random(len(status)) < 0.35) & (offered_ts <= end))
    rated = rated[np.argsort(offered_ts[rated], kind="stable")]
    n = len(rated)
    score = rng.choice(3, size=n, p=[0.55, 0.12, 0.33])  # good, bad, offered
    answered = np.minimum(offered_ts[rated] + rng.integers(HOUR, 3 * DAY, n), end)
    updated = np.where(score == 2, offered_ts[rated], answered)
    comment = np.select([(score == 0) & (rng.random(n) < 0.4), (score == 1) & (rng.random(n) < 0.6)], [0, 1],
                        default=2)
    columns = {
        "id": ints(rising_ids(rng, n, first_rating_id, 20_000)),
        "ticket_id": ints(ticket_id[rated]),
        "requester_id": ints(user_id[requester[rated]]),
        "assignee_id": ints(assignee[rated]),
        "score": pick(["good", "bad", "offered"], score),
        "comment": pick(["Thanks, quick and helpful!", "Still waiting for my refund.", None], comment),
        "reason": where(score == 1, pick(BAD_REASONS, rng.integers(0, len(BAD_REASONS), n)),
                        pa.scalar(None, pa.string())),
        "created_at": iso_z(offered_ts[rated]),
        "updated_at": iso_z(updated),
    }
    return TableOut("zendesk", "satisfaction_ratings", frame(columns, updated, person_id=person_id[rated]))


def _users_table(rng: np.random.Generator, persons: Persons, shop: ShopifyData, user_id: np.ndarray,
                 user_person: np.ndarray, created: np.ndarray, last_update: np.ndarray, agent_id: np.ndarray,
                 org_id: np.ndarray, timeline: Timeline) -> TableOut:
    """End-users (as they typed themselves in) followed by the support agents of ``agent_id`` (none in
    the tables of a later chunk of persons)."""
    p = user_person
    n = len(p)
    phone_only = rng.random(n) < 0.05
    email = null_where(render_email(rng, persons, p, USER_EMAIL_STYLE), phone_only)
    name_style = rng.choice(3, size=n, p=[0.85, 0.1, 0.05])
    name = where(name_style == 0, full_name(rng, persons, p, 0.03), take(persons.first_name, p))
    name = where(name_style == 2, take(persons.email_local, p), name)
    account = shop.accounts.index_of_key[np.minimum(p, len(shop.accounts.index_of_key) - 1)]
    has_account = (account >= 0) & (shop.accounts.person[np.maximum(account, 0)] == p)
    external = null_where(pa.array(shop.accounts.id[np.maximum(account, 0)]).cast(pa.string()),
                          ~(has_account & (rng.random(n) < 0.25)))
    country = persons.country[p]
    zone = np.where(country == 2, 4, np.where(country == 1, 0, (persons.household_id[p] * 3) % 4))
    region_qc = np.asarray(take(persons.region, p).to_numpy(zero_copy_only=False)) == "QC"
    locale = np.where(country == 2, 2, np.where(country == 1, np.where(region_qc, 3, 1), 0))
    updated = np.maximum(last_update, created + 60)
    agents = AGENTS[:len(agent_id)]
    a = len(agents)
    agent_created = timeline.start_ts - rng.integers(30, 600, a) * DAY
    agent_updated = timeline.end_ts - rng.integers(0, 30, a) * DAY - rng.integers(0, DAY, a)
    agent_email = join(pick([nm.split()[0].lower() for nm, _ in agents], np.arange(a)), f"@{SHOP_DOMAIN}")
    columns = {
        "id": ints(np.r_[user_id, agent_id]),
        "name": pa.concat_arrays([name, pa.array([nm for nm, _ in agents], pa.string())]),
        "email": pa.concat_arrays([email, agent_email]),
        "phone": pa.concat_arrays([null_where(render_phone(rng, persons, p), ~phone_only & (rng.random(n) < 0.65)),
                                   pa.nulls(a, pa.string())]),
        "role": pa.concat_arrays([pick(["end-user"], np.zeros(n)), pa.array([r for _, r in agents], pa.string())]),
        "organization_id": ints(np.r_[org_id[p], np.full(a, -1)], np.r_[org_id[p] < 0, np.ones(a, bool)]),
        "external_id": pa.concat_arrays([external, pa.nulls(a, pa.string())]),
        "time_zone": pick(US_ZONES + ("London",), np.r_[zone, np.zeros(a, np.int64)]),
        "locale": pick(["en-US", "en-CA", "en-GB", "fr-CA"], np.r_[locale, np.zeros(a, np.int64)]),
        "tags": pa.concat_arrays([where(persons.is_business[p], pa.scalar("wholesale"), pa.scalar("")),
                                  pick(["staff"], np.zeros(a))]),
        "active": bools(np.ones(n + a, bool)),
        "suspended": bools(np.r_[rng.random(n) < 0.005, np.zeros(a, bool)]),
        "created_at": iso_z(np.r_[created, agent_created]),
        "updated_at": iso_z(np.r_[updated, agent_updated]),
    }
    person_id = np.r_[p + 1, np.full(a, -1)]
    return TableOut("zendesk", "users", frame(columns, np.r_[updated, agent_updated], person_id=person_id))
