"""Who should take this request? An explainable contact ranker, and the directory search.

Pure Python over the (small) directory, so it behaves the same on PostgreSQL and SQLite and
needs no model weights and no network. Every point a contact gets can be named in a reason.

How a request is matched against a contact person:

1. Both sides are tokenised into lower-case words; stop words and generic request words
   ("vill", "kommun", "behöver", "hjälper", "minska") are dropped. Each word is reduced with the
   Swedish Snowball stemmer; a stem shorter than four letters keeps the whole word ("demens" →
   "dem" would match "dementa" and "demokrati").
2. The directory side becomes an index: term → who holds it, with field weight and shown word
   (`Postings`, compact arrays: the index lives in every web process). Fields
   weigh differently: keywords 3, presentation 1.5, title and department 1, area names 1,
   area descriptions 0.5. The index also holds every prefix and suffix (≥ 4 letters) of each
   term, so a request word can be the head or tail of a directory compound.
3. The vocabulary (`directory.vocabulary`) adds concepts to both sides: "solpaneler" and
   "solar panels" in a request ask for ≈solceller, which Robert Wik's keyword "solceller"
   holds. A request word that matches nothing at all is corrected against the vocabulary and
   the keywords when it is one or two edits from one of them ("biogass" → "biogas").
4. A request word matches a directory term exactly (1.0), as the head or tail of it
   ("svinn" in "matsvinn", 0.7), or contains it: Swedish compounds glue words together, so
   "skolmatsvinnet" and "hemkompostering" contain the directory terms "matsvinn" and
   "kompostering" (0.9 when the term starts the word, 0.8 when it ends it, 0.6 inside).
5. Each match is worth field weight × match quality × idf, where idf = log(1 + N / df) over
   the contacts, so a rare word ("biogas") counts more than a common one ("utveckling"); a
   word that a third or more of the contacts share counts nothing (MIN_IDF). Per contact,
   each request word counts once (its best match); title words count 1.5×.
6. Profiles learned from handled cases (`directory.profiles`) are a second index of the same
   kind: the words of the cases each person handled, weighted by how far the case got and
   fading with age. A match there names the case: "liknar AK-2026-0012 som du hade".
7. Areas the request lists add a boost; forms it lists add their names as weak words.
8. Load: the score is multiplied by 1 − 0.5 × active/capacity (at or over capacity: × 0.3).
   A contact who does not speak the request's language gets × 0.5.

`suggestions_shown` keeps only suggestions with real evidence (MIN_EVIDENCE points of word
matches, areas counted at 2.5 each, and MIN_SHARE_OF_BEST of the best); when none is left, the
case page says so and offers the coordinators for general requests.

The index is built once per process and rebuilt when the directory changes: a generation
number in Django's cache is bumped on every save/delete of a contact, area or vocabulary entry
(see `signals`), so all processes notice. Profiles have a generation of their own, bumped when
a case moves on (`profiles_changed`).
"""

from __future__ import annotations

import heapq
import math
import re
import sys
import threading
import time
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from operator import itemgetter
from typing import cast

import snowballstemmer
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Area, CollaborationForm, ContactPerson, VocabularyEntry
from directory.profiles import HandledCase, case_weight, handled_cases
from directory.vocabulary import (
    CONCEPT,
    FUZZY_QUALITY,
    Vocabulary,
    build_vocabulary,
    sequence,
)

WORD_RE = re.compile(r"[0-9a-zåäöéüæø]+(?:-[0-9a-zåäöéüæø]+)*", re.IGNORECASE)
MIN_PART = 4  # shortest prefix/suffix/infix that may count as part of a compound
MIN_INFIX = 5

FIELD_WEIGHTS = {
    "keyword": 3.0,
    "bio": 1.5,
    "title": 1.0,
    "area": 1.0,
    "area_text": 0.5,
    "name": 3.0,  # only used by the directory search, never by suggestions
}
MATCH_EXACT = 1.0
MATCH_CONTAINS_HEAD = 0.9  # request word starts with the directory term
MATCH_CONTAINS_TAIL = 0.8  # request word ends with it (compound tail: "hem|kompostering")
MATCH_CONTAINS_INSIDE = 0.6
MATCH_PART_OF = 0.7  # request word is the head or tail of a directory compound
TITLE_FACTOR = 1.5
AREA_BOOST = 2.5
FORM_WEIGHT = 0.5
LANGUAGE_PENALTY = 0.5
FULL_PENALTY = 0.3
# A word that a third or more of the contacts share is no evidence for any of them. Below
# MIN_CONTACTS_FOR_IDF contacts (a tiny test directory) every word counts.
MIN_IDF = math.log(1 + 1 / 0.34)
MIN_CONTACTS_FOR_IDF = 20
# Profiles: a word learned from handled cases weighs at most as a keyword.
HISTORY_MAX_WEIGHT = 3.0
HISTORY_TITLE = 1.0  # per handled case, times its weight
HISTORY_TEXT = 0.6
HISTORY_PER_CONTACT = 25  # most recent handled cases read per person
HISTORY_TERMS = 40  # the strongest learned words kept per person
MIN_POSTING_POINTS = 2.0

