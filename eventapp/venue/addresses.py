"""The laptop's address in the venue's network, for the links and QR code phones use."""

from __future__ import annotations

import ipaddress
import socket

import psutil


def venue_addresses() -> list[str]:
    """IPv4 addresses of the interfaces that are up, private networks first (a venue's
    Wi-Fi or a travel router), loopback left out."""
    stats = psutil.net_if_stats()
    found = []
    for name, addresses in psutil.net_if_addrs().items():
        if name in stats and not stats[name].isup:
            continue
        for address in addresses:
            if address.family != socket.AF_INET:
                continue
            ip = ipaddress.ip_address(address.address)
            if not ip.is_loopback:
                found.append(ip)
    found.sort(key=lambda ip: (not ip.is_private, ip.is_link_local))
    return [str(ip) for ip in found]


def venue_address() -> str:
    """The address to offer phones: the first of venue_addresses(), else 127.0.0.1 (a
    laptop with no network yet; only its own browser can reach that)."""
    return next(iter(venue_addresses()), "127.0.0.1")
