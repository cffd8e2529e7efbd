from __future__ import annotations

import pytest

from privacy import registry


def test_an_app_registers_its_eraser_and_exporter_once_even_if_ready_runs_twice(clean_registry):
    def erase(case_ids: list[int]) -> int:
        return len(case_ids)

    def export(email: str) -> dict:
        return {"messages": [email]}

    registry.register("messages", eraser=erase, exporter=export)
    registry.register("messages", eraser=erase, exporter=export)

    mine = [h for h in registry.holders() if h.name == "messages"]
    assert len(mine) == 1
    assert mine[0].eraser([1, 2]) == 2
    assert mine[0].exporter("eva@boras.example") == {"messages": ["eva@boras.example"]}
    assert mine[0].attachments is None


def test_a_holder_without_a_name_is_refused(clean_registry):
    with pytest.raises(ValueError):
        registry.register("", eraser=lambda ids: 0)
