"""Participant registration: sign-up rules, capacity and waiting list, moderation, GDPR."""
