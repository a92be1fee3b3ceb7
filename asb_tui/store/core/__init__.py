"""The store's foundation: the encrypted database, key slots, migrations, models, the audit chain
and the one write path (the unit of work)."""
