"""search answers half-typed words from prefix indexes, over one merged segment

Every typed word is searched as a prefix (`"smi"*`, store/queries/search.py). Without a prefix
index FTS5 answers a prefix by merging the doclists of every term that starts with it, in every
segment, and bm25 does that again per word to count the rows it matches (its IDF): at 1,000,000
entries that merging was most of a search's time. `prefix='2 3 4'` keeps a doclist per 2-, 3- and
4-character prefix, so a word typed that far is one doclist read; `optimize` merges the index
into one segment, so a longer word's terms are read from one b-tree instead of ~20.

FTS5 cannot add prefix indexes to a table, so the table is built anew beside the old one (rowids
kept: search ranks newest first by rowid), the old one dropped and the new one renamed.
`legacy_alter_table` makes the rename leave the triggers alone: they name `search_index`, which
is the new table's name once renamed.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "body, row_id, case_id UNINDEXED, entity UNINDEXED"
_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"


def _rebuild(options: str) -> None:
    op.execute("DROP TABLE IF EXISTS search_index_rebuilt")
    op.execute(f"CREATE VIRTUAL TABLE search_index_rebuilt USING fts5({_COLUMNS}, {options})")
    op.execute(
        "INSERT INTO search_index_rebuilt(rowid, body, row_id, case_id, entity) "
        "SELECT rowid, body, row_id, case_id, entity FROM search_index ORDER BY rowid"
    )
    op.execute("INSERT INTO search_index_rebuilt(search_index_rebuilt) VALUES ('optimize')")
    op.execute("DROP TABLE search_index")
    op.execute("PRAGMA legacy_alter_table = ON")
    op.execute("ALTER TABLE search_index_rebuilt RENAME TO search_index")
    op.execute("PRAGMA legacy_alter_table = OFF")


def upgrade() -> None:
    _rebuild(f"{_TOKENIZE}, prefix = '2 3 4'")


def downgrade() -> None:
    _rebuild(_TOKENIZE)
