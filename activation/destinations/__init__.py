"""Destination clients, one module per vendor, built from configuration by :func:`build_destination`."""

from __future__ import annotations

from collections.abc import Callable

import requests

from activation.config import DestinationConfig
from activation.destinations.base import Destination
from activation.destinations.files import FilesDestination
from activation.destinations.google_ads import GoogleAdsDestination
from activation.destinations.klaviyo import KlaviyoDestination
from activation.destinations.mailchimp import MailchimpDestination
from activation.destinations.meta import MetaDestination
from activation.destinations.webhook import WebhookDestination

REGISTRY: dict[str, type[Destination]] = {
    cls.type: cls
    for cls in (KlaviyoDestination, MailchimpDestination, MetaDestination, GoogleAdsDestination,
                WebhookDestination, FilesDestination)
}


def build_destination(config: DestinationConfig, *, sleep: Callable[[float], None] | None = None,
                      session: requests.Session | None = None) -> Destination:
    """A client for ``config``. No request is made and no credential is read until it sends."""
    return REGISTRY[config.type](config, sleep=sleep, session=session)


__all__ = ["REGISTRY", "Destination", "build_destination"]