# Swedish function words plus words every request contains; English ones for English requests.
STOP_WORDS = frozenset(
    """
    alla allt andra annat att av bara bli blir blivit de dem den denna dess det detta dig din
    dina ditt du där efter eller en ett fler flera för från ha hade han har hon hos hur här
    i inom inte ja jag kan kommer kunde man med mellan men mer mest mig min mina mitt mot mycket
    ni nu när någon något några och om oss på samma sedan sig sin sina sitt själv ska skall
    skulle som så till under upp ut utan vad var vara varför varje vars vem vi vid vilka vilken
    vilket vill vår våra vårt än är åt över också även bra nya ny nytt gärna t ex exempel
    idag dag behöver behov hjälp hjälpa kommun kommunen kommunens kommuner kommunerna kommunal
    kommunala högskolan högskola universitet universitetet tillsammans arbeta arbetar arbete
    samarbete samarbeta samverkan projekt fråga frågor veta vet göra gör får få hitta söker
    sätt stöd kunskap vilket vilka via även hela ta tar mål bättre mindre
    hjälper hjälps hjälpas minska minskar minskas minskat öka ökar ökat ökas förbättra
    förbättrar utveckla utvecklar utvecklas stärka skapa börja fungera fungerar funkar funka
    använda använder jobba jobbar tips undrar nån nåt mkt typ lite många fler andra stora
    höga svårt saknar tänka prata diskutera möjligheter möjlighet möte mötet träff hej tack
    fint kul snabbt gäller kring vilken vilket något hör av nästa vecka förra år få fått
    o ok pga osv etc mm allihop bästa ser se sett gå går gick kanske vore hur många
    the a an and or of to in on for with our we want is are be that this how can what
    help helps reduce improve would like need could should about more do does new better
    from at by as it its their they them us you your have has had will which who some many
    much too also after last us please thanks hello hi any there here get make use
    """.split()
)

_stemmer_lock = threading.Lock()
_stemmer = snowballstemmer.stemmer("swedish")


@lru_cache(maxsize=50_000)
def normalise(word: str) -> str:
    """One word → its index term: the Snowball stem, or the word itself if the stem is tiny."""
    word = word.lower()
    with _stemmer_lock:  # Snowball stemmers keep state between calls
        stem = _stemmer.stemWord(word)
    return stem if len(stem) >= MIN_PART else word


def words(text: str) -> list[str]:
    """Lower-case words of `text` without stop words; hyphenated words are also split."""
    result = []
    for match in WORD_RE.finditer(text or ""):
        word = match.group(0).lower()
        parts = [word, *word.split("-")] if "-" in word else [word]
        for part in parts:
            if len(part) >= 2 and part not in STOP_WORDS and not part.isdigit():
                result.append(part)
    return result


@lru_cache(maxsize=256)
def terms(text: str) -> tuple[tuple[str, str], ...]:
    """(term, original word) pairs of `text`. A small cache, for the texts of the cases being
    looked at: holding every handled case's text (20,000 descriptions for the profiles) cost
    each web process about 100 MB, and the stems themselves are cached by `normalise`."""
    return tuple((normalise(w), w) for w in words(text))


# --- The index -----------------------------------------------------------------------------


@dataclass(slots=True)
class ContactDoc:
    id: int
    email: str
    name: str
    area_ids: frozenset[int]  # one object per distinct set of areas, shared by its members
    languages: frozenset[str]
    capacity: int
    away_until: date | None = None
    general: bool = False


# What one contact (or area) holds of each term: (field weight, shown word, field). Built per
# contact, then appended to the term's Postings.
Held = dict[str, tuple[float, str, str]]
KINDS = ("keyword", "bio", "title", "area", "area_text", "name", "history")
KIND_CODES = {kind: code for code, kind in enumerate(KINDS)}


class Postings:
    """Who holds one term, as parallel arrays in the directory's name order.

    A dict of (weight, shown word, field) tuples per contact cost about 100 bytes a posting:
    with 5,000 contacts and their learned profiles, about 80 MB in every web process. Here a
    posting is a contact id, its rank in the name order, a weight, a shared word, a field code
    and (profiles only) the reference of the case that taught it most. Ranks ascend, so a
    contact is found by bisection.
    """

    __slots__ = ("ids", "ranks", "weights", "shown", "kinds", "refs")

    def __init__(self, with_refs: bool = False) -> None:
        self.ids = array("i")
        self.ranks = array("i")
        self.weights = array("d")
        self.shown: Sequence[str] = []
        self.kinds: bytes | bytearray = bytearray()
        self.refs: Sequence[str] | None = [] if with_refs else None

    def __len__(self) -> int:
        return len(self.ids)

    def append(self, contact_id: int, rank: int, posting: tuple[float, str, str], ref: str) -> None:
        weight, shown, kind = posting
        self.ids.append(contact_id)
        self.ranks.append(rank)
        self.weights.append(weight)
        cast(list, self.shown).append(sys.intern(shown))
        cast(bytearray, self.kinds).append(KIND_CODES[kind])
        if self.refs is not None:
            cast(list, self.refs).append(ref)

    def freeze(self) -> None:
        self.shown = tuple(self.shown)
        self.kinds = bytes(self.kinds)
        if self.refs is not None:
            self.refs = tuple(self.refs)

    def positions(self, ranks: list[int]) -> list[int]:
        """Where the contacts of these ranks (ascending) are, for those who hold the term."""
        found = []
        own = self.ranks
        n = len(own)
        i = 0
        for rank in ranks:
            i = bisect_left(own, rank, i)
            if i == n:
                break
            if own[i] == rank:
                found.append(i)
        return found

    def get(self, contact_id: int) -> tuple[float, str, str] | None:
        """(weight, shown word, field) of one contact, or None."""
        for i, cid in enumerate(self.ids):
            if cid == contact_id:
                return self.weights[i], self.shown[i], KINDS[self.kinds[i]]
        return None


def _collect(
    exact: dict[str, Postings],
    held: Held,
    contact_id: int,
    rank: int,
    refs: Mapping[str, str] | None = None,
) -> None:
    """Append what one contact holds; contacts come in rank order."""
    for term, posting in held.items():
        postings = exact.get(term)
        if postings is None:
            postings = exact[term] = Postings(with_refs=refs is not None)
        postings.append(contact_id, rank, posting, refs[term] if refs is not None else "")


