"""The default host adapter against the example site's Kitsune-shaped models."""

import dataclasses
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone
from questions.models import Question
from wiki.models import HelpfulVote, Revision

from kitsune_livechat.host import (
    CANNED_RESPONSES_CATEGORY,
    ArticleInfo,
    KitsuneHostAdapter,
    get_host_adapter,
)
from tests.altkb.models import Page
from tests.factories import DocumentFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def host():
    return KitsuneHostAdapter()


@pytest.fixture
def firefox():
    return ProductFactory(slug="firefox", title="Firefox")


class OtherAdapter(KitsuneHostAdapter):
    """Stands in for a host's own adapter."""


# --- articles ---------------------------------------------------------------------------------


def test_get_article_finds_by_id_and_treats_bad_ids_as_missing(host):
    doc = DocumentFactory()
    assert host.get_article(doc.pk) == doc
    assert host.get_article(str(doc.pk)) == doc
    assert host.get_article(doc.pk + 1000) is None
    assert host.get_article("not-a-number") is None
    assert host.get_article(None) is None


def test_article_info_snapshots_what_the_visitor_saw(host, firefox):
    doc = DocumentFactory(title="Firefox won't start", slug="wont-start", products=[firefox])
    info = host.article_info(doc)
    assert info == ArticleInfo(
        id=doc.pk,
        title="Firefox won't start",
        url="/en-US/kb/wont-start",
        locale="en-US",
        products=("firefox",),
        revision_id=doc.current_revision_id,
        is_archived=False,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.title = "changed"


def test_article_info_of_a_translation_uses_the_originals_products(host, firefox):
    original = DocumentFactory(products=[firefox])
    german = DocumentFactory(locale="de", slug="startet-nicht", parent=original)
    info = host.article_info(german)
    assert (info.locale, info.url, info.products) == ("de", "/de/kb/startet-nicht", ("firefox",))


def test_article_info_copes_with_a_plain_article_model(host):
    page = Page.objects.create(title="Printing")
    info = host.article_info(page)
    assert (info.title, info.url, info.products, info.revision_id) == (
        "Printing",
        f"/pages/{page.pk}",
        (),
        None,
    )


# --- search -----------------------------------------------------------------------------------


def test_search_ranks_title_matches_first_and_skips_hidden_articles(host):
    in_body = DocumentFactory(title="Speed tips", revision="Firefox crashes on startup sometimes.")
    in_title = DocumentFactory(title="Firefox crashes at startup", revision="Try safe mode.")
    DocumentFactory(title="Crashes archive", revision="crashes", is_archived=True)
    DocumentFactory(title="Crashes canned", revision="crashes", category=CANNED_RESPONSES_CATEGORY)
    DocumentFactory(title="Crashes in German", locale="de", revision="crashes")

    results = host.search_articles("My Firefox crashes when it starts", locale="en-US")

    assert [r.id for r in results] == [in_title.pk, in_body.pk]
    assert all(isinstance(r, ArticleInfo) for r in results)


def test_search_respects_limit_and_ignores_queries_without_words(host):
    for n in range(4):
        DocumentFactory(title=f"Bookmarks {n}")
    assert len(host.search_articles("bookmarks", locale="en-US", limit=2)) == 2
    assert host.search_articles("   ", locale="en-US") == []
    assert host.search_articles("the and for", locale="en-US") == []


def test_search_falls_back_to_en_us_when_the_locale_has_no_match(host):
    german = DocumentFactory(title="Lesezeichen synchronisieren", locale="de")
    english = DocumentFactory(title="Sync bookmarks")
    assert [r.id for r in host.search_articles("Lesezeichen", locale="de")] == [german.pk]
    assert [r.id for r in host.search_articles("bookmarks", locale="de")] == [english.pk]


def test_search_runs_a_fixed_number_of_queries(host, firefox, django_assert_max_num_queries):
    for n in range(5):
        DocumentFactory(title=f"Video problem {n}", products=[firefox])
    with django_assert_max_num_queries(4):
        results = host.search_articles("video problem", locale="en-US")
    assert len(results) == 5
    assert results[0].products == ("firefox",)


# --- canned responses -------------------------------------------------------------------------


def test_canned_responses_prefer_the_translation_and_keep_en_us_keys(host):
    greeting = DocumentFactory(
        title="Greeting", slug="greeting", category=CANNED_RESPONSES_CATEGORY, revision="Hi!"
    )
    DocumentFactory(
        title="Begrüßung",
        slug="begruessung",
        locale="de",
        parent=greeting,
        category=CANNED_RESPONSES_CATEGORY,
        revision="Hallo!",
    )
    DocumentFactory(title="Closing", slug="closing", category=CANNED_RESPONSES_CATEGORY)
    DocumentFactory(title="Old", slug="old", category=CANNED_RESPONSES_CATEGORY, is_archived=True)
    DocumentFactory(title="Not canned", slug="not-canned")

    german = host.canned_responses(locale="de")
    english = host.canned_responses(locale="en-US")

    assert [(c.key, c.title, c.locale) for c in german] == [
        ("closing", "Closing", "en-US"),
        ("greeting", "Begrüßung", "de"),
    ]
    assert german[1].body == "Hallo!"
    assert german[1].url == "/de/kb/begruessung"
    assert [(c.key, c.title, c.body) for c in english][1] == ("greeting", "Greeting", "Hi!")


# --- writes into the host ---------------------------------------------------------------------


def test_create_forum_question_stores_metadata_rows_like_the_aaq_form(host, firefox):
    user = UserFactory()
    question_id, url = host.create_forum_question(
        user=user,
        title="Firefox crashes on startup",
        content="It started yesterday.",
        product="firefox",
        locale="de",
        metadata={
            "useragent": "Mozilla/5.0 Firefox/128.0",
            "os": "Windows 11",
            "ff_version": "128.0",
            "chat-session": "abc",
            "empty": "",
        },
    )
    question = Question.objects.get(pk=question_id)
    assert url == f"/de/questions/{question_id}"
    assert (question.creator, question.product, question.locale) == (user, firefox, "de")
    assert question.metadata == {
        "useragent": "Mozilla/5.0 Firefox/128.0",
        "os": "Windows 11",
        "ff_version": "128.0",
        "chat_session": "abc",
    }


def test_create_forum_question_with_an_unknown_product_files_it_without_one(host):
    question_id, _url = host.create_forum_question(
        user=UserFactory(),
        title="Help",
        content="Help",
        product="no-such-product",
        locale="en-US",
        metadata={},
    )
    assert Question.objects.get(pk=question_id).product is None


def test_record_helpful_vote_counts_once_per_person(host):
    doc = DocumentFactory()
    user = UserFactory()
    vote = dict(
        revision_id=doc.current_revision_id,
        helpful=False,
        user=user,
        anonymous_id="",
        user_agent="Mozilla/5.0",
        metadata={"source": "livechat"},
    )
    first = host.record_helpful_vote(**vote)
    again = host.record_helpful_vote(**{**vote, "helpful": True})

    assert first == again
    stored = HelpfulVote.objects.get()
    assert (stored.helpful, stored.creator, stored.user_agent) == (False, user, "Mozilla/5.0")
    assert {(m.key, m.value) for m in stored.metadata.all()} == {("source", "livechat")}


def test_record_helpful_vote_tells_anonymous_visitors_apart_by_id(host):
    doc = DocumentFactory()
    vote = dict(
        revision_id=doc.current_revision_id,
        helpful=True,
        user=AnonymousUser(),
        user_agent="",
        metadata={},
    )
    first = host.record_helpful_vote(**vote, anonymous_id="visitor-a")
    assert host.record_helpful_vote(**vote, anonymous_id="visitor-a") == first
    assert host.record_helpful_vote(**vote, anonymous_id="visitor-b") != first
    long_key = "k" * 64  # longer than Kitsune's column: still one vote
    assert host.record_helpful_vote(**vote, anonymous_id=long_key) == host.record_helpful_vote(
        **vote, anonymous_id=long_key
    )
    assert HelpfulVote.objects.filter(creator=None).count() == 3


def test_record_helpful_vote_on_a_missing_revision_returns_none(host):
    assert (
        host.record_helpful_vote(
            revision_id=999999,
            helpful=True,
            user=None,
            anonymous_id="x",
            user_agent="",
            metadata={},
        )
        is None
    )
    assert not HelpfulVote.objects.exists()


def test_flag_for_review_keeps_an_editors_earlier_comment(host):
    doc = DocumentFactory(needs_change=True, needs_change_comment="Screenshots are old.")
    host.flag_for_review(doc, "Live chat: step 3 is wrong.")
    host.flag_for_review(doc, "Live chat: step 3 is wrong.")
    doc.refresh_from_db()
    assert doc.needs_change
    assert doc.needs_change_comment == "Screenshots are old.\nLive chat: step 3 is wrong."


def test_flag_for_review_fits_kitsunes_comment_length(host):
    doc = DocumentFactory()
    host.flag_for_review(doc, "x" * 800)
    doc.refresh_from_db()
    assert (doc.needs_change, len(doc.needs_change_comment)) == (True, 500)


def test_approved_revision_ids_since_finds_only_later_approved_edits(host):
    doc = DocumentFactory()
    since = timezone.now()
    later = since + timedelta(minutes=5)
    author = UserFactory()
    approved = Revision.objects.create(
        document=doc, content="v2", is_approved=True, creator=author, reviewed=later
    )
    Revision.objects.create(document=doc, content="draft", creator=author, created=later)
    assert host.approved_revision_ids_since(doc, since) == [approved.pk]
    assert host.approved_revision_ids_since(doc, later) == []
    assert host.approved_revision_ids_since(Page.objects.create(title="p"), since) == []


# --- people and products ----------------------------------------------------------------------


def test_display_name_uses_the_profile_and_never_an_email(host):
    named = UserFactory(username="priya")
    named.profile.name = "Priya Sharma"
    named.profile.save()
    assert host.display_name(named) == "Priya Sharma"
    assert host.display_name(UserFactory(username="tom")) == "tom"
    assert host.display_name(UserFactory(username="jo@example.com")) == "jo"
    assert host.display_name(AnonymousUser()) == ""


def test_profile_url_points_at_the_public_profile(host):
    assert host.profile_url(UserFactory(username="priya")) == "/en-US/user/priya"


def test_products_and_titles(host):
    ProductFactory(slug="thunderbird", title="Thunderbird", display_order=2)
    ProductFactory(slug="firefox", title="Firefox", display_order=1)
    assert host.products() == [("firefox", "Firefox"), ("thunderbird", "Thunderbird")]
    assert host.product_title("thunderbird") == "Thunderbird"
    assert host.product_title("unknown") == "unknown"
    with override_settings(LIVECHAT_PRODUCT_MODEL=None):
        assert host.products() == []
        assert host.product_title("firefox") == "firefox"


# --- loading the adapter ----------------------------------------------------------------------


def test_get_host_adapter_caches_one_instance_per_setting():
    adapter = get_host_adapter()
    assert isinstance(adapter, KitsuneHostAdapter)
    assert get_host_adapter() is adapter
    with override_settings(LIVECHAT_HOST_ADAPTER="tests.host.test_host_adapter.OtherAdapter"):
        assert type(get_host_adapter()) is OtherAdapter
    assert get_host_adapter() is adapter
