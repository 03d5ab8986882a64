"""Deterministic generated articles for throughput benchmarks: ``/gen/artikel/<n>-<slug>``.

Page ``n`` (1 … :data:`MAX_GENERATED`) is always the same HTML, built with the same chrome as
the hand-written articles and a body of 8–14 paragraphs drawn from a fixed sentence bank (a
size comparable to a real NOS article). ``/gen/feed?count=N`` lists pages 1 … N; the archive
``/gen/archief/YYYY-MM-DD`` lists the :data:`PER_DAY` pages of that day, counted from
:data:`FIRST_DAY`.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.site.content import Article

MAX_GENERATED = 5000
PER_DAY = 100
FIRST_DAY = date(2024, 1, 1)
_TZ = ZoneInfo("Europe/Amsterdam")

SUBJECTS = [
    "Het kabinet",
    "De gemeente",
    "Een woordvoerder van het ministerie",
    "De Belarussische regering",
    "Het Kremlin",
    "De Europese Commissie",
    "Onderzoekers van de universiteit",
    "De vakbond",
    "De politie",
    "Omwonenden",
    "De burgemeester",
    "Een meerderheid in de Tweede Kamer",
]
VERBS = [
    "zegt dat",
    "verwacht dat",
    "waarschuwt dat",
    "meldt dat",
    "benadrukt dat",
    "laat weten dat",
    "vreest dat",
    "bevestigt dat",
]
CLAUSES = [
    "de maatregelen voorlopig van kracht blijven",
    "er volgende week meer duidelijkheid komt over de kosten",
    "de gesprekken over een nieuw akkoord moeizaam verlopen",
    "de handel tussen beide landen dit jaar sterk is gegroeid",
    "het aantal meldingen de afgelopen maanden is verdubbeld",
    "de situatie aan de grens rustig maar gespannen is",
    "de plannen pas na de zomer in werking treden",
    "er nog geen besluit is genomen over extra geld",
    "de oppositie een eigen voorstel heeft ingediend",
    "de uitvoering langer duurt dan gepland",
    "er zorgen zijn over de gevolgen voor de economie",
    "de resultaten van het onderzoek eind dit jaar bekend worden",
]
TOPICS = [
    "grenscontroles",
    "energieprijzen",
    "woningbouw",
    "sancties",
    "landbouw",
    "onderwijs",
    "defensie",
    "zorgkosten",
    "handel",
    "verkiezingen",
]


def generated_path(n: int) -> str:
    return f"/gen/artikel/{n}-{generated_slug(n)}"


def generated_slug(n: int) -> str:
    topic = TOPICS[n % len(TOPICS)]
    return f"nieuw-overleg-over-{topic}-{n}"


def generated_day(n: int) -> date:
    return FIRST_DAY + timedelta(days=(n - 1) // PER_DAY)


def generated_numbers_on(day: date) -> range:
    """The page numbers listed on the generated archive page of ``day``."""
    offset = (day - FIRST_DAY).days
    if offset < 0:
        return range(0)
    first = offset * PER_DAY + 1
    return range(first, min(first + PER_DAY, MAX_GENERATED + 1))


def generated_article(n: int) -> Article:
    """Page ``n`` as an :class:`Article` (same seed, same text, every time)."""
    rng = random.Random(n)
    topic = TOPICS[n % len(TOPICS)]
    day = generated_day(n)
    minute = (n - 1) % PER_DAY * 7
    published = datetime(day.year, day.month, day.day, 6, 0, tzinfo=_TZ) + timedelta(minutes=minute)
    paragraphs = []
    for i in range(rng.randint(8, 14)):
        if i and i % 4 == 0:
            paragraphs.append(f"## {rng.choice(SUBJECTS).split()[-1].capitalize()} over {topic}")
        sentences = [
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(CLAUSES)}."
            for _ in range(rng.randint(3, 5))
        ]
        paragraphs.append(f"Bericht {n}, alinea {i + 1}: " + " ".join(sentences))
    return Article(
        id=9_000_000 + n,
        kind="gen",
        slug=generated_slug(n),
        title=f"Nieuw overleg over {topic} ({n})",
        published=published,
        section="Binnenland" if n % 3 else "Buitenland",
        author="" if n % 2 else "Redactie",
        lead=f"Over {topic} wordt opnieuw overlegd, meldt bericht {n}. Een besluit volgt later.",
        paragraphs=tuple(paragraphs),
        caption=f"Archiefbeeld bij bericht {n}",
        explicit_path=generated_path(n),
    )
