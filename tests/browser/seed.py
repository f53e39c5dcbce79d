"""Data for the browser tests, written through the ORM into the browser site's database.

Run as ``python -m tests.browser.seed`` with the browser site's settings; prints what the tests
need (URLs, names) as JSON.
"""

import json

import django


def seed() -> dict:
    from django.contrib.auth.models import Permission

    from kitsune_livechat.models import CannedResponse, Focus, Queue, Trainee
    from tests.factories import DocumentFactory, ProductFactory, UserFactory

    firefox = ProductFactory(slug="firefox", title="Firefox")
    article = DocumentFactory(
        title="Firefox won't start",
        slug="firefox-wont-start",
        revision="If Firefox does not start, restart your computer and try Troubleshoot Mode.",
        products=[firefox],
    )
    german = DocumentFactory(
        title="Firefox startet nicht",
        slug="firefox-startet-nicht",
        locale="de",
        parent=article,
        revision="Wenn Firefox nicht startet, starten Sie den Computer neu.",
    )
    DocumentFactory(
        title="Firefox crashes at startup",
        slug="firefox-crashes-at-startup",
        revision="Crashes right after an update are often caused by add-ons.",
        products=[firefox],
    )
    canned = DocumentFactory(
        title="Clear the cache",
        slug="canned-clear-cache",
        category=70,
        revision="Please clear the cache: Settings, Privacy, Clear data.",
    )
    DocumentFactory(
        title="Cache leeren",
        slug="canned-cache-leeren",
        locale="de",
        parent=canned,
        category=70,
        revision="Bitte leeren Sie den Cache: Einstellungen, Datenschutz, Daten entfernen.",
    )
    CannedResponse.objects.create(
        key="goodbye", locale="en-US", title="Goodbye", body="Glad I could help. Take care!"
    )
    # A focus campaign on the German article asks one more question before the chat.
    focus = Focus.objects.create(
        title="Startprobleme nach dem Update",
        slug="start-nach-update",
        description="Wir sammeln, wann Firefox nach dem letzten Update nicht startet.",
        questions=[
            {
                "key": "troubleshoot_mode",
                "label": "Startet Firefox im Fehlerbehebungsmodus?",
                "type": "yesno",
                "required": True,
            }
        ],
    )
    focus.articles.add(german)
    # Helpers take chats from the queue themselves, so the tests see the queue.
    Queue.objects.create(name="General", slug="general", is_default=True, auto_assign=False)

    answer = Permission.objects.get(content_type__app_label="livechat", codename="answer_chats")
    supervise = Permission.objects.get(
        content_type__app_label="livechat", codename="supervise_chats"
    )
    people = {}
    users = {}
    for username, name, perms in [
        ("visitor", "Vera Visitor", []),
        ("helper1", "Priya Helper", [answer]),
        ("helper2", "Hans Helfer", [answer]),
        ("helper3", "Ana Ayuda", [answer]),
        ("mentor", "Maya Mentor", [answer, supervise]),
        ("trainee", "Tom Trainee", []),
    ]:
        user = UserFactory(username=username)
        user.set_password("secret")
        user.save()
        user.user_permissions.add(*perms)
        profile = getattr(user, "profile", None)
        if profile is not None:
            profile.name = name
            profile.save()
        people[username] = name
        users[username] = user
    Trainee.objects.create(
        user=users["trainee"], stage=Trainee.Stage.TRAINING, mentor=users["mentor"]
    )
    return {
        "article": {"id": article.pk, "url": article.get_absolute_url(), "title": article.title},
        "german": {"id": german.pk, "url": german.get_absolute_url(), "title": german.title},
        "people": people,
        "password": "secret",
    }


if __name__ == "__main__":
    django.setup()
    print(json.dumps(seed()))
