"""Cache invalidation only: the suggestion index is rebuilt when the directory or its
vocabulary changes."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from directory.models import Area, CollaborationForm, ContactPerson, VocabularyEntry
from directory.suggestions import directory_changed


@receiver(post_save, sender=ContactPerson)
@receiver(post_save, sender=Area)
@receiver(post_save, sender=CollaborationForm)
@receiver(post_delete, sender=ContactPerson)
@receiver(post_delete, sender=Area)
@receiver(post_delete, sender=CollaborationForm)
@receiver(post_save, sender=VocabularyEntry)
@receiver(post_delete, sender=VocabularyEntry)
@receiver(m2m_changed, sender=ContactPerson.areas.through)
def _directory_changed(**kwargs) -> None:
    directory_changed()