@dataclass
class TermIndex:
    """Terms (and concepts) → who holds them, with the compound heads/tails and the idf.

    `exact` holds what is a person's own (keywords, presentation, title; a profile); what
    they hold through an area is held once per area (`areas`, term → area id → posting):
    at 5,000 contacts an area has a thousand members, and walking them for every matched
    area word cost most of the ranking time. `plists` are `exact` as (contact ids,
    weight × idf) arrays, the form the ranking walks. `rank` is each contact's place in the
    directory's name order (the order of every term's postings).
    """

    exact: dict[str, Postings]
    heads: dict[str, tuple[str, ...]]
    tails: dict[str, tuple[str, ...]]
    idf: dict[str, float]
    plists: dict[str, tuple[array[int], array[float]]] = field(default_factory=dict)
    areas: dict[str, dict[int, tuple[float, str, str]]] = field(default_factory=dict)
    rank: dict[int, int] = field(default_factory=dict)


def _term_index(
    exact: dict[str, Postings],
    n_contacts: int,
    areas: dict[str, dict[int, tuple[float, str, str]]] | None = None,
    area_sizes: Mapping[int, int] | None = None,
) -> TermIndex:
    areas = areas or {}
    area_sizes = area_sizes or {}
    heads: dict[str, set[str]] = defaultdict(set)
    tails: dict[str, set[str]] = defaultdict(set)
    for term in {*exact, *areas}:
        if term.startswith(CONCEPT):
            continue  # concepts match whole, never as part of a word
        for i in range(MIN_PART, len(term)):
            heads[term[:i]].add(term)
            tails[term[-i:]].add(term)
    n = max(n_contacts, 1)
    idf = {}
    for term in {*exact, *areas}:
        df = len(exact.get(term, ())) + sum(area_sizes.get(a, 0) for a in areas.get(term, ()))
        idf[term] = math.log(1 + n / max(min(df, n), 1))
    # Names are for the directory search only, never evidence for a suggestion; and a
    # posting worth less than MIN_POSTING_POINTS (a common word of an old case) moves no one
    # into the suggestions, but walking it costs as much as a rare keyword.
    name = KIND_CODES["name"]
    plists = {}
    for t, postings in exact.items():
        postings.freeze()
        ids, points = array("i"), array("d")
        for cid, weight, kind in zip(postings.ids, postings.weights, postings.kinds, strict=True):
            if kind != name and (value := weight * idf[t]) >= MIN_POSTING_POINTS:
                ids.append(cid)
                points.append(value)
        if ids:
            plists[t] = (ids, points)
    return TermIndex(
        exact=exact,
        heads={k: tuple(v) for k, v in heads.items()},
        tails={k: tuple(v) for k, v in tails.items()},
        idf=idf,
        plists=plists,
        areas=areas,
    )


@dataclass
class DirectoryIndex(TermIndex):
    generation: int = 0
    docs: dict[int, ContactDoc] = field(default_factory=dict)
    # People with the same areas, by name: they share every area point.
    groups: dict[frozenset[int], list[int]] = field(default_factory=dict)
    area_names: dict[int, str] = field(default_factory=dict)
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    area_slugs: dict[str, int] = field(default_factory=dict)
    form_names: dict[str, str] = field(default_factory=dict)
    # The coordinators for general requests, by name (a case page without a good match shows
    # them: kept here, they cost that page no query).
    general_people: list[ContactPerson] = field(default_factory=list)
    built_at: float = field(default_factory=time.monotonic)


@dataclass
class ProfileIndex(TermIndex):
    """The learned profiles: words of handled cases per contact, and which case taught it
    (the postings' `refs`)."""

    cases: int = 0
    generation: int = 0
    built_at: float = field(default_factory=time.monotonic)


def _add(held: Held, term: str, weight: float, shown: str, kind: str) -> None:
    old = held.get(term)
    if old is None or old[0] < weight:
        held[term] = (weight, shown, kind)


def _add_text(
    held: Held,
    vocabulary: Vocabulary,
    text: str,
    weight: float,
    kind: str,
    shown: str | None = None,
) -> None:
    """The words of `text` and the vocabulary's concepts in it, for one contact's field."""
    for term, word in terms(text):
        _add(held, term, weight, shown or word, kind)
        if shown:
            _add(held, word, weight, shown, kind)
    for concept, strength, found in _text_concepts(vocabulary, text):
        _add(held, concept, weight * strength, shown or found, kind)


# Texts whose concepts are remembered (request texts, keywords and areas repeat). Small: a
# handled case's text is read once per build of the profiles, and 50,000 of them cost a web
# process tens of megabytes for nothing.
MEMO_TEXTS = 2_000


def _text_concepts(vocabulary: Vocabulary, text: str) -> list[tuple[str, float, str]]:
    """(concept, strength, the words that said it) for phrases and compounds of `text`."""
    memo = vocabulary.memo
    cached = memo.get(text)
    if cached is None:
        if len(memo) > MEMO_TEXTS:
            memo.clear()
        cached = memo[text] = _find_concepts(vocabulary, text)
    return cached


def _find_concepts(vocabulary: Vocabulary, text: str) -> list[tuple[str, float, str]]:
    found: dict[str, tuple[float, str]] = {}
    raw = [m.group(0).lower() for m in WORD_RE.finditer(text or "")]
    seq = sequence(text, normalise)
    hits = vocabulary.concepts(seq)
    # A word inside a listed phrase means what the phrase means: "foster families" is
    # about foster care, not about the "families" of relatives.
    covered = {i for start, end, _c, _s in hits if end - start > 1 for i in range(start, end)}
    for start, end, concept, strength in hits:
        if end - start == 1 and (raw[start] in STOP_WORDS or start in covered):
            continue
        if found.get(concept, (0.0, ""))[0] < strength:
            found[concept] = (strength, " ".join(raw[start:end]))
    for position, word in enumerate(raw):
        if word in STOP_WORDS or len(word) < MIN_PART or position in covered:
            continue
        for concept, strength in vocabulary.word_concepts(normalise(word), word).items():
            if found.get(concept, (0.0, ""))[0] < strength:
                found[concept] = (strength, word)
    return [(c, strength, shown) for c, (strength, shown) in found.items()]


