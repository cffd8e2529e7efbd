"""Attachment downloads (staff and tracking-token holders); see conversation.urls."""
