"""Deterministic generated articles for throughput benchmarks: ``/gen/artikel/<n>-<slug>``.

Page ``n`` (1 … :data:`MAX_GENERATED`) is always the same HTML, built with the same chrome as
the hand-written articles and a body of 8–14 paragraphs of sentences put together from word
banks (a size comparable to a real NOS article). Like a real feed, the pages are distinct
articles, except that every :data:`COPY_EVERY`-th page is a wire copy: the text of the page
:data:`COPY_BACK` numbers before it under its own title and URL. ``/gen/feed?count=N`` lists
pages 1 … N; the archive ``/gen/archief/YYYY-MM-DD`` lists the :data:`PER_DAY` pages of that
day, counted from :data:`FIRST_DAY`.
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
    "De Europese Commissie",
    "Onderzoekers van de universiteit",
    "De vakbond",
    "De politie",
    "Omwonenden",
    "De burgemeester",
    "Een meerderheid in de Tweede Kamer",
]
# Only pages on these topics speak of Belarus and Russia (a fifth of the pages, far more than
# in a general news feed, so that the relevant-article path is well exercised).
BEAT_TOPICS = ("sancties", "grenscontroles")
BEAT_SUBJECTS = ["De Belarussische regering", "Het Kremlin"]
# A beat page names the relation itself (the beat is Belarus with Russia as a party).
BEAT_RELATION = " tussen Belarus en Rusland"
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
# Sentences are put together from these banks, so two pages share few word triples: a stream
# of distinct articles, as a news feed is (a near-duplicate detector should not fire on them).
NOUNS = [
    "het akkoord",
    "de begroting",
    "het onderzoek",
    "de regeling",
    "de subsidie",
    "het verdrag",
    "de sancties",
    "de export",
    "de import",
    "de grensovergang",
    "de pijpleiding",
    "de kerncentrale",
    "de oefening",
    "het tarief",
    "de heffing",
    "de uitkering",
    "de vergunning",
    "de rechtszaak",
    "het vonnis",
    "de coalitie",
    "de oppositie",
    "de delegatie",
    "de gezant",
    "het parlement",
    "de commissie",
    "de toezichthouder",
    "de haven",
    "de spoorlijn",
    "de graanoogst",
    "de melkprijs",
    "de stroomprijs",
    "de gasvoorraad",
    "de woningmarkt",
    "de huurverhoging",
    "de wachtlijst",
    "het schoolrooster",
    "het lerarentekort",
    "de verkiezingsuitslag",
    "de peiling",
    "het referendum",
    "de hervorming",
    "de wetgeving",
    "de begrotingsregel",
    "de luchtmacht",
    "de marine",
    "de grenswacht",
    "de douane",
    "de belastingdienst",
    "de inspectie",
    "het kadaster",
    "de provincie",
    "het waterschap",
]
BEAT_PLACES = [
    "Minsk",
    "Moskou",
    "Brest",
    "Grodno",
    "Gomel",
    "Vitebsk",
    "Mogiljov",
    "Smolensk",
    "Pskov",
    "Kaliningrad",
]
PLACES = [
    "Vilnius",
    "Warschau",
    "Riga",
    "Kyiv",
    "Den Haag",
    "Brussel",
    "Amsterdam",
    "Rotterdam",
    "Utrecht",
    "Groningen",
    "Maastricht",
    "Eindhoven",
    "Zwolle",
    "Arnhem",
    "Leeuwarden",
    "Middelburg",
    "Tilburg",
    "Breda",
    "Enschede",
    "Delft",
    "Leiden",
    "Haarlem",
    "Almere",
    "Nijmegen",
    "Venlo",
    "Den Bosch",
    "Apeldoorn",
    "Deventer",
    "Assen",
    "Emmen",
    "Lelystad",
    "Hoorn",
    "Alkmaar",
    "Gouda",
    "Dordrecht",
    "Schiedam",
    "Zaandam",
]
ADVERBS = [
    "opnieuw",
    "voorlopig",
    "uiteindelijk",
    "nauwelijks",
    "grotendeels",
    "tijdelijk",
    "definitief",
    "gedeeltelijk",
    "onverwacht",
    "officieel",
    "stilletjes",
    "nadrukkelijk",
    "voorzichtig",
    "snel",
    "langzaam",
    "openlijk",
    "mogelijk",
    "waarschijnlijk",
    "zeker",
    "deels",
]
PREDICATES = [
    "wordt uitgesteld",
    "wordt verlengd",
    "is aangenomen",
    "is verworpen",
    "wordt herzien",
    "is ondertekend",
    "wordt onderzocht",
    "is stilgelegd",
    "wordt uitgebreid",
    "is ingetrokken",
    "wordt versoepeld",
    "is aangescherpt",
    "wordt besproken",
    "is goedgekeurd",
    "wordt heroverwogen",
    "is vertraagd",
    "wordt gefinancierd",
    "is geëvalueerd",
    "wordt aangevochten",
    "is afgerond",
    "wordt voortgezet",
    "is gehalveerd",
    "wordt verdubbeld",
    "is bevroren",
    "wordt geschrapt",
]
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
]
COPY_EVERY = 20  # every 20th page is a wire copy of an earlier page's text (exact duplicate)
COPY_BACK = 7  # … of the page this many numbers before it
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


def _sentence(rng: random.Random, subjects: list[str], places: list[str]) -> str:
    noun = rng.choice(NOUNS)
    number = rng.randint(2, 980)
    return (
        f"{rng.choice(subjects)} {rng.choice(VERBS)} {noun} in {rng.choice(places)} "
        f"{rng.choice(ADVERBS)} {rng.choice(PREDICATES)}, met {number} betrokkenen sinds "
        f"{rng.randint(1, 28)} {rng.choice(MONTHS)}."
    )


def _body(n: int, topic: str) -> tuple[str, ...]:
    """The paragraphs of page ``n`` (a wire copy repeats an earlier page's paragraphs)."""
    if n % COPY_EVERY == 0 and n > COPY_BACK:
        source = n - COPY_BACK
        return _body(source, TOPICS[source % len(TOPICS)])
    rng = random.Random(n)
    beat = topic in BEAT_TOPICS
    subjects = SUBJECTS + BEAT_SUBJECTS if beat else SUBJECTS
    places = PLACES + BEAT_PLACES if beat else PLACES
    paragraphs = []
    for i in range(rng.randint(8, 14)):
        if i and i % 4 == 0:
            paragraphs.append(f"## {rng.choice(SUBJECTS).split()[-1].capitalize()} over {topic}")
        sentences = [_sentence(rng, subjects, places) for _ in range(rng.randint(2, 4))]
        paragraphs.append(" ".join(sentences))
    return tuple(paragraphs)


def generated_article(n: int) -> Article:
    """Page ``n`` as an :class:`Article` (same seed, same text, every time)."""
    topic = TOPICS[n % len(TOPICS)]
    day = generated_day(n)
    minute = (n - 1) % PER_DAY * 7
    published = datetime(day.year, day.month, day.day, 6, 0, tzinfo=_TZ) + timedelta(minutes=minute)
    return Article(
        id=9_000_000 + n,
        kind="gen",
        slug=generated_slug(n),
        title=f"Nieuw overleg over {topic} ({n})",
        published=published,
        section="Binnenland" if n % 3 else "Buitenland",
        author="" if n % 2 else "Redactie",
        lead=f"Over {topic}{BEAT_RELATION if topic in BEAT_TOPICS else ''} wordt opnieuw "
        f"overlegd, meldt bericht {n}. Een besluit volgt later.",
        paragraphs=_body(n, topic),
        caption=f"Archiefbeeld bij bericht {n}",
        explicit_path=generated_path(n),
    )
