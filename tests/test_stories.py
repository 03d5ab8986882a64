"""Story clustering: the seeds group as expected, and stories persist across runs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from pipeline.article_store import store_record
from pipeline.processor import Processor
from pipeline.seed import store_seeds
from processing.stories import StoryClusterer, StoryState, date_interval, story_vector
from storage.db import session_scope
from storage.models import Article, Story
from storage.records import ArticleRecord
from storage.stories import refresh_story
from tests.conftest import SEEDS_DIR

LATER = (
    "Belarus en Rusland werken verder aan hun gezamenlijke legereenheid. Loekasjenko zei dat "
    "de eerste Russische militairen zijn aangekomen voor de gezamenlijke troepenmacht, die het "
    "noorden van Oekraïne bedreigt. Experts denken dat Poetin een nieuw front wil openen, maar "
    "het Belarussische leger is klein en de bevolking wil geen oorlog. De mobilisatie in "
    "Rusland levert de reservisten die naar Belarus gaan."
)


def story_of(engine: Engine) -> dict[str, int | None]:
    with session_scope(engine) as session:
        return {(a.seed_file or "")[:3]: a.story_id for a in session.scalars(select(Article))}


def test_seeds_form_three_stories(engine: Engine) -> None:
    store_seeds(engine, SEEDS_DIR)
    stories = story_of(engine)
    assert stories["000"] == stories["001"] == stories["002"] is not None
    assert len({stories["000"], stories["003"], stories["004"]}) == 3
    with session_scope(engine) as session:
        october = session.get(Story, stories["001"])
        assert october is not None
        # 001 has a day (12 Oct); 002 only "October"; 000 no date: 001 is the earliest sure.
        representative = session.get(Article, october.representative_id)
        assert representative is not None and representative.seed_file.startswith("001")  # type: ignore[union-attr]
        assert october.label == representative.title
        assert october.centroid and october.centroid["size"] == 3


def test_story_ids_persist_and_a_later_article_joins(engine: Engine) -> None:
    store_seeds(engine, SEEDS_DIR)
    before = story_of(engine)
    store_seeds(engine, SEEDS_DIR, processor=Processor.from_topics_file())  # a second run
    assert story_of(engine) == before
    update = ArticleRecord(
        canonical_url="https://nos.nl/artikel/2448999-legereenheid",
        url="https://nos.nl/artikel/2448999-legereenheid",
        title="Eerste Russische militairen voor gezamenlijke legereenheid in Belarus",
        text=LATER,
        origin="rss",
        published_at=datetime(2022, 10, 16, 12, tzinfo=UTC),
        date_precision="day",
    )
    with session_scope(engine) as session:
        article = store_record(session, update, Processor.from_topics_file()).article
        assert article.story_id == before["001"]
        assert article.duplicate_of is None
        story = session.get(Story, before["001"])
        assert story is not None and story.last_published_at == update.published_at


def test_a_story_outside_the_date_window_is_not_joined() -> None:
    clusterer = StoryClusterer(window_days=7)
    vector = story_vector(LATER)
    october = date_interval(datetime(2022, 10, 12, tzinfo=UTC), "day")
    clusterer.add(1, vector, october)
    december = date_interval(datetime(2022, 12, 1, tzinfo=UTC), "month")
    assert clusterer.match(vector, december).story_id is None
    assert clusterer.match(vector, None).story_id == 1  # unknown date: compatible
    assert clusterer.match(vector, october).story_id == 1


def test_centroid_json_round_trip() -> None:
    state = StoryState(
        4, story_vector(LATER), 2, date_interval(datetime(2022, 10, 1, tzinfo=UTC), "month")
    )
    again = StoryState.from_json(4, state.to_json())
    assert again.size == 2 and again.dates == state.dates
    assert set(again.centroid) == set(state.centroid)


def test_month_hint_from_repeated_day_mentions() -> None:
    from processing.temporal import month_hint

    seed_003 = next(SEEDS_DIR.glob("003_*.txt")).read_text(encoding="utf-8")
    seed_000 = next(SEEDS_DIR.glob("000_*.txt")).read_text(encoding="utf-8")
    assert month_hint(seed_003) == 2  # 19, 20, 21, 27 februari (and 17, 28 januari)
    assert month_hint(seed_000) is None  # one look back at 24 februari is no hint
    assert month_hint("Op 3 maart en 9 juli en 1 december.") is None  # mixed months
    assert month_hint("Op 30 en 31 december, 30 december en 2 januari.") == 12  # across years


def test_an_undated_article_hinting_another_month_starts_its_own_story() -> None:
    clusterer = StoryClusterer(window_days=7)
    vector = story_vector(LATER)
    clusterer.add(1, vector, date_interval(datetime(2022, 10, 12, tzinfo=UTC), "day"))
    assert clusterer.match(vector, None, hint=2).story_id is None
    assert clusterer.match(vector, None, hint=10).story_id == 1
    clusterer.add(2, vector, None, hint=2)  # an undated February story
    december = date_interval(datetime(2022, 12, 1, tzinfo=UTC), "month")
    assert clusterer.match(vector, december).story_id is None
    assert clusterer.match(vector, date_interval(datetime(2023, 2, 3, tzinfo=UTC), "day")) == (
        clusterer.match(vector, None, hint=2)
    )


def test_short_texts_need_more_similarity() -> None:
    clusterer = StoryClusterer()
    assert clusterer.threshold_for(10) > clusterer.threshold_for(60) > clusterer.threshold
    assert clusterer.threshold_for(200) == clusterer.threshold


def test_only_relevant_articles_get_a_story(engine: Engine) -> None:
    off_beat = ArticleRecord(
        canonical_url="https://nos.nl/artikel/1-weer",
        title="Het weer",
        text="Morgen wordt het zonnig en warm in het hele land, in het zuiden tot dertig graden.",
        origin="rss",
    )
    with session_scope(engine) as session:
        article = store_record(session, off_beat, Processor.from_topics_file()).article
        assert article.relevant is False and article.story_id is None


def test_story_and_tag_queries_after_seeding(engine: Engine) -> None:
    from storage.stories import list_stories, member_ids
    from storage.tags import tags_by_article

    report = store_seeds(engine, SEEDS_DIR)
    with session_scope(engine) as session:
        stories = list_stories(session)
        members = member_ids(session, [s.id for s in stories])
        assert sorted(len(m) for m in members.values()) == [1, 1, 3]
        assert sorted(i for m in members.values() for i in m) == sorted(report.article_ids)
        tags = tags_by_article(session, report.article_ids)
        assert set(tags) == set(report.article_ids)
        for rows in tags.values():
            assert "belarus-russia" in {t.topic for t in rows}
            assert [t.score for t in rows] == sorted((t.score for t in rows), reverse=True)
            assert all(t.evidence for t in rows)


def test_a_later_wire_copy_stretches_its_story_to_its_date(engine: Engine) -> None:
    # An exact copy of a story member, published a week later elsewhere: stored as a duplicate,
    # it is a member of the story, so the story's span (as a full refresh counts it) reaches it.
    store_seeds(engine, SEEDS_DIR)
    with session_scope(engine) as session:
        member = session.scalars(select(Article).where(Article.seed_file.like("001%"))).one()
        copy = ArticleRecord(
            canonical_url="https://example.org/kopie-van-001",
            url="https://example.org/kopie-van-001",
            title=member.title,
            text=member.text,
            origin="rss",
            published_at=datetime(2022, 10, 30, 8, tzinfo=UTC),
            date_precision="day",
        )
        stored = store_record(session, copy, Processor.from_topics_file()).article
        assert stored.duplicate_of == member.id and stored.story_id == member.story_id
        story = session.get(Story, member.story_id)
        assert story is not None and story.last_published_at == copy.published_at
        kept = (story.representative_id, story.first_published_at, story.last_published_at)
        refresh_story(session, story)
        assert (story.representative_id, story.first_published_at, story.last_published_at) == kept
