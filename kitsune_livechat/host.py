"""The default host adapter: how the app reads and writes a Kitsune site's own models.

The app talks to the host only through an adapter (``LIVECHAT_HOST_ADAPTER``, loaded by
``get_host_adapter()``), so another help site can plug in a class with the same methods.
This one knows Kitsune's shapes (docs/architecture.md) and never imports Kitsune: models are
reached by label through the app registry.
"""

import importlib
import logging
import math
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.text import slugify

from .conf import livechat_settings
from .locales import default_locale

logger = logging.getLogger(__name__)

# Kitsune's wiki categories that readers never search for (wiki/config.py).
ADMINISTRATION_CATEGORY = 40
TEMPLATES_CATEGORY = 60
CANNED_RESPONSES_CATEGORY = 70
HIDDEN_CATEGORIES = (ADMINISTRATION_CATEGORY, TEMPLATES_CATEGORY, CANNED_RESPONSES_CATEGORY)

# Words too common to tell articles apart; the rest of a question is matched word by word.
STOP_WORDS = frozenset(
    "the and for are but not you your with this that have has was were what when where which "
    "how why can cannot can't does doesn't don't won't will from into out get got its it's "
    "der die das und ist nicht ein eine mit wie was bei auf".split()
)
MAX_SEARCH_WORDS = 8
SEARCH_CANDIDATES = 50
SEARCH_POOL = 20  # best candidates loaded to weigh by product
SEARCH_FIELDS = ("title", "current_revision__keywords", "current_revision__content")
FIELD_WEIGHTS = (3, 2, 1)
PRODUCT_MATCH = 4.0  # an article of the product the chat or the words name
PRODUCT_MISMATCH = 0.5  # an article only of other products
# PostgreSQL text search configurations by language; others use "simple" (no stemming).
POSTGRES_CONFIGS = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}


def search_words(query: str) -> list[str]:
    """The words of a question worth searching for: no stop words, at most a few."""
    words = [w for w in re.findall(r"\w[\w']{2,}", query.lower()) if w not in STOP_WORDS]
    return list(dict.fromkeys(words))[:MAX_SEARCH_WORDS]


