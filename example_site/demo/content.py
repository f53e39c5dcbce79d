"""Demo data for `livechat_demo`: products, topics, KB articles, canned responses, people.

Articles use the tiny markup of wiki.markup: blank lines between blocks, `== Heading ==`,
`* bullets` and `# numbered steps`.
"""

PRODUCTS = [
    # slug, title, description, display order
    ("firefox", "Firefox", "Web browser for Windows, Mac and Linux", 1),
    ("mobile", "Firefox for Android", "Web browser for Android smartphones and tablets", 2),
    ("thunderbird", "Thunderbird", "Email software for Windows, Mac and Linux", 3),
]

TOPICS = [
    # slug, title, product slugs
    (
        "fix-problems",
        "Fix slowness, crashing, error messages and other problems",
        ["firefox", "mobile", "thunderbird"],
    ),  # noqa: E501
    ("browse", "Browse", ["firefox", "mobile"]),
    ("sync", "Sync, share and save", ["firefox", "mobile"]),
    ("customize", "Customize settings and add-ons", ["firefox", "mobile"]),
    ("email-set-up", "Email setup", ["thunderbird"]),
]

TROUBLESHOOTING = 10
HOW_TO = 20
CANNED = 70

# slug, title, category, products, topics, keywords, content
ARTICLES = [
    (
        "firefox-wont-start-find-solutions",
        "Firefox won't start - find solutions",
        TROUBLESHOOTING,
        ["firefox"],
        ["fix-problems"],
        "start open launch crash hang not responding",
        """Firefox can fail to start for several reasons: it may already be running in the
background, your profile may be locked or damaged, or security software may be blocking it.
Work through the steps below in order.

== Firefox is already running ==

If Firefox did not close properly, an old process can keep it from opening a new window. You
may see the message "Firefox is already running, but is not responding".

# Open your system's task manager (Ctrl+Shift+Esc on Windows, Activity Monitor on Mac).
# End every Firefox process you find.
# Start Firefox again.

== Start Firefox in Troubleshoot Mode ==

Troubleshoot Mode turns off add-ons and custom settings for a while. Hold down the Shift key
(the Option key on Mac) while you start Firefox. If Firefox starts this way, an add-on or
setting is the cause: see "Refresh Firefox - reset add-ons and settings".

== Check your security software ==

Some antivirus programs block Firefox after an update. Make sure your security software allows
the current version of Firefox, then restart your computer.""",
    ),
    (
        "clear-cookies-and-site-data-firefox",
        "Clear cookies and site data in Firefox",
        HOW_TO,
        ["firefox"],
        ["browse"],
        "cookies cache site data privacy sign in login",
        """Cookies and site data are stored on your computer by websites you visit. Clearing
them can fix sign-in problems and pages that look broken, and it removes tracking data.

== Clear data for all websites ==

# Click the menu button and select Settings.
# Select the Privacy & Security panel and go to the Cookies and Site Data section.
# Click Clear Data, make sure Cookies and Site Data is checked, and click Clear.

== Clear data for one website ==

# Visit the website and click the padlock in the address bar.
# Click Clear cookies and site data and confirm.

Clearing cookies signs you out of websites. Settings stored by those websites, such as a
preferred language, are reset too.""",
    ),
    (
        "sync-bookmarks-passwords-devices",
        "Sync your bookmarks and passwords across devices",
        HOW_TO,
        ["firefox", "mobile"],
        ["sync"],
        "sync account bookmarks passwords history devices phone",
        """With a Mozilla account you can sync bookmarks, passwords, history, open tabs and
add-ons between Firefox on your computer and on your phone.

== Turn on sync on your computer ==

# Click the account button in the toolbar and select Sign in to sync.
# Enter the email address and password of your Mozilla account, or create one.
# Choose what to sync and click Save changes.

== Connect your phone ==

On Firefox for Android, open the menu, tap Sync and save data, and scan the QR code shown on
your computer. Your data appears on the phone within a few minutes.

If something is missing, check that both devices sync the same kinds of data in the Sync
section of Settings.""",
    ),
    (
        "websites-load-slowly-speed-up",
        "Websites load slowly - how to speed them up",
        TROUBLESHOOTING,
        ["firefox"],
        ["fix-problems"],
        "slow loading pages speed performance network",
        """If web pages take a long time to load, the cause is usually the network, an
extension, or a cache that has grown too large.

== Check your connection ==

Open a page in another browser. If it is slow there too, restart your router or contact your
internet provider.

== Look for a slow extension ==

Restart Firefox in Troubleshoot Mode. If pages load quickly now, disable your extensions one
at a time in the Add-ons Manager to find the one that slows things down.

== Clear the cache ==

In Settings, Privacy & Security, Cookies and Site Data, click Clear Data and clear only Cached
Web Content. Firefox downloads fresh copies of pages the next time you visit them.""",
    ),
    (
        "fix-video-audio-playback-problems",
        "Fix video and audio playback problems",
        TROUBLESHOOTING,
        ["firefox"],
        ["fix-problems"],
        "video audio sound playback youtube hardware acceleration",
        """Videos that do not play, stutter, or play without sound can usually be fixed in a
few minutes.

* Make sure Firefox is up to date: playback fixes arrive with every release.
* Check that autoplay is allowed for the site: click the icon left of the address.
* Turn off hardware acceleration in Settings, General, Performance, then restart Firefox.
* Update the drivers of your graphics card.

If only one website has the problem, clear its cookies and site data and try again.""",
    ),
    (
        "refresh-firefox-reset-add-ons-and-settings",
        "Refresh Firefox - reset add-ons and settings",
        TROUBLESHOOTING,
        ["firefox"],
        ["fix-problems", "customize"],
        "refresh reset clean profile add-ons settings",
        """The Refresh feature can fix many problems by restoring Firefox to its default state
while saving your essential information, like bookmarks, passwords and open tabs.

== What is kept ==

Bookmarks, browsing history, passwords, cookies, web form auto-fill information and your
personal dictionary are kept. Extensions, themes and custom settings are removed.

== Refresh Firefox ==

# Click the menu button, then Help, then More troubleshooting information.
# Click Refresh Firefox in the upper-right corner.
# Confirm by clicking Refresh Firefox again. Firefox closes and restarts.

Your old profile is placed on your desktop in a folder named "Old Firefox Data"; delete it
once you are sure everything works.""",
    ),
    (
        "update-firefox-latest-release",
        "Update Firefox to the latest release",
        HOW_TO,
        ["firefox"],
        ["customize"],
        "update version upgrade release",
        """Firefox updates itself automatically, but you can check for an update at any time.

# Click the menu button, then Help, then About Firefox.
# The window checks for updates and downloads them.
# When the download is complete, click Restart to update Firefox.

If the update fails, download the latest version from mozilla.org and install it over your
current copy: your bookmarks and settings are kept.""",
    ),
    (
        "import-bookmarks-from-another-browser",
        "Import bookmarks from another browser",
        HOW_TO,
        ["firefox"],
        ["sync"],
        "import bookmarks chrome edge safari passwords",
        """Firefox can import bookmarks, history and passwords from Chrome, Edge and other
browsers on the same computer.

# Open the Library window with Ctrl+Shift+O (Cmd+Shift+O on Mac).
# Click Import and Backup, then Import Data from Another Browser.
# Choose the browser and the data to import, then click Import.

Close the other browser first: some browsers lock their data while they run.""",
    ),
    (
        "firefox-android-crashes-closes",
        "Firefox for Android crashes or closes unexpectedly",
        TROUBLESHOOTING,
        ["mobile"],
        ["fix-problems"],
        "android crash closes phone app",
        """If Firefox for Android closes by itself, try these steps one after the other.

# Update Firefox from the Google Play Store.
# Restart your phone to free memory.
# In Android settings, open Apps, Firefox, Storage and tap Clear cache.

If the problem continues, send the crash report when Firefox offers it: the reports help
developers find the cause.""",
    ),
    (
        "install-add-ons-firefox-android",
        "Install add-ons on Firefox for Android",
        HOW_TO,
        ["mobile"],
        ["customize"],
        "add-ons extensions android install ublock",
        """Firefox for Android supports many of the same add-ons as Firefox on your computer.

# Tap the menu button and select Add-ons.
# Tap Find more add-ons to browse addons.mozilla.org.
# Tap Add to Firefox on the add-on's page and confirm.

Add-ons installed on your phone are not synced to your computer.""",
    ),
    (
        "automatic-account-configuration-thunderbird",
        "Set up email in Thunderbird",
        HOW_TO,
        ["thunderbird"],
        ["email-set-up"],
        "email account setup imap pop smtp configuration",
        """Thunderbird can find the settings for most email providers by itself: you only need
your name, email address and password.

# Open Thunderbird. If the account setup does not appear, open the menu and select New,
then Existing Mail Account.
# Enter your name, email address and password, then click Continue.
# Thunderbird looks up the server settings. Choose IMAP to keep mail on the server.
# Click Done.

If Thunderbird cannot find the settings, ask your provider for the incoming (IMAP or POP3) and
outgoing (SMTP) server names and enter them with Configure manually.""",
    ),
    (
        "thunderbird-not-receiving-messages",
        "Thunderbird is not receiving messages",
        TROUBLESHOOTING,
        ["thunderbird"],
        ["fix-problems"],
        "receive mail inbox imap pop not downloading",
        """When new messages do not arrive, first check whether they reach your provider's
webmail. If they do, the problem is between Thunderbird and the server.

* Click Get Messages and watch the status bar for an error.
* Check that your password has not changed; Thunderbird asks for it when it fails.
* Make sure your security software does not scan or block the mail connection.
* Repair the inbox: right-click it, choose Properties and click Repair Folder.""",
    ),
]

