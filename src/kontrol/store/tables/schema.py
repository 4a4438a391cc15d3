"""The one ``MetaData`` every table belongs to, its naming rules and the id type.

Times are stored as naive UTC datetimes on both SQLite and PostgreSQL so that
comparisons and grouping behave identically; the workspace time zone is
applied when reading input without an offset and when showing times.
"""

from sqlalchemy import BigInteger, Integer, MetaData

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