def load_vocabulary(extra_words: Iterable[str] = ()) -> Vocabulary:
    entries = [
        (v.term, [*v.synonym_list, *v.english_list], v.related_list)
        for v in VocabularyEntry.objects.all()
    ]
    return build_vocabulary(
        entries,
        normalise=normalise,
        is_stop_word=lambda w: w in STOP_WORDS,
        extra_words=extra_words,
    )


def build_index(generation: int = 0) -> DirectoryIndex:
    """Read the active directory and the vocabulary (five queries) and build the index."""
    areas = {a.pk: a for a in Area.objects.filter(active=True)}
    contacts = list(ContactPerson.objects.filter(active=True))
    # Area ids, not prefetched Area objects: a prefetch builds a queryset and an Area per
    # person, which doubled the memory a build of 5,000 people needs (31 → 15 MB at its peak,
    # tracemalloc), memory a web process keeps.
    area_ids_of: dict[int, list[int]] = defaultdict(list)
    for contact_id, area_id in ContactPerson.areas.through.objects.filter(
        contactperson__active=True, area__active=True
    ).values_list("contactperson_id", "area_id"):
        area_ids_of[contact_id].append(area_id)
    keywords = {w for p in contacts for k in p.keyword_list for w in words(k)}
    vocabulary = load_vocabulary(extra_words=keywords)
    docs: dict[int, ContactDoc] = {}
    exact: dict[str, Postings] = {}
    area_postings: dict[str, dict[int, tuple[float, str, str]]] = {}
    for area in areas.values():
        held: Held = {}
        _add_text(held, vocabulary, f"{area.name_sv} {area.name_en}", 1.0, "area")
        _add_text(
            held, vocabulary, f"{area.description_sv} {area.description_en}", 1.0, "area_text"
        )
        for term, (strength, word, kind) in held.items():
            shown = area.name_sv if kind == "area" else word
            area_postings.setdefault(term, {})[area.pk] = (
                FIELD_WEIGHTS[kind] * strength,
                shown,
                kind,
            )
    groups: dict[frozenset[int], list[int]] = defaultdict(list)
    area_sizes: dict[int, int] = defaultdict(int)
    rank: dict[int, int] = {}
    shared: dict[frozenset, frozenset] = {}  # equal area and language sets as one object
    for person in sorted(contacts, key=lambda p: p.name):
        area_ids = frozenset(a for a in area_ids_of[person.pk] if a in areas)
        languages = frozenset(person.language_list)
        docs[person.pk] = ContactDoc(
            id=person.pk,
            email=person.email,
            name=person.name,
            area_ids=shared.setdefault(area_ids, area_ids),
            languages=shared.setdefault(languages, languages),
            capacity=person.max_active_cases,
            away_until=person.away_until,
            general=person.general_contact,
        )
        rank[person.pk] = len(rank)
        groups[docs[person.pk].area_ids].append(person.pk)
        for area_id in area_ids:
            area_sizes[area_id] += 1
        held = {}
        for keyword in person.keyword_list:
            _add_text(held, vocabulary, keyword, FIELD_WEIGHTS["keyword"], "keyword", keyword)
        for kind, text in (
            ("bio", person.bio_sv),
            ("title", f"{person.title} {person.department}"),
        ):
            _add_text(held, vocabulary, text, FIELD_WEIGHTS[kind], kind)
        for term, word in terms(person.name):
            _add(held, term, FIELD_WEIGHTS["name"], word, "name")
        _collect(exact, held, person.pk, rank[person.pk])

    index = _term_index(exact, len(docs), area_postings, area_sizes)
    return DirectoryIndex(
        exact=index.exact,
        heads=index.heads,
        tails=index.tails,
        idf=index.idf,
        plists=index.plists,
        areas=index.areas,
        rank=rank,
        generation=generation,
        docs=docs,
        groups=dict(groups),
        area_names={a.pk: a.name_sv for a in areas.values()},
        vocabulary=vocabulary,
        area_slugs={a.slug: a.pk for a in areas.values()},
        form_names={
            f.slug: f.name_sv for f in CollaborationForm.objects.filter(active=True).only("slug")
        },
        general_people=sorted((p for p in contacts if p.general_contact), key=lambda p: p.name),
    )