# Translations into German of some of the articles above: en-US slug -> (slug, title, content).
GERMAN = {
    "firefox-wont-start-find-solutions": (
        "firefox-startet-nicht-loesungen",
        "Firefox startet nicht - Lösungen finden",
        """Firefox kann aus verschiedenen Gründen nicht starten: Er läuft vielleicht noch im
Hintergrund, Ihr Profil ist gesperrt oder beschädigt, oder eine Sicherheitssoftware blockiert
ihn.

== Firefox läuft bereits ==

# Öffnen Sie den Task-Manager (Strg+Umschalt+Esc unter Windows).
# Beenden Sie alle Firefox-Prozesse.
# Starten Sie Firefox erneut.

== Firefox im Fehlerbehebungsmodus starten ==

Halten Sie beim Start von Firefox die Umschalttaste gedrückt. Startet Firefox so, ist eine
Erweiterung oder Einstellung die Ursache.""",
    ),
    "clear-cookies-and-site-data-firefox": (
        "cookies-und-website-daten-loeschen",
        "Cookies und Website-Daten in Firefox löschen",
        """Cookies und Website-Daten werden von besuchten Websites auf Ihrem Computer
gespeichert. Sie zu löschen kann Anmeldeprobleme beheben.

# Klicken Sie auf die Menüschaltfläche und wählen Sie Einstellungen.
# Wählen Sie Datenschutz & Sicherheit und gehen Sie zum Abschnitt Cookies und Website-Daten.
# Klicken Sie auf Daten entfernen und bestätigen Sie.

Danach sind Sie auf Websites abgemeldet.""",
    ),
    "sync-bookmarks-passwords-devices": (
        "lesezeichen-und-passwoerter-synchronisieren",
        "Lesezeichen und Passwörter zwischen Geräten synchronisieren",
        """Mit einem Mozilla-Konto synchronisieren Sie Lesezeichen, Passwörter, Chronik und
offene Tabs zwischen Computer und Smartphone.

# Klicken Sie in der Symbolleiste auf die Konto-Schaltfläche und wählen Sie Anmelden.
# Melden Sie sich mit Ihrem Mozilla-Konto an oder erstellen Sie eines.
# Wählen Sie aus, was synchronisiert werden soll.""",
    ),
    "websites-load-slowly-speed-up": (
        "websites-laden-langsam",
        "Websites laden langsam - so werden sie schneller",
        """Wenn Seiten lange zum Laden brauchen, liegt es meist am Netzwerk, an einer
Erweiterung oder an einem zu großen Cache.

* Prüfen Sie Ihre Internetverbindung mit einem anderen Browser.
* Starten Sie Firefox im Fehlerbehebungsmodus, um Erweiterungen auszuschließen.
* Leeren Sie den Cache unter Einstellungen, Datenschutz & Sicherheit.""",
    ),
    "automatic-account-configuration-thunderbird": (
        "e-mail-in-thunderbird-einrichten",
        "E-Mail in Thunderbird einrichten",
        """Thunderbird findet die Einstellungen der meisten E-Mail-Anbieter selbst: Sie
brauchen nur Ihren Namen, Ihre E-Mail-Adresse und Ihr Passwort.

# Öffnen Sie Thunderbird und wählen Sie Neu, Bestehendes E-Mail-Konto.
# Geben Sie Name, E-Mail-Adresse und Passwort ein und klicken Sie auf Weiter.
# Wählen Sie IMAP und klicken Sie auf Fertig.""",
    ),
}

