"""Who should take this request? An explainable contact ranker, and the directory search.

Pure Python over the (small) directory, so it behaves the same on PostgreSQL and SQLite and
needs no model weights. Every point a contact gets can be named in a reason.

How a request is matched against a contact person:

1. Both sides are tokenised into lower-case words; stop words and generic request words
   ("vill", "kommun", "behöver") are dropped. Each word is reduced with the Swedish Snowball
   stemmer; a stem shorter than four letters keeps the whole word ("demens" → "dem" would
   match "dementa" and "demokrati").
2. The directory side becomes an index: term → {contact: (field weight, shown word)}. Fields
   weigh differently: keywords 3, presentation 1.5, title and department 1, area names 1,
   area descriptions 0.5. The index also holds every prefix and suffix (≥ 4 letters) of each
   term, so a request word can be the head or tail of a directory compound.
3. A request word matches a directory term exactly (1.0), as the head or tail of it
   ("svinn" in "matsvinn", 0.7), or contains it: Swedish compounds glue words together, so
   "skolmatsvinnet" and "hemkompostering" contain the directory terms "matsvinn" and
   "kompostering" (0.9 when the term starts the word, 0.8 when it ends it, 0.6 inside).
4. Each match is worth field weight × match quality × idf, where idf = log(1 + N / df) over
   the contacts, so a rare word ("biogas") counts more than a common one ("utveckling").
   Per contact, each request word counts once (its best match); title words count 1.5×.
5. Areas the request lists add a boost; forms it lists add their names as weak words.
6. Load: the score is multiplied by 1 − 0.5 × active/capacity (at or over capacity: × 0.3).
   A contact who does not speak the request's language gets × 0.5.

The index is built once per process and rebuilt when the directory changes: a generation
number in Django's cache is bumped on every save/delete of a contact or area (see `signals`),
so all processes notice.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import snowballstemmer
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Area, CollaborationForm, ContactPerson

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
    the a an and or of to in on for with our we want is are be that this how can what
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


def terms(text: str) -> list[tuple[str, str]]:
    """(term, original word) pairs of `text`."""
    return [(normalise(w), w) for w in words(text)]


# --- The index -----------------------------------------------------------------------------


@dataclass
class ContactDoc:
    id: int
    email: str
    name: str
    area_ids: frozenset[int]
    area_names: dict[int, str]
    languages: frozenset[str]
    capacity: int
    away_until: date | None = None


@dataclass
class DirectoryIndex:
    generation: int
    docs: dict[int, ContactDoc]
    # term → contact id → (field weight, shown word, field)
    exact: dict[str, dict[int, tuple[float, str, str]]]
    # prefix or suffix of a term → the terms that have it
    heads: dict[str, set[str]]
    tails: dict[str, set[str]]
    idf: dict[str, float]
    area_slugs: dict[str, int] = field(default_factory=dict)
    form_names: dict[str, str] = field(default_factory=dict)
    built_at: float = field(default_factory=time.monotonic)


def _add(exact, term: str, contact_id: int, weight: float, shown: str, kind: str) -> None:
    postings = exact.setdefault(term, {})
    old = postings.get(contact_id)
    if old is None or old[0] < weight:
        postings[contact_id] = (weight, shown, kind)


def build_index(generation: int = 0) -> DirectoryIndex:
    """Read the active directory (three queries) and build the term index."""
    areas = {a.pk: a for a in Area.objects.filter(active=True)}
    contacts = list(ContactPerson.objects.filter(active=True).prefetch_related("areas"))
    docs: dict[int, ContactDoc] = {}
    exact: dict[str, dict[int, tuple[float, str, str]]] = {}
    area_terms: dict[int, list[tuple[str, str, str]]] = {}
    for area in areas.values():
        items = [(t, w, "area") for t, w in terms(f"{area.name_sv} {area.name_en}")]
        items += [
            (t, w, "area_text") for t, w in terms(f"{area.description_sv} {area.description_en}")
        ]
        area_terms[area.pk] = items
    for person in contacts:
        person_areas = [a for a in person.areas.all() if a.pk in areas]
        docs[person.pk] = ContactDoc(
            id=person.pk,
            email=person.email,
            name=person.name,
            area_ids=frozenset(a.pk for a in person_areas),
            area_names={a.pk: a.name_sv for a in person_areas},
            languages=frozenset(person.language_list),
            capacity=person.max_active_cases,
            away_until=person.away_until,
        )
        for keyword in person.keyword_list:
            for term, word in terms(keyword):
                _add(exact, term, person.pk, FIELD_WEIGHTS["keyword"], keyword, "keyword")
                _add(exact, word, person.pk, FIELD_WEIGHTS["keyword"], keyword, "keyword")
        for kind, text in (
            ("bio", person.bio_sv),
            ("title", f"{person.title} {person.department}"),
            ("name", person.name),
        ):
            for term, word in terms(text):
                _add(exact, term, person.pk, FIELD_WEIGHTS[kind], word, kind)
        for area in person_areas:
            for term, word, kind in area_terms[area.pk]:
                shown = area.name_sv if kind == "area" else word
                _add(exact, term, person.pk, FIELD_WEIGHTS[kind], shown, kind)

    heads: dict[str, set[str]] = defaultdict(set)
    tails: dict[str, set[str]] = defaultdict(set)
    for term in exact:
        for i in range(MIN_PART, len(term)):
            heads[term[:i]].add(term)
            tails[term[-i:]].add(term)
    n = max(len(docs), 1)
    idf = {t: math.log(1 + n / len(p)) for t, p in exact.items()}
    return DirectoryIndex(
        generation=generation,
        docs=docs,
        exact=exact,
        heads=dict(heads),
        tails=dict(tails),
        idf=idf,
        area_slugs={a.slug: a.pk for a in areas.values()},
        form_names={
            f.slug: f.name_sv for f in CollaborationForm.objects.filter(active=True).only("slug")
        },
    )


GENERATION_KEY = "directory:index-generation"
# With a per-process cache (LocMemCache, the default) other processes cannot see the bumped
# generation, so an index is also rebuilt when it is this old (directory edits are rare; the
# process that made one sees it at once). A shared cache (Redis) makes changes visible at once.
# Building the index for 5,000 contacts takes about a second: gunicorn workers build it before
# their first request (config/gunicorn.py), so a request rarely pays for it.
INDEX_MAX_AGE = 600.0
_index: DirectoryIndex | None = None
_index_lock = threading.Lock()


def directory_changed() -> None:
    """Invalidate every process's index (called on contact and area changes)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)
    global _index
    _index = None


