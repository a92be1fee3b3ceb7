"""What the laptop keeps only for itself (half-typed forms, the dashboard's last computation): never
synced, never exported."""
