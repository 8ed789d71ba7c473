"""Tone guard (POLICY.md R13): a reply that insults, talks down to, blames, argues with or mocks
the customer, or shouts, is never posted.

Shared and pure: the responder enforces it on every text it posts, and reporting runs it while
an agent writes, so the agent sees the same reasons before sending. Every problem found is one
short reason an agent can read, naming the words that caused it, e.g.
"insults the customer (insulting phrase 'Idiot')".

Lexicons are checked in every language regardless of the draft's language: a German reply with
an English sarcasm marker is still sarcastic. Matching is on whole words, case-insensitively,
after curly apostrophes and runs of whitespace are normalised.

Precision matters as much as recall: a word that is only rude when aimed at someone ("dumm",
"stupid", "Opfer") matches only in a form aimed at the reader ("Sie sind dumm", "you are
stupid"), so "Es gibt keine dummen Fragen" or "Sind Sie Opfer eines Betrugs geworden?" stay clean.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.contracts.actions import TEXT_KINDS

# lang -> category -> literal phrases, matched as whole words.
LEXICONS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "en": {
        "defensive": (
            "actually you",
            "as we already said",
            "as we said before",
            "as already stated",
            "as previously mentioned",
            "not our fault",
            "we are not responsible",
            "we're not responsible",
            "that is not our problem",
            "not our problem",
            "not my problem",
            "we did nothing wrong",
            "with all due respect",
        ),
        "blaming": (
            "your fault",
            "you should have",
            "you should've",
            "you failed to",
            "you didn't read",
            "you did not read",
            "if you had read",
            "user error",
            "you obviously",
        ),
        "argumentative": (
            "calm down",
            "you are wrong",
            "you're wrong",
            "that's not true",
            "that is not true",
            "that's simply not",
            "read the manual",
            "learn to",
            "stop complaining",
        ),
        "sarcastic": (
            "yeah right",
            "oh great",
            "oh wow",
            "sure thing, genius",
            "thanks a lot for nothing",
            "congratulations on",
            "good luck with that",
            "nice try",
            "obviously",
        ),
    },
    "de": {
        "defensive": (
            "wie bereits gesagt",
            "wie schon gesagt",
            "wie bereits erwähnt",
            "wie bereits erwaehnt",
            "nicht unsere schuld",
            "dafür sind wir nicht verantwortlich",
            "dafür können wir nichts",
            "wir haben nichts falsch gemacht",
            "eigentlich haben sie",
            "nicht mein problem",
            "nicht unser problem",
        ),
        "blaming": (
            "sie hätten",
            "sie haetten",
            "selbst schuld",
            "ihre schuld",
            "ihr fehler",
            "sie haben es versäumt",
            "sie haben versäumt",
            "bedienungsfehler",
            "hätten sie mal",
            "lesen sie doch",
        ),
        "argumentative": (
            "beruhigen sie sich",
            "regen sie sich ab",
            "das stimmt nicht",
            "sie irren sich",
            "sie liegen falsch",
            "hören sie auf",
            "das ist falsch",
        ),
        "sarcastic": (
            "na toll",
            "ja klar",
            "na klar doch",
            "herzlichen glückwunsch",
            "schön für sie",
            "viel spaß damit",
            "netter versuch",
            "offensichtlich",
        ),
    },
}

# Building blocks for PATTERNS (regular expressions without capturing groups).
_EN_INTENSIFIERS = (
    r"(?: (?:so|really|just|such|completely|totally|utterly|truly|clearly|obviously|a bit|kind of"
    r"|pretty|too|that|very|incredibly|plain|simply|quite|still|always|actually|even|being))*"
)
_DE_PARTICLES = (
    r"(?: (?:ja|so|echt|wirklich|doch|einfach|total|völlig|voellig|vollkommen|wohl|halt|eben"
    r"|eigentlich|denn|noch|ganz|zu|aber|mal|nur|schon|absolut|extrem|unglaublich|richtig"
    r"|ziemlich|sehr|offenbar|offensichtlich|anscheinend|auch))*"
)
_DE_ADDRESSED = (
    r"(?:sie sind|du bist|ihr seid|sind sie|bist du|seid ihr|(?:ihr|sie) leute (?:seid|sind))"
)
_DE_INSULT_ADJ = (
    r"(?:ein |eine |einen |der |die |so ein |so eine )?(?:(?:alte|blöde|bloede|dumme|kleine"
    r"|elende|totale|absolute|komplette|richtige|echte)[rsn]? )*"
)

# lang -> category -> regular expressions, matched as whole words. German lists carry the
# inflections and both the "du" and the "Sie" form; words that are harmless on their own
# ("dumm", "Opfer", "Pfeife") appear only aimed at the reader.
PATTERNS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "en": {
        "insulting": (
            r"(?:voll)?idiot\w*",
            r"morons?|moronic",
            r"imbeciles?|imbecilic",
            r"cretins?|cretinous",
            r"half-?wits?|dimwit\w*|nitwits?|numpty|numpties|dumbass\w*|dumbo",
            r"dickheads?|douchebags?|assholes?|arseholes?|asshats?|bastards?|bitch(?:es|y)?",
            r"twats?|wankers?|tossers?|retard(?:s|ed)?|scumbags?",
            r"clueless|brainless|losers?",
            r"(?:you(?:'re| are)|are you|you seem|you sound|you look|you must be)"
            + _EN_INTENSIFIERS
            + r" (?:stupid|dumb|thick|dense|incompetent|ignorant|pathetic|ridiculous|deluded"
            r"|delusional|useless|hopeless|annoying|lazy|illiterate|unreasonable|childish"
            r"|hysterical|crazy|insane|paranoid|irrational|rude|simple-minded)",
            r"(?:you(?:'re| are)(?: (?:such|a|an|just|really|nothing but|being))*|you|what an?"
            r"|such an?) (?:(?:stupid|dumb|silly|little|absolute|complete|utter|total|bloody"
            r"|pathetic|ignorant|old|big|real) )*(?:fool|jerk|clown|loser|prick|donkey|troll"
            r"|dummy|dork|creep|brat|muppet)s?",
            r"how (?:stupid|dumb|thick|dense) (?:can|are|is|could)",
        ),
        "condescending": (
            r"(?:it|this|that)(?:'s| is)(?: really| honestly| just| seriously)? not"
            r" (?:that|so|all that|very|exactly) (?:hard|difficult)",
            r"(?:it|this|that) (?:isn't|ain't)(?: really| honestly)? (?:that|so|all that|very"
            r"|exactly) (?:hard|difficult)",
            r"how hard can (?:it|this|that) (?:really )?be",
            r"is (?:it|this|that) (?:really )?(?:so|that) (?:hard|difficult)",
            r"rocket science|brain surgery",
            r"even an? (?:child|kid|toddler|five[- ]year[- ]old|monkey) (?:could|can|would|knows)",
            r"(?:did|have|do|can|could) you (?:even|even bother to) (?:read|look|listen|try"
            r"|check|bother)",
            r"learn to read|try reading",
            r"(?:just|simply) read the (?:faq|manual|instructions|fine print|description|terms"
            r"|website|post|article)",
            r"rtfm|lmgtfy|google it",
            r"(?:let me|i'll|i will|we'll|we will) (?:explain|say|repeat) (?:it|this|that)"
            r" (?:very )?slowly",
            r"spell it out for you|in words of one syllable",
            r"for the (?:last|hundredth|thousandth|umpteenth|millionth|nth|tenth) time",
            r"how many times (?:do|must|have|should|did) (?:we|i)",
            r"(?<!thank )you people|people like you",
            r"sweetie|sweetheart|sweety|kiddo",
            r"(?:use|it's|it is|just|basic|have some) (?:your |some )?common sense",
            r"use your (?:brain|head)",
            r"don't be (?:stupid|silly|ridiculous|daft|dumb|so dramatic)",
            r"you (?:clearly|obviously|just|simply|still) (?:don't|do not|didn't|did not)"
            r" (?:understand|get it|get the point)",
            r"you (?:just )?(?:don't|do not) get it",
            r"you (?:have|'ve) no (?:clue|idea what you(?:'re| are) talking about)",
            r"you (?:clearly |obviously )?(?:don't|do not) know what you(?:'re| are) talking about",
        ),
        "rude": (
            r"shut (?:up|your (?:mouth|trap|face|gob|pie ?hole))",
            r"(?:piss|bugger|sod|fuck|eff|buzz) off",
            r"screw you|go to hell|drop dead|get a life|get over it|cry me a river|boo hoo",
            r"(?:who|nobody|no one) cares",
            r"(?:we|i) (?:couldn't|could not) care less",
            r"stop (?:whining|crying|moaning|bitching|nagging|bothering us|bothering me"
            r"|pestering us|spamming us)",
            r"quit (?:whining|crying|moaning|bitching)",
            r"leave (?:us|me) alone",
            r"none of your business|mind your own business",
            r"(?:that's|that is) your (?:own )?problem",
            r"are you kidding me",
        ),
        "dismissive": (
            r"(?<!no-)nonsense",
            r"(?:what|utter|complete|total|absolute|pure|talking|load of) (?:a )?rubbish",
            r"hogwash|baloney|poppycock|drivel|balderdash",
            r"what a joke",
        ),
        "profane": (
            r"(?:mother)?fuck\w*",
            r"f\*+ck\w*",
            r"(?:bull|dip|horse|chicken|bat)?shit\w*",
            r"crap(?:py|s)?",
            r"wtf|stfu|gtfo",
            r"bloody hell|dammit|goddamn\w*|damn it",
            r"pissed",
        ),
    },
    "de": {
        "insulting": (
            r"(?:voll)?idiot\w*",
            r"depp(?:en|in)?|deppert\w*",
            r"(?:voll|dorf)?trottel\w*",
            r"(?:dumm|schwach|hohl|holz)k(?:opf|öpfe|oepfe|öpfen|oepfen)",
            r"dumpfbacke\w*",
            r"blödm(?:ann|änner|ännern)|bloedm(?:ann|aenner|aennern)",
            r"vollpfosten|vollhonk\w*|vollpfeife\w*|flachpfeife\w*",
            r"spast(?:en|i|is)?",
            r"arsch(?:loch|löcher|loecher|löchern|loechern|gesicht|geige|kriecher|krampe)?",
            r"wichser\w*|penner\w*|mistkerl\w*|miststück\w*|miststueck\w*",
            r"schlampe\w*|hurensohn\w*|hure|pisser|lackaffe\w*|knalltüte\w*|knalltuete\w*",
            r"hirni|dussel\w*|kretin\w*|schwachmat\w*|zicke|tussi",
            r"dorfdepp\w*|nervensäge\w*|nervensaege\w*",
            _DE_ADDRESSED
            + _DE_PARTICLES
            + r" (?:dumm|blöd|bloed|doof|bescheuert|beknackt|beschränkt|beschraenkt|unfähig"
            r"|unfaehig|ahnungslos|inkompetent|begriffsstutzig|dämlich|daemlich|hirnlos|nervig"
            r"|lästig|laestig|unverschämt|unverschaemt|hysterisch|lächerlich|laecherlich"
            r"|erbärmlich|erbaermlich|armselig|dreist|nicht ganz dicht|nicht ganz bei trost)",
            _DE_ADDRESSED
            + _DE_PARTICLES
            + r" "
            + _DE_INSULT_ADJ
            + r"(?:esel|affe|versager|versagerin|witzbold|nulpe|niete|lusche|spinner|spinnerin"
            r"|heulsuse|jammerlappen|witzfigur|würstchen|wuerstchen|loser|looser)",
            r"du (?:(?:alte|blöde|bloede|dumme|kleine|elende)[rsn]? )*(?:esel|affe|pfeife|clown"
            r"|lappen|opfer|versager|versagerin|witzbold|nulpe|niete|lusche|kuh|ziege|sau"
            r"|spinner|spinnerin|heulsuse|jammerlappen|witzfigur|würstchen|wuerstchen"
            r"|loser|looser)",
            r"(?:was für|so) (?:ein|eine|einen) (?:(?:alte|blöde|bloede|dumme|elende)[rsn]? )*"
            r"(?:esel|witzbold|nulpe|versager|versagerin|lusche|spinner|spinnerin|heulsuse"
            r"|jammerlappen|witzfigur|nervensäge|nervensaege)",
            r"(?:dumme|blöde|bloede|doofe|olle|alte|dämliche|daemliche) (?:kuh|ziege|gans|sau"
            r"|nuss|schnepfe)",
            r"wie (?:dumm|blöd|bloed|doof|bescheuert|dämlich|daemlich) (?:kann|muss) man"
            r"(?: (?:denn|eigentlich|nur|bitte))* sein",
        ),
        "condescending": (
            r"(?:das|es|dies)(?: ist| wäre| waere)(?: (?:doch|wirklich|echt|gar|ja|eigentlich"
            r"|nun|auch|jetzt))* nicht(?: (?:so|allzu|besonders|sonderlich|wirklich|sehr|gerade))*"
            r" (?:schwer|schwierig)(?!,? (?:wie|als))",
            r"ist (?:das|es) (?:denn|wirklich|echt|tatsächlich|tatsaechlich)(?: so)? schwer",
            r"kann (?:doch |ja )?(?:nicht|ja nicht) so schwer sein",
            r"so schwer kann (?:das|es) (?:doch |ja )?nicht sein",
            r"wie schwer kann (?:das|es) (?:denn |schon )?sein",
            r"kein hexenwerk|keine raketenwissenschaft",
            r"(?:schafft|kann|weiß|weiss|versteht|kapiert) (?:doch |ja )?(?:jedes|selbst ein"
            r"|sogar ein) kind",
            r"(?:selbst|sogar) ein kind (?:kann|könnte|koennte|schafft|versteht|weiß|weiss"
            r"|würde|wuerde)",
            r"wer lesen kann|klar im vorteil|zum mitschreiben",
            r"zum (?:hundertsten|tausendsten|x-ten|zigsten|x ten) mal",
            r"wie oft (?:denn )?noch|wie oft (?:müssen|muessen|soll) (?:wir|ich)",
            r"(?:haben sie|hast du|habt ihr)(?: \w+){0,3} (?:überhaupt|ueberhaupt)"
            r" (?:gelesen|zugehört|zugehoert|verstanden|nachgesehen|nachgeschaut)",
            r"(?:können|koennen) sie (?:denn |etwa |eigentlich )?(?:nicht|überhaupt|ueberhaupt)"
            r" lesen",
            r"kannst du (?:denn |etwa |eigentlich )?(?:nicht|überhaupt|ueberhaupt) lesen",
            r"lies (?:doch|einfach|erst ?mal)",
            r"lesen sie (?:einfach|erst ?mal)(?: mal)? (?:die|das|den|unsere|unser)",
            r"leute wie (?:sie|du|ihr|euch|dich)",
            r"schätzchen|schaetzchen|schatzi|mäuschen|maeuschen",
            r"(?<!ein )(?<!eine )(?:gute frau|guter mann|junger mann)|meine gute|mein guter",
            r"gesunde[rnm]? menschenverstand\w*",
            r"(?:benutzen|nutzen|gebrauchen) sie (?:doch )?(?:mal )?(?:ihren|ihr) (?:kopf|verstand"
            r"|gehirn|hirn)",
            r"denken sie (?:doch|mal|einfach)(?: mal)? nach|denk (?:doch |mal |einfach )+nach",
            r"(?:sie verstehen|du verstehst) (?:es|das) (?:einfach|wohl|offenbar|offensichtlich"
            r"|halt|eben|immer noch) nicht",
            r"(?:sie haben|du hast|ihr habt)(?: (?:ja|doch|wohl|offensichtlich|offenbar|echt"
            r"|wirklich|überhaupt|ueberhaupt|absolut|eben|halt|einfach))+ (?:keine|null) ahnung",
            r"null ahnung",
        ),
        "rude": (
            r"(?:halt|haltet|halten sie)(?: (?:doch|mal|jetzt|endlich|einfach|bitte|lieber))*"
            r" (?:(?:die|deine|ihre|eure|den|dein|ihren|euren|das) )?(?:klappe|maul|fresse"
            r"|sabbel|(?:mund|schnauze)(?= ?[.!?,;:)]|$))",
            r"halt (?:mal )?den rand",
            r"halt'?s maul",
            r"(?:die klappe|das maul|den mund|die fresse|den rand) (?:zu )?halten",
            r"klappe halten|fresse|die schnauze (?:gestrichen )?voll",
            r"verpisst? (?:dich|euch)|verpissen sie sich",
            r"hau ab|hauen sie ab|zieh leine|ziehen sie leine",
            r"leck mich|fickt? (?:dich|euch)|ficken sie sich|geh sterben",
            r"lass(?:en sie)? (?:mich|uns) (?:doch )?(?:endlich )?in ruhe",
            r"nerven sie (?:uns|mich) nicht|nerv (?:uns |mich )?nicht|du nervst",
            r"seien sie (?:doch |endlich |einfach )*still|sei (?:doch |endlich )*still",
            r"(?:das|es) geht (?:sie|dich|euch) (?:doch |gar |überhaupt )?nichts an",
            r"(?:uns|mir) (?:doch|herzlich|sowas von|echt) egal",
            r"(?:uns|mir) (?:doch )?(?:wurscht|schnuppe|scheißegal|scheissegal|latte)",
            r"(?:haben sie|hast du) (?:sie|se) (?:noch|nicht mehr) alle",
            r"geht's noch\?",
            r"du spinnst|spinnst du|sie spinnen wohl|spinnen sie (?:eigentlich|jetzt|denn)",
            r"(?:hör|hoer|hört|hoert|hören sie|hoeren sie) (?:endlich |doch |mal )*auf zu"
            r" (?:jammern|meckern|nerven|heulen|spammen|nörgeln|noergeln)",
            r"heul doch|(?:jammern|meckern|heulen|nörgeln|noergeln) sie (?:doch )?nicht"
            r" (?:so )?rum",
        ),
        "dismissive": (
            r"schwachsinn\w*|blödsinn\w*|bloedsinn\w*|quatsch|unsinn|mumpitz|humbug",
            r"dummes zeug|papperlapapp",
        ),
        "profane": (
            r"schei(?:ß|ss)\w*",
            r"kacke|kack\w+",
            r"verfickt\w*|gefickt",
        ),
    },
}

DESCRIPTIONS: Mapping[str, str] = {
    "insulting": "insults the customer",
    "condescending": "talks down to the customer",
    "rude": "is rude to the customer",
    "dismissive": "dismisses what the customer said",
    "profane": "uses profanity",
    "defensive": "sounds defensive",
    "blaming": "blames the customer",
    "argumentative": "argues with the customer",
    "sarcastic": "sounds sarcastic",
    "agitated": "sounds agitated",
    "shouting": "shouting",
    "humour": "humour on an account that does not allow it",
}
"""What each category of finding means, in the words an agent reads."""
_LABELS: Mapping[str, str] = {
    "agitated": "punctuation",
    "shouting": "all caps:",
    "humour": "humour marker",
}

HUMOUR_WORDS: tuple[str, ...] = ("haha", "hehe", "lol", "rofl", "lmao", "xd", "hihi")
HUMOUR_SYMBOLS: tuple[str, ...] = (
    "😂",
    "🤣",
    "😜",
    "😉",
    "😄",
    "😆",
    "😅",
    ";)",
    ";-)",
    ":d",
    ":-d",
    ":p",
    ":-p",
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


@dataclass(frozen=True)
class ToneFinding:
    """One problem: its category (a key of DESCRIPTIONS) and the draft's words that show it."""

    category: str
    evidence: str

    @property
    def reason(self) -> str:
        label = _LABELS.get(self.category, f"{self.category} phrase")
        return f"{DESCRIPTIONS[self.category]} ({label} '{self.evidence}')"


