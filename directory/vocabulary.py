"""The words requesters use for the directory's words: synonyms, English, related terms, typos.

The vocabulary (`VocabularyEntry`, `vocabulary.csv`) maps every listed word or phrase to a
*concept*: "≈" + the entry's term. Both sides of a match are read through it: a contact whose
keyword is "solceller" also holds the concept ≈solceller, and a request that says "solpaneler"
or "solar panels" asks for it. So a synonym matches even when neither side uses the other's
word. Related terms give the concept at half strength.

Typos: a request word that matches nothing is compared with the vocabulary's words and the
directory's keywords by edit distance (one edit for words up to seven letters, two from eight;
the first letter must agree: people rarely mistype it, and without that rule "parkera" is one
edit from "marker"). Only words of at least six letters are corrected, and stop words never,
so function words cannot turn into evidence.

Everything here is plain Python over data in the database: no model, no download.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

CONCEPT = "≈"
STRENGTH_SAME = 1.0  # the term, a synonym, an English equivalent
STRENGTH_RELATED = 0.5
COMPOUND_PART = 0.85  # a listed word is the head or tail of a longer request word
MIN_COMPOUND_PART = 5  # shortest listed word that counts as part of a compound
FUZZY_MIN_LENGTH = 6
FUZZY_QUALITY = 0.8

SEQUENCE_RE = re.compile(r"[0-9a-zåäöéüæø]+(?:-[0-9a-zåäöéüæø]+)*", re.IGNORECASE)


def sequence(text: str, normalise) -> list[str]:
    """Every word of `text`, normalised, stop words kept: phrases are matched on this."""
    return [normalise(m.group(0).lower()) for m in SEQUENCE_RE.finditer(text or "")]


@dataclass
class Vocabulary:
    # normalised phrase → [(concept, strength)]
    phrases: dict[tuple[str, ...], list[tuple[str, float]]] = field(default_factory=dict)
    longest: int = 1
    # single words (normalised) that may be the head or tail of a compound, by length
    parts: set[str] = field(default_factory=set)
    # for typo correction: (first letter, length) → [(form, surface word)]
    lexicon: dict[tuple[str, int], list[tuple[str, str]]] = field(default_factory=dict)
    size: int = 0
    # text → its concepts, filled by `directory.suggestions` (texts repeat: areas, keywords)
    memo: dict[str, list[tuple[str, float, str]]] = field(default_factory=dict)

    def concepts(self, seq: list[str]) -> list[tuple[int, int, str, float]]:
        """(start, end, concept, strength) for every listed phrase found in `seq`."""
        found = []
        for start in range(len(seq)):
            for n in range(1, min(self.longest, len(seq) - start) + 1):
                for concept, strength in self.phrases.get(tuple(seq[start : start + n]), ()):
                    found.append((start, start + n, concept, strength))
        return found

    def word_concepts(self, term: str, word: str) -> dict[str, float]:
        """Concepts of one word: listed itself, or a compound that starts or ends with a
        listed word ("skolmatsalen" ends with "matsal", "avloppsslammet" with "slam...")."""
        found: dict[str, float] = {}

        def take(items: Iterable[tuple[str, float]], factor: float) -> None:
            for concept, strength in items:
                if found.get(concept, 0.0) < strength * factor:
                    found[concept] = strength * factor

        for variant in {term, word}:
            take(self.phrases.get((variant,), ()), 1.0)
        if not found:
            n = len(word)
            for i in range(MIN_COMPOUND_PART, n - 2):
                head, tail = word[:i], word[n - i :]
                if head in self.parts:
                    take(self.phrases.get((head,), ()), COMPOUND_PART)
                if tail in self.parts:
                    take(self.phrases.get((tail,), ()), COMPOUND_PART)
        return found

    def correct(self, term: str, word: str) -> str | None:
        """The listed word `word` is most likely a misspelling of, or None."""
        if len(word) < FUZZY_MIN_LENGTH:
            return None
        best: tuple[int, str] | None = None
        for form in {word, term}:
            limit = 1 if len(form) <= 7 else 2
            for length in range(len(form) - limit, len(form) + limit + 1):
                for candidate, surface in self.lexicon.get((form[0], length), ()):
                    distance = edit_distance(form, candidate, limit)
                    if distance <= limit and (best is None or distance < best[0]):
                        best = (distance, surface)
        return best[1] if best else None


def build_vocabulary(
    entries: Iterable[tuple[str, list[str], list[str]]],
    *,
    normalise,
    is_stop_word,
    extra_words: Iterable[str] = (),
) -> Vocabulary:
    """`entries`: (term, words that count as the term, related words). `extra_words` (the
    directory's keywords) join the lexicon that typos are corrected against."""
    vocabulary = Vocabulary()
    phrases: dict[tuple[str, ...], dict[str, float]] = defaultdict(dict)
    surfaces: set[str] = set(w.lower() for w in extra_words)
    for term, same, related in entries:
        concept = CONCEPT + term.lower()
        for words, strength in (([term, *same], STRENGTH_SAME), (related, STRENGTH_RELATED)):
            for phrase in words:
                seq = tuple(sequence(phrase, normalise))
                if not seq or (len(seq) == 1 and is_stop_word(seq[0])):
                    continue
                if phrases[seq].get(concept, 0.0) < strength:
                    phrases[seq][concept] = strength
                if len(seq) == 1:
                    surfaces.add(phrase.lower())
        vocabulary.size += 1
    vocabulary.phrases = {k: sorted(v.items()) for k, v in phrases.items()}
    vocabulary.longest = max((len(k) for k in phrases), default=1)
    vocabulary.parts = {k[0] for k in phrases if len(k) == 1 and len(k[0]) >= MIN_COMPOUND_PART}
    lexicon: dict[tuple[str, int], set[tuple[str, str]]] = defaultdict(set)
    for surface in surfaces:
        for form in {surface, normalise(surface)}:
            if len(form) >= FUZZY_MIN_LENGTH - 1 and not is_stop_word(form):
                lexicon[(form[0], len(form))].add((form, surface))
    vocabulary.lexicon = {k: sorted(v) for k, v in lexicon.items()}
    return vocabulary


@lru_cache(maxsize=100_000)
def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (swaps count as one edit), or limit + 1 when larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        row_min = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