# Canned responses helpers pick from in a chat (Kitsune keeps them as category 70 articles).
CANNED_RESPONSES = [
    (
        "canned-greeting",
        "Greeting",
        "Hi! Thanks for contacting Mozilla Support. I'm reading your question now and will be "
        "with you in a moment.",
    ),
    (
        "canned-ask-firefox-version",
        "Ask for Firefox version",
        "Could you tell me which version of Firefox you are using? You can find it in the menu "
        "under Help, About Firefox.",
    ),
    (
        "canned-refresh-firefox",
        "Refresh Firefox",
        "Many problems go away after a refresh, which keeps your bookmarks and passwords but "
        "removes add-ons and custom settings. Here is how: "
        "/en-US/kb/refresh-firefox-reset-add-ons-and-settings",
    ),
    (
        "canned-troubleshoot-mode",
        "Try Troubleshoot Mode",
        "Let's check whether an add-on is involved. Please hold the Shift key while you start "
        "Firefox and choose Open in Troubleshoot Mode. Does the problem still happen?",
    ),
    (
        "canned-closing",
        "Closing",
        "I'm glad we could sort this out. If anything else comes up, the knowledge base and the "
        "forum are always open. Have a great day!",
    ),
]

GERMAN_CANNED = {
    "canned-greeting": (
        "canned-begruessung",
        "Begrüßung",
        "Hallo! Danke, dass Sie sich an den Mozilla-Support wenden. Ich lese Ihre Frage und bin "
        "gleich für Sie da.",
    ),
    "canned-closing": (
        "canned-abschluss",
        "Abschluss",
        "Schön, dass wir das lösen konnten. Bei weiteren Fragen sind Wissensdatenbank und Forum "
        "immer für Sie da. Einen schönen Tag noch!",
    ),
}

PASSWORD = "livechat-demo"

# username, display name, locale, groups, is_superuser
PEOPLE = [
    ("visitor", "", "en-US", [], False),
    ("helper1", "Priya Sharma", "en-US", ["Live Chat Helpers"], False),
    ("helper2", "Lukas Becker", "de", ["Live Chat Helpers"], False),
    ("helper3", "María González", "en-US", ["Live Chat Helpers"], False),
    ("mentor", "Dana Okafor", "en-US", ["Live Chat Supervisors"], False),
    ("trainee", "Tom Nguyen", "en-US", [], False),
    ("kbeditor", "Ruth Adler", "en-US", ["KB Editors"], False),
    ("admin", "Site Admin", "en-US", ["Live Chat Supervisors", "KB Editors"], True),
]

GROUPS = {
    "Live Chat Helpers": ["answer_chats"],
    "Live Chat Supervisors": ["answer_chats", "supervise_chats"],
    "KB Editors": ["view_insights"],
}

# A manual karma title, so profiles show one before anyone earns chat karma.
TITLES = {"Live Chat Mentor": ["mentor"]}
