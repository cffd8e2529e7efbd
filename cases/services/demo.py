"""Demo data for `make run`: the shipped directory, demo logins and a few cases."""

from __future__ import annotations

from pathlib import Path

from accounts.models import Role
from accounts.services import staff_user_create
from cases.actors import Actor
from cases.models import Case
from cases.services.intake import case_submit
from cases.services.notes import case_note_add
from cases.services.transitions import case_transition
from directory.models import Area, ContactPerson, Municipality
from directory.services import directory_import

DEMO_DATA = Path(__file__).resolve().parents[2] / "directory" / "data"
DEMO_PASSWORD = "samverka-demo"
DEMO_USERS = [
    ("koordinator@hb.example", Role.COORDINATOR, "Malin", "Andersson"),
    ("anna.lindqvist@hb.example", Role.CONTACT, "Anna", "Lindqvist"),
    ("registrator@hb.example", Role.REGISTRAR, "Rune", "Registrator"),
    ("admin@hb.example", Role.ADMIN, "Ada", "Admin"),
]
DEMO_REQUESTER = "@kommun.example"

# (municipality, title, description, area, steps to take after intake)
DEMO_CASES = [
    (
        "1452",
        "Kompetensförsörjning inom äldreomsorgen",
        "Vi har svårt att rekrytera undersköterskor och sjuksköterskor till hemtjänsten och vill "
        "hitta vägar för att behålla personal.",
        "vard-halsa",
        [],
    ),
    (
        "1490",
        "Insamling av textilier på återvinningscentralen",
        "Vi vill öka insamlingen av kasserade kläder och undrar hur de kan sorteras för återbruk.",
        "textil-mode",
        ["assign_contact"],
    ),
    (
        "1442",
        "Matsvinn i skolköken",
        "Skolmåltiderna ger mycket svinn. Kan studenter hjälpa oss att mäta och minska det?",
        "resursatervinning",
        ["assign_contact", "record_meeting"],
    ),
    (
        "1491",
        "Digital delaktighet för äldre på biblioteken",
        "Biblioteket vill hjälpa äldre att använda e-tjänster och söker samarbete.",
        "bibliotek-information",
        ["assign_contact", "record_meeting", "start_project"],
    ),
    (
        "1466",
        "Solceller på kommunens fastigheter",
        "Vi utreder solceller på skolor och vill ha hjälp att räkna på lönsamheten.",
        "hallbar-utveckling",
        ["decline"],
    ),
]


def demo_seed() -> dict[str, int]:
    """Load the demo. Safe to run again: nothing is duplicated."""
    directory_import(folder=DEMO_DATA)
    users = {}
    for email, role, first, last in DEMO_USERS:
        users[role] = staff_user_create(
            email=email, role=role, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
    anna = ContactPerson.objects.get(email="anna.lindqvist@hb.example")
    if anna.user_id is None:
        anna.user = users[Role.CONTACT]
        anna.save(update_fields=["user"])
    created = 0
    staff = Actor.staff(users[Role.COORDINATOR])
    for number, (code, title, text, area, steps) in enumerate(DEMO_CASES, start=1):
        email = f"demo{number}{DEMO_REQUESTER}"
        if Case.objects.filter(requester_email=email).exists():
            continue
        case, _ = case_submit(
            municipality=Municipality.objects.get(code=code),
            requester_name=f"Demo Beställare {number}",
            requester_role="Verksamhetsutvecklare",
            requester_email=email,
            title=title,
            description=text,
            areas=[Area.objects.get(slug=area)],
            consent=True,
        )
        data = {
            "assign_contact": {"contact": anna.email},
            "record_meeting": {
                "date": case.created_at.date().isoformat(),
                "notes": "Första mötet.",
            },
            "start_project": {"title": title, "summary": "Ett gemensamt projekt under våren."},
            "decline": {"reason": "Vi saknar tyvärr forskning inom området just nu."},
        }
        for step in steps:
            case = case_transition(case=case, name=step, actor=staff, data=data[step])
        if steps:
            case_note_add(case=case, actor=staff, text="Demoärende.")
        created += 1
    return {"users": len(DEMO_USERS), "cases_created": created}
