"""Workspaces, people, their roles in workspaces, settings and API keys."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("created_at", DateTime, nullable=False),
)

# What a workspace shows its customers (survey pages, QR codes, kiosks).
workspace_brands = Table(
    "workspace_brands",
    metadata,
    Column(
        "workspace_id",
        Id,
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("display_name", String(100)),
    Column("colour", String(7)),
    Column("logo_type", String(20)),
    Column("logo", LargeBinary),
    Column("logo_sha256", String(64), index=True),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

app_settings = Table(
    "app_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("locale", String(5), nullable=False, default="ru"),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # admin, qa_lead, reviewer, team_lead, agent
    Column("role", String(20), nullable=False),
    # For agents and team leads: which agent / team of the workspace they are.
    Column("agent_external_id", String(200)),
    Column("team", String(200)),
    UniqueConstraint("user_id", "workspace_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    # The first characters of the key, shown so people can tell keys apart.
    Column("prefix", String(16), nullable=False),
    # sha256 of the whole key (the key is 256 random bits: no slow hash needed).
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
    Index("ix_api_keys_ws_name", "workspace_id", "name"),
)

# Who is logged in: one row per browser session, the cookie carrying only its token
# (accounts/sessions.py). Logging out, a password change and losing one's last
# membership delete the rows, so a copied cookie stops working at once.
login_sessions = Table(
    "login_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # sha256 of the session token (256 random bits: no slow hash needed).
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    # The absolute end, whatever the activity.
    Column("expires_at", DateTime, nullable=False),
    Index("ix_login_sessions_user_id", "user_id"),
)

# An admin asks a person to join a workspace; the membership exists only once that
# person accepts (accounts/invitations.py). One open invitation per account and workspace.
invitations = Table(
    "invitations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("agent_external_id", String(200)),
    Column("team", String(200)),
    Column("invited_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    # The account was made by this invitation (withdrawing it then removes the account).
    Column("new_account", Boolean, nullable=False),
    # accepted, declined or withdrawn; NULL while open.
    Column("outcome", String(10)),
    Column("answered_at", DateTime),
    Index("ix_invitations_user_id", "user_id"),
    Index("ix_invitations_workspace_id", "workspace_id"),
)

# A person's token to read /api/v1 without a browser (accounts/tokens.py): it acts as
# its person in one workspace, with the role they have there at each request.
personal_tokens = Table(
    "personal_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    # The first characters of the token, shown so people can tell tokens apart.
    Column("prefix", String(16), nullable=False),
    # sha256 of the whole token (256 random bits, like an API key).
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
    Column("revoked_by", String(100)),
    Index("ix_personal_tokens_ws_user", "workspace_id", "user_id"),
)

# Security-relevant actions (accounts/audit.py), written in the transaction of the action.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # NULL for what belongs to no workspace (a failed login for an unknown name).
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE")),
    # The login of who did it (kept as text: the entry outlives the account).
    Column("actor", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(300), nullable=False),
    # JSON object of what else is worth knowing (never a secret or a password).
    Column("details", Text, nullable=False),
    Column("address", String(64)),
    Column("created_at", DateTime, nullable=False),
    Index("ix_audit_log_ws_created", "workspace_id", "created_at"),
)
