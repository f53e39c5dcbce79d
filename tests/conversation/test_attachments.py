"""Files in chats: sniffed types, limits, the access gate, safe headers, replay and retention."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from kitsune_livechat import realtime
from kitsune_livechat.models import ChatSession, Message
from kitsune_livechat.services.conversation import attachments, retention
from kitsune_livechat.services.shared.access import make_visitor_token
from tests.conftest import API, ApiClient
from tests.factories import ActiveChatFactory, SupervisorFactory, UserFactory
from tests.sockets import join_chat

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def upload(client: ApiClient, session, name: str, content: bytes, **extra):
    files = {"file": SimpleUploadedFile(name, content, content_type="image/png")}
    return client.client.post(
        f"{API}sessions/{session.pk}/attachments",
        {**files, **extra},
        headers=client._headers(),
    )


def fetch(client: ApiClient, url: str):
    return client.client.get(url, headers=client._headers())


# --- Sniffing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head, expected",
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (PDF, "application/pdf"),
        ("about:support says Firefox 128 – crash ID bp-1234\n".encode(), "text/plain"),
        (b"<html><script>alert(1)</script></html>", ""),
        (b'  <svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', ""),
        (b"MZ\x90\x00\x03\x00\x00\x00", ""),
        (b"\xff\xfe\x00\x00garbage", ""),
    ],
)
def test_types_are_sniffed_from_the_content(head, expected):
    assert attachments.sniff(head) == expected


def test_file_names_lose_paths_and_get_the_sniffed_extension():
    assert attachments.clean_file_name("../../etc/passwd.html", "text/plain") == "passwd.txt"
    assert attachments.clean_file_name("C:\\Users\\me\\shot <1>.png", "image/png") == "shot _1.png"
    assert attachments.clean_file_name("", "application/pdf") == "file.pdf"


# --- Sending ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_visitor_sends_a_screenshot_the_helper_gets_it(
    chat, published, django_capture_on_commit_callbacks
):
    visitor, helper = ApiClient(chat.visitor), ApiClient(chat.helper)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(visitor, chat, "screenshot.png", PNG, client_msg_id="up-1")

    assert response.status_code == 201, response.json()
    message = response.json()
    assert message["body"] == "screenshot.png"
    assert message["attachment"]["name"] == "screenshot.png"
    assert message["attachment"]["content_type"] == "image/png"
    assert message["attachment"]["size"] == len(PNG)
    assert message["attachment"]["image"] is True
    frames = [frame for group, frame in published.frames if frame["type"] == "message"]
    assert [(f["seq"], f["attachment"]["name"]) for f in frames] == [(1, "screenshot.png")]
    assert published.frames[0][0] == realtime.session_group(chat.pk)

    served = fetch(helper, message["attachment"]["url"])
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"] == 'inline; filename="screenshot.png"'
    assert "sandbox" in served["Content-Security-Policy"]

    history = helper.get(f"sessions/{chat.pk}/messages").json()
    assert history[-1]["attachment"]["url"] == message["attachment"]["url"]


@pytest.mark.django_db
def test_other_files_are_downloads_never_inline(chat):
    response = upload(ApiClient(chat.helper), chat, "report.pdf", PDF)
    assert response.status_code == 201, response.json()
    served = fetch(ApiClient(chat.visitor), response.json()["attachment"]["url"])
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert served["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_someone_elses_chat_looks_like_a_missing_file(chat):
    url = upload(ApiClient(chat.visitor), chat, "shot.png", PNG).json()["attachment"]["url"]

    stranger = fetch(ApiClient(UserFactory()), url)
    missing = fetch(ApiClient(chat.visitor), url.replace("/attachments/1", "/attachments/9"))
    other_helper = fetch(ApiClient(ActiveChatFactory().helper), url)
    supervisor = fetch(ApiClient(SupervisorFactory()), url)

    assert stranger.status_code == missing.status_code == other_helper.status_code == 404
    assert stranger.json() == missing.json() == {"detail": "No such file.", "code": "not_found"}
    assert supervisor.status_code == 200
    assert upload(ApiClient(UserFactory()), chat, "x.png", PNG).status_code == 404


@pytest.mark.django_db
def test_anonymous_visitor_uploads_and_fetches_with_their_token():
    chat = ActiveChatFactory(visitor=None, anonymous_key="anon-files")
    visitor = ApiClient(token=make_visitor_token("anon-files"))

    response = upload(visitor, chat, "crash.png", PNG)

    assert response.status_code == 201, response.json()
    assert fetch(visitor, response.json()["attachment"]["url"]).status_code == 200
    assert fetch(ApiClient(), response.json()["attachment"]["url"]).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content, code",
    [
        ("page.png", b"<html><body onload=alert(1)></body></html>", "file_type_not_allowed"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "file_type_not_allowed"),
        ("tool.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "file_type_not_allowed"),
        ("empty.png", b"", "empty_file"),
    ],
)
def test_refused_files_store_nothing(chat, name, content, code):
    before = set(_stored(chat))
    response = upload(ApiClient(chat.visitor), chat, name, content)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert Message.objects.filter(session=chat).count() == 0
    assert set(_stored(chat)) == before


@pytest.mark.django_db
@override_settings(LIVECHAT_ATTACHMENT_MAX_BYTES=50)
def test_size_limit_is_a_setting(chat):
    response = upload(ApiClient(chat.visitor), chat, "big.png", PNG)
    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large"


@pytest.mark.django_db
@override_settings(LIVECHAT_ATTACHMENT_TYPES=["image/png"])
def test_allowed_types_are_a_setting(chat):
    assert upload(ApiClient(chat.visitor), chat, "a.pdf", PDF).json()["code"] == (
        "file_type_not_allowed"
    )
    assert upload(ApiClient(chat.visitor), chat, "a.png", PNG).status_code == 201


@pytest.mark.django_db
def test_a_retried_upload_is_stored_once(chat):
    visitor = ApiClient(chat.visitor)
    first = upload(visitor, chat, "shot.png", PNG, client_msg_id="retry-me")
    again = upload(visitor, chat, "shot.png", PNG, client_msg_id="retry-me")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["seq"] == again.json()["seq"]
    assert len(_stored(chat)) == 1


@pytest.mark.django_db
def test_no_files_into_an_ended_chat(chat):
    ChatSession.objects.filter(pk=chat.pk).update(status=ChatSession.Status.ENDED)
    response = upload(ApiClient(chat.visitor), chat, "late.png", PNG)
    assert response.status_code == 409
    assert response.json()["code"] == "chat_closed"
    assert _stored(chat) == []


def _stored(chat) -> list[str]:
    folder = f"livechat/attachments/{chat.pk}"
    try:
        return default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return []


# --- Replay over the socket and retention -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_file_replays_over_the_socket_like_any_message():
    chat = await db(ActiveChatFactory)()
    sent = await db(lambda: upload(ApiClient(chat.visitor), chat, "shot.png", PNG))()
    assert sent.status_code == 201

    socket, greeting = await join_chat(chat.pk, user=chat.helper, after_seq=0)
    await socket.close()

    (replayed,) = [frame for frame in greeting if frame["type"] == "message"]
    assert replayed["seq"] == 1
    assert replayed["attachment"]["name"] == "shot.png"
    assert replayed["attachment"]["image"] is True


@pytest.mark.django_db(transaction=True)
async def test_an_upload_is_announced_live_to_everyone_in_the_chat():
    chat = await db(ActiveChatFactory)()
    helper, _greeting = await join_chat(chat.pk, user=chat.helper)
    visitor, _greeting = await join_chat(chat.pk, user=chat.visitor)

    sent = await db(lambda: upload(ApiClient(chat.visitor), chat, "live.png", PNG))()
    to_helper = await helper.receive_until("message")
    to_visitor = await visitor.receive_until("message")
    await helper.close()
    await visitor.close()

    assert sent.status_code == 201
    for frames in (to_helper, to_visitor):
        assert frames[-1]["attachment"]["name"] == "live.png"
        assert frames[-1]["seq"] == sent.json()["seq"]


@pytest.mark.django_db
@override_settings(LIVECHAT_RETENTION_DAYS=30)
def test_purge_removes_the_files_with_the_messages(chat, django_capture_on_commit_callbacks):
    upload(ApiClient(chat.visitor), chat, "shot.png", PNG)
    ChatSession.objects.filter(pk=chat.pk).update(
        status=ChatSession.Status.ENDED, created=timezone.now() - timedelta(days=40)
    )
    assert len(_stored(chat)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert retention.purge_expired() == 1

    assert _stored(chat) == []
    assert not Message.objects.filter(session=chat).exists()


@pytest.mark.django_db
def test_a_hidden_monitor_cannot_slip_a_file_to_the_visitor(chat):
    response = upload(ApiClient(SupervisorFactory()), chat, "shot.png", PNG)
    assert response.status_code == 403
    assert response.json()["code"] == "hidden_observer"
    assert not Message.objects.filter(session=chat).exists()
    assert _stored(chat) == []


@pytest.mark.django_db
def test_history_with_files_costs_the_same_queries(chat, django_assert_num_queries):
    """Session, user, chat, messages: four queries, with one file or with five."""
    visitor = ApiClient(chat.visitor)
    upload(visitor, chat, "one.png", PNG)
    with django_assert_num_queries(4):
        visitor.get(f"sessions/{chat.pk}/messages")
    for index in range(4):
        upload(visitor, chat, f"more-{index}.png", PNG)
    with django_assert_num_queries(4):
        response = visitor.get(f"sessions/{chat.pk}/messages")
    assert [m["attachment"]["name"] for m in response.json()][-1] == "more-3.png"
