"""Coordinators keep the reply templates themselves (not only administrators in the admin)."""

from __future__ import annotations

from conversation.models import ReplyTemplate
from tests.factories import make_case


def test_a_coordinator_adds_a_template_and_it_is_offered_on_the_case_page(
    client, directory, coordinator
):
    client.force_login(coordinator)
    response = client.post(
        "/staff/templates/",
        {"name": "Tack", "body": "Hej {name}! Tack för {reference}.", "active": "on"},
    )
    assert response.status_code == 302
    template = ReplyTemplate.objects.get(name="Tack")

    case = make_case(requester_name="Eva Ek")
    page = client.get(f"/staff/cases/{case.reference}/?template={template.pk}").content.decode()
    assert f'<option value="{template.pk}">Tack</option>' in page
    assert f"Hej Eva Ek! Tack för {case.reference}." in page


def test_a_changed_template_can_be_taken_out_of_use(client, directory, coordinator):
    template = ReplyTemplate.objects.create(name="Möte", body="Vi föreslår ett möte.")
    option = f'<option value="{template.pk}">Möte</option>'
    client.force_login(coordinator)
    case = make_case()
    assert option in client.get(f"/staff/cases/{case.reference}/").content.decode()
    response = client.post(
        f"/staff/templates/{template.pk}/", {"name": "Möte", "body": "Vi föreslår två tider."}
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.body, template.active) == ("Vi föreslår två tider.", False)
    assert option not in client.get(f"/staff/cases/{case.reference}/").content.decode()


def test_a_duplicate_name_is_refused_and_the_text_is_kept(client, directory, coordinator):
    ReplyTemplate.objects.create(name="Tack", body="Tack!")
    client.force_login(coordinator)
    response = client.post("/staff/templates/", {"name": "Tack", "body": "Ett nytt svar"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Det finns redan en mall med det namnet." in page
    assert "Ett nytt svar" in page
    assert ReplyTemplate.objects.count() == 1


def test_contact_persons_and_registrars_may_not_keep_templates(
    client, directory, contact_user_a, registrar
):
    for user in (contact_user_a, registrar):
        client.force_login(user)
        assert client.get("/staff/templates/").status_code == 403
        assert client.post("/staff/templates/", {"name": "X", "body": "Y"}).status_code == 403
    assert not ReplyTemplate.objects.exists()
