"""Shopify's customers export and orders export: their columns and one person's rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from benchmarks.export_people.records import Account, Address, Contact, Order
from benchmarks.export_people.spelling import e164
from benchmarks.export_people.timeline import LAST_DAY, store_time

CUSTOMER_HEADINGS = (
    "Customer ID",
    "First Name",
    "Last Name",
    "Email",
    "Accepts Email Marketing",
    "Default Address Company",
    "Default Address Address1",
    "Default Address Address2",
    "Default Address City",
    "Default Address Province Code",
    "Default Address Country Code",
    "Default Address Zip",
    "Default Address Phone",
    "Phone",
    "Accepts SMS Marketing",
    "Total Spent",
    "Total Orders",
    "Note",
    "Tax Exempt",
    "Tags",
)
ORDER_HEADINGS = (
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing Street",
    "Billing Address1",
    "Billing Address2",
    "Billing Company",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Billing Phone",
    "Shipping Name",
    "Shipping Street",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping Company",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Payment Reference",
    "Refunded Amount",
    "Vendor",
    "Outstanding Balance",
    "Employee",
    "Location",
    "Device ID",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
    "Lineitem discount",
    "Tax 1 Name",
    "Tax 1 Value",
    "Tax 2 Name",
    "Tax 2 Value",
    "Tax 3 Name",
    "Tax 3 Value",
    "Tax 4 Name",
    "Tax 4 Value",
    "Tax 5 Name",
    "Tax 5 Value",
    "Phone",
    "Receipt Number",
    "Duties",
    "Billing Province Name",
    "Shipping Province Name",
    "Payment ID",
    "Payment Terms Name",
    "Next Payment Due At",
    "Payment References",
)


def guarded(value: str) -> str:
    """Shopify's apostrophe before ids and phones, so spreadsheets keep them as text."""
    return f"'{value}" if value else ""


def zip_text(value: str) -> str:
    return guarded(value) if value.startswith("0") else value


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def street(address: Address) -> str:
    return f"{address.street}, {address.unit}" if address.unit else address.street


def customer_row(account: Account) -> dict[str, str]:
    address = account.address
    phone = e164(account.phone) if account.phone else ""
    account.record.label = f"{account.first} {account.last} | {account.email} | {phone or account.address_phone}"
    row = {
        "Customer ID": guarded(account.record.key),
        "First Name": account.first,
        "Last Name": account.last,
        "Email": account.email,
        "Accepts Email Marketing": yes(account.accepts_email),
        "Default Address Company": account.company,
        "Default Address Phone": guarded(account.address_phone),
        "Phone": guarded(phone),
        "Accepts SMS Marketing": yes(account.accepts_sms),
        "Total Spent": f"{sum((o.total for o in account.orders), Decimal('0')):.2f}",
        "Total Orders": str(len(account.orders)),
        "Tax Exempt": yes("wholesale" in account.tags and account.record.key[-1] in "02468"),
        "Tags": account.tags,
    }
    if address:
        row |= {
            "Default Address Address1": address.street,
            "Default Address Address2": address.unit,
            "Default Address City": address.city.name,
            "Default Address Province Code": address.city.state,
            "Default Address Country Code": "US",
            "Default Address Zip": zip_text(address.zip),
        }
    return row


def contact_columns(prefix: str, contact: Contact) -> dict[str, str]:
    address = contact.address
    return {
        f"{prefix} Name": contact.name,
        f"{prefix} Street": street(address),
        f"{prefix} Address1": address.street,
        f"{prefix} Address2": address.unit,
        f"{prefix} Company": contact.company,
        f"{prefix} City": address.city.name,
        f"{prefix} Zip": zip_text(address.zip),
        f"{prefix} Province": address.city.state,
        f"{prefix} Country": "US",
        f"{prefix} Phone": guarded(contact.phone),
        f"{prefix} Province Name": address.city.state_name,
    }


def order_rows(order: Order) -> list[dict[str, str]]:
    """One line per line item; the order's own columns on its first line only, as Shopify writes them."""
    fulfilled = order.created + timedelta(hours=18 + order.number % 60)
    shipped = fulfilled < LAST_DAY
    reference = f"c{order.number * 7919 % 10**11:011d}.1"
    tax_name = f"{order.shipping.address.city.state} State Tax {(order.shipping.address.city.tax * 100).normalize()}%"
    order.record.label = (
        f"#{order.number} bill {order.billing.name} {order.billing.phone} | ship "
        f"{order.shipping.name} {order.shipping.phone} | {order.email}"
    )
    rows = []
    for position, (product, quantity) in enumerate(order.lines):
        row = {
            "Name": f"#{order.number}",
            "Lineitem quantity": str(quantity),
            "Lineitem name": product.name,
            "Lineitem price": f"{product.price:.2f}",
            "Lineitem sku": product.sku,
            "Lineitem requires shipping": "true",
            "Lineitem taxable": "true",
            "Lineitem fulfillment status": "fulfilled" if shipped else "pending",
            "Vendor": "Ridgeline Outfitters",
            "Lineitem discount": "0.00",
        }
        if position == 0:
            row |= {
                "Email": order.email,
                "Financial Status": "paid",
                "Paid at": store_time(order.created + timedelta(seconds=2)),
                "Fulfillment Status": "fulfilled" if shipped else "unfulfilled",
                "Fulfilled at": store_time(fulfilled) if shipped else "",
                "Accepts Marketing": yes(order.account.accepts_email),
                "Currency": "USD",
                "Subtotal": f"{order.subtotal:.2f}",
                "Shipping": f"{order.shipping_price:.2f}",
                "Taxes": f"{order.tax:.2f}",
                "Total": f"{order.total:.2f}",
                "Discount Amount": "0.00",
                "Shipping Method": "Standard Shipping" if order.shipping_price else "Free Shipping",
                "Created at": store_time(order.created),
                **contact_columns("Billing", order.billing),
                **contact_columns("Shipping", order.shipping),
                "Note Attributes": order.note_attributes,
                "Payment Method": "Shopify Payments",
                "Payment Reference": reference,
                "Refunded Amount": "0.00",
                "Outstanding Balance": "0.00",
                "Id": order.record.key,
                "Tags": order.tags,
                "Risk Level": "Low",
                "Source": order.source,
                "Tax 1 Name": tax_name if order.tax else "",
                "Tax 1 Value": f"{order.tax:.2f}" if order.tax else "",
                "Payment ID": reference,
                "Payment References": reference,
            }
        rows.append(row)
    return rows
