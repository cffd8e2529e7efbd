"""Measuring the suggestions: request sets with known right answers, and a generated history.

A set is a JSON list of {"title", "text", "expect": [emails]} (optional "areas", "forms",
"language"). An item with an empty "expect" fits nobody: every suggestion shown for it is
wrong, and saying "no good match" is right.

- top-1 / top-3: the share of items with a right answer that has one first / among the first
  three of the ranking (shown or not);
- precision: the share of the suggestions the case page would show (`suggestions_shown`) that
  are right, over all items.

The history evaluation walks a generated history of handled cases in time order and ranks
each case's request with profiles learned only from the cases before it (`build_profiles`
with that day as today), then counts its handler as the right answer.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from directory.profiles import HandledCase
from directory.suggestions import (
    NO_PROFILES,
    DirectoryIndex,
    ProfileIndex,
    build_profiles,
    rank_contacts,
    suggestions_shown,
)


@dataclass
class Figures:
    items: int = 0
    answerable: int = 0
    top1: int = 0
    top3: int = 0
    shown: int = 0
    shown_right: int = 0
    nothing_shown: int = 0
    misses: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        n = max(self.answerable, 1)
        lines = [
            f"top-1: {self.top1}/{self.answerable} = {self.top1 / n:.1%}",
            f"top-3: {self.top3}/{self.answerable} = {self.top3 / n:.1%}",
        ]
        precision = self.shown_right / self.shown if self.shown else 0.0
        lines.append(
            f"precision: {self.shown_right}/{self.shown} = {precision:.1%} of shown "
            f"suggestions were right; nothing shown for {self.nothing_shown} of "
            f"{self.items} requests"
        )
        return lines

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.answerable if self.answerable else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.answerable if self.answerable else 0.0

    @property
    def precision(self) -> float:
        return self.shown_right / self.shown if self.shown else 0.0


def _count(
    figures: Figures, label: str, expect: set[str], ranked_emails: list[str], shown: list[str]
) -> None:
    figures.items += 1
    if expect:
        figures.answerable += 1
        hit1 = bool(ranked_emails[:1] and ranked_emails[0] in expect)
        hit3 = bool(expect & set(ranked_emails[:3]))
        figures.top1 += hit1
        figures.top3 += hit3
        if not hit1:
            mark = "top-3" if hit3 else "MISS"
            figures.misses.append(
                f"[{mark}] {label}: expected {sorted(expect)}, got {ranked_emails}"
            )
    elif shown:
        figures.misses.append(f"[NOISE] {label}: nothing fits, shown {shown}")
    figures.shown += len(shown)
    figures.shown_right += sum(1 for e in shown if e in expect)
    figures.nothing_shown += not shown


def evaluate_items(
    items: Iterable[dict], index: DirectoryIndex, profiles: ProfileIndex = NO_PROFILES
) -> Figures:
    """Rank every item as if nobody had open cases (the matching alone)."""
    figures = Figures()
    for item in items:
        expect = {str(e).strip().lower() for e in item["expect"]}
        ranked = rank_contacts(
            title=str(item.get("title", "")),
            text=str(item.get("text", "")),
            area_slugs=item.get("areas") or (),
            form_slugs=item.get("forms") or (),
            language=str(item.get("language", "sv")),
            loads={},
            limit=5,
            index=index,
            profiles=profiles,
        )
        emails = [s.contact.email.lower() for s in ranked]
        shown = [s.contact.email.lower() for s in suggestions_shown(ranked)]
        _count(figures, repr(item.get("title", "")), expect, emails, shown)
    return figures


# --- The generated history -------------------------------------------------------------------

# What each person's cases are about, in the words municipalities use: partly the directory's
# words, partly not. EMERGING are subjects a person takes on that their directory entry does
# not name at all: only learning from their cases can find them.
THEMES: dict[str, tuple[str, ...]] = {
    "malin.berg": (
        "ett första samarbete med högskolan",
        "en kartläggning av vad högskolan kan erbjuda",
        "ett inspirationsbesök från högskolan",
    ),
    "per.sandberg": (
        "kompetensbehoven inom välfärden",
        "utbildningar på distans i regionen",
        "yrkesutbildningar för bristyrken",
    ),
    "anna.lindqvist": (
        "insamling av gamla textilier",
        "sortering av kasserade kläder",
        "en klädbytardag för invånarna",
    ),
    "johan.ek": (
        "smarta kläder för brukare",
        "inbyggda sensorer i sängtextilier",
        "larm i arbetskläder",
    ),
    "sara.holm": (
        "hållbara inköp av textilier",
        "miljökrav på vårdtextilier",
        "livslängden på arbetskläder",
    ),
    "karin.wall": (
        "slöjdundervisning i textil",
        "designprojekt med elever",
        "hantverk i grundskolan",
    ),
    "mikael.strand": (
        "rötning av matavfall",
        "fordonsgas från reningsverket",
        "slammet från avloppsreningsverket",
    ),
    "lena.forsberg": (
        "svinnet i skolköken",
        "portionsplanering i äldreomsorgens kök",
        "tallrikssvinnet i matsalen",
    ),
    "ahmed.nasser": (
        "sorteringen på återvinningscentralen",
        "insamling av plastförpackningar",
        "grovavfallet på ÅVC",
    ),
    "eva.jonsson": (
        "hemkompostering i villaområden",
        "sorteringsvanor hos hushållen",
        "miljöundervisning om avfall",
    ),
    "helena.bergqvist": (
        "bemötande av personer med demenssjukdom",
        "stöd till anhöriga",
        "aktiviteter på särskilda boenden",
    ),
    "thomas.kvist": (
        "digitala nattkameror i hemtjänsten",
        "införande av välfärdsteknik",
        "trygghetslarm och digitala lås",
    ),
    "maria.oberg": (
        "sjukskrivningarna i hemtjänsten",
        "arbetsmiljön för undersköterskor",
        "schemaläggning och bemanning",
    ),
    "sofia.ali": (
        "vidareutbildning för sjuksköterskor",
        "praktikplatser för sjuksköterskestudenter",
        "specialistutbildning för distriktssköterskor",
    ),
    "jonas.pettersson": (
        "systematiskt kvalitetsarbete i skolan",
        "rektorernas pedagogiska ledarskap",
        "likvärdig bedömning",
    ),
    "linnea.hakansson": (
        "barngruppernas storlek i förskolan",
        "lek och lärande för de yngsta",
        "undervisning i förskolan",
    ),
    "oskar.lind": (
        "långvarig skolfrånvaro",
        "elevhälsans förebyggande arbete",
        "elever som mår dåligt",
    ),
    "cecilia.nord": (
        "platser för lärarstudenter",
        "handledarutbildning för lärare",
        "partnerskolor för VFU",
    ),
    "david.sjoberg": (
        "AI-verktyg i undervisningen",
        "programmering på mellanstadiet",
        "elevernas datorer och lärplattformen",
    ),
    "ingrid.falk": (
        "läsfrämjande arbete för barn",
        "folkbibliotekets uppdrag",
        "en ny biblioteksplan",
    ),
    "ali.rahimi": (
        "digitalt stöd för äldre på biblioteket",
        "digital delaktighet för nyanlända",
        "digitala klyftor i kommunen",
    ),
    "birgitta.sten": (
        "införandet av e-arkiv",
        "gallring av handlingar",
        "informationsförvaltning i förvaltningen",
    ),
    "fredrik.olsson": (
        "handeln i stadskärnan",
        "tomma butikslokaler i centrum",
        "invånarnas köpvanor",
    ),
    "emma.blom": (
        "paketleveranser på landsbygden",
        "e-handelns logistik",
        "hemleveranser till glesbygden",
    ),
    "nils.borg": (
        "besöksnäringen i kommunen",
        "sommarens evenemang",
        "marknadsföring av kommunen som resmål",
    ),
    "hanna.kron": (
        "nya e-tjänster för invånarna",
        "automatisering av handläggningen",
        "robotar i ekonomiadministrationen",
    ),
    "viktor.dahl": (
        "IT-säkerheten i förvaltningen",
        "övning i incidenthantering",
        "skydd mot dataintrång",
    ),
    "amanda.roos": (
        "prognoser med maskininlärning",
        "öppna data från kommunen",
        "beslutsstöd med dataanalys",
    ),
    "peter.lund": (
        "rekrytering av familjehem",
        "placerade barn och unga",
        "tidiga insatser mot missbruk",
    ),
    "fatima.hassan": (
        "nyanländas etablering",
        "språkträning på arbetsplatsen",
        "integration genom föreningslivet",
    ),
    "gustav.ahl": (
        "enhetschefernas arbetsvillkor",
        "organisationsutveckling i förvaltningen",
        "rekrytering av chefer",
    ),
    "josefin.mark": (
        "uppdragsutbildning för barnskötare",
        "fortbildning för personalen",
        "validering av kompetens",
    ),
    "robert.wik": (
        "solceller på kommunens tak",
        "energieffektivisering i skolorna",
        "energikartläggning av fastigheter",
    ),
    "elin.sand": (
        "dagvatten och skyfall",
        "klimatanpassning av centrum",
        "grönytor som tar hand om regnvatten",
    ),
    "martin.frost": (
        "renovering av miljonprogrammet",
        "byggande i trä",
        "klimatsmarta byggmaterial",
    ),
    "lisa.engstrom": (
        "en ansökan till Vinnova",
        "EU-projekt tillsammans med högskolan",
        "finansiering för ett gemensamt projekt",
    ),
}
EMERGING: dict[str, str] = {
    "thomas.kvist": "läkemedelsrobotar hos brukarna",
    "peter.lund": "våld i nära relationer",
    "elin.sand": "torka och vattenbrist",
    "fatima.hassan": "ensamkommande ungdomar",
    "nils.borg": "cykelturism och vandringsleder",
    "ingrid.falk": "meröppna bibliotek",
    "robert.wik": "laddinfrastruktur för elbilar",
    "birgitta.sten": "utlämnande av allmänna handlingar",
    "gustav.ahl": "tillitsbaserad styrning",
    "amanda.roos": "språkmodeller i handläggningen",
}
MUNICIPALITIES = ("Borås", "Mark", "Ulricehamn", "Tranemo", "Svenljunga", "Vårgårda", "Herrljunga")
TITLES = ("{T}", "Fråga om {t}", "{T} – hur går vi vidare?", "Samarbete kring {t}", "{T} i {k}")
TEXTS = (
    "Vi i {k} vill veta mer om {t} och behöver någon att bolla med.",
    "{k} har börjat arbeta med {t}. Finns det forskning om {t2}?",
    "Vår förvaltning funderar på {t}. Kan någon från högskolan träffa oss?",
    "Vi vill göra något åt {t} och gärna koppla det till {t2}.",
    "Hej! Vi undrar om högskolan kan hjälpa oss med {t}.",
)
STAGES = (
    ("contact_assigned", "", 15),
    ("meeting_held", "", 35),
    ("workshop", "", 20),
    ("project", "", 15),
    ("project", "completed", 10),
    ("meeting_held", "no_match", 5),
)
HISTORY_START = date(2024, 1, 8)
HISTORY_CASES = 180
HISTORY_DAYS = 900


def generated_history(
    email_to_id: dict[str, int], *, seed: int = 15, cases: int = HISTORY_CASES
) -> list[HandledCase]:
    """A deterministic history of handled cases over HISTORY_DAYS, oldest first."""
    rng = random.Random(seed)
    people = sorted(p for p in THEMES if f"{p}@hb.example" in email_to_id)
    history = []
    for number in range(1, cases + 1):
        person = rng.choice(people)
        themes = list(THEMES[person])
        topic = EMERGING[person] if person in EMERGING and rng.random() < 0.35 else None
        first = topic or rng.choice(themes)
        second = rng.choice([t for t in themes if t != first])
        kommun = rng.choice(MUNICIPALITIES)
        title = rng.choice(TITLES).format(T=first[0].upper() + first[1:], t=first, k=kommun)
        text = rng.choice(TEXTS).format(t=first, t2=second, k=kommun)
        stage, outcome, _weight = rng.choices(STAGES, weights=[s[2] for s in STAGES])[0]
        day = HISTORY_START + timedelta(days=number * HISTORY_DAYS // cases)
        history.append(
            HandledCase(
                reference=f"AK-{day.year}-{number:04d}",
                contact_id=email_to_id[f"{person}@hb.example"],
                title=title,
                text=text,
                stage=stage,
                handled_on=day,
                outcome=outcome,
            )
        )
    return history


def evaluate_history(index: DirectoryIndex, *, learn: bool = True) -> Figures:
    """Rank each generated case with profiles learned from the cases before it only."""
    email_to_id = {d.email.lower(): d.id for d in index.docs.values()}
    id_to_email = {v: k for k, v in email_to_id.items()}
    history = generated_history(email_to_id)
    figures = Figures()
    for i, case in enumerate(history):
        profiles = (
            build_profiles(history[:i], index, today=case.handled_on) if learn else NO_PROFILES
        )
        ranked = rank_contacts(
            title=case.title, text=case.text, loads={}, limit=5, index=index, profiles=profiles
        )
        emails = [s.contact.email.lower() for s in ranked]
        shown = [s.contact.email.lower() for s in suggestions_shown(ranked)]
        _count(figures, case.reference, {id_to_email[case.contact_id]}, emails, shown)
    return figures
