"""Free text (a CV paragraph, a vacancy description; Finnish, Swedish or English) to ESCO skills, occupations and
licences, each with the words that matched, so the counsellor sees why and confirms or removes it.

The method is a curated table of search terms per concept (``data/esco_subset.json``, ``data/licences.json``): a
term is one or more words, a word ending in ``*`` matches any ending (Finnish and Swedish inflect: "trukkia",
"trukilla" and "trukinkuljettaja" all start "truk"). It was chosen over an embedding model because none that ships
inside a package runs on Python 3.11 here without downloading weights at run time, and because a counsellor can read
and correct a term table (see docs/matching.md).

Negations count. A mention is negated when a negation word ("ei", "en", "ilman", "inte", "utan", "no",
"without"…) comes before it in the same clause, or "ei", "puuttuu", "inte", "saknas", "not", "missing"… after it;
a clause ends at . ; ! ? , and at "mutta", "men", "but". A negated mention produces nothing: "ei ajokorttia"
never yields the driving skill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from polku.employer_services.esco import Concept, catalogue

TOKEN = re.compile(r"[\w][\w\-'’+#]*", re.UNICODE)
CLAUSE_BREAK = re.compile(r"[.;!?,\n]")  # not ":" : "Ajokortti: ei" is one clause
CLAUSE_WORDS = frozenset({"mutta", "vaan", "men", "but", "however", "kuitenkin", "dock", "although"})
NEGATION_BEFORE = frozenset({
    # Finnish: the negative verb in every person, "without", "lacking"
    "ei", "en", "et", "emme", "ette", "eivät", "eikä", "enkä", "etkä", "ilman", "vailla", "puuttuu", "puuttuvat",
    # Swedish
    "inte", "ej", "icke", "inget", "ingen", "inga", "utan", "saknar", "aldrig",
    # English
    "no", "not", "without", "never", "lack", "lacks", "lacking", "don't", "doesn't", "cannot", "can't", "nor", "none",
})
# After the term in the same clause: "ajokorttia ei ole", "körkort krävs inte", "licence: not required".
NEGATION_AFTER = frozenset({"ei", "en", "eivät", "puuttuu", "puuttuvat", "puuttui", "inte", "ej", "saknas",
                            "saknades", "not", "no", "missing", "lacking", "none"})


@dataclass(frozen=True)
class Token:
    text: str
    lower: str
    start: int
    end: int
    clause: int


@dataclass(frozen=True)
class Mention:
    """One place in the text where a concept's term matched."""

    start: int
    end: int
    text: str
    negated: bool
    cue: str  # the negation word, when negated


@dataclass(frozen=True)
class Suggestion:
    """A concept found in the text: counted unless every mention of it was negated."""

    concept: Concept
    mentions: tuple[Mention, ...]

    @property
    def negated(self) -> bool:
        return all(mention.negated for mention in self.mentions)

    @property
    def evidence(self) -> Mention:
        """The mention that decides: the first one that counts, or the first negated one."""
        return next((m for m in self.mentions if not m.negated), self.mentions[0])


def tokens(text: str) -> list[Token]:
    """The words of ``text`` with their offsets and the number of the clause they are in."""
    found: list[Token] = []
    clause = 0
    position = 0
    for match in TOKEN.finditer(text):
        if CLAUSE_BREAK.search(text, position, match.start()):
            clause += 1
        lower = match.group().lower().replace("’", "'")
        if lower in CLAUSE_WORDS:
            clause += 1
        found.append(Token(match.group(), lower, match.start(), match.end(), clause))
        position = match.end()
    return found


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    concept: Concept

    def matches_at(self, words: list[Token], index: int) -> bool:
        if index + len(self.words) > len(words):
            return False
        for offset, word in enumerate(self.words):
            token = words[index + offset].lower
            if word.endswith("*"):
                if not token.startswith(word[:-1]):
                    return False
            elif token != word:
                return False
        return True


@cache
def _terms_by_first_letter() -> dict[str, tuple[Term, ...]]:
    table = catalogue()
    index: dict[str, list[Term]] = {}
    for concept in [*table.skills.values(), *table.occupations.values(), *table.licences.values()]:
        for language_terms in concept.terms.values():
            for raw in language_terms:
                words = tuple(TOKEN.findall(raw.replace("*", "\u2217")))
                words = tuple(word.replace("\u2217", "*") for word in words)
                if raw.endswith("*") and words and not words[-1].endswith("*"):
                    words = (*words[:-1], words[-1] + "*")
                if words:
                    index.setdefault(words[0][0], []).append(Term(words, concept))
    # Longer terms first, so that a whole phrase is seen before its first word.
    return {letter: tuple(sorted(terms, key=lambda t: -len(t.words))) for letter, terms in index.items()}


def _negation(words: list[Token], start: int, end: int) -> str:
    """The negation word that governs words[start:end], or ''."""
    clause = words[start].clause
    for token in reversed(words[:start]):
        if token.clause != clause:
            break
        if token.lower in NEGATION_BEFORE:
            return token.text
    for token in words[end:]:
        if token.clause != clause:
            break
        if token.lower in NEGATION_AFTER:
            return token.text
    return ""


def extract(text: str) -> list[Suggestion]:
    """Every concept the text names, in order of first mention, with its mentions (negated ones marked)."""
    words = tokens(text)
    index = _terms_by_first_letter()
    found: dict[str, list[Mention]] = {}
    concepts: dict[str, Concept] = {}
    for position, token in enumerate(words):
        seen_here: set[str] = set()
        for term in index.get(token.lower[:1], ()):
            if term.concept.code in seen_here or not term.matches_at(words, position):
                continue
            seen_here.add(term.concept.code)
            end = position + len(term.words)
            cue = _negation(words, position, end)
            mention = Mention(start=token.start, end=words[end - 1].end, text=text[token.start:words[end - 1].end],
                              negated=bool(cue), cue=cue)
            found.setdefault(term.concept.code, []).append(mention)
            concepts[term.concept.code] = term.concept
    return [Suggestion(concepts[code], tuple(mentions)) for code, mentions in found.items()]


def counted_codes(text: str, kind: str | None = None) -> set[str]:
    """The codes of the concepts ``text`` names without negation (of one kind: skill, language, occupation,
    licence)."""
    return {s.concept.code for s in extract(text)
            if not s.negated and (kind is None or s.concept.kind == kind)}