def get_index() -> DirectoryIndex:
    global _index
    generation = cache.get(GENERATION_KEY, 0)
    current = _index
    if current is not None and current.generation == generation and not _stale(current):
        return current
    with _index_lock:
        if _index is None or _index.generation != generation or _stale(_index):
            _index = build_index(generation)
        return _index


def _stale(index: DirectoryIndex) -> bool:
    return time.monotonic() - index.built_at > INDEX_MAX_AGE


# --- Matching ------------------------------------------------------------------------------


def _matches(index: DirectoryIndex, term: str, word: str) -> dict[str, float]:
    """Directory terms that a request word matches, with the quality of the match."""
    found: dict[str, float] = {}

    def take(t: str, quality: float) -> None:
        if found.get(t, 0.0) < quality:
            found[t] = quality

    for variant in {term, word}:
        if variant in index.exact:
            take(variant, MATCH_EXACT)
        if len(variant) >= MIN_PART:
            # The request word is the head or tail of a longer directory compound.
            for t in index.heads.get(variant, ()):
                take(t, MATCH_PART_OF)
            for t in index.tails.get(variant, ()):
                take(t, MATCH_PART_OF)
    # The request word is a compound containing a directory term.
    n = len(word)
    for i in range(MIN_PART, n):
        head, tail = word[:i], word[n - i :]
        if head in index.exact:
            take(head, MATCH_CONTAINS_HEAD)
        if tail in index.exact:
            take(tail, MATCH_CONTAINS_TAIL)
    if n > MIN_INFIX + 1:
        for start in range(1, n - MIN_INFIX):
            for end in range(start + MIN_INFIX, n):
                piece = word[start:end]
                if piece in index.exact:
                    take(piece, MATCH_CONTAINS_INSIDE)
    return found


