"""Browser context parsed from user agents with ua-parser."""

import pytest

from kitsune_livechat.services.line.useragent import BrowserInfo, parse_browser


@pytest.mark.parametrize(
    "user_agent, expected",
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
            BrowserInfo("Firefox", "128.0", "Windows 10"),
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0.1",
            BrowserInfo("Firefox", "121.0.1", "Linux"),
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            BrowserInfo("Chrome", "120.0.0", "Mac OS X 10.15"),
        ),
        (
            "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0",
            BrowserInfo("Firefox Mobile", "121.0", "Android 14"),
        ),
        ("a made-up agent", BrowserInfo()),
        ("", BrowserInfo()),
    ],
)
def test_user_agents_are_parsed_to_browser_version_and_os(user_agent, expected):
    assert parse_browser(user_agent) == expected


def test_very_long_user_agents_are_cut_before_parsing():
    parsed = parse_browser("Mozilla/5.0 Firefox/128.0 " + "x" * 50_000)
    assert parsed.browser == "Firefox"
    assert len(parsed.version) <= 30