def build_profiles(
    cases: Iterable[HandledCase],
    index: DirectoryIndex,
    *,
    today: date | None = None,
    generation: int = 0,
) -> ProfileIndex:
    """The learned profiles from handled cases (most recent HISTORY_PER_CONTACT per person).

    A word's weight for a person is the sum over their cases of the case's weight (stage and
    age, `case_weight`) × 1.0 for a title word or 0.6 for a text word, capped at a keyword's
    weight; the case that gave most is remembered for the reason. Only a person's
    HISTORY_TERMS strongest words are kept: the rest barely move a ranking, and every kept
    (word, person) pair costs memory in each web process.
    """
    today = today or timezone.localdate()
    per_contact: dict[int, list[HandledCase]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: c.handled_on, reverse=True):
        if case.contact_id in index.docs and len(per_contact[case.contact_id]) < (
            HISTORY_PER_CONTACT
        ):
            per_contact[case.contact_id].append(case)
    exact: dict[str, Postings] = {}
    n_cases = 0
    # One person at a time, in the directory's name order (the order of the postings).
    for contact_id in sorted(per_contact, key=index.rank.__getitem__):
        sums: dict[str, float] = defaultdict(float)
        best: dict[str, tuple[float, str, str]] = {}
        for case in per_contact[contact_id]:
            weight = case_weight(case, today)
            if weight <= 0:
                continue
            n_cases += 1
            learned: dict[str, tuple[float, str]] = {}
            for text, factor in ((case.text, HISTORY_TEXT), (case.title, HISTORY_TITLE)):
                for term, word in terms(text):
                    if learned.get(term, (0.0, ""))[0] < factor:
                        learned[term] = (factor, word)
                for concept, strength, shown in _text_concepts(index.vocabulary, text):
                    if learned.get(concept, (0.0, ""))[0] < factor * strength:
                        learned[concept] = (factor * strength, shown)
            for term, (factor, word) in learned.items():
                sums[term] += weight * factor
                if best.get(term, (0.0, "", ""))[0] < weight * factor:
                    best[term] = (weight * factor, word, case.reference)
        strongest = heapq.nlargest(HISTORY_TERMS, [(total, term) for term, total in sums.items()])
        held = {
            term: (min(total, HISTORY_MAX_WEIGHT), best[term][1], "history")
            for total, term in strongest
        }
        refs = {term: best[term][2] for term in held}
        _collect(exact, held, contact_id, index.rank[contact_id], refs)
    terms_index = _term_index(exact, len(index.docs))
    return ProfileIndex(
        exact=terms_index.exact,
        heads=terms_index.heads,
        tails=terms_index.tails,
        idf=terms_index.idf,
        plists=terms_index.plists,
        rank=index.rank,
        cases=n_cases,
        generation=generation,
    )


NO_PROFILES = ProfileIndex(exact={}, heads={}, tails={}, idf={})

GENERATION_KEY = "directory:index-generation"
PROFILE_GENERATION_KEY = "directory:profile-generation"
# With a per-process cache (LocMemCache, the default) other processes cannot see the bumped
# generation, so an index is also rebuilt when it is this old (directory edits are rare; the
# process that made one sees it at once). A shared cache (Redis) makes changes visible at once.
# Building the index for 5,000 contacts takes about a second: gunicorn workers build it before
# their first request (config/gunicorn.py), so a request rarely pays for it.
INDEX_MAX_AGE = 600.0
# Profiles change with every case that moves on, which is often at scale: another process
# rebuilds them at most this often (reading up to HISTORY_PER_CONTACT cases per person).
PROFILE_MIN_AGE = 60.0
_index: DirectoryIndex | None = None
_profiles: ProfileIndex | None = None
_index_lock = threading.Lock()


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=None)


def directory_changed() -> None:
    """Invalidate every process's index (called on contact, area and vocabulary changes)."""
    _bump(GENERATION_KEY)
    global _index, _profiles
    _index = None
    _profiles = None


def profiles_changed() -> None:
    """A case moved on: profiles are learned again (here at once, elsewhere within a minute)."""
    _bump(PROFILE_GENERATION_KEY)
    global _profiles
    _profiles = None


def get_index() -> DirectoryIndex:
    global _index, _profiles
    generation = cache.get(GENERATION_KEY, 0)
    current = _index
    if current is not None and current.generation == generation and not _stale(current):
        return current
    with _index_lock:
        if _index is None or _index.generation != generation or _stale(_index):
            _index = build_index(generation)
            _profiles = None  # built against the old index's vocabulary
        return _index


def get_profiles(index: DirectoryIndex | None = None) -> ProfileIndex:
    """The learned profiles, rebuilt when cases moved on (see PROFILE_MIN_AGE)."""
    global _profiles
    index = index or get_index()
    generation = cache.get(PROFILE_GENERATION_KEY, 0)
    current = _profiles
    if current is not None and _fresh(current, generation):
        return current
    with _index_lock:
        if _profiles is None or not _fresh(_profiles, generation):
            _profiles = build_profiles(handled_cases(), index, generation=generation)
        return _profiles


def _fresh(profiles: ProfileIndex, generation: int) -> bool:
    age = time.monotonic() - profiles.built_at
    if age > INDEX_MAX_AGE:
        return False
    return profiles.generation == generation or age < PROFILE_MIN_AGE


def _stale(index: DirectoryIndex) -> bool:
    return time.monotonic() - index.built_at > INDEX_MAX_AGE


# --- Matching ------------------------------------------------------------------------------


def _matches(index: TermIndex, term: str, word: str) -> dict[str, float]:
    """Directory terms that a request word matches, with the quality of the match."""
    found: dict[str, float] = {}

    def take(t: str, quality: float) -> None:
        if found.get(t, 0.0) < quality:
            found[t] = quality

    for variant in {term, word}:
        if variant in index.idf:
            take(variant, MATCH_EXACT)
        if len(variant) >= MIN_INFIX:
            # The request word is the head or tail of a longer directory compound (five
            # letters at least: the stem "bruk" of "brukarna" is not about "missbruk").
            for t in index.heads.get(variant, ()):
                take(t, MATCH_PART_OF)
            for t in index.tails.get(variant, ()):
                take(t, MATCH_PART_OF)
    # The request word is a compound containing a directory term.
    n = len(word)
    for i in range(MIN_PART, n):
        head, tail = word[:i], word[n - i :]
        if head in index.idf:
            take(head, MATCH_CONTAINS_HEAD)
        if tail in index.idf:
            take(tail, MATCH_CONTAINS_TAIL)
    if n > MIN_INFIX + 1:
        for start in range(1, n - MIN_INFIX):
            for end in range(start + MIN_INFIX, n):
                piece = word[start:end]
                if piece in index.idf:
                    take(piece, MATCH_CONTAINS_INSIDE)
    return found


