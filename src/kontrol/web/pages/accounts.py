"""Accounts pages: logging in and out, the language and workspace switches,
people and roles (``/admin/people``) and API keys (``/admin/api-keys``).

Thin: load the viewer, ``require(viewer, Action...)``, call ``kontrol.accounts``,
render. A refused change (bad input, the last admin) shows the page again with
the message, the person's input kept, and the status of ``kontrol.web.errors``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.apikeys import create_api_key, get_api_key, list_api_keys, revoke_api_key
from kontrol.accounts.audit import (
    AuditAction,
    record_account_audit,
    record_audit,
    record_failed_login,
)
from kontrol.accounts.invitations import (
    accept,
    decline,
    has_invitations,
    invitations_of,
    invite,
    withdraw,
    workspace_invitations,
)
from kontrol.accounts.login_limits import (
    LoginRefusal,
    clear_failures,
    count_failure,
    login_refusal,
    password_check_turn,
)
from kontrol.accounts.logins import (
    MIN_PASSWORD,
    authenticate,
    change_password,
    count_accounts,
    get_account,
    memberships_of,
    set_locale,
)
from kontrol.accounts.members import (
    change_member,
    get_member,
    known_links,
    list_members,
    read_member_input,
    remove_member,
)
from kontrol.accounts.policy import Action, require
from kontrol.accounts.sessions import begin_session, end_session, live_sessions, session_user
from kontrol.accounts.tokens import (
    TOKEN_DAYS,
    create_personal_token,
    get_personal_token,
    list_personal_tokens,
    read_token_days,
    revoke_personal_token,
)
from kontrol.demo.seeding import DEMO_LOGINS
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.i18n import LOCALES
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, State, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import Id
from kontrol.web.render import Page, render
from kontrol.web.security import LoginRequired, check_csrf, client_address, load_account

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form()]
CsrfToken = Annotated[str | None, Form()]


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


# -- logging in -----------------------------------------------------------------------


def _login_page(
    request: Request,
    state: State,
    *,
    failed: bool,
    nobody: bool,
    refusal: LoginRefusal | None = None,
    username: str = "",
) -> Response:
    demo_logins = DEMO_LOGINS if state.demo else ()
    context = {
        "failed": failed,
        "nobody": nobody,
        "demo_logins": demo_logins,
        "refusal": refusal,
        # A refused login keeps the typed username (never the password).
        "username": username[:200],
    }
    status = 429 if refusal else 401 if failed else 200
    return render(request, "accounts/login.html", context, status=status)


# Where each role starts, on its own work: the QA lead and admin on what needs
# attention today, a reviewer on their queue, a team lead on the agents to
# coach, an agent on their evaluations; shoppers and recruiters on their feature.
HOME_PAGES: dict[WorkspaceRole, str] = {
    WorkspaceRole.ADMIN: "/home",
    WorkspaceRole.QA_LEAD: "/home",
    WorkspaceRole.REVIEWER: "/review",
    WorkspaceRole.TEAM_LEAD: "/coaching",
    WorkspaceRole.AGENT: "/evaluations",
    WorkspaceRole.SHOPPER: "/shop",
    WorkspaceRole.RECRUITER: "/staff/hiring",
}


@router.get("/")
def home(viewer: CurrentViewer) -> Response:
    """Each role's start page (``HOME_PAGES``)."""
    return RedirectResponse(HOME_PAGES[viewer.role], status_code=303)


@router.get("/login")
def login_form(request: Request, state: State, db: Db) -> Response:
    """The login form."""
    return _login_page(request, state, failed=False, nobody=count_accounts(db) == 0)


@router.post("/login")
def login(
    request: Request,
    state: State,
    db: Db,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: CsrfToken = None,
) -> Response:
    """Check the password and start a session (docs/security.md: limits and sessions)."""
    check_csrf(request, csrf_token)
    address = client_address(request)
    refusal = login_refusal(username, address)
    if refusal is not None:
        record_failed_login(db, username, address, refused=True)
        return _login_page(
            request, state, failed=True, nobody=False, refusal=refusal, username=username
        )
    with password_check_turn():
        account = authenticate(db, username=username, password=password)
    memberships = memberships_of(db, account) if account else []
    invited = account is not None and has_invitations(db, account)
    if account is None or not (memberships or invited):
        count_failure(username, address)
        record_failed_login(db, username, address)
        return _login_page(request, state, failed=True, nobody=False, username=username)
    clear_failures(username, address)
    record_account_audit(
        db,
        user_id=account.id,
        actor=account.username,
        action=AuditAction.LOGIN,
        target=account.username,
        address=address,
    )
    locale = request.session.get("locale")
    request.session.clear()
    request.session["user_id"] = account.id
    request.session["sid"] = begin_session(db, account.id)
    if memberships:
        request.session["workspace_id"] = memberships[0].workspace.id
    request.session["locale"] = locale if locale in LOCALES else account.locale
    return RedirectResponse("/invitations" if invited else "/", status_code=303)


