"""The store as the sync client sees it: local changes to send, pulled changes to apply, and the
sync state."""