@dataclass
class Scored:
    contact_id: int
    score: float = 0.0
    # shown word → points, for the "matches:" reason
    matched: dict[str, float] = field(default_factory=dict)
    areas: list[str] = field(default_factory=list)
    # reference of a handled case → points it gave
    similar: dict[str, float] = field(default_factory=dict)
    text_score: float = 0.0


@dataclass
class Unit:
    """One thing the request says: a word (with its concepts) or a listed phrase."""

    term: str
    word: str
    factor: float
    concepts: dict[str, float]
    phrase: bool = False


def request_units(index: DirectoryIndex, title: str, text: str, extra: str = "") -> list[Unit]:
    """The request as units, each counting once per contact (its best match).

    A word that matches nothing in the directory, the profiles' vocabulary or as a concept is
    corrected against the lexicon when it is close to one of its words.
    """
    # Keyed by term: "förskolor" and "förskolornas" are one thing said twice, not two.
    units: dict[str, Unit] = {}
    for source, factor in ((text, 1.0), (extra, FORM_WEIGHT), (title, TITLE_FACTOR)):
        stems = {}
        for term, word in terms(source):
            stems[word] = term
            unit = units.get(term)
            if unit is None:
                units[term] = Unit(term, word, factor, {})
            elif unit.factor < factor:
                unit.factor, unit.word = factor, word
        for concept, strength, shown in _text_concepts(index.vocabulary, source):
            key = f"{CONCEPT}{shown}"
            if " " in shown and (key not in units or units[key].factor < factor):
                units[key] = Unit(concept, shown, factor, {concept: strength}, phrase=True)
            elif shown in stems:
                unit = units[stems[shown]]
                if unit.concepts.get(concept, 0.0) < strength:
                    unit.concepts[concept] = strength
    return list(units.values())


def _candidates(index: TermIndex, unit: Unit, lexicon_hit: bool) -> dict[str, float]:
    if unit.phrase:
        return {c: q for c, q in unit.concepts.items() if c in index.idf}
    found = _matches(index, unit.term, unit.word) if not lexicon_hit else {}
    for concept, strength in unit.concepts.items():
        if concept in index.idf and found.get(concept, 0.0) < strength:
            found[concept] = strength
    return found


def _correct(index: DirectoryIndex, units: list[Unit], profiles: ProfileIndex) -> None:
    """Replace words that match no term exactly by the listed word they most likely misspell.

    A word that only contains a term, or is part of one, is corrected too when a listed word
    is one or two edits away ("cybersäkrhet" is about "cybersäkerhet", not about "cyber").
    """
    for unit in units:
        if unit.phrase or unit.concepts:
            continue
        if any(v in source.idf for source in (index, profiles) for v in (unit.term, unit.word)):
            continue
        corrected = index.vocabulary.correct(unit.term, unit.word)
        if corrected is None:
            continue
        unit.word = corrected
        unit.term = normalise(corrected)
        unit.factor *= FUZZY_QUALITY
        unit.concepts = {c: q for c, q, _shown in _text_concepts(index.vocabulary, corrected)}


def _usable(index: TermIndex, term: str, n_contacts: int) -> bool:
    return n_contacts < MIN_CONTACTS_FOR_IDF or index.idf[term] >= MIN_IDF


def _prepared(
    index: DirectoryIndex, title: str, text: str, extra: str, profiles: ProfileIndex
) -> list[tuple[Unit, list[tuple[TermIndex, str, float]]]]:
    """Each unit of the request with the terms it matches: (index, term, quality × factor)."""
    units = request_units(index, title, text, extra)
    _correct(index, units, profiles)
    n = len(index.docs)
    prepared: list[tuple[Unit, list[tuple[TermIndex, str, float]]]] = []
    for unit in units:
        matches: list[tuple[TermIndex, str, float]] = [
            (source, t, quality * unit.factor)
            for source in (index, profiles)
            for t, quality in _candidates(source, unit, False).items()
            if _usable(source, t, n)
        ]
        if matches:
            prepared.append((unit, matches))
    return prepared


def _fast_scores(
    index: DirectoryIndex,
    prepared: list[tuple[Unit, list[tuple[TermIndex, str, float]]]],
    wanted_areas: set[int],
) -> tuple[dict[int, float], dict[frozenset[int], float]]:
    """Points per contact (only those with points of their own) and per area group.

    A contact's score is their group's (what every member gets through the areas, and the
    request's areas) plus what their own words add beyond it, unit by unit; so walking the
    members of a big area is never needed.
    """
    own: dict[int, float] = {}
    group_total: dict[frozenset[int], float] = defaultdict(float)
    groups = index.groups
    docs = index.docs
    for _unit, matches in prepared:
        best: dict[int, float] = {}
        area_best: dict[int, float] = {}
        for source, t, qf in matches:
            plist = source.plists.get(t)
            if plist:
                get = best.get
                for cid, w in zip(*plist, strict=True):
                    v = w * qf
                    if v > get(cid, 0.0):
                        best[cid] = v
            by_area = source.areas.get(t)
            if by_area:
                idf = source.idf[t]
                for aid, posting in by_area.items():
                    v = posting[0] * idf * qf
                    if v > area_best.get(aid, 0.0):
                        area_best[aid] = v
        unit_group: dict[frozenset[int], float] = {}
        if area_best:
            for group in groups:
                v = max((area_best.get(a, 0.0) for a in group), default=0.0)
                if v > 0:
                    unit_group[group] = v
                    group_total[group] += v
        for cid, v in best.items():
            doc = docs.get(cid)
            if doc is None:
                continue
            extra = v - unit_group.get(doc.area_ids, 0.0)
            if extra > 0:
                own[cid] = own.get(cid, 0.0) + extra
    if wanted_areas:
        for group in groups:
            overlap = len(group & wanted_areas)
            if overlap:
                group_total[group] += AREA_BOOST * overlap
    return own, group_total


