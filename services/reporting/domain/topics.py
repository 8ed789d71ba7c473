"""Transparent topic keywords for the improvement report: words left after de/en stopwords."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zäöüß][a-zäöüß0-9\-]{2,}", re.IGNORECASE)

STOPWORDS = frozenset(
    """
    the and for are but not you your yours our ours out all any can had has have her his him how
    its was were will with this that these those there their them they then than what when where
    which who why would could should been being into onto from about after again also just more
    most much very some such only own same too once here off over under until while because did
    does doing done get got gets still even ever never now one two really please thanks thank
    why dont don't can't cant won't isn't wasn't didn't doesn't i'm im it's let's yet via per
    again already always anyone anything everyone nothing something someone since though
    der die das den dem des ein eine einer eines einem einen und oder aber nicht kein keine
    ist sind war waren bin bist seid wird werden wurde wurden hat habe haben hatte hatten
    ich du er sie es wir ihr mich mir dich dir uns euch ihm ihn ihnen sich mein meine euer
    eure ihre ihr sein seine mit von bei für auf aus nach vor zum zur zu im in an am um
    wie was wer wo warum weil dass wenn dann doch noch schon auch nur sehr mal immer wieder
    jetzt heute hier dort so da ja nein nie mehr viel viele alle alles nichts etwas man
    diese dieser dieses diesem diesen jeder jede jedes kann könnt können muss müssen soll
    sollte würde hätte gibt gab geht ging bitte danke leider einfach gar ganz über unter
    """.split()
)
"""Function words of German and English; what is left names products, places and problems."""


def keywords(text: str, *, limit: int = 5) -> list[str]:
    """Distinct content words in order of appearance, lower-cased; at most `limit`."""
    found: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0).lower().strip("-")
        if len(word) < 3 or word in STOPWORDS or word.isdigit() or word in found:
            continue
        found.append(word)
        if len(found) == limit:
            break
    return found


def topics_of(category: str | None, text: str) -> list[str]:
    """The complaint category first (when there is one), then the comment's keywords."""
    head = [f"category:{category}"] if category else []
    return head + keywords(text)
