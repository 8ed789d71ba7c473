"""Interface text in German and English, chosen by a toggle cookie or `Accept-Language`."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "de")
DEFAULT = "en"

TEXT: Mapping[str, Mapping[str, str]] = {
    "en": {
        "title": "Inbox",
        "login": "Sign in",
        "login_intro": "Sign in with your agent account (an admin creates it).",
        "password": "Password",
        "agent_name": "Agent name",
        "login_failed": "Unknown name, wrong password or a disabled account.",
        "logout": "Sign out",
        "queue": "Open exchanges",
        "threats": "Threats",
        "reports": "Reports",
        "filter": "Filter",
        "search": "Search (text, author, thread)",
        "status": "Status",
        "platform": "Platform",
        "account": "Account",
        "category": "Category",
        "risk": "Risk",
        "language": "Language",
        "any": "any",
        "open": "open",
        "resolved": "resolved",
        "awaiting_customer": "awaiting the customer",
        "ignored": "ignored",
        "sla_due": "SLA due",
        "author": "Author",
        "thread": "Exchange",
        "messages_one": "{n} message",
        "messages_other": "{n} messages",
        "no_exchanges": "No exchanges match.",
        "reasons": "Why",
        "timeline": "Timeline",
        "drafts": "Waiting for approval",
        "no_drafts": "Nothing is waiting for approval.",
        "reply_text": "Reply text",
        "approve": "Approve and send",
        "discard": "Discard",
        "resolve": "Mark resolved",
        "reopen": "Reopen",
        "take_over": "Take over (stop automatic replies)",
        "release": "Hand back to automation",
        "undo_hide": "Undo hide",
        "manual": "taken over by an agent",
        "state": "State",
        "actions": "Actions",
        "hidden": "Hidden comments",
        "sent": "Sent to the services; this page updates when they have acted.",
        "live": "Live updates on",
        "evidence": "Preserved evidence",
        "export_json": "Export JSON",
        "print": "Printable page",
        "no_threats": "No threats are waiting for a decision.",
        "threats_intro": "Threats awaiting a human decision on a police report.",
        "comment": "Customer",
        "decision": "Decision",
        "action": "Action",
        "sla": "SLA",
        "removed": "removed",
        "edited": "edited",
        "alert": "Escalation alert",
        "rule": "Rule",
        "switch_lang": "Deutsch",
        "back": "Back to the inbox",
        "csrf_failed": "The form expired; reload the page and try again.",
        "skip": "Skip to content",
    },
    "de": {
        "title": "Posteingang",
        "login": "Anmelden",
        "login_intro": "Mit Ihrem Agenten-Konto anmelden (ein Admin legt es an).",
        "password": "Passwort",
        "agent_name": "Agenten-Name",
        "login_failed": "Unbekannter Name, falsches Passwort oder gesperrtes Konto.",
        "logout": "Abmelden",
        "queue": "Offene Vorgänge",
        "threats": "Drohungen",
        "reports": "Berichte",
        "filter": "Filtern",
        "search": "Suche (Text, Autor, Vorgang)",
        "status": "Status",
        "platform": "Plattform",
        "account": "Konto",
        "category": "Kategorie",
        "risk": "Risiko",
        "language": "Sprache",
        "any": "alle",
        "open": "offen",
        "resolved": "erledigt",
        "awaiting_customer": "wartet auf Kunden",
        "ignored": "ignoriert",
        "sla_due": "SLA fällig",
        "author": "Autor",
        "thread": "Vorgang",
        "messages_one": "{n} Nachricht",
        "messages_other": "{n} Nachrichten",
        "no_exchanges": "Keine passenden Vorgänge.",
        "reasons": "Warum",
        "timeline": "Verlauf",
        "drafts": "Wartet auf Freigabe",
        "no_drafts": "Nichts wartet auf Freigabe.",
        "reply_text": "Antworttext",
        "approve": "Freigeben und senden",
        "discard": "Verwerfen",
        "resolve": "Als erledigt markieren",
        "reopen": "Wieder öffnen",
        "take_over": "Übernehmen (keine automatischen Antworten)",
        "release": "An die Automatik zurückgeben",
        "undo_hide": "Ausblenden rückgängig machen",
        "manual": "von einer Person übernommen",
        "state": "Zustand",
        "actions": "Aktionen",
        "hidden": "Ausgeblendete Kommentare",
        "sent": "An die Dienste gesendet; die Seite aktualisiert sich, sobald sie gehandelt haben.",
        "live": "Live-Aktualisierung an",
        "evidence": "Gesicherte Beweise",
        "export_json": "Als JSON exportieren",
        "print": "Druckansicht",
        "no_threats": "Keine Drohung wartet auf eine Entscheidung.",
        "threats_intro": "Drohungen, bei denen eine Person über eine Anzeige entscheiden muss.",
        "comment": "Kunde",
        "decision": "Entscheidung",
        "action": "Aktion",
        "sla": "SLA",
        "removed": "entfernt",
        "edited": "bearbeitet",
        "alert": "Eskalationswarnung",
        "rule": "Regel",
        "switch_lang": "English",
        "back": "Zurück zum Posteingang",
        "csrf_failed": "Das Formular ist abgelaufen; Seite neu laden und erneut versuchen.",
        "skip": "Zum Inhalt springen",
    },
}


def choose_language(toggle: str | None, accept_language: str | None) -> str:
    """The toggle wins; else the first supported language in `Accept-Language` by weight."""
    if toggle in LANGUAGES:
        return toggle
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, position, tag.strip().lower().split("-")[0]))
    for _w, _p, lang in sorted(ranked):
        if lang in LANGUAGES:
            return lang
    return DEFAULT


def texts(lang: str) -> Mapping[str, str]:
    return TEXT.get(lang, TEXT[DEFAULT])