def _take(
    best: dict[int, tuple[float, str, str]], cid: int, points: float, shown: str, reference: str
) -> None:
    if points > best.get(cid, (0.0, "", ""))[0]:
        best[cid] = (points, shown, reference)


def score_text(
    index: DirectoryIndex,
    title: str,
    text: str,
    *,
    extra: str = "",
    fields: frozenset[str] | None = None,
    profiles: ProfileIndex | None = None,
    only: Iterable[int] | None = None,
) -> dict[int, Scored]:
    """Text points per contact with what earned them (for the reasons and the search).

    `fields` limits which directory fields may match; `only` limits the contacts (the
    ranking explains its few best this way).
    """
    profiles = profiles or NO_PROFILES
    prepared = _prepared(index, title, text, extra, profiles)
    chosen = set(only) if only is not None else None
    # The chosen contacts' places in each source's postings (both are in name order).
    chosen_ranks = {
        id(source): sorted(source.rank[c] for c in chosen if c in source.rank)
        for source in (index, profiles)
        if chosen is not None
    }
    results: dict[int, Scored] = {}
    for _unit, matches in prepared:
        best: dict[int, tuple[float, str, str]] = {}
        take = partial(_take, best)
        for source, t, qf in matches:
            idf = source.idf[t]
            postings = source.exact.get(t)
            if postings is not None:
                positions: Iterable[int] = (
                    range(len(postings))
                    if chosen is None
                    else postings.positions(chosen_ranks[id(source)])
                )
                ids, weights, shown, kinds = (
                    postings.ids,
                    postings.weights,
                    postings.shown,
                    postings.kinds,
                )
                refs = postings.refs  # the cases that taught a profile's words
                for i in positions:
                    if fields is None or KINDS[kinds[i]] in fields:
                        reference = refs[i] if refs is not None else ""
                        take(ids[i], weights[i] * idf * qf, shown[i], reference)
            for aid, (weight, shown, kind) in source.areas.get(t, {}).items():
                if fields is not None and kind not in fields:
                    continue
                for group, members in index.groups.items():
                    if aid not in group:
                        continue
                    for cid in members if chosen is None else chosen & set(members):
                        take(cid, weight * idf * qf, shown, "")
        for cid, (points, shown, reference) in best.items():
            scored = results.setdefault(cid, Scored(cid))
            scored.score += points
            scored.text_score += points
            if reference:
                scored.similar[reference] = scored.similar.get(reference, 0.0) + points
            else:
                scored.matched[shown] = scored.matched.get(shown, 0.0) + points
    return results


SUGGESTION_FIELDS = frozenset(FIELD_WEIGHTS) - {"name"} | {"history"}
# Search leaves out area descriptions: "matsvinn" should find the person, not the whole area.
SEARCH_FIELDS = frozenset(FIELD_WEIGHTS) - {"area_text"}


@dataclass
class Suggestion:
    contact: ContactPerson
    score: float
    reasons: list[str]
    matched: list[str]
    areas: list[str]
    active_cases: int
    capacity: int
    # Points from what the request says (its words, and 2.5 per shared area), before load.
    evidence: float = 0.0
    similar: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "email": self.contact.email,
            "name": self.contact.name,
            "title": self.contact.title,
            "department": self.contact.department,
            "score": round(self.score, 2),
            "reasons": self.reasons,
            "active_cases": self.active_cases,
            "capacity": self.capacity,
        }


# Load lowers a score by at most half (or to FULL_PENALTY at capacity), so the best few come
# from the best-matching few dozen; only those need their load counted.
CANDIDATES = 40

# Open cases per contact id. The directory does not know cases: the caller passes the counts,
# or a function that counts them for the ids it is given (only the candidates), which keeps
# the count to a few index lookups at a million cases (`cases.selectors.contact_loads`).
Loads = Mapping[int, int] | Callable[[list[int]], Mapping[int, int]]


def _away(doc: ContactDoc, today: date) -> bool:
    return doc.away_until is not None and doc.away_until >= today


# A handled case is named in the reasons when it gave at least this many points.
SIMILAR_MIN_POINTS = 3.0