@router.post("/logout")
def logout(request: Request, db: Db, csrf_token: CsrfToken = None) -> Response:
    """End the session, here and on the server (a copied cookie stops working too)."""
    check_csrf(request, csrf_token)
    token = request.session.get("sid")
    user_id = request.session.get("user_id")
    if isinstance(token, str):
        if isinstance(user_id, int) and session_user(db, token) == user_id:
            account = get_account(db, user_id)
            record_account_audit(
                db,
                user_id=user_id,
                actor=account.username,
                action=AuditAction.LOGOUT,
                target=account.username,
                address=client_address(request),
            )
        end_session(db, token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/locale")
def choose_locale(
    request: Request,
    db: Db,
    locale: Annotated[str, Form()],
    csrf_token: CsrfToken = None,
    next_path: Annotated[str | None, Form(alias="next")] = None,
) -> Response:
    """Switch the interface language (remembered for the account)."""
    check_csrf(request, csrf_token)
    if locale in LOCALES:
        request.session["locale"] = locale
        if isinstance(request.session.get("user_id"), int):
            try:
                account = load_account(db, request)
            except LoginRequired:
                account = None
            if account is not None:
                set_locale(db, account=account, locale=locale)
    return RedirectResponse(_safe_next(next_path), status_code=303)


@router.post("/workspace")
def choose_workspace(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    workspace_id: Annotated[int, Form()],
    csrf_token: CsrfToken = None,
) -> Response:
    """Switch to another workspace the person belongs to."""
    check_csrf(request, csrf_token)
    allowed = {m.workspace.id for m in memberships_of(db, viewer.account)}
    if workspace_id in allowed:
        request.session["workspace_id"] = workspace_id
    return RedirectResponse("/", status_code=303)


# -- people -------------------------------------------------------------------------


def _people_page(
    page: Page,
    *,
    error: str | None = None,
    status: int = 200,
    new: dict[str, str] | None = None,
    edited: dict[str, Any] | None = None,
    invited: str | None = None,
) -> Response:
    workspace = page.viewer.workspace
    teams, agent_ids = known_links(page.connection, workspace)
    context = {
        "members": list_members(page.connection, workspace),
        "invitations": workspace_invitations(page.connection, workspace),
        "invited": invited,
        "roles": [role.value for role in WorkspaceRole],
        "teams": teams,
        "agent_ids": agent_ids,
        "min_password": MIN_PASSWORD,
        "error": error,
        "new": new or {},
        "edited": edited or {},
    }
    response = page.render("accounts/people.html", context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/admin/people")
def people_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Members of the workspace with role, team and agent id; forms to change them."""
    require(viewer, Action.MANAGE_USERS)
    return _people_page(page)


@router.post("/admin/people")
def people_add(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    username: FormText = "",
    display_name: FormText = "",
    password: FormText = "",
    role: FormText = "",
    team: FormText = "",
    agent_id: FormText = "",
    csrf_token: CsrfToken = None,
) -> Response:
    """Invite a person by login (a new login is made with the password given).

    The answer is the same whether the login existed elsewhere or not
    (accounts/invitations.py); the person joins when they accept.
    """
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_USERS)
    try:
        details = read_member_input(role=role, team=team, agent_id=agent_id)
        with attempt(db):
            invite(
                db,
                viewer.workspace,
                username=username,
                details=details,
                display_name=display_name,
                password=password,
                invited_by=viewer.account.username,
            )
            record_audit(
                db,
                workspace_id=viewer.workspace.id,
                actor=viewer.account.username,
                action=AuditAction.MEMBER_INVITED,
                target=username.strip(),
                details={"role": details.role.value, "team": details.team},
                address=client_address(request),
            )
    except REFUSALS as error:
        # The password is never sent back into the page.
        kept = {
            "username": username,
            "display_name": display_name,
            "role": role,
            "team": team,
            "agent_id": agent_id,
        }
        return _people_page(page, error=page.says(error), status=status_of(error), new=kept)
    return _people_page(page, invited=username.strip())


@router.post("/admin/invitations/{invitation_id}/withdraw")
def invitation_withdraw(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    invitation_id: Id,
    csrf_token: CsrfToken = None,
) -> Response:
    """Take back an invitation nobody has answered."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_USERS)
    withdraw(db, viewer.workspace, invitation_id)
    record_audit(
        db,
        workspace_id=viewer.workspace.id,
        actor=viewer.account.username,
        action=AuditAction.INVITATION_WITHDRAWN,
        target=f"invitation {invitation_id}",
        address=client_address(request),
    )
    return RedirectResponse("/admin/people", status_code=303)


# -- answering one's invitations ------------------------------------------------------------


@router.get("/invitations")
def invitations_page(request: Request, db: Db) -> Response:
    """The invitations a person has to answer (reachable before they belong anywhere)."""
    account = load_account(db, request)
    context = {
        "account": account,
        "invitations": invitations_of(db, account),
        "has_workspace": bool(memberships_of(db, account)),
    }
    return render(request, "accounts/invitations.html", context)


@router.post("/invitations/{invitation_id}/accept")
def invitation_accept(
    request: Request, db: Db, invitation_id: Id, csrf_token: CsrfToken = None
) -> Response:
    """Join the workspace the invitation is for, in the role it names."""
    check_csrf(request, csrf_token)
    account = load_account(db, request)
    workspace = accept(db, account, invitation_id)
    record_audit(
        db,
        workspace_id=workspace.id,
        actor=account.username,
        action=AuditAction.INVITATION_ACCEPTED,
        target=account.username,
        address=client_address(request),
    )
    request.session["workspace_id"] = workspace.id
    return RedirectResponse("/", status_code=303)


@router.post("/invitations/{invitation_id}/decline")
def invitation_decline(
    request: Request, db: Db, invitation_id: Id, csrf_token: CsrfToken = None
) -> Response:
    """Say no to an invitation."""
    check_csrf(request, csrf_token)
    account = load_account(db, request)
    invited_to = next(
        (i.workspace.id for i in invitations_of(db, account) if i.id == invitation_id), None
    )
    decline(db, account, invitation_id)
    record_audit(
        db,
        workspace_id=invited_to,
        actor=account.username,
        action=AuditAction.INVITATION_DECLINED,
        target=account.username,
        address=client_address(request),
    )
    return RedirectResponse("/invitations", status_code=303)


@router.post("/admin/people/{user_id}")
def people_change(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    user_id: Id,
    role: FormText = "",
    team: FormText = "",
    agent_id: FormText = "",
    csrf_token: CsrfToken = None,
) -> Response:
    """Change one member's role, team and agent id."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_USERS)
    try:
        details = read_member_input(role=role, team=team, agent_id=agent_id)
        with attempt(db):
            before = get_member(db, viewer.workspace, user_id)
            after = change_member(db, viewer.workspace, user_id, details)
            record_audit(
                db,
                workspace_id=viewer.workspace.id,
                actor=viewer.account.username,
                action=AuditAction.MEMBER_CHANGED,
                target=after.username,
                details={
                    "role": [before.role.value, after.role.value],
                    "team": [before.team, after.team],
                    "agent_id": [before.agent_id, after.agent_id],
                },
                address=client_address(request),
            )
    except REFUSALS as error:
        kept = {"user_id": user_id, "role": role, "team": team, "agent_id": agent_id}
        return _people_page(page, error=page.says(error), status=status_of(error), edited=kept)
    return RedirectResponse("/admin/people", status_code=303)


@router.post("/admin/people/{user_id}/remove")
def people_remove(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    user_id: Id,
    csrf_token: CsrfToken = None,
) -> Response:
    """Take a member out of the workspace (the account itself stays)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_USERS)
    try:
        with attempt(db):
            removed = remove_member(db, viewer.workspace, user_id)
            record_audit(
                db,
                workspace_id=viewer.workspace.id,
                actor=viewer.account.username,
                action=AuditAction.MEMBER_REMOVED,
                target=removed.username,
                details={"role": removed.role.value},
                address=client_address(request),
            )
    except Conflict as error:
        return _people_page(page, error=page.says(error), status=status_of(error))
    return RedirectResponse("/admin/people", status_code=303)


# -- one's own account ---------------------------------------------------------------


def _account_page(
    page: Page,
    *,
    changed: int | None = None,
    error: str | None = None,
    status: int = 200,
    token_secret: str | None = None,
    token_error: str | None = None,
) -> Response:
    viewer = page.viewer
    context = {
        "sessions": live_sessions(page.connection, viewer.account.id),
        "changed": changed,
        "error": error,
        "min_password": MIN_PASSWORD,
        "tokens": list_personal_tokens(
            page.connection, viewer.workspace.id, user_id=viewer.account.id
        ),
        "token_days": TOKEN_DAYS,
        "token_secret": token_secret,
        "token_error": token_error,
        "now": utcnow(),
    }
    response = page.render("accounts/account.html", context, status=status)
    # A new token is in this page only: never cached, never kept by the browser.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/account")
def account_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Who one is here, how many logins are open, and the password change."""
    return _account_page(page)


@router.post("/account/password")
def account_password(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    current_password: FormText = "",
    new_password: FormText = "",
    new_password_again: FormText = "",
    csrf_token: CsrfToken = None,
) -> Response:
    """Change one's own password; every other session of the account ends."""
    check_csrf(request, csrf_token)
    session = request.session.get("sid")
    try:
        with attempt(db):
            ended = change_password(
                db,
                viewer.account,
                current=current_password,
                new=new_password,
                repeated=new_password_again,
                session=session if isinstance(session, str) else None,
            )
            record_account_audit(
                db,
                user_id=viewer.account.id,
                actor=viewer.account.username,
                action=AuditAction.PASSWORD_CHANGED,
                target=viewer.account.username,
                details={"sessions_ended": ended},
                address=client_address(request),
            )
    except InvalidInput as error:
        # The account page words the password refusals its own way, by the field.
        key = f"account.error.{error.where_params.get('field', '')}"
        message = page.t(key)
        shown = page.says(error) if message == key else message
        return _account_page(page, error=shown, status=status_of(error))
    return _account_page(page, changed=ended)


# -- personal API tokens ------------------------------------------------------------


@router.post("/account/tokens")
def account_token_create(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    name: FormText = "",
    days: FormText = "",
    csrf_token: CsrfToken = None,
) -> Response:
    """Make a personal token to read /api/v1 as oneself; the page shows it this once."""
    check_csrf(request, csrf_token)
    try:
        with attempt(db):
            made = create_personal_token(
                db,
                user_id=viewer.account.id,
                workspace=viewer.workspace,
                name=name,
                days=read_token_days(days),
                actor=viewer.account.username,
                address=client_address(request),
            )
    except REFUSALS as error:
        field = page.says(error).split(":", 1)[0]
        message = page.t(f"tokens.error.{field}")
        return _account_page(page, token_error=message, status=status_of(error))
    return _account_page(page, token_secret=made.secret)


@router.post("/account/tokens/{token_id}/revoke")
def account_token_revoke(
    request: Request, db: Db, viewer: CurrentViewer, token_id: Id, csrf_token: CsrfToken = None
) -> Response:
    """Revoke one of one's own tokens (another person's is not found)."""
    check_csrf(request, csrf_token)
    token = get_personal_token(db, viewer.workspace.id, token_id)
    if token.user_id != viewer.account.id:
        raise NotFound(
            f"no personal token {token_id} of yours",
            key="accounts.error.token_not_yours",
            params={"token_id": token_id},
        )
    revoke_personal_token(db, token, actor=viewer.account.username, address=client_address(request))
    return RedirectResponse("/account", status_code=303)


@router.get("/admin/tokens")
def tokens_admin_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Every personal token of the workspace, whose it is, its last use; revoke any."""
    require(viewer, Action.MANAGE_USERS)
    tokens = list_personal_tokens(page.connection, viewer.workspace.id)
    return page.render("accounts/tokens.html", {"tokens": tokens, "now": utcnow()})


@router.post("/admin/tokens/{token_id}/revoke")
def tokens_admin_revoke(
    request: Request, db: Db, viewer: CurrentViewer, token_id: Id, csrf_token: CsrfToken = None
) -> Response:
    """An admin revokes a member's token."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_USERS)
    token = get_personal_token(db, viewer.workspace.id, token_id)
    revoke_personal_token(db, token, actor=viewer.account.username, address=client_address(request))
    return RedirectResponse("/admin/tokens", status_code=303)


# -- API keys -----------------------------------------------------------------------


def _keys_page(
    page: Page, *, secret: str | None = None, error: str | None = None, status: int = 200
) -> Response:
    keys = list_api_keys(page.connection, page.viewer.workspace)
    context = {"keys": keys, "secret": secret, "error": error}
    return page.render("accounts/api_keys.html", context, status=status)


@router.get("/admin/api-keys")
def api_keys_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The workspace's API keys and a form to make one."""
    require(viewer, Action.MANAGE_INTEGRATIONS)
    return _keys_page(page)


@router.post("/admin/api-keys")
def api_keys_create(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    name: Annotated[str, Form()],
    csrf_token: CsrfToken = None,
) -> Response:
    """Make a key; the page shows it this once."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_INTEGRATIONS)
    try:
        with attempt(db):
            made = create_api_key(
                db,
                workspace=viewer.workspace,
                name=name,
                created_by=viewer.account.username,
                address=client_address(request),
            )
    except REFUSALS as error:
        return _keys_page(page, error=page.says(error), status=status_of(error))
    response = _keys_page(page, secret=made.secret)
    # The key is in this page only: never cached, never kept by the browser.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/api-keys/{key_id}/revoke")
def api_keys_revoke(
    request: Request, db: Db, viewer: CurrentViewer, key_id: Id, csrf_token: CsrfToken = None
) -> Response:
    """Revoke a key of the workspace."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_INTEGRATIONS)
    revoke_api_key(
        db,
        get_api_key(db, viewer.workspace, key_id),
        actor=viewer.account.username,
        address=client_address(request),
    )
    return RedirectResponse("/admin/api-keys", status_code=303)