@dataclass
class Scored:
    contact_id: int
    score: float = 0.0
    # shown word → points, for the "matches:" reason
    matched: dict[str, float] = field(default_factory=dict)
    areas: list[str] = field(default_factory=list)


def score_text(
    index: DirectoryIndex,
    title: str,
    text: str,
    *,
    extra: str = "",
    fields: frozenset[str] | None = None,
) -> dict[int, Scored]:
    """Text points per contact. `fields` limits which directory fields may match."""
    weighted: dict[str, tuple[str, float]] = {}
    for source, factor in ((text, 1.0), (extra, FORM_WEIGHT), (title, TITLE_FACTOR)):
        for term, word in terms(source):
            if weighted.get(word, ("", 0.0))[1] < factor:
                weighted[word] = (term, factor)
    results: dict[int, Scored] = {}
    for word, (term, factor) in weighted.items():
        best: dict[int, tuple[float, str]] = {}
        for t, quality in _matches(index, term, word).items():
            idf = index.idf[t]
            for contact_id, (weight, shown, kind) in index.exact[t].items():
                if fields is not None and kind not in fields:
                    continue
                points = weight * quality * idf * factor
                if points > best.get(contact_id, (0.0, ""))[0]:
                    best[contact_id] = (points, shown)
        for contact_id, (points, shown) in best.items():
            scored = results.setdefault(contact_id, Scored(contact_id))
            scored.score += points
            scored.matched[shown] = scored.matched.get(shown, 0.0) + points
    return results


SUGGESTION_FIELDS = frozenset(FIELD_WEIGHTS) - {"name"}
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
) -> list[Suggestion]:
    """The best `limit` active contacts for a request, each with its reasons.

    `loads` is each contact's open cases, or a function counting them for the candidates'
    ids; `{}` ranks as if nobody had any (the evaluation does, to measure the matching alone).
    """
    index = index or get_index()
    extra = " ".join(index.form_names.get(s, "") for s in form_slugs)
    results = score_text(index, title, text, extra=extra, fields=SUGGESTION_FIELDS)
    wanted_areas = {index.area_slugs[s] for s in area_slugs if s in index.area_slugs}
    if wanted_areas:
        for entry in index.docs.values():
            overlap = entry.area_ids & wanted_areas
            if overlap:
                scored = results.setdefault(entry.id, Scored(entry.id))
                scored.score += AREA_BOOST * len(overlap)
                scored.areas = sorted(entry.area_names[a] for a in overlap)
    # Away people stay in the index (the directory search still finds them, marked "away"),
    # but are not suggested. Checked here, not at build time: the index lives for minutes and
    # an absence ends at midnight.
    today = timezone.localdate()
    candidates = sorted(
        (
            r
            for r in results.values()
            if r.score > 0
            and r.contact_id in index.docs
            and not _away(index.docs[r.contact_id], today)
        ),
        key=lambda r: -r.score,
    )[: max(CANDIDATES, limit * 4)]
    counts = loads([r.contact_id for r in candidates]) if callable(loads) else loads
    lang = (language or "sv")[:2].lower()
    ranked: list[tuple[float, Scored, int, bool]] = []
    for scored in candidates:
        doc = index.docs.get(scored.contact_id)
        if doc is None or scored.score <= 0:
            continue
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
        reasons = []
        if matched:
            reasons.append(_("matches: %(words)s") % {"words": ", ".join(matched)})
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
            )
        )
    return suggestions


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