def rank_contacts(
    *,
    title: str,
    text: str,
    area_slugs: list[str] | tuple[str, ...] = (),
    form_slugs: list[str] | tuple[str, ...] = (),
    language: str = "sv",
    loads: Loads,
    limit: int = 5,
    index: DirectoryIndex | None = None,
    profiles: ProfileIndex | None = None,
) -> list[Suggestion]:
    """The best `limit` active contacts for a request, each with its reasons.

    `loads` is each contact's open cases, or a function counting them for the candidates'
    ids; `{}` ranks as if nobody had any (the evaluation does, to measure the matching alone).
    `profiles` defaults to the profiles learned from the handled cases; pass NO_PROFILES to
    rank by the directory alone.
    """
    index = index or get_index()
    if profiles is None:
        profiles = get_profiles(index)
    extra = " ".join(index.form_names.get(s, "") for s in form_slugs)
    prepared = _prepared(index, title, text, extra, profiles)
    wanted_areas = {index.area_slugs[s] for s in area_slugs if s in index.area_slugs}
    own, group_total = _fast_scores(index, prepared, wanted_areas)
    # Away people stay in the index (the directory search still finds them, marked "away"),
    # but are not suggested. Checked here, not at build time: the index lives for minutes and
    # an absence ends at midnight.
    today = timezone.localdate()
    want = max(CANDIDATES, limit * 4)
    totals: dict[int, float] = {}
    docs = index.docs
    for cid, points in own.items():
        totals[cid] = points + group_total.get(docs[cid].area_ids, 0.0)
    for cid in [c for c in totals if docs[c].away_until is not None]:
        if _away(docs[cid], today):
            del totals[cid]
    for group, points in group_total.items():
        if points <= 0:
            continue
        taken = 0
        for cid in index.groups[group]:  # by name: ties go to the first names, as below
            if taken >= want:
                break
            if cid not in totals and not _away(index.docs[cid], today):
                totals[cid] = points
                taken += 1
    leaders = heapq.nlargest(want, totals.items(), key=itemgetter(1))
    best_ids = [c for c, _p in sorted(leaders, key=lambda kv: (-kv[1], index.docs[kv[0]].name))]
    explained = score_text(
        index,
        title,
        text,
        extra=extra,
        fields=SUGGESTION_FIELDS,
        profiles=profiles,
        only=best_ids,
    )
    candidates = []
    for cid in best_ids:
        scored = explained.get(cid) or Scored(cid)
        doc = index.docs[cid]
        overlap = doc.area_ids & wanted_areas
        scored.areas = sorted(index.area_names[a] for a in overlap)
        scored.score = totals[cid]
        candidates.append(scored)
    counts = loads([r.contact_id for r in candidates]) if callable(loads) else loads
    lang = (language or "sv")[:2].lower()
    ranked: list[tuple[float, Scored, int, bool]] = []
    for scored in candidates:
        if scored.score <= 0:
            continue
        doc = index.docs[scored.contact_id]
        active = counts.get(doc.id, 0)
        capacity = max(doc.capacity, 0)
        factor = 1.0
        if capacity == 0 or active >= capacity:
            factor *= FULL_PENALTY
        else:
            factor *= 1 - 0.5 * active / capacity
        speaks = lang in doc.languages or not doc.languages
        if not speaks:
            factor *= LANGUAGE_PENALTY
        ranked.append((scored.score * factor, scored, active, speaks))
    ranked.sort(key=lambda r: (-r[0], index.docs[r[1].contact_id].name))
    top = ranked[:limit]
    people = ContactPerson.objects.in_bulk([r[1].contact_id for r in top])
    suggestions = []
    for total, scored, active, speaks in top:
        doc = index.docs[scored.contact_id]
        matched = [w for w, _p in sorted(scored.matched.items(), key=lambda kv: -kv[1])][:4]
        similar = [
            ref
            for ref, points in sorted(scored.similar.items(), key=lambda kv: -kv[1])
            if points >= SIMILAR_MIN_POINTS
        ][:2]
        reasons = []
        if matched:
            reasons.append(_("matches: %(words)s") % {"words": ", ".join(matched)})
        for reference in similar:
            reasons.append(_("similar to %(reference)s, which they had") % {"reference": reference})
        for area in scored.areas:
            reasons.append(_("area %(area)s") % {"area": area})
        reasons.append(
            _("%(active)d active cases of %(capacity)d")
            % {"active": active, "capacity": doc.capacity}
        )
        if active >= doc.capacity:
            reasons.append(_("at full capacity"))
        if not speaks:
            reasons.append(_("does not list the request's language (%(lang)s)") % {"lang": lang})
        person = people.get(scored.contact_id)
        if person is None:  # deleted since the index was built
            continue
        suggestions.append(
            Suggestion(
                contact=person,
                score=total,
                reasons=reasons,
                matched=matched,
                areas=scored.areas,
                active_cases=active,
                capacity=doc.capacity,
                evidence=scored.score,
                similar=similar,
            )
        )
    return suggestions


# What counts as evidence for showing a suggestion. A score is the sum of field weight ×
# match quality × idf per request word (plus 2.5 per shared area). One rare keyword matched
# exactly is worth about 3 × idf ≥ 10 points; a word from a presentation or an area
# description, or a related term, gives a few. MIN_EVIDENCE asks for more than a stray word;
# anyone below MIN_SHARE_OF_BEST of the best is noise next to it, whatever the reason; and a
# coordinator reads at most SHOW_MAX names.
MIN_EVIDENCE = 6.0
MIN_SHARE_OF_BEST = 0.7
SHOW_MAX = 3


def suggestions_shown(ranked: list[Suggestion]) -> list[Suggestion]:
    """The suggestions worth showing, best first: possibly none."""
    if not ranked:
        return []
    best = ranked[0].score
    return [
        s for s in ranked if s.evidence >= MIN_EVIDENCE and s.score >= MIN_SHARE_OF_BEST * best
    ][:SHOW_MAX]


def general_contacts() -> list[ContactPerson]:
    """The coordinators for general requests (who to ask when no one's expertise fits)."""
    index = get_index()
    today = timezone.localdate()
    return [p for p in index.general_people if not _away(index.docs[p.pk], today)]


def search_contacts(query: str, *, area_slug: str = "") -> list[tuple[ContactPerson, list[str]]]:
    """Directory search with Swedish word forms: (contact, matched words), best first.

    An empty query lists everyone (in the area). Runs in Python so PostgreSQL and SQLite
    give the same answers.
    """
    index = get_index()
    area_id = index.area_slugs.get(area_slug) if area_slug else None
    if area_slug and area_id is None:
        return []
    if (query or "").strip():
        results = score_text(index, "", query, fields=SEARCH_FIELDS)
        order = sorted(results.values(), key=lambda s: (-s.score, index.docs[s.contact_id].name))
        hits = [(s.contact_id, list(s.matched)[:4]) for s in order]
    else:
        hits = [(d.id, []) for d in sorted(index.docs.values(), key=lambda d: d.name)]
    if area_id is not None:
        hits = [h for h in hits if area_id in index.docs[h[0]].area_ids]
    people = ContactPerson.objects.prefetch_related("areas").in_bulk([h[0] for h in hits])
    return [(people[cid], matched) for cid, matched in hits if cid in people]
