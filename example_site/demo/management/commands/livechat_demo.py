"""Seed the example site with products, KB articles, canned responses, people and queues.

Idempotent: every row is found by its natural key (slug, username, name) and updated, so
running it again repairs the demo instead of duplicating it.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from demo import content, history
from karma.models import Title
from products.models import Product, Topic
from users.models import Profile
from wiki.models import Document, Revision

DEFAULT_LOCALE = "en-US"


class Command(BaseCommand):
    help = "Create (or refresh) the live chat demo data. Safe to run more than once."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    @transaction.atomic
    def handle(self, *args, base_url: str, **options):
        groups = self.seed_groups()
        people = self.seed_people(groups)
        products = self.seed_products()
        self.seed_articles(products, author=people["kbeditor"])
        self.seed_canned_responses(author=people["kbeditor"])
        self.seed_titles(people)
        self.seed_livechat(people)
        history.seed_history(people)
        self.report(base_url.rstrip("/"))

    def seed_groups(self) -> dict[str, Group]:
        groups = {}
        for name, codenames in content.GROUPS.items():
            group, _created = Group.objects.get_or_create(name=name)
            permissions = Permission.objects.filter(
                content_type__app_label="livechat", codename__in=codenames
            )
            if permissions.count() != len(codenames):
                self.stderr.write(f"Some live chat permissions are missing for {name!r}: migrate?")
            group.permissions.add(*permissions)
            groups[name] = group
        return groups

    def seed_people(self, groups: dict[str, Group]) -> dict:
        User = get_user_model()
        people = {}
        for username, name, locale, group_names, superuser in content.PEOPLE:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            if created:
                user.set_password(content.PASSWORD)
            user.is_staff = user.is_superuser = superuser
            user.save()
            user.groups.add(*(groups[group] for group in group_names))
            Profile.objects.update_or_create(user=user, defaults={"name": name, "locale": locale})
            people[username] = user
        return people

    def seed_products(self) -> dict[str, Product]:
        products = {}
        for slug, title, description, order in content.PRODUCTS:
            products[slug], _created = Product.objects.update_or_create(
                slug=slug,
                defaults={
                    "title": title,
                    "description": description,
                    "display_order": order,
                    "visible": True,
                },
            )
        for slug, title, product_slugs in content.TOPICS:
            topic, _created = Topic.objects.update_or_create(
                slug=slug, parent=None, defaults={"title": title, "visible": True}
            )
            topic.products.add(*(products[s] for s in product_slugs))
        return products

    def _publish(self, *, locale, slug, title, category, body, author, parent=None, keywords=""):
        """Create or update a document and make `body` its approved current revision."""
        doc, _created = Document.objects.update_or_create(
            locale=locale,
            slug=slug,
            defaults={"title": title, "category": category, "parent": parent},
        )
        revision, _created = Revision.objects.get_or_create(
            document=doc,
            content=body,
            defaults={
                "summary": "",
                "keywords": keywords,
                "is_approved": True,
                "creator": author,
                "reviewer": author,
                "reviewed": timezone.now(),
            },
        )
        if doc.current_revision_id != revision.pk:
            doc.current_revision = revision
            doc.save(update_fields=["current_revision"])
        return doc

    def seed_articles(self, products: dict[str, Product], *, author) -> None:
        topics = {topic.slug: topic for topic in Topic.objects.all()}
        for slug, title, category, product_slugs, topic_slugs, keywords, body in content.ARTICLES:
            doc = self._publish(
                locale=DEFAULT_LOCALE,
                slug=slug,
                title=title,
                category=category,
                body=body,
                author=author,
                keywords=keywords,
            )
            doc.products.set(products[s] for s in product_slugs)
            doc.topics.set(topics[s] for s in topic_slugs)
            if slug in content.GERMAN:
                de_slug, de_title, de_body = content.GERMAN[slug]
                self._publish(
                    locale="de",
                    slug=de_slug,
                    title=de_title,
                    category=category,
                    body=de_body,
                    author=author,
                    parent=doc,
                )

    def seed_canned_responses(self, *, author) -> None:
        for slug, title, body in content.CANNED_RESPONSES:
            doc = self._publish(
                locale=DEFAULT_LOCALE,
                slug=slug,
                title=title,
                category=content.CANNED,
                body=body,
                author=author,
            )
            if slug in content.GERMAN_CANNED:
                de_slug, de_title, de_body = content.GERMAN_CANNED[slug]
                self._publish(
                    locale="de",
                    slug=de_slug,
                    title=de_title,
                    category=content.CANNED,
                    body=de_body,
                    author=author,
                    parent=doc,
                )

    def seed_titles(self, people: dict) -> None:
        for name, usernames in content.TITLES.items():
            title, _created = Title.objects.get_or_create(name=name)
            title.users.add(*(people[username] for username in usernames))

    def seed_livechat(self, people: dict) -> None:
        """Queues (a default one and one per product) and the trainee's mentoring record."""
        models = apps.get_app_config("livechat").models
        if "queue" in models:
            Queue = apps.get_model("livechat", "Queue")
            Queue.objects.update_or_create(
                slug="general", defaults={"name": "General", "is_default": True}
            )
            for slug, title, _description, _order in content.PRODUCTS:
                Queue.objects.update_or_create(slug=slug, defaults={"name": title, "product": slug})
        if "trainee" in models:
            Trainee = apps.get_model("livechat", "Trainee")
            Trainee.objects.update_or_create(
                user=people["trainee"],
                defaults={"stage": "training", "mentor": people["mentor"]},
            )

    def report(self, base: str) -> None:
        article = Document.objects.get(locale=DEFAULT_LOCALE, slug=content.ARTICLES[0][0])
        lines = [
            "Live chat demo data is ready.",
            "",
            f"  Knowledge base   {base}/{DEFAULT_LOCALE}/",
            f"  An article       {base}{article.get_absolute_url()}",
            f"  German           {base}/de/",
            f"  Forum            {base}/{DEFAULT_LOCALE}/questions/",
            f"  Chat console     {base}{reverse('livechat:console')}",
            f"  Chat insights    {base}{reverse('livechat:insights')}",
            f"  Leaderboard      {base}{reverse('livechat:leaderboard')}",
            f"  Admin            {base}/admin/",
            "",
            f"Sign in at {base}/users/login/ with password {content.PASSWORD!r} as:",
        ]
        for username, _name, _locale, group_names, superuser in content.PEOPLE:
            role = ", ".join(group_names) or ("visitor" if username == "visitor" else "")
            if superuser:
                role = "superuser; " + role
            lines.append(f"  {username:<10} {role or 'trainee (mentored by mentor)'}")
        self.stdout.write("\n".join(lines))
