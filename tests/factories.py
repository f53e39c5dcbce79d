"""factory-boy factories for the host's stand-in models and the live chat models."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from kitsune_livechat import models as lc
from kitsune_livechat.services.conversation.feedback import extract_terms

# --- Host (Kitsune-shaped) models -------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "password")

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        """``UserFactory(perms=["answer_chats"])`` grants livechat permissions."""
        codenames = extracted if extracted is not None else kwargs.get("default", ())
        if create and codenames:
            self.user_permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="livechat", codename__in=codenames
                )
            )
        self.save()


class HelperFactory(UserFactory):
    username = factory.Sequence(lambda n: f"helper{n}")
    perms__default = ("answer_chats",)


class SupervisorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"supervisor{n}")
    perms__default = ("answer_chats", "supervise_chats")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "products.Product"
        django_get_or_create = ("slug",)

    title = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")


class DocumentFactory(factory.django.DjangoModelFactory):
    """A KB article with an approved current revision."""

    class Meta:
        model = "wiki.Document"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"How to fix problem {n}")
    slug = factory.Sequence(lambda n: f"fix-problem-{n}")
    locale = "en-US"

    @factory.post_generation
    def revision(self, create, extracted, **kwargs):
        if not create:
            return
        from wiki.models import Revision

        author = UserFactory()
        rev = Revision.objects.create(
            document=self,
            content=extracted or f"Steps to solve: {self.title}.",
            is_approved=True,
            creator=author,
            reviewed=timezone.now(),
        )
        self.current_revision = rev
        self.save()

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if create and extracted:
            self.products.add(*extracted)


# --- Live chat models -------------------------------------------------------------------------


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = lc.Queue
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Queue {n}")
    slug = factory.Sequence(lambda n: f"queue-{n}")


class DefaultQueueFactory(QueueFactory):
    name = "General"
    slug = "general"
    is_default = True


class AgentStatusFactory(factory.django.DjangoModelFactory):
    """An online helper with free seats, seen just now."""

    class Meta:
        model = lc.AgentStatus

    user = factory.SubFactory(HelperFactory)
    status = lc.AgentStatus.Status.ONLINE
    capacity = 3
    last_seen = factory.LazyFunction(timezone.now)


class ChatSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = lc.ChatSession

    queue = factory.SubFactory(DefaultQueueFactory)
    visitor = factory.SubFactory(UserFactory)
    article = factory.SubFactory(DocumentFactory)
    article_title = factory.LazyAttribute(lambda o: o.article.title if o.article else "")
    article_url = factory.LazyAttribute(lambda o: o.article.get_absolute_url() if o.article else "")
    article_revision_id = factory.LazyAttribute(
        lambda o: o.article.current_revision_id if o.article else None
    )
    locale = "en-US"
    problem = "Firefox crashes when I open a new tab."


class ActiveChatFactory(ChatSessionFactory):
    status = lc.ChatSession.Status.ACTIVE
    helper = factory.SubFactory(HelperFactory)
    assigned_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    """A message with the session's next seq (tests only; services allocate seqs for real)."""

    class Meta:
        model = lc.Message

    session = factory.SubFactory(ActiveChatFactory)
    role = lc.Message.Role.VISITOR
    body = factory.Sequence(lambda n: f"message {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        session = kwargs["session"]
        session.last_seq += 1
        session.save(update_fields=["last_seq"])
        kwargs.setdefault("seq", session.last_seq)
        return super()._create(model_class, *args, **kwargs)


# --- Chat histories (insight and stats tests) -------------------------------------------------


class EndedChatFactory(ActiveChatFactory):
    """A chat a helper answered 30 s after taking it and ended 10 minutes later."""

    status = lc.ChatSession.Status.ENDED
    assigned_at = factory.LazyAttribute(lambda o: o.created + timedelta(seconds=20))
    first_response_at = factory.LazyAttribute(lambda o: o.assigned_at + timedelta(seconds=30))
    ended_at = factory.LazyAttribute(lambda o: o.assigned_at + timedelta(minutes=10))
    created = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))


class ArticleFeedbackFactory(factory.django.DjangoModelFactory):
    """The helper's feedback on an ended chat; ``terms`` derived as the service derives them."""

    class Meta:
        model = lc.ArticleFeedback

    session = factory.SubFactory(EndedChatFactory)
    author = factory.LazyAttribute(lambda o: o.session.helper)
    article = factory.LazyAttribute(lambda o: o.session.article)
    revision_id = factory.LazyAttribute(lambda o: o.session.article_revision_id)
    outcome = lc.ArticleFeedback.Outcome.ARTICLE_SOLVED
    missing = ""
    terms = factory.LazyAttribute(lambda o: extract_terms(o.missing))


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = lc.Rating

    session = factory.SubFactory(EndedChatFactory)
    score = 5


# --- Helpers and visitors as the line sees them -------------------------------------------------

FIREFOX_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def online_helper(**kwargs):
    """A helper who is online, seen now, with free seats; returns the user."""
    return AgentStatusFactory(**kwargs).user


def set_offline(user) -> None:
    lc.AgentStatus.objects.filter(user=user).update(status=lc.AgentStatus.Status.OFFLINE)


def chat_form(article=None, **overrides) -> dict:
    """A complete question form as the chat window posts it."""
    article = DocumentFactory() if article is None else article
    form = {
        "article": getattr(article, "pk", article),
        "problem": "Firefox crashes every time I open a new tab.",
        "started_when": "Since yesterday's update",
        "frequency": "Every time",
        "on_affected_computer": True,
        "user_agent": FIREFOX_UA,
    }
    form.update(overrides)
    return form
