from cases.models import Case


def test_submitted_request_gets_reference_and_is_received(directory):
    from tests.factories import make_case

    case = make_case()
    assert Case.objects.get(pk=case.pk).state == "received"
    assert case.reference.startswith("AK-")
