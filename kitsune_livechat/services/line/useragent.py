"""Browser context from a user agent string, through the ``ua-parser`` package (1.x API).

Helpers need the visitor's browser, its version and the operating system without asking; the
forum hand-off stores the same facts as Kitsune's question metadata does.
"""

from dataclasses import dataclass

from ua_parser import parse_os, parse_user_agent

MAX_USER_AGENT = 1000
UNKNOWN = "Other"  # what ua-parser's regexes call anything they do not recognise


@dataclass(frozen=True)
class BrowserInfo:
    browser: str = ""
    version: str = ""
    os: str = ""


def _version(*parts: str | None) -> str:
    numbers = []
    for part in parts:
        if part is None or part == "":
            break
        numbers.append(part)
    return ".".join(numbers)


def parse_browser(user_agent: str) -> BrowserInfo:
    """Browser family and dotted version, and the OS with its version, e.g. "Windows 10".

    Unknown parts are empty strings, so a made-up user agent yields an empty BrowserInfo.
    """
    user_agent = (user_agent or "").strip()[:MAX_USER_AGENT]
    if not user_agent:
        return BrowserInfo()
    agent = parse_user_agent(user_agent)
    system = parse_os(user_agent)
    browser = version = os_name = ""
    if agent is not None and agent.family and agent.family != UNKNOWN:
        browser = agent.family[:50]
        version = _version(agent.major, agent.minor, agent.patch)[:30]
    if system is not None and system.family and system.family != UNKNOWN:
        os_name = f"{system.family} {_version(system.major, system.minor)}".strip()[:50]
    return BrowserInfo(browser=browser, version=version, os=os_name)
