"""Reply templates as data: per language and situation, several variants, chosen stably."""

from __future__ import annotations

import base64
import hashlib
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_LANGUAGE = "en"
PLACEHOLDERS = frozenset({"author", "brand", "reference"})


class TemplateError(ValueError):
    """A template file or lookup that cannot produce a reply; names the file or situation."""


def reference_code(platform: str, comment_id: str) -> str:
    """Short, stable code the customer can quote; the same comment always gets the same code."""
    digest = hashlib.sha256(f"{platform}:{comment_id}".encode()).digest()
    return "SC-" + base64.b32encode(digest[:5]).decode().rstrip("=")


def variant_index(action_id: str, count: int) -> int:
    """Deterministic choice, so a retried action renders exactly the same text."""
    digest = hashlib.sha256(action_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass(frozen=True)
class LanguageTemplates:
    language: str
    fallback_author: str
    situations: Mapping[str, tuple[str, ...]]


def _check_placeholders(source: str, situation: str, text: str) -> None:
    fields = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    unknown = fields - PLACEHOLDERS
    if unknown:
        raise TemplateError(
            f"{source}: situation {situation!r} uses unknown placeholders {sorted(unknown)}; "
            f"allowed are {sorted(PLACEHOLDERS)}"
        )


def _parse(source: str, raw: object) -> LanguageTemplates:
    if not isinstance(raw, dict) or not isinstance(raw.get("situations"), dict):
        raise TemplateError(f"{source}: expected a mapping with 'language' and 'situations'")
    situations: dict[str, tuple[str, ...]] = {}
    for situation, variants in raw["situations"].items():
        if not isinstance(variants, list) or not variants:
            raise TemplateError(f"{source}: situation {situation!r} needs a non-empty list")
        for text in variants:
            _check_placeholders(source, situation, str(text))
        situations[str(situation)] = tuple(" ".join(str(v).split()) for v in variants)
    return LanguageTemplates(
        language=str(raw.get("language", "")),
        fallback_author=str(raw.get("fallback_author", "")),
        situations=situations,
    )


class TemplateBook:
    """All languages' templates; `render` falls back to the account language, then English."""

    def __init__(self, languages: Mapping[str, LanguageTemplates]) -> None:
        if DEFAULT_LANGUAGE not in languages:
            raise TemplateError(f"templates for the fallback language {DEFAULT_LANGUAGE!r} missing")
        self._languages = dict(languages)

    @classmethod
    def from_directory(cls, directory: Path = TEMPLATE_DIR) -> TemplateBook:
        """Read `<lang>.yaml` files once, at the composition root; fails loudly on a bad file."""
        languages: dict[str, LanguageTemplates] = {}
        for path in sorted(directory.glob("*.yaml")):
            try:
                raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise TemplateError(f"{path}: not valid YAML: {exc}") from exc
            languages[path.stem] = _parse(str(path), raw)
        return cls(languages)

    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._languages))

    def resolve_language(self, *candidates: str | None) -> str:
        """First candidate we have templates for (`de-AT` counts as `de`), else English."""
        for candidate in candidates:
            if not candidate:
                continue
            base = candidate.lower().replace("_", "-").split("-")[0]
            if base in self._languages:
                return base
        return DEFAULT_LANGUAGE

    def variants(self, language: str, situation: str) -> tuple[str, ...]:
        templates = self._languages[self.resolve_language(language)]
        found = templates.situations.get(situation)
        if found is None:
            raise TemplateError(
                f"no reply template for situation {situation!r} in language "
                f"{templates.language!r}; known: {sorted(templates.situations)}"
            )
        return found

    def all_variants(self) -> Iterator[tuple[str, str, str]]:
        """(language, situation, variant) for every shipped text, so tests can vet each one."""
        for language, templates in sorted(self._languages.items()):
            for situation, variants in templates.situations.items():
                for variant in variants:
                    yield language, situation, variant

    def render(
        self,
        *,
        language: str,
        situation: str,
        action_id: str,
        author: str,
        brand: str,
        reference: str,
        max_length: int | None = None,
    ) -> str:
        """Fill the variant picked by the action id; a blank author name gets a polite default.

        With `max_length` (X takes 280 characters) the next variants are tried in turn, so a
        long name picks a shorter wording instead of a reply the platform would refuse.
        """
        variants = self.variants(language, situation)
        lang = self._languages[self.resolve_language(language)]
        name = " ".join(author.split()) or lang.fallback_author
        first = variant_index(action_id, len(variants))
        values = {"author": name, "brand": brand, "reference": reference}
        texts = [
            variants[(first + k) % len(variants)].format_map(values) for k in range(len(variants))
        ]
        fitting = [t for t in texts if max_length is None or len(t) <= max_length]
        if not fitting:
            raise TemplateError(
                f"every {situation!r} reply in {lang.language!r} is longer than the platform's "
                f"{max_length} characters (shortest {min(map(len, texts))}); add a shorter one"
            )
        return fitting[0]