def _stem(word: str) -> str:
    """A light suffix cut so "pages", "loading" and "slowly" meet "page", "load" and "slow"."""
    for suffix in ("ing", "ly", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _product_names(article: Any) -> dict[str, set[str]]:
    """The article's products (Kitsune files them on the original): slug → stems of its title."""
    products = getattr(_original(article), "products", None)
    if products is None:
        return {}
    return {
        p.slug.lower(): {_stem(w) for w in re.findall(r"\w+", f"{p.title} {p.slug}".lower())}
        for p in products.all()
    }


def _postgres_search(articles: models.QuerySet, words: list[str], locale: str) -> list:
    config = POSTGRES_CONFIGS.get(locale.split("-")[0].lower(), "simple")
    vector = (
        SearchVector("title", weight="A", config=config)
        + SearchVector("current_revision__keywords", weight="B", config=config)
        + SearchVector("current_revision__content", weight="C", config=config)
    )
    query = SearchQuery(" or ".join(words), search_type="websearch", config=config)
    rows = (
        articles.annotate(rank=SearchRank(vector, query))
        .filter(rank__gt=0)
        .order_by("-rank", "pk")
        .values_list("pk", "rank")[:SEARCH_CANDIDATES]
    )
    return [(pk, float(rank)) for pk, rank in rows]


def _kitsune_search(query: str, *, locale: str, user: Any, product: str) -> list[int]:
    """Article ids from Kitsune's own search, best first (raises ImportError without it)."""
    search = importlib.import_module("kitsune.search.search")
    kitsune_search = importlib.import_module("kitsune.search")
    Product = apps.get_model(livechat_settings.PRODUCT_MODEL) if product else None
    product_obj = Product._default_manager.filter(slug=product).first() if Product else None
    if _switch_active("retrieval-hybrid-search"):
        hybrid = importlib.import_module("kitsune.search.hybrid")
        request = HttpRequest()
        request.user = user or AnonymousUser()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        results = hybrid.run_hybrid_search(
            request,
            query=query,
            locale=locale,
            sources=hybrid.sources_for_where(kitsune_search.WHERE_WIKI),
            product_id=product_obj.pk if product_obj else None,
            page=1,
        ).results
    else:
        results = search.WikiSearch(query=query, locale=locale, product=product_obj)[
            :SEARCH_CANDIDATES
        ]
    ids = []
    for result in results:
        if result.get("type", "document") == "document":
            with suppress(TypeError, ValueError):
                ids.append(int(result["id"]))
    return ids


def _switch_active(name: str) -> bool:
    try:
        waffle = importlib.import_module("waffle")
    except ImportError:
        return False
    return bool(waffle.switch_is_active(name))


@dataclass(frozen=True)
class ArticleInfo:
    """What the app snapshots about an article: enough to show and link it later."""

    id: int
    title: str
    url: str
    locale: str
    products: tuple[str, ...] = ()
    revision_id: int | None = None
    is_archived: bool = False


@dataclass(frozen=True)
class CannedArticle:
    """A canned-response KB article, keyed by its en-US slug so every locale shares keys."""

    key: str
    title: str
    body: str
    url: str
    locale: str


def _original(article: Any) -> Any:
    """The en-US document a translation belongs to; Kitsune files products on it."""
    return getattr(article, "parent", None) or article


class KitsuneHostAdapter:
    """Reads Kitsune's wiki, products, users and forum; writes questions, votes and flags."""

    question_model = "questions.Question"
    revision_model = "wiki.Revision"
    vote_model = "wiki.HelpfulVote"

    # --- models ---------------------------------------------------------------------------

    def article_model(self) -> type[models.Model]:
        """The host's KB article model, named by LIVECHAT_ARTICLE_MODEL."""
        return apps.get_model(livechat_settings.ARTICLE_MODEL)

    def product_model(self) -> type[models.Model] | None:
        """The host's product model, or None when the host does not route by product."""
        label = livechat_settings.PRODUCT_MODEL
        return apps.get_model(label) if label else None

    # --- articles -------------------------------------------------------------------------

    def readable_by(self, user: Any = None) -> models.QuerySet:
        """The articles ``user`` may open (None: an anonymous reader).

        Kitsune hides documents restricted to groups (and unapproved ones) through
        ``Document.objects.visible(user)``; a host without it shows every article.
        """
        manager = self.article_model()._default_manager
        if user is not None and not user.is_authenticated:
            user = None
        visible = getattr(manager, "visible", None)
        return visible(user) if callable(visible) else manager.all()

    def get_article(
        self, article_id: Any, *, user: Any = None, check_visibility: bool = True
    ) -> models.Model | None:
        """Load an article by id as ``user`` may see it: malformed, unknown and restricted ids
        are all simply no article. The app's own bookkeeping (a chat's recorded article) reads
        with ``check_visibility=False``."""
        if check_visibility:
            articles = self.readable_by(user)
        else:
            articles = self.article_model()._default_manager.all()
        try:
            return articles.filter(pk=article_id).first()
        except (ValueError, TypeError, ValidationError):
            return None

    def article_info(self, article: Any) -> ArticleInfo:
        """Snapshot an article; copes with a plain model that has only a title and a URL."""
        original = _original(article)
        products = getattr(original, "products", None)
        return ArticleInfo(
            id=article.pk,
            title=getattr(article, "title", None) or str(article),
            url=article.get_absolute_url() if hasattr(article, "get_absolute_url") else "",
            locale=getattr(article, "locale", None) or default_locale(),
            products=tuple(p.slug for p in products.all()) if products is not None else (),
            revision_id=getattr(article, "current_revision_id", None),
            is_archived=bool(getattr(article, "is_archived", False)),
        )

    def _readable_articles(self, locale: str, user: Any = None) -> models.QuerySet:
        """Published, current articles ``user`` could be pointed to in `locale`."""
        return (
            self.readable_by(user)
            .filter(locale=locale, is_archived=False, current_revision__isnull=False)
            .exclude(category__in=HIDDEN_CATEGORIES)
        )

    def search_articles(
        self, query: str, *, locale: str, limit: int = 5, user: Any = None, product: str = ""
    ) -> list[ArticleInfo]:
        """KB articles for the visitor's words, best first, among those ``user`` may see.

        The host's own search when it has one (``host_search``), else the database's: full-text
        search in the locale's language on PostgreSQL, a ranked word match elsewhere. Articles of
        ``product`` (the chat's) or of a product the words name rank before others, so "Firefox
        is slow" does not lead with a Thunderbird article. Falls back to the KB's default
        locale when nothing matches in ``locale``.
        """
        words = search_words(query)
        if not words or limit <= 0:
            return []
        for search_locale in dict.fromkeys([locale, default_locale()]):
            scored = self.host_search(query, locale=search_locale, user=user, product=product)
            if scored is None:
                scored = self._database_search(words, locale=search_locale, user=user)
            if scored:
                break
        else:
            return []
        pool = [pk for pk, _score in scored[:SEARCH_POOL]]
        by_id = (
            self._readable_articles(search_locale, user)
            .prefetch_related("products", "parent__products")
            .in_bulk(pool)
        )
        found = [(pk, score) for pk, score in scored[:SEARCH_POOL] if pk in by_id]
        products = {pk: _product_names(by_id[pk]) for pk, _score in found}
        wanted = {product.lower()} if product else set()
        stems = {_stem(word) for word in words}
        for names in products.values():
            wanted |= {slug for slug, title_words in names.items() if stems & title_words}

        def weight(pk: int) -> float:
            theirs = set(products[pk])
            if not wanted or not theirs:
                return 1.0
            return PRODUCT_MATCH if theirs & wanted else PRODUCT_MISMATCH

        order = {pk: n for n, (pk, _score) in enumerate(found)}
        ranked = sorted(found, key=lambda item: (-item[1] * weight(item[0]), order[item[0]]))
        return [self.article_info(by_id[pk]) for pk, _score in ranked[:limit]]

    def host_search(
        self, query: str, *, locale: str, user: Any = None, product: str = ""
    ) -> list[tuple[int, float]] | None:
        """``(article id, score)`` from the host's own KB search, best first; None when the
        host has none (or it failed: the database search then answers).

        Kitsune searches its KB through Elasticsearch (``kitsune.search``), and through the
        hybrid retrieval module when its ``retrieval-hybrid-search`` switch is on. Found by
        import, never required.
        """
        try:
            ids = _kitsune_search(query, locale=locale, user=user, product=product)
        except ImportError:
            return None
        except Exception:
            logger.exception("The host's search failed; searching the database instead")
            return None
        return [(pk, float(len(ids) - n)) for n, pk in enumerate(ids)]

    def _database_search(
        self, words: list[str], *, locale: str, user: Any = None
    ) -> list[tuple[int, float]]:
        """``(article id, score)`` best first: full-text search in the locale's language on
        PostgreSQL, weighted word matches (rarer words count more) elsewhere."""
        articles = self._readable_articles(locale, user)
        if connections[articles.db].vendor == "postgresql":
            return _postgres_search(articles, words, locale)
        stems = list(dict.fromkeys(_stem(word) for word in words))
        match = Q()
        for stem in stems:
            for field in SEARCH_FIELDS:
                match |= Q(**{f"{field}__icontains": stem})
        rows = articles.filter(match).values_list("pk", *SEARCH_FIELDS)[:SEARCH_CANDIDATES]
        documents = [
            (pk, [{_stem(w) for w in re.findall(r"\w+", (text or "").lower())} for text in texts])
            for pk, *texts in rows
        ]
        seen_in = {
            stem: sum(1 for _pk, fields in documents if any(stem in f for f in fields))
            for stem in stems
        }
        scored = []
        for pk, fields in documents:
            score = 0.0
            for stem in stems:
                rarity = math.log(1 + len(documents) / (1 + seen_in[stem]))
                score += rarity * sum(
                    w for w, f in zip(FIELD_WEIGHTS, fields, strict=True) if stem in f
                )
            if score > 0:
                scored.append((pk, score))
        return sorted(scored, key=lambda item: -item[1])

    def canned_responses(self, *, locale: str, user: Any = None) -> list[CannedArticle]:
        """Kitsune keeps canned responses as KB articles (category 70); prefer `locale`.
        Only those ``user`` may see (a restricted original hides its translations too)."""
        translations = (
            self.readable_by(user)
            .filter(locale=locale, current_revision__isnull=False)
            .select_related("current_revision")
        )
        originals = (
            self.readable_by(user)
            .filter(
                locale=default_locale(),
                category=CANNED_RESPONSES_CATEGORY,
                is_archived=False,
                current_revision__isnull=False,
            )
            .select_related("current_revision")
            .prefetch_related(
                models.Prefetch("translations", queryset=translations, to_attr="localized")
            )
            .order_by("title")
        )
        canned = []
        for original in originals:
            doc = original.localized[0] if original.localized else original
            canned.append(
                CannedArticle(
                    key=original.slug,
                    title=doc.title,
                    body=doc.current_revision.content,
                    url=doc.get_absolute_url(),
                    locale=doc.locale,
                )
            )
        return canned

    def approved_revision_ids_since(self, article: Any, after: datetime) -> list[int]:
        """Revisions approved after `after`, oldest first: did feedback lead to an edit?"""
        revisions = getattr(article, "revisions", None)
        if revisions is None:
            return []
        approved_after = Q(reviewed__gt=after) | Q(reviewed__isnull=True, created__gt=after)
        return list(
            revisions.filter(approved_after, is_approved=True)
            .order_by("created", "pk")
            .values_list("pk", flat=True)
        )

    def flag_for_review(self, article: Any, comment: str) -> None:
        """Put the article on KB editors' "needs change" list, keeping an earlier comment.

        Uses update() because Kitsune's Document.save() has side effects (redirects, links).
        """
        existing = article.needs_change_comment if article.needs_change else ""
        if comment and comment not in existing:
            comment = f"{existing}\n{comment}" if existing else comment
        else:
            comment = existing or comment
        comment = comment[:500]
        type(article)._default_manager.filter(pk=article.pk).update(
            needs_change=True, needs_change_comment=comment
        )
        article.needs_change = True
        article.needs_change_comment = comment

    # --- forum and votes ------------------------------------------------------------------

    def create_forum_question(
        self,
        *,
        user: Any,
        title: str,
        content: str,
        product: str | None,
        locale: str,
        metadata: dict[str, str],
    ) -> tuple[int, str]:
        """Hand a chat to the forum as a question, with metadata rows as the AAQ form stores.

        Kitsune's keys are useragent, os, ff_version and troubleshooting; any other key is
        kept too (names are slugified to fit Kitsune's SlugField).
        """
        Question = apps.get_model(self.question_model)
        product_obj = None
        Product = self.product_model()
        if product and Product is not None:
            product_obj = Product._default_manager.filter(slug=product).first()
        rows = {
            slugify(key).replace("-", "_")[:50]: str(value)
            for key, value in metadata.items()
            if value not in (None, "")
        }
        with transaction.atomic():
            question = Question._default_manager.create(
                creator=user,
                title=title[:255],
                content=content,
                product=product_obj,
                locale=locale,
            )
            question.add_metadata(**{key: value for key, value in rows.items() if key})
        return question.pk, question.get_absolute_url()

    def record_helpful_vote(
        self,
        *,
        revision_id: int,
        helpful: bool,
        user: Any,
        anonymous_id: str,
        user_agent: str,
        metadata: dict[str, str],
    ) -> int | None:
        """Count the chat's verdict in the article's "Was this helpful?" poll.

        One vote per person per revision, as Kitsune's poll allows: a repeat returns the
        existing vote's id. None when the revision is gone.
        """
        Revision = apps.get_model(self.revision_model)
        HelpfulVote = apps.get_model(self.vote_model)
        revision = Revision._default_manager.filter(pk=revision_id).first()
        if revision is None:
            return None
        creator = user if user is not None and user.is_authenticated else None
        anonymous_id = anonymous_id[:40]  # Kitsune's column size; compare what is stored
        votes = HelpfulVote._default_manager.filter(revision=revision)
        if creator is not None:
            earlier = votes.filter(creator=creator).first()
        else:
            earlier = votes.filter(anonymous_id=anonymous_id).first() if anonymous_id else None
        if earlier is not None:
            return earlier.pk
        with transaction.atomic():
            vote = HelpfulVote._default_manager.create(
                revision=revision,
                helpful=helpful,
                creator=creator,
                anonymous_id=anonymous_id,
                user_agent=user_agent[:1000],
            )
            for key, value in metadata.items():
                vote.add_metadata(key[:40], str(value)[:1000])
        return vote.pk

    # --- people and products --------------------------------------------------------------

    def display_name(self, user: Any) -> str:
        """The name Kitsune shows for a person: profile name, else username; never an email."""
        if user is None or not user.is_authenticated:
            return ""
        profile = getattr(user, "profile", None)
        name = (getattr(profile, "display_name", "") if profile is not None else "") or (
            user.get_username()
        )
        return name.split("@", 1)[0] if "@" in name else name

    def profile_url(self, user: Any) -> str:
        """Where the person's public profile (with titles, badges and chat karma) lives."""
        profile = getattr(user, "profile", None)
        if profile is not None and hasattr(profile, "get_absolute_url"):
            return profile.get_absolute_url()
        try:
            return reverse("users.profile", args=[user.get_username()])
        except NoReverseMatch:
            return ""

    def product_title(self, slug: str) -> str:
        """A product's title for display; the slug itself when unknown."""
        Product = self.product_model()
        if not slug or Product is None:
            return slug
        title = Product._default_manager.filter(slug=slug).values_list("title", flat=True)
        return title.first() or slug

    def products(self) -> list[tuple[str, str]]:
        """All products as (slug, title), in the host's order, for routing and filters."""
        Product = self.product_model()
        if Product is None:
            return []
        return list(Product._default_manager.values_list("slug", "title"))


_adapters: dict[str, Any] = {}


def get_host_adapter() -> KitsuneHostAdapter:
    """The adapter named by LIVECHAT_HOST_ADAPTER, one instance per dotted path.

    Keyed by path so override_settings in tests switches adapters without clearing caches.
    """
    path = livechat_settings.HOST_ADAPTER
    adapter = _adapters.get(path)
    if adapter is None:
        adapter = _adapters[path] = import_string(path)()
    return adapter
