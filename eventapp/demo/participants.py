"""Fictional participants for the demo, the same on every run.

Names come from Faker in the locales of the partner countries and of the European
participants, so the demo shows Georgian, Cyrillic, Armenian, Greek, Arabic and accented
Latin names as a real MIEUX audience would write them.
"""

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from eventapp.core.i18n import LANGUAGES

SEED = 20240312

# (Faker locale, ISO country, weight): roughly the mix of a Brussels migration event.
LOCALES = [
    ("fr_FR", "FR", 6),
    ("nl_BE", "BE", 8),
    ("de_AT", "AT", 6),
    ("it_IT", "IT", 5),
    ("es_ES", "ES", 5),
    ("sv_SE", "SE", 3),
    ("pl_PL", "PL", 3),
    ("el_GR", "GR", 3),
    ("pt_PT", "CV", 4),
    ("es_MX", "MX", 4),
    ("es_ES", "CR", 3),
    ("es_ES", "PY", 2),
    ("ka_GE", "GE", 6),
    ("ru_RU", "KG", 5),
    ("uk_UA", "UA", 3),
    ("hy_AM", "AM", 3),
    ("az_AZ", "AZ", 2),
    ("ar_AA", "JO", 4),
    ("ar_AA", "MA", 2),
    ("sw", "UG", 4),
    ("sw", "ZM", 2),
    ("en_GB", "GB", 3),
    ("ro_RO", "MD", 2),
    ("tr_TR", "TR", 2),
]

ORGANISATIONS = [
    "European Commission, DG International Partnerships",
    "European Commission, DG Migration and Home Affairs",
    "European External Action Service",
    "European Parliament",
    "International Centre for Migration Policy Development (ICMPD)",
    "Ministry of Foreign Affairs",
    "Ministry of Interior",
    "Ministry of Labour and Social Protection",
    "National Migration Service",
    "State Agency for Migration",
    "Permanent Representation to the EU",
    "Embassy in Brussels",
    "National Police Academy",
    "University of Leuven, Migration Research Centre",
    "Civil-society network for migrants' rights",
    "Regional Economic Community Secretariat",
]

JOB_TITLES = [
    "Policy Officer",
    "Head of Unit",
    "Programme Manager",
    "Migration Expert",
    "Counsellor",
    "Researcher",
    "Director",
    "Training Coordinator",
    "Legal Adviser",
    "Project Assistant",
]


@dataclass(frozen=True)
class FakeParticipant:
    given_name: str
    family_name: str
    email: str
    organisation: str
    job_title: str
    country: str
    language: str


def generate(count: int) -> Iterator[FakeParticipant]:
    """`count` participants; the same seed gives the same people in the same order."""
    # Imported here: Faker takes a fifth of a second to import, which every command paid.
    from faker import Faker
    from faker.decode import unidecode

    rng = random.Random(SEED)
    fakers: dict[str, Faker] = {}
    weights = [weight for *_, weight in LOCALES]
    for number in range(1, count + 1):
        # Every locale once first, so even a small demo shows every script; then by weight.
        if number <= len(LOCALES):
            locale, country, _ = LOCALES[number - 1]
        else:
            locale, country, _ = rng.choices(LOCALES, weights=weights)[0]
        fake = fakers.get(locale)
        if fake is None:
            fake = fakers[locale] = Faker(locale)
            fake.seed_instance(SEED)
        # Given and family name of the same gender: Slavic family names agree with it.
        gender = rng.choice(("male", "female"))
        given = getattr(fake, f"first_name_{gender}", fake.first_name)()
        family = getattr(fake, f"last_name_{gender}", fake.last_name)()
        # An address a person would have: the name transliterated, else Faker's user name.
        user = re.sub(r"[^a-z]+", ".", unidecode(f"{given} {family}").lower()).strip(".")
        if len(user) < 3:
            user = fake.user_name().replace("_", ".")
        yield FakeParticipant(
            given_name=given,
            family_name=family,
            # Reserved example domains: a demo can never mail a real person.
            email=f"{user}.{number}@example.org",
            organisation=rng.choice(ORGANISATIONS),
            job_title=rng.choice(JOB_TITLES),
            country=country,
            language=locale[:2] if locale[:2] in LANGUAGES else "en",
        )
