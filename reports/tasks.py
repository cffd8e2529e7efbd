"""Thin periodic tasks: refresh the report figures (safe to run twice: a refresh is idempotent
and refreshes run one at a time under RefreshState's row lock)."""

from __future__ import annotations

from celery import shared_task

from reports import services


@shared_task
def refresh_report_figures() -> int:
    return services.aggregates_refresh().last_event_id


# A full rebuild at a million cases takes minutes: beyond the default time limit.
@shared_task(time_limit=3600)
def rebuild_report_figures(period_days: int = services.FULL_PERIOD_DAYS) -> int:
    return services.aggregates_refresh(full=True, period_days=period_days).last_event_id