@dataclass(frozen=True)
class ToneVerdict:
    """Accepted or not, and every reason why not (a support engineer reads these).

    `reasons` are the findings' readable texts, in order; `findings` keep category and the
    words, for a caller that wants to highlight them."""

    reasons: tuple[str, ...]
    findings: tuple[ToneFinding, ...] = ()

    @property
    def accepted(self) -> bool:
        return not self.reasons


def _normalise(text: str) -> str:
    """Curly apostrophes made straight, whitespace runs made one space; case is kept so a
    reason quotes the draft's own words (see _lowered for matching)."""
    return " ".join(text.translate(_APOSTROPHES).split())


def _lowered(text: str) -> str:
    """The text in lower case, character for character, so a match's span is the draft's words.

    Patterns are lower case and matched without re.IGNORECASE: three times faster."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower()[:1] for c in text)  # "İ" lowers to two characters


def _whole_words(*sources: str) -> re.Pattern[str]:
    """Any of the (lower-case) regular expressions, as whole words."""
    return re.compile(r"(?<!\w)(?:" + "|".join(sources) + r")(?!\w)")


def _phrase_pattern(*phrases: str) -> re.Pattern[str]:
    """Any of the literal phrases, as whole words."""
    return _whole_words(*(re.escape(p) for p in phrases))


_SOURCES: tuple[tuple[str, str, str], ...] = (
    *(
        (lang, category, re.escape(phrase))
        for lang, categories in LEXICONS.items()
        for category, phrases in categories.items()
        for phrase in phrases
    ),
    *(
        (lang, category, source)
        for lang, categories in PATTERNS.items()
        for category, sources in categories.items()
        for source in sources
    ),
)
_COMPILED: tuple[tuple[str, str, str, re.Pattern[str]], ...] = tuple(
    (lang, category, source, _whole_words(source)) for lang, category, source in _SOURCES
)
"""(language, category, regular expression, its whole-word pattern), literal phrases first."""


def _scan(source: str, start: int, stop: str) -> int:
    """Index of the first `stop` character ("|" or ")") at nesting depth 0 from `start`, skipping
    escapes and character classes; len(source) when there is none."""
    depth, in_class, i = 0, False, start
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == ")" and depth:
            depth -= 1
        elif c == stop and not depth:
            return i
        elif c == "(":
            depth += 1
        i += 1
    return i


def _alternatives(source: str) -> list[str]:
    """The top-level alternatives of a pattern, a leading (?:a|b)rest spread into arest|brest."""
    parts, start = [], 0
    while start <= len(source):
        end = _scan(source, start, "|")
        parts.append(source[start:end])
        start = end + 1
    spread: list[str] = []
    for part in parts:
        if part.startswith("(?:"):
            close = _scan(part, 3, ")")
            rest = part[close + 1 :]
            if rest[:1] not in ("?", "*", "+", "{"):
                spread.extend(
                    a for inner in _alternatives(part[3:close]) for a in _alternatives(inner + rest)
                )
                continue
        spread.append(part)
    return spread


def _screen(sources: Iterable[str]) -> re.Pattern[str]:
    """All sources as one pattern, alternatives grouped by their first letter.

    The regex engine tries every alternative at every word; one starting with a literal letter
    it rejects in one comparison, so 26 groups cost what 26 alternatives do, not 700."""
    by_letter: dict[str, list[str]] = {}
    other: list[str] = []
    for alternative in dict.fromkeys(a for source in sources for a in _alternatives(source)):
        first, second = alternative[:1], alternative[1:2]
        if first.isalpha() and second and second not in "?*+{":
            by_letter.setdefault(first, []).append(alternative[1:])
        else:
            other.append(alternative)
    grouped = [f"{letter}(?:{'|'.join(rests)})" for letter, rests in by_letter.items()]
    return _whole_words(*grouped, *other)


_ANY_PHRASE = _screen(source for _lang, _category, source in _SOURCES)
"""One pass that screens a draft: almost every draft is clean, and a few hundred separate
searches per draft made the tone guard the responder's largest cost. Only a hit runs the
per-phrase patterns, which name what the screen found (a property test holds the screen to
them)."""

_HUMOUR_WORD_PATTERNS = tuple((w, _phrase_pattern(w)) for w in HUMOUR_WORDS)
_ANY_HUMOUR_WORD = _phrase_pattern(*HUMOUR_WORDS)


def _humour_markers(lowered: str) -> Iterable[str]:
    if _ANY_HUMOUR_WORD.search(lowered):
        for word, pattern in _HUMOUR_WORD_PATTERNS:
            if pattern.search(lowered):
                yield word
    for symbol in HUMOUR_SYMBOLS:
        if symbol in lowered:
            yield symbol


SHOUTING_RUN = 3
"""Consecutive words in capitals from which a draft reads as shouting ..."""
SHOUTING_LONG_WORDS = 2
"""... when at least this many of them have four letters or more: a list of acronyms ("FAQ, AGB,
DSGVO") or one reference code ("SC-ABCDEFGH") is not shouting, "WHERE IS MY ORDER" is."""


def _letters(token: str) -> int:
    return sum(c.isalpha() for c in token)


def _shouting(text: str) -> Iterable[str]:
    """Each run of words in capitals that reads as shouting, as written."""
    run: list[str] = []
    for token in [*text.split(" "), ""]:
        if token.isupper() and _letters(token) >= 2:
            run.append(token)
            continue
        if len(run) >= SHOUTING_RUN and sum(_letters(t) >= 4 for t in run) >= SHOUTING_LONG_WORDS:
            yield " ".join(run).strip(".,;:!?")
        run = []


def _phrases(text: str) -> Iterable[ToneFinding]:
    """Every listed phrase in the text; within a category, a match overlapping an earlier one
    ("You are such a loser", "loser") is the same problem and is not named again."""
    lowered = _lowered(text)
    if not _ANY_PHRASE.search(lowered):
        return
    seen: dict[str, list[tuple[int, int]]] = {}
    for _lang, category, _source, pattern in _COMPILED:
        match = pattern.search(lowered)
        if not match:
            continue
        start, end = match.span()
        spans = seen.setdefault(category, [])
        if any(start < e and s < end for s, e in spans):
            continue
        spans.append((start, end))
        yield ToneFinding(category, text[start:end])


def _findings(text: str, *, humour_allowed: bool) -> Iterable[ToneFinding]:
    yield from _phrases(text)
    for run in _shouting(text):
        yield ToneFinding("shouting", run)
    for marks in ("!!", "?!", "!?"):
        if marks in text:
            yield ToneFinding("agitated", marks)
    if not humour_allowed:
        for marker in _humour_markers(_lowered(text)):
            yield ToneFinding("humour", marker)


def check_tone(draft: str, *, humour_allowed: bool) -> ToneVerdict:
    """Reasons a draft must not be posted; empty when it is calm, polite and not defensive.

    A phrase listed in two languages (or overlapping another of its category) is one reason."""
    findings = tuple(_findings(_normalise(draft), humour_allowed=humour_allowed))
    return ToneVerdict(tuple(f.reason for f in findings), findings)


@dataclass(frozen=True)
class EditRefusal:
    """Why an agent's edited words may not be posted; `reasons` are the tone guard's."""

    message: str
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.message}: {'; '.join(self.reasons)}" if self.reasons else self.message


def edit_refusal(kind: str, text: str, *, humour_allowed: bool) -> EditRefusal | None:
    """Edited words pass the same guard as templates (R13); None when they may be posted.

    One check for both ways an agent edits a draft: the inbox's command and the drafts API."""
    if kind not in TEXT_KINDS:
        return EditRefusal(f"a {kind} action has no text to edit")
    verdict = check_tone(text, humour_allowed=humour_allowed)
    if verdict.accepted:
        return None
    return EditRefusal("the edited reply fails the tone guard", verdict.reasons)
