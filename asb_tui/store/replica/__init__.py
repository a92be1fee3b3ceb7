"""The store as the sync client sees it: local changes to send, pulled changes to apply (through
the store's replica writer), and the sync state. Local only: the HTTP side is
asb_tui.services.sync_run."""
