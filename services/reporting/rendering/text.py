"""The weekly report's words in English and German: headings, chart titles, table headers."""

from __future__ import annotations

from collections.abc import Mapping

REPORT_LANGUAGES = ("en", "de")

TEXT: Mapping[str, Mapping[str, str]] = {
    "en": {
        "report": "Weekly report",
        "reports": "Reports",
        "account": "Account",
        "week": "Week",
        "period": "Period",
        "generated": "Generated",
        "show": "Show",
        "download_html": "Download (HTML)",
        "download_pdf": "Download (PDF)",
        "summary": "Summary",
        "exchanges": "Exchanges",
        "complaints": "Complaints",
        "met": "answered in time",
        "breached": "answered late or not at all",
        "pending": "still within the deadline",
        "met_pct": "SLA met",
        "first_response": "First response",
        "p50": "median",
        "p90": "90th percentile",
        "hours": "hours",
        "category": "Category",
        "day": "Day",
        "compliance_title": "SLA compliance per category and day",
        "compliance_desc": "Share of exchanges opened that day whose first response came by the "
        "deadline, per complaint category.",
        "response_title": "First response times per category",
        "response_desc": "Median and 90th percentile of the time from the customer's comment to "
        "our first reply, in hours (business hours where the category's SLA counts them).",
        "backlog_title": "Backlog at the end of each day",
        "backlog_desc": "Exchanges of the week waiting for our first response, and exchanges not "
        "resolved yet, at the end of each day.",
        "awaiting": "waiting for a first response",
        "open": "not resolved",
        "topics_title": "What customers complained about",
        "topics_desc": "Exchanges per complaint topic this week against the week before.",
        "topic": "Topic",
        "this_period": "this week",
        "previous_period": "week before",
        "trend": "Trend",
        "breached_share": "SLA breached",
        "examples": "Examples",
        "alerts_title": "Escalation alerts",
        "alerts_desc": "When an exchange's risk score crossed the alert threshold, and its score.",
        "alert_at": "Time",
        "score": "Risk score",
        "thread": "Exchange",
        "no_alerts": "No escalation alerts this week.",
        "actions_title": "Actions taken per day",
        "actions_desc": "Replies, hides, deletions, blocks and platform reports the responder "
        "completed each day.",
        "action_replies": "replies",
        "action_hides": "hides",
        "action_deletions": "deletions",
        "action_blocks": "blocks",
        "action_reports": "platform reports",
        "top_complaints": "Top complaints with examples",
        "no_data": "No data for this period.",
        "none": "none",
        "all": "all",
        "new": "new",
        "table": "Figures as a table",
    },
    "de": {
        "report": "Wochenbericht",
        "reports": "Berichte",
        "account": "Konto",
        "week": "Woche",
        "period": "Zeitraum",
        "generated": "Erstellt",
        "show": "Anzeigen",
        "download_html": "Herunterladen (HTML)",
        "download_pdf": "Herunterladen (PDF)",
        "summary": "Überblick",
        "exchanges": "Vorgänge",
        "complaints": "Beschwerden",
        "met": "rechtzeitig beantwortet",
        "breached": "zu spät oder nicht beantwortet",
        "pending": "noch innerhalb der Frist",
        "met_pct": "SLA eingehalten",
        "first_response": "Erste Antwort",
        "p50": "Median",
        "p90": "90. Perzentil",
        "hours": "Stunden",
        "category": "Kategorie",
        "day": "Tag",
        "compliance_title": "SLA-Einhaltung je Kategorie und Tag",
        "compliance_desc": "Anteil der an diesem Tag eröffneten Vorgänge, deren erste Antwort "
        "innerhalb der Frist kam, je Beschwerdekategorie.",
        "response_title": "Zeit bis zur ersten Antwort je Kategorie",
        "response_desc": "Median und 90. Perzentil der Zeit vom Kommentar bis zu unserer ersten "
        "Antwort, in Stunden (Geschäftszeiten, wo die Frist der Kategorie sie zählt).",
        "backlog_title": "Rückstand am Ende jedes Tages",
        "backlog_desc": "Vorgänge der Woche, die auf unsere erste Antwort warten, und noch nicht "
        "gelöste Vorgänge, jeweils am Tagesende.",
        "awaiting": "warten auf erste Antwort",
        "open": "nicht gelöst",
        "topics_title": "Worüber sich Kundinnen und Kunden beschwert haben",
        "topics_desc": "Vorgänge je Beschwerdethema in dieser Woche gegenüber der Vorwoche.",
        "topic": "Thema",
        "this_period": "diese Woche",
        "previous_period": "Vorwoche",
        "trend": "Trend",
        "breached_share": "SLA verletzt",
        "examples": "Beispiele",
        "alerts_title": "Eskalationswarnungen",
        "alerts_desc": "Wann der Risikowert eines Vorgangs die Warnschwelle überschritt, und "
        "sein Wert.",
        "alert_at": "Zeit",
        "score": "Risikowert",
        "thread": "Vorgang",
        "no_alerts": "Keine Eskalationswarnungen in dieser Woche.",
        "actions_title": "Maßnahmen je Tag",
        "actions_desc": "Antworten, Ausblendungen, Löschungen, Sperren und Meldungen an die "
        "Plattform, die der Responder je Tag ausgeführt hat.",
        "action_replies": "Antworten",
        "action_hides": "Ausblendungen",
        "action_deletions": "Löschungen",
        "action_blocks": "Sperren",
        "action_reports": "Meldungen",
        "top_complaints": "Die häufigsten Beschwerden mit Beispielen",
        "no_data": "Keine Daten für diesen Zeitraum.",
        "none": "keine",
        "all": "alle",
        "new": "neu",
        "table": "Zahlen als Tabelle",
    },
}

CATEGORY_NAMES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "complaint.product": "Product",
        "complaint.customer_service": "Customer service",
        "complaint.social_media": "Social media",
        "none": "No category",
    },
    "de": {
        "complaint.product": "Produkt",
        "complaint.customer_service": "Kundenservice",
        "complaint.social_media": "Social Media",
        "none": "Ohne Kategorie",
    },
}


def report_texts(lang: str) -> Mapping[str, str]:
    return TEXT.get(lang, TEXT["en"])


def category_name(category: str, lang: str) -> str:
    return CATEGORY_NAMES.get(lang, CATEGORY_NAMES["en"]).get(category, category)
